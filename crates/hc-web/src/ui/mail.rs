//! E-mail from pages: rendered from `templates/emails/`, queued in the database in
//! the page's own transaction, and sent by a background worker (see
//! [`hc_integrations::outbox`]), so a page never waits for SMTP.

use std::sync::Arc;
use std::time::Duration;

use hc_core::config::Config;
use hc_core::db::{DbConn, Pool};
use hc_core::time;
use hc_integrations::email::{Mailer, Outgoing};
use hc_integrations::outbox;
use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::error::PageError;
use crate::State;

/// How often the worker looks for due retries when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);

/// Renders `emails/<name>.txt` (and `.html` when there is one) and queues the
/// message. Call [`wake`] after the transaction commits.
pub fn queue<T: Serialize>(
    state: &State,
    conn: &mut DbConn,
    to: &str,
    subject: &str,
    name: &str,
    context: &T,
) -> Result<(), PageError> {
    let text = state
        .templates
        .render(&format!("emails/{name}.txt"), context)?;
    let html_name = format!("emails/{name}.html");
    let html = if state.templates.names().contains(&html_name.as_str()) {
        Some(state.templates.render(&html_name, context)?)
    } else {
        None
    };
    let message = Outgoing {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text,
        html,
    };
    outbox::queue(
        conn,
        &state.config.default_from_email,
        &message,
        time::now(),
    )?;
    Ok(())
}

/// Tells the worker there is mail.
pub fn wake(state: &State) {
    state.outbox.notify_one();
}

/// How often expired sessions and used or expired login links are deleted.
const HOUSEKEEPING: Duration = Duration::from_secs(3600);

/// Deletes expired sessions and login links once an hour, so neither table grows
/// without bound. Several hc-web processes doing it at once is harmless.
pub fn spawn_housekeeping(pool: Pool, shutdown: CancellationToken) {
    actix_web::rt::spawn(async move {
        loop {
            let pool2 = pool.clone();
            let done = tokio::task::spawn_blocking(move || -> hc_core::Result<(usize, usize)> {
                let mut conn = pool2.get()?;
                let now = time::now();
                Ok((
                    hc_core::sessions::prune(&mut conn, now)?,
                    hc_core::logins::prune(&mut conn, now)?,
                ))
            })
            .await;
            match done {
                Ok(Ok((sessions, links))) if sessions + links > 0 => {
                    tracing::info!(sessions, links, "deleted expired sessions and login links")
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "housekeeping failed"),
                _ => {}
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(HOUSEKEEPING) => {}
            }
        }
    });
}

/// Starts the worker, unless e-mail is not set up (then messages stay queued and
/// are sent once `EMAIL_HOST` is set and hc-web restarts).
pub fn spawn_worker(config: &Config, pool: Pool, wakeup: Arc<Notify>, shutdown: CancellationToken) {
    let mailer = match Mailer::from_config(config) {
        Ok(mailer) => Arc::new(mailer),
        Err(e) => {
            tracing::info!(reason = %e, "the mail worker is off: pages cannot send login links");
            return;
        }
    };
    actix_web::rt::spawn(async move {
        loop {
            let (pool2, mailer2) = (pool.clone(), mailer.clone());
            let tried = tokio::task::spawn_blocking(move || {
                outbox::deliver_due(&pool2, &mailer2, time::now())
            })
            .await;
            match tried {
                Ok(Ok(n)) if n > 0 => continue,
                Ok(Err(e)) => tracing::warn!(error = %e, "mail worker pass failed"),
                Err(e) => tracing::warn!(error = %e, "mail worker pass panicked"),
                _ => {}
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = wakeup.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
}
