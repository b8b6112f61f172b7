//! `/accounts/`: logging in (password), logging out.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use hc_core::{accounts, keys, ping, ratelimit, sessions, time};
use serde::Serialize;

use super::{db, Form, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts/login/", web::get().to(login_page))
        .route("/accounts/login/", web::post().to(login))
        .route("/accounts/logout/", web::post().to(logout));
}

/// The message for any failed password login, so it never tells which part was wrong.
const BAD_LOGIN: &str = "Incorrect email or password.";
const TOO_MANY: &str = "Too many attempts, please try later.";

#[derive(Serialize, Default)]
struct LoginPage {
    email: String,
    next: String,
    error: String,
    bad_link: bool,
    account_closed: bool,
}

/// Where to go after login: `next` when it is a path of this site, else home.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains(['\\', '\r', '\n'])
        && !next.starts_with("/accounts/logout");
    ok.then_some(next)
}

fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The client's address: the peer, or `X-Forwarded-For` from a trusted proxy.
pub fn client_ip(state: &State, req: &HttpRequest) -> String {
    let forwarded = req
        .headers()
        .get("X-Forwarded-For")
        .and_then(|v| v.to_str().ok());
    ping::client_addr(
        req.peer_addr().map(|a| a.ip()),
        forwarded,
        &state.config.trusted_proxies,
    )
    .unwrap_or_default()
}

async fn login_page(state: web::Data<State>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    if visitor.user.is_some() {
        return Ok(visitor.redirect("/"));
    }
    let page = LoginPage {
        next: query_value(&req, "next").unwrap_or_default(),
        bad_link: query_value(&req, "bad_link").is_some(),
        account_closed: query_value(&req, "account-closed").is_some(),
        ..LoginPage::default()
    };
    visitor.render(&state, "accounts/login.html", &page)
}

async fn login(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let mut visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    if visitor.user.is_some() {
        return Ok(visitor.redirect("/"));
    }
    let email = form.trimmed("email").to_lowercase();
    let password = form.get("password").to_owned();
    let next = form.get("next").to_owned();
    let ip = client_ip(&state, &req);
    let old_key = visitor.session_key.clone();
    let email2 = email.clone();
    let outcome = db(&state, move |conn| {
        let now = time::now();
        if !ratelimit::authorize(conn, &format!("auth-ip-{ip}"), 20, Duration::hours(1), now)?
            || !ratelimit::authorize(conn, &format!("pw-{email2}"), 20, Duration::days(1), now)?
        {
            return Ok(Err(TOO_MANY));
        }
        let user = accounts::find_user_by_email(conn, &email2)?;
        // Hash something either way, so timing does not tell which addresses exist.
        let verified = match &user {
            Some(u) => keys::verify_password(&password, &u.password),
            None => {
                keys::verify_password(&password, DUMMY_HASH);
                false
            }
        };
        match user {
            Some(user) if verified && user.is_active => {
                let key = sessions::log_in(conn, old_key.as_deref(), user.id, now)?;
                Ok(Ok((key, user)))
            }
            _ => Ok(Err(BAD_LOGIN)),
        }
    })
    .await?;
    match outcome {
        Ok((key, user)) => {
            tracing::info!(user.id = user.id, "logged in with a password");
            visitor.logged_in(&key, user);
            let target = safe_next(&next).unwrap_or("/").to_owned();
            Ok(visitor.redirect(&target))
        }
        Err(message) => {
            let page = LoginPage {
                email,
                next,
                error: message.to_owned(),
                ..LoginPage::default()
            };
            let status = if message == TOO_MANY {
                actix_web::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                actix_web::http::StatusCode::OK
            };
            visitor.render_status(&state, status, "accounts/login.html", &page)
        }
    }
}

/// An argon2 hash of a random password, verified against when the address is
/// unknown so that both answers take the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bXq3ZT8oQCGaJ0YB3g5mY3Yy2C6b3xZg4m1nD9cKxA";

async fn logout(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let mut visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    if let Some(key) = visitor.session_key.clone() {
        db(&state, move |conn| Ok(sessions::end(conn, &key)?)).await?;
    }
    visitor.logged_out();
    Ok(visitor.redirect("/accounts/login/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(
            safe_next("/projects/x/checks/"),
            Some("/projects/x/checks/")
        );
        for bad in [
            "",
            "https://evil.org/",
            "//evil.org/",
            "/\\evil.org",
            "javascript:x",
            "/accounts/logout/",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
