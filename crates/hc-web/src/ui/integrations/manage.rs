//! One integration's actions: rename, send a test notification now, remove, and the
//! e-mail verification link.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::schema::channels;
use hc_core::{keys, time};
use hc_integrations::email::Mailer;
use hc_integrations::outbound::Outbound;
use hc_integrations::{catalogue, trial, Senders};
use serde::Serialize;

use super::list::{self, Extra};
use super::{channel_or_404, find_channel, forms, project_title, read_only, verify_token};
use crate::ui::{db, PageError, Posted, Visitor};
use crate::State;

/// How long "Test!" waits for the provider before giving up.
const TEST_LIMIT: Duration = Duration::from_secs(40);

pub async fn rename(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let name = form.trimmed("name").to_owned();
    let typed = name.clone();
    let too_long = name.chars().count() > forms::MAX_NAME;
    let (project_code, channel_code) = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let (channel, project, standing) = channel_or_404(conn, &user, &code)?;
            if !standing.can_write() {
                return Err(read_only());
            }
            if !too_long {
                diesel::update(channels::table.find(channel.id))
                    .set(channels::name.eq(&name))
                    .execute(conn)?;
            }
            Ok((project.code, channel.code))
        })
    })
    .await?;
    if too_long {
        let n = typed.chars().count();
        let extra = Extra {
            notice: "The integration was not renamed: the name is too long.".into(),
            notice_bad: true,
            rename: Some((
                channel_code,
                typed,
                format!(
                    "Enter at most {} characters (this has {n}).",
                    forms::MAX_NAME
                ),
            )),
        };
        return list::render(
            &state,
            &visitor,
            project_code,
            StatusCode::BAD_REQUEST,
            extra,
        )
        .await;
    }
    Ok(visitor.redirect(&format!(
        "/projects/{project_code}/integrations/?done=renamed"
    )))
}

/// The senders a test uses: the same client settings and mailer as `sendalerts`.
fn senders(state: &State) -> Result<Senders, PageError> {
    let config = Arc::new(state.config.clone());
    Ok(Senders {
        http: Outbound::new(config.integrations.allow_private_ips)
            .map_err(|e| PageError::Internal(e.message))?,
        mailer: Mailer::from_config(&config).ok().map(Arc::new),
        pool: state.pool.clone(),
        config,
    })
}

/// POST: sends a test notification now and shows how it went on the list.
pub async fn test(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { visitor, user, .. } = posted;
    let (channel, project, project_name) = db(&state, move |conn| {
        let (channel, project, standing) = channel_or_404(conn, &user, &code)?;
        if !standing.can_write() {
            return Err(read_only());
        }
        let title = project_title(conn, &project)?;
        Ok((channel, project, title))
    })
    .await?;
    let senders = senders(&state)?;
    let outcome = trial::send_test(&senders, &channel, &project_name, TEST_LIMIT).await;
    // The error is recorded on the channel; it is not logged, since a provider's
    // words can repeat the URL, and webhook URLs may hold secrets.
    tracing::info!(
        channel.kind = %channel.kind,
        ok = outcome.result.is_ok(),
        duration_ms = outcome.took.num_milliseconds(),
        "test notification"
    );
    let channel_code = channel.code.clone();
    db(&state, move |conn| {
        trial::record(conn, &channel, &outcome, time::now())?;
        Ok(())
    })
    .await?;
    Ok(visitor.redirect(&format!(
        "/projects/{}/integrations/?tested={channel_code}",
        project.code
    )))
}

pub async fn remove(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { visitor, user, .. } = posted;
    let project_code = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let (channel, project, standing) = channel_or_404(conn, &user, &code)?;
            if !standing.can_write() {
                return Err(read_only());
            }
            // Its assignments and notifications go with it (ON DELETE CASCADE).
            diesel::delete(channels::table.find(channel.id)).execute(conn)?;
            tracing::info!(channel.kind = %channel.kind, "integration removed");
            Ok(project.code)
        })
    })
    .await?;
    Ok(visitor.redirect(&format!(
        "/projects/{project_code}/integrations/?done=removed"
    )))
}

#[derive(Serialize)]
struct VerifiedPage {
    ok: bool,
    title: String,
}

/// GET the link from the verification e-mail: no login needed, since the address
/// may belong to someone without an account.
pub async fn verify(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let (code, token) = path.into_inner();
    let secret = state.config.secret_key.expose().to_owned();
    let found = db(&state, move |conn| {
        let channel = find_channel(conn, &code)?
            .filter(|c| c.kind == "email")
            .ok_or(PageError::NotFound)?;
        if !keys::same_secret(&token, &verify_token(&secret, &channel.code)) {
            return Ok(None);
        }
        diesel::update(channels::table.find(channel.id))
            .set(channels::email_verified.eq(true))
            .execute(conn)?;
        Ok(Some(catalogue::display_name(&channel)))
    })
    .await?;
    let (status, page) = match found {
        Some(title) => (StatusCode::OK, VerifiedPage { ok: true, title }),
        None => (
            StatusCode::BAD_REQUEST,
            VerifiedPage {
                ok: false,
                title: String::new(),
            },
        ),
    };
    visitor.render_status(&state, status, "integrations/verified.html", &page)
}
