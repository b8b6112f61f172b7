//! `/accounts/signup/`: making an account from an e-mail address. The answer is
//! the same whether or not the address already has an account (both get a login
//! link), so sign-up cannot be used to learn who is registered.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::schedule::tz;
use hc_core::schema::profiles;
use hc_core::time;

use super::links::{queue_link, CheckEmailPage, AUTO_LOGIN};
use super::{client_ip, echo, link_allowed, parse_identity, render_login, LoginPage, TOO_MANY};
use crate::ui::{db, mail, Form, PageError, Visitor};
use crate::State;

/// Sign-up is for visitors of a site that allows it.
fn may_sign_up(state: &State, visitor: &Visitor) -> Result<(), PageError> {
    if !state.config.registration_open {
        return Err(PageError::Forbidden(
            "Sign-up is closed on this site. Ask its administrator for an account.".into(),
        ));
    }
    if visitor.user.is_some() {
        return Err(PageError::Forbidden(
            "You are logged in already. Log out to make another account.".into(),
        ));
    }
    Ok(())
}

/// `GET /accounts/signup/csrf/`: the CSRF token as text, for a sign-up form
/// embedded elsewhere (the response also sets the cookie it must match).
pub(super) async fn csrf(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    may_sign_up(&state, &visitor)?;
    Ok(visitor
        .finish(HttpResponse::Ok())
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(visitor.csrf.clone()))
}

/// `POST /accounts/signup/` (fields `identity`, optional `tz`).
pub(super) async fn signup(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let mut visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    may_sign_up(&state, &visitor)?;
    let raw = form.get("identity");
    let email = match parse_identity(raw) {
        Ok(email) => email,
        Err(message) => {
            let page = LoginPage {
                signup_identity: echo(raw),
                signup_error: message.to_owned(),
                ..LoginPage::default()
            };
            return render_login(&state, &visitor, StatusCode::BAD_REQUEST, page);
        }
    };
    // A zone we do not know is no reason to refuse anyone: they get UTC.
    let zone = match tz::zone(form.trimmed("tz")) {
        Some(_) => form.trimmed("tz").to_owned(),
        None => "UTC".to_owned(),
    };
    let ip = client_ip(&state, &req);
    let secret = state.config.secret_key.expose().to_owned();
    let state2 = state.clone();
    let address = email.clone();
    // None: rate-limited; Some((created, sent)).
    let outcome = db(&state, move |conn| {
        let now = time::now();
        if !link_allowed(conn, &secret, &ip, &address, now)? {
            return Ok(None);
        }
        conn.write_tx(|conn| {
            let (user, created) = match accounts::find_user_by_email(conn, &address)? {
                Some(user) => (user, false),
                None => {
                    let new = NewUser {
                        email: &address,
                        with_first_project: true,
                        ..NewUser::default()
                    };
                    let user = accounts::create_user(conn, &new)?;
                    diesel::update(profiles::table.filter(profiles::user_id.eq(user.id)))
                        .set(profiles::tz.eq(&zone))
                        .execute(conn)?;
                    (user, true)
                }
            };
            // A deactivated account gets no mail, but the same answer.
            if user.is_active {
                queue_link(&state2, conn, &user, None, now)?;
            }
            Ok(Some((user.id, created, user.is_active)))
        })
    })
    .await?;
    let Some((id, created, sent)) = outcome else {
        let page = LoginPage {
            signup_identity: email,
            signup_error: TOO_MANY.to_owned(),
            ..LoginPage::default()
        };
        return render_login(&state, &visitor, StatusCode::TOO_MANY_REQUESTS, page);
    };
    if sent {
        mail::wake(&state);
    }
    if created {
        tracing::info!(user.id = id, "signed up");
    }
    visitor.set_cookie(AUTO_LOGIN, "1", 300);
    visitor.render(
        &state,
        "accounts/check_email.html",
        &CheckEmailPage { signed_up: true },
    )
}
