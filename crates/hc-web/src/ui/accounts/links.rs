//! Logging in by e-mail: asking for a link, the "check your e-mail" page, and the
//! link itself. A link opened without the `auto-login` cookie of the browser that
//! asked for it waits for a click, so mail scanners that open links cannot spend it.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hc_core::db::DbConn;
use hc_core::logins::{self, Purpose};
use hc_core::models::User;
use hc_core::{accounts, sessions, time};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Serialize;

use super::{
    client_ip, echo, link_allowed, parse_identity, query_value, render_login, safe_next, LoginPage,
    TOO_MANY,
};
use crate::ui::{db, mail, Form, PageError, Visitor};
use crate::State;

/// Set when a browser asks for a link; a link opened in it within five minutes
/// logs in at once, since it is almost surely the person who asked.
pub(super) const AUTO_LOGIN: &str = "auto-login";

#[derive(Serialize)]
struct LoginMail<'a> {
    site_name: &'a str,
    link: &'a str,
}

/// Issues a login link for `user` and queues the e-mail carrying it, in the
/// caller's transaction. `next` (already checked by [`safe_next`]) rides along.
pub(super) fn queue_link(
    state: &State,
    conn: &mut DbConn,
    user: &User,
    next: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), PageError> {
    let token = logins::issue(conn, user, Purpose::Login, now)?;
    let mut link = format!(
        "{}/accounts/check_token/{}/{token}/",
        state.config.site_root, user.username
    );
    if let Some(next) = next {
        link.push_str("?next=");
        link.extend(utf8_percent_encode(next, NON_ALPHANUMERIC));
    }
    let subject = format!("Log in to {}", state.config.site_name);
    let context = LoginMail {
        site_name: &state.config.site_name,
        link: &link,
    };
    mail::queue(state, conn, &user.email, &subject, "login", &context)
}

/// `POST /accounts/login/` with `action=email`. Every well-formed address gets the
/// same redirect, so the form cannot be used to learn who has an account; only
/// active accounts get mail.
pub(super) async fn request(
    state: web::Data<State>,
    req: HttpRequest,
    mut visitor: Visitor,
    form: Form,
) -> Result<HttpResponse, PageError> {
    let raw = form.get("identity");
    let next = form.get("next").to_owned();
    let identity = match parse_identity(raw) {
        Ok(identity) => identity,
        Err(message) => {
            let page = LoginPage {
                identity: echo(raw),
                link_error: message.to_owned(),
                next,
                ..LoginPage::default()
            };
            return render_login(&state, &visitor, StatusCode::BAD_REQUEST, page);
        }
    };
    let ip = client_ip(&state, &req);
    let secret = state.config.secret_key.expose().to_owned();
    let follow = safe_next(&next).map(str::to_owned);
    let state2 = state.clone();
    let email = identity.clone();
    // None: rate-limited; Some(id): the user a link was sent to.
    let outcome = db(&state, move |conn| {
        let now = time::now();
        if !link_allowed(conn, &secret, &ip, &email, now)? {
            return Ok(None);
        }
        let user = accounts::find_user_by_email(conn, &email)?.filter(|u| u.is_active);
        let Some(user) = user else {
            return Ok(Some(None));
        };
        conn.write_tx(|conn| queue_link(&state2, conn, &user, follow.as_deref(), now))?;
        Ok(Some(Some(user.id)))
    })
    .await?;
    let Some(sent_to) = outcome else {
        let page = LoginPage {
            identity,
            link_error: TOO_MANY.to_owned(),
            next,
            ..LoginPage::default()
        };
        return render_login(&state, &visitor, StatusCode::TOO_MANY_REQUESTS, page);
    };
    if let Some(id) = sent_to {
        mail::wake(&state);
        tracing::info!(user.id = id, "queued a login link");
    }
    visitor.set_cookie(AUTO_LOGIN, "1", 300);
    Ok(visitor.redirect("/accounts/login_link_sent/"))
}

#[derive(Serialize)]
pub(super) struct CheckEmailPage {
    /// Sign-up's answer rather than the login form's.
    pub signed_up: bool,
}

/// `GET /accounts/login_link_sent/`.
pub(super) async fn sent(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let page = CheckEmailPage { signed_up: false };
    visitor.render(&state, "accounts/check_email.html", &page)
}

#[derive(Serialize)]
struct ConfirmPage {
    action: String,
}

/// Ends the session of whoever is logged in: a login link is for its own user.
async fn log_out_current(state: &web::Data<State>, visitor: &mut Visitor) -> Result<(), PageError> {
    if visitor.user.is_none() {
        return Ok(());
    }
    if let Some(key) = visitor.session_key.clone() {
        db(state, move |conn| Ok(sessions::end(conn, &key)?)).await?;
    }
    visitor.logged_out();
    Ok(())
}

/// `GET /accounts/check_token/<username>/<token>/`: logs in at once when this
/// browser asked for the link, else shows a page with a button that posts.
pub(super) async fn check_token_page(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let mut visitor = Visitor::load(&state, &req).await?;
    log_out_current(&state, &mut visitor).await?;
    let (username, token) = path.into_inner();
    let next = query_value(&req, "next").unwrap_or_default();
    if req.cookie(AUTO_LOGIN).is_some() {
        return redeem(&state, visitor, username, token, next).await;
    }
    let mut action = visitor.path(&format!(
        "/accounts/check_token/{}/{}/",
        utf8_percent_encode(&username, NON_ALPHANUMERIC),
        utf8_percent_encode(&token, NON_ALPHANUMERIC),
    ));
    if let Some(next) = safe_next(&next) {
        action.push_str("?next=");
        action.extend(utf8_percent_encode(next, NON_ALPHANUMERIC));
    }
    let mut response =
        visitor.render(&state, "accounts/check_token.html", &ConfirmPage { action })?;
    // The token is in this page's address: keep it out of any Referer.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// `POST /accounts/check_token/<username>/<token>/`: spends the link.
pub(super) async fn check_token(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let mut visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    log_out_current(&state, &mut visitor).await?;
    let (username, token) = path.into_inner();
    let next = query_value(&req, "next").unwrap_or_default();
    redeem(&state, visitor, username, token, next).await
}

/// Accepts the link and logs its user in: to `next`, else the only project they
/// own, else the projects overview. Any refusal goes back to the login page with
/// its "bad link" notice; why it was refused goes only to the log.
async fn redeem(
    state: &web::Data<State>,
    mut visitor: Visitor,
    username: String,
    token: String,
    next: String,
) -> Result<HttpResponse, PageError> {
    let old_key = visitor.session_key.clone();
    let outcome = db(state, move |conn| {
        let now = time::now();
        let user = match logins::redeem(conn, &username, &token, Purpose::Login, now)? {
            Ok(user) => user,
            Err(why) => return Ok(Err(why)),
        };
        let key = sessions::log_in(conn, old_key.as_deref(), user.id, now)?;
        let target = super::landing(conn, &user, &next)?;
        Ok(Ok((key, user, target)))
    })
    .await?;
    match outcome {
        Ok((key, user, target)) => {
            tracing::info!(user.id = user.id, "logged in with a login link");
            visitor.logged_in(&key, user);
            Ok(visitor.redirect(&target))
        }
        Err(why) => {
            tracing::info!(reason = ?why, "refused a login link");
            Ok(visitor.redirect("/accounts/login/?bad_link=1"))
        }
    }
}
