//! The mail queue for e-mail that pages send (login links, invitations): a page
//! records the message and answers at once; a background worker sends it, retrying
//! with backoff, so a slow or dead SMTP server never slows a page or loses a message.
//!
//! A worker claims a message by pushing its `next_attempt` out by a lease in the same
//! transaction that reads it (`SKIP LOCKED` on server databases), so several hc-web
//! processes share one queue, and a message whose worker died is tried again once
//! the lease runs out.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::models::Email;
use hc_core::schema::emails;
use hc_core::{keys, Result};

use crate::email::{Mailer, Outgoing};

/// Tries per message before it is marked failed.
pub const MAX_ATTEMPTS: i32 = 5;

/// How long a claimed message is left to its worker before another may take it.
const LEASE: Duration = Duration::minutes(2);

/// Waits after the 1st, 2nd, 3rd and 4th failed try.
fn backoff(attempts: i32) -> Duration {
    match attempts {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(15),
        _ => Duration::hours(1),
    }
}

/// Records `message` for sending as soon as a worker gets to it; returns its code.
pub fn queue(
    conn: &mut DbConn,
    from: &str,
    message: &Outgoing,
    now: DateTime<Utc>,
) -> Result<String> {
    let code = keys::new_uuid();
    diesel::insert_into(emails::table)
        .values(Email {
            id: 0,
            code: code.clone(),
            from_email: from.to_owned(),
            to_email: message.to.clone(),
            subject: message.subject.clone(),
            body_text: message.text.clone(),
            body_html: message.html.clone().unwrap_or_default(),
            headers: "{}".into(),
            status: "queued".into(),
            attempts: 0,
            next_attempt: Some(now.naive_utc()),
            error: String::new(),
            created: now.naive_utc(),
            sent: None,
        })
        .execute(conn)?;
    Ok(code)
}

/// Takes up to `limit` messages that are due, leasing them to this worker.
pub fn claim(conn: &mut DbConn, now: DateTime<Utc>, limit: i64) -> Result<Vec<Email>> {
    conn.write_tx(|conn| {
        macro_rules! due {
            () => {
                emails::table
                    .filter(emails::status.eq_any(["queued", "sending"]))
                    .filter(emails::next_attempt.le(now.naive_utc()))
                    .order(emails::next_attempt)
                    .limit(limit)
                    .select(Email::as_select())
            };
        }
        let mut due: Vec<Email> = match conn {
            DbConn::Sqlite(c) => due!().load(c)?,
            DbConn::Postgres(c) => due!().for_update().skip_locked().load(c)?,
            DbConn::Mysql(c) => due!().for_update().skip_locked().load(c)?,
        };
        for email in &mut due {
            email.attempts += 1;
            email.status = "sending".into();
            email.next_attempt = Some((now + LEASE).naive_utc());
            diesel::update(emails::table.find(email.id))
                .set((
                    emails::attempts.eq(email.attempts),
                    emails::status.eq(&email.status),
                    emails::next_attempt.eq(email.next_attempt),
                ))
                .execute(conn)?;
        }
        Ok(due)
    })
}

/// Records how one try went: sent, to be retried later, or failed for good.
pub fn record(
    conn: &mut DbConn,
    email: &Email,
    outcome: std::result::Result<(), String>,
    now: DateTime<Utc>,
) -> Result<()> {
    let target = emails::table.find(email.id);
    match outcome {
        Ok(()) => {
            diesel::update(target)
                .set((
                    emails::status.eq("sent"),
                    emails::error.eq(""),
                    emails::next_attempt.eq(None::<chrono::NaiveDateTime>),
                    emails::sent.eq(Some(now.naive_utc())),
                ))
                .execute(conn)?;
        }
        Err(error) => {
            let error: String = error.chars().take(200).collect();
            let (status, next) = if email.attempts >= MAX_ATTEMPTS {
                ("failed", None)
            } else {
                ("queued", Some((now + backoff(email.attempts)).naive_utc()))
            };
            diesel::update(target)
                .set((
                    emails::status.eq(status),
                    emails::error.eq(&error),
                    emails::next_attempt.eq(next),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// One pass of the worker: claims what is due, sends it, records each outcome.
/// Returns how many messages it tried.
pub fn deliver_due(pool: &hc_core::db::Pool, mailer: &Mailer, now: DateTime<Utc>) -> Result<usize> {
    let claimed = claim(&mut *pool.get()?, now, 20)?;
    for email in &claimed {
        let message = Outgoing {
            to: email.to_email.clone(),
            subject: email.subject.clone(),
            text: email.body_text.clone(),
            html: (!email.body_html.is_empty()).then(|| email.body_html.clone()),
        };
        let outcome = mailer.send(&message).map_err(|e| e.to_string());
        match &outcome {
            Ok(()) => tracing::info!(email.code = %email.code, "e-mail sent"),
            Err(error) => {
                tracing::warn!(email.code = %email.code, attempts = email.attempts, %error, "e-mail not sent")
            }
        }
        record(&mut *pool.get()?, email, outcome, hc_core::time::now())?;
    }
    Ok(claimed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop() {
        assert!(backoff(1) < backoff(2) && backoff(2) < backoff(3) && backoff(3) < backoff(4));
        assert_eq!(MAX_ATTEMPTS, 5);
    }
}
