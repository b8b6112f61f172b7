//! `/accounts/unsubscribe_reports/<token>/`: the signed link in every report and
//! reminder (see `hc_core::reports::unsubscribe`). A GET only asks, since mail
//! scanners open links; a POST turns reports and reminders off. The POST needs no
//! CSRF token: the signature is the authority, and mail clients that offer
//! one-click unsubscribing (RFC 8058) post `List-Unsubscribe=One-Click` with no
//! cookies at all.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::reports::unsubscribe;
use hc_core::time;
use serde::Serialize;

use super::{db, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/accounts/unsubscribe_reports/{token}/",
        web::get().to(confirm_page),
    )
    .route(
        "/accounts/unsubscribe_reports/{token}/",
        web::post().to(unsubscribe),
    );
}

#[derive(Serialize, Default)]
struct Page {
    action: String,
    /// The link is older than a scanner's visit: the page posts itself.
    autosubmit: bool,
    bad_link: bool,
    done: bool,
}

/// Renders the page; the token in this page's address stays out of any Referer.
fn render(
    state: &State,
    visitor: &Visitor,
    status: StatusCode,
    page: &Page,
) -> Result<HttpResponse, PageError> {
    let mut response =
        visitor.render_status(state, status, "accounts/unsubscribe_reports.html", page)?;
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

fn bad_link(state: &State, visitor: &Visitor) -> Result<HttpResponse, PageError> {
    let page = Page {
        bad_link: true,
        ..Page::default()
    };
    render(state, visitor, StatusCode::BAD_REQUEST, &page)
}

/// `GET`: a button that posts back to the same address.
async fn confirm_page(
    state: web::Data<State>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let secret = state.config.secret_key.expose();
    let Some(signed) = unsubscribe::verify(secret, &token) else {
        tracing::info!("refused an unsubscribe link with a bad signature");
        return bad_link(&state, &visitor);
    };
    let page = Page {
        action: visitor.path(&unsubscribe::path(&token)),
        autosubmit: time::now() - signed.at > unsubscribe::SCANNER_WINDOW,
        ..Page::default()
    };
    render(&state, &visitor, StatusCode::OK, &page)
}

/// `POST`: reports and reminders off.
async fn unsubscribe(
    state: web::Data<State>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let secret = state.config.secret_key.expose();
    let Some(signed) = unsubscribe::verify(secret, &token) else {
        tracing::info!("refused an unsubscribe link with a bad signature");
        return bad_link(&state, &visitor);
    };
    let username = signed.username;
    let found = db(&state, move |conn| {
        Ok(unsubscribe::turn_off(conn, &username)?)
    })
    .await?;
    if !found {
        tracing::info!("an unsubscribe link for a user who is gone");
        return bad_link(&state, &visitor);
    }
    tracing::info!("reports and reminders turned off from an unsubscribe link");
    let page = Page {
        done: true,
        ..Page::default()
    };
    render(&state, &visitor, StatusCode::OK, &page)
}
