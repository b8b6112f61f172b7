//! `/accounts/`: the login page and password login, logging out, and (in the
//! submodules) login links by e-mail and sign-up.

mod links;
mod signup;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use hc_core::db::DbConn;
use hc_core::{accounts, keys, ping, ratelimit, sessions, time};
use serde::Serialize;

use super::{db, Form, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts/login/", web::get().to(login_page))
        .route("/accounts/login/", web::post().to(login))
        .route("/accounts/logout/", web::post().to(logout))
        .route("/accounts/login_link_sent/", web::get().to(links::sent))
        .route(
            "/accounts/check_token/{username}/{token}/",
            web::get().to(links::check_token_page),
        )
        .route(
            "/accounts/check_token/{username}/{token}/",
            web::post().to(links::check_token),
        )
        .route("/accounts/signup/", web::post().to(signup::signup))
        .route("/accounts/signup/csrf/", web::get().to(signup::csrf));
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
    /// The login-link form: the address typed and what was wrong with it.
    identity: String,
    link_error: String,
    show_link_form: bool,
    /// The sign-up form, likewise.
    signup_identity: String,
    signup_error: String,
    show_signup: bool,
}

/// Renders the login page. The link and sign-up forms appear only when e-mail is
/// set up (a link nobody can receive is no way in), and always when one of them
/// is being shown again with an error, so the error has a field to stand by.
fn render_login(
    state: &State,
    visitor: &Visitor,
    status: StatusCode,
    mut page: LoginPage,
) -> Result<HttpResponse, PageError> {
    let email = state.config.email.enabled();
    page.show_link_form = email || !page.link_error.is_empty();
    page.show_signup = state.config.registration_open && (email || !page.signup_error.is_empty());
    visitor.render_status(state, status, "accounts/login.html", &page)
}

/// The address typed into a link or sign-up form (`identity`, named so to put off
/// the dumber bots), lower-cased, or the message to show next to the field.
fn parse_identity(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Please enter your e-mail address.");
    }
    if raw.chars().count() > 254 {
        return Err("That address is too long: at most 254 characters.");
    }
    match accounts::normalize_email(raw) {
        Ok(email) => Ok(email),
        _ => Err("Enter a valid e-mail address, like name@example.org."),
    }
}

/// What a form shows again in its field: the value typed, unless it is so long
/// that repeating it helps nobody.
fn echo(raw: &str) -> String {
    if raw.chars().count() > 254 {
        String::new()
    } else {
        raw.trim().to_owned()
    }
}

/// Takes one attempt from the rate limits of login links and sign-ups: 20 an hour
/// from one address (shared with password logins), 10 an hour for one mailbox.
/// The mailbox is counted without dots and `+suffix`, so `a.b+x@` and `ab@` share
/// a bucket, and it is keyed by an HMAC so the table holds no addresses.
fn link_allowed(
    conn: &mut DbConn,
    secret: &str,
    ip: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool, PageError> {
    if !ratelimit::authorize(conn, &format!("auth-ip-{ip}"), 20, Duration::hours(1), now)? {
        return Ok(false);
    }
    let (mailbox, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let mailbox = mailbox
        .split('+')
        .next()
        .unwrap_or(mailbox)
        .replace('.', "");
    let key = format!(
        "em-{}",
        keys::hmac_hex(secret, &format!("{mailbox}@{domain}"))
    );
    Ok(ratelimit::authorize(
        conn,
        &key,
        10,
        Duration::hours(1),
        now,
    )?)
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
    render_login(&state, &visitor, StatusCode::OK, page)
}

/// One URL, two forms: `action=email` asks for a login link, anything else is the
/// password form.
async fn login(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    if visitor.user.is_some() {
        return Ok(visitor.redirect("/"));
    }
    if form.get("action") == "email" {
        return links::request(state, req, visitor, form).await;
    }
    password_login(state, req, visitor, form).await
}

async fn password_login(
    state: web::Data<State>,
    req: HttpRequest,
    mut visitor: Visitor,
    form: Form,
) -> Result<HttpResponse, PageError> {
    let email = form.trimmed("email").to_lowercase();
    let password = form.get("password").to_owned();
    let next = form.get("next").to_owned();
    let ip = client_ip(&state, &req);
    let old_key = visitor.session_key.clone();
    let email2 = email.clone();
    let next2 = next.clone();
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
                let target = landing(conn, &user, &next2)?;
                Ok(Ok((key, user, target)))
            }
            _ => Ok(Err(BAD_LOGIN)),
        }
    })
    .await?;
    match outcome {
        Ok((key, user, target)) => {
            tracing::info!(user.id = user.id, "logged in with a password");
            visitor.logged_in(&key, user);
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
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::OK
            };
            render_login(&state, &visitor, status, page)
        }
    }
}

/// Where a person lands after logging in: `next` if it is a path of this site, else
/// the checks of their only project, else the projects overview (as healthchecks).
pub(super) fn landing(
    conn: &mut hc_core::db::DbConn,
    user: &hc_core::models::User,
    next: &str,
) -> Result<String, PageError> {
    if let Some(next) = safe_next(next) {
        return Ok(next.to_owned());
    }
    let projects = hc_core::access::projects_of(conn, user)?;
    Ok(match projects.as_slice() {
        [(only, _)] => format!("/projects/{}/checks/", only.code),
        _ => "/".to_owned(),
    })
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

    #[test]
    fn identities_are_ordinary_addresses() {
        assert_eq!(
            parse_identity(" Ann.Lee+hc@Example.ORG ").as_deref(),
            Ok("ann.lee+hc@example.org")
        );
        assert!(parse_identity("o'brien@xn--bcher-kva.example").is_ok());
        for bad in [
            "",
            "ann",
            "<script>@example.org",
            "ann@exa mple.org",
            "ann@-example.org",
            "ann..lee@example.org",
            "\"ann\"@example.org",
        ] {
            assert!(parse_identity(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(10_000));
        assert_eq!(
            parse_identity(&long),
            Err("That address is too long: at most 254 characters.")
        );
    }
}
