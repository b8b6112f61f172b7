//! Who is asking: the session cookie (signed, HttpOnly, SameSite=Lax, Secure under
//! https), the user behind it, and the CSRF token every form must send back.
//!
//! CSRF is Django's double-submit scheme: a random `csrftoken` cookie whose value
//! every form repeats in `csrfmiddlewaretoken` (or the `X-CSRFToken` header). Another
//! site can make a browser send the cookie but cannot read it to fill the field; an
//! `Origin` header naming another host is refused as well.

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use hc_core::db::DbConn;
use hc_core::models::User;
use hc_core::{keys, sessions, time};
use serde::Serialize;

use super::error::PageError;
use super::form::Form;
use crate::State;

pub const SESSION_COOKIE: &str = "hc_session";
pub const CSRF_COOKIE: &str = "csrftoken";
pub const CSRF_FIELD: &str = "csrfmiddlewaretoken";
const CSRF_HEADER: &str = "X-CSRFToken";

/// The visitor of one request.
pub struct Visitor {
    pub user: Option<User>,
    /// The session key from a validly signed cookie of a live session.
    pub session_key: Option<String>,
    /// The session's data (a JSON object), e.g. an anonymous visitor's demo check.
    pub session_data: String,
    pub csrf: String,
    /// The profile's theme (`""`, `dark`, `system`), for the page's `data-theme`.
    pub theme: String,
    /// Path and query of this request, for "log in, then come back".
    pub here: String,
    cookies: Vec<Cookie<'static>>,
    secure: bool,
    prefix: String,
    secret: String,
}

/// Runs diesel work off the async threads with a pooled connection.
pub async fn db<T, F>(state: &web::Data<State>, f: F) -> Result<T, PageError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, PageError> + Send + 'static,
{
    let pool = state.pool.clone();
    let span = tracing::Span::current();
    web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(hc_core::Error::from)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| PageError::Internal(e.to_string()))?
}

fn sign(secret: &str, key: &str) -> String {
    keys::hmac_hex(secret, &format!("hc-session:{key}"))[..32].to_owned()
}

/// The key inside a session cookie, if its signature holds.
fn verified_key(secret: &str, cookie: &str) -> Option<String> {
    let (key, signature) = cookie.split_once('.')?;
    (key.len() == 40 && keys::same_secret(signature, &sign(secret, key))).then(|| key.to_owned())
}

impl Visitor {
    /// Reads the cookies and looks the session up.
    pub async fn load(state: &web::Data<State>, req: &HttpRequest) -> Result<Visitor, PageError> {
        let secret = state.config.secret_key.expose().to_owned();
        let presented = req
            .cookie(SESSION_COOKIE)
            .and_then(|c| verified_key(&secret, c.value()));
        let found = match presented.clone() {
            Some(key) => {
                db(state, move |conn| {
                    let Some(found) = sessions::find(conn, &key, time::now())? else {
                        return Ok(None);
                    };
                    let theme = match &found.user {
                        Some(user) => {
                            use diesel::prelude::*;
                            use hc_core::schema::profiles;
                            profiles::table
                                .filter(profiles::user_id.eq(user.id))
                                .select(profiles::theme)
                                .first::<Option<String>>(conn)
                                .optional()?
                                .flatten()
                                .unwrap_or_default()
                        }
                        None => String::new(),
                    };
                    Ok(Some((found, theme)))
                })
                .await?
            }
            None => None,
        };
        let mut visitor = Visitor {
            user: None,
            session_key: None,
            session_data: "{}".into(),
            csrf: String::new(),
            theme: String::new(),
            here: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
            cookies: Vec::new(),
            secure: state.config.site_root.starts_with("https://"),
            prefix: state.config.path_prefix(),
            secret,
        };
        if let Some((found, theme)) = found {
            visitor.user = found.user;
            visitor.session_data = found.session.data;
            visitor.session_key = presented;
            visitor.theme = theme;
        } else if req.cookie(SESSION_COOKIE).is_some() {
            // A stale or forged cookie: drop it.
            visitor.cookies.push(visitor.removal(SESSION_COOKIE));
        }
        match req.cookie(CSRF_COOKIE) {
            Some(c)
                if c.value().len() == 32
                    && c.value().chars().all(|ch| ch.is_ascii_alphanumeric()) =>
            {
                visitor.csrf = c.value().to_owned();
            }
            _ => visitor.rotate_csrf(),
        }
        Ok(visitor)
    }

    /// The logged-in user, or a redirect to the login page that comes back here.
    pub fn user(&self) -> Result<&User, PageError> {
        self.user.as_ref().ok_or_else(|| PageError::Login {
            location: format!(
                "{}/accounts/login/?next={}",
                self.prefix,
                percent_encoding::utf8_percent_encode(
                    &self.here,
                    percent_encoding::NON_ALPHANUMERIC
                )
            ),
        })
    }

    /// A superuser, or a 404 for everyone else (the admin area must not be found).
    pub fn superuser(&self) -> Result<&User, PageError> {
        let user = self.user()?;
        if user.is_superuser && user.is_active {
            Ok(user)
        } else {
            Err(PageError::NotFound)
        }
    }

    /// Refuses a state-changing request without the CSRF token or from another origin.
    pub fn check_csrf(&self, req: &HttpRequest, form: &Form) -> Result<(), PageError> {
        if let Some(origin) = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        {
            let host = req.connection_info().host().to_owned();
            let origin_host = url::Url::parse(origin).ok().and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            });
            if origin_host.as_deref() != Some(host.as_str()) {
                tracing::info!("refused a form post from another origin");
                return Err(PageError::Csrf);
            }
        }
        let cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
        let presented = match form.get(CSRF_FIELD) {
            "" => req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            field => field.to_owned(),
        };
        match cookie {
            Some(cookie) if cookie.len() == 32 && keys::same_secret(&cookie, &presented) => Ok(()),
            _ => Err(PageError::Csrf),
        }
    }

    /// After a successful login: the new session's cookie and a fresh CSRF token.
    pub fn logged_in(&mut self, key: &str, user: User) {
        self.session_started(key);
        self.user = Some(user);
        self.rotate_csrf();
    }

    /// Hands the browser the cookie of a session just started (anonymous ones too,
    /// such as the Welcome page's, which remembers a demo check).
    pub fn session_started(&mut self, key: &str) {
        let value = format!("{key}.{}", sign(&self.secret, key));
        let cookie = self.cookie(SESSION_COOKIE, value).http_only(true).finish();
        self.cookies.push(cookie);
        self.session_key = Some(key.to_owned());
    }

    /// After logout: the cookie goes, and a fresh CSRF token comes.
    pub fn logged_out(&mut self) {
        self.cookies.push(self.removal(SESSION_COOKIE));
        self.session_key = None;
        self.user = None;
        self.rotate_csrf();
    }

    /// Sets (or replaces) a short-lived cookie, such as login's `auto-login` marker.
    pub fn set_cookie(&mut self, name: &'static str, value: &str, seconds: i64) {
        let cookie = self
            .cookie(name, value.to_owned())
            .http_only(true)
            .max_age(CookieAge::seconds(seconds))
            .finish();
        self.cookies.push(cookie);
    }

    fn rotate_csrf(&mut self) {
        self.csrf = keys::random_token(32);
        // Readable by the page's scripts, which send it in `X-CSRFToken`.
        let cookie = self
            .cookie(CSRF_COOKIE, self.csrf.clone())
            .max_age(CookieAge::days(365))
            .finish();
        self.cookies.push(cookie);
    }

    fn cookie(
        &self,
        name: &'static str,
        value: String,
    ) -> actix_web::cookie::CookieBuilder<'static> {
        let path = if self.prefix.is_empty() {
            "/".to_owned()
        } else {
            self.prefix.clone()
        };
        Cookie::build(name, value)
            .path(path)
            .same_site(SameSite::Lax)
            .secure(self.secure)
    }

    fn removal(&self, name: &'static str) -> Cookie<'static> {
        let mut cookie = self.cookie(name, String::new()).finish();
        cookie.make_removal();
        cookie
    }

    /// The URL path of a page of this site (`SITE_ROOT`'s path prefix added).
    pub fn path(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// Adds the cookies this request set to an answer.
    pub fn finish(&self, mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
        for cookie in &self.cookies {
            builder.cookie(cookie.clone());
        }
        builder
    }

    /// A redirect (302) to a page of this site.
    pub fn redirect(&self, path: &str) -> HttpResponse {
        self.finish(HttpResponse::build(StatusCode::FOUND))
            .insert_header((header::LOCATION, self.path(path)))
            .finish()
    }

    /// Renders `template` with the page's fields and the shared `base` fields.
    pub fn render<T: Serialize>(
        &self,
        state: &State,
        template: &str,
        page: &T,
    ) -> Result<HttpResponse, PageError> {
        self.render_status(state, StatusCode::OK, template, page)
    }

    pub fn render_status<T: Serialize>(
        &self,
        state: &State,
        status: StatusCode,
        template: &str,
        page: &T,
    ) -> Result<HttpResponse, PageError> {
        let context = Context {
            base: Base {
                site_name: &state.config.site_name,
                site_root: &state.config.site_root,
                prefix: &self.prefix,
                csrf_token: &self.csrf,
                theme: &self.theme,
                user: self.user.as_ref().map(|u| BaseUser {
                    email: &u.email,
                    is_superuser: u.is_superuser,
                }),
                registration_open: state.config.registration_open,
                email_enabled: state.config.email.enabled(),
            },
            page,
        };
        let html = state.templates.render(template, &context)?;
        Ok(self
            .finish(HttpResponse::build(status))
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html))
    }
}

#[derive(Serialize)]
struct BaseUser<'a> {
    email: &'a str,
    is_superuser: bool,
}

/// What every page's layout needs.
#[derive(Serialize)]
struct Base<'a> {
    site_name: &'a str,
    site_root: &'a str,
    prefix: &'a str,
    csrf_token: &'a str,
    theme: &'a str,
    user: Option<BaseUser<'a>>,
    registration_open: bool,
    email_enabled: bool,
}

#[derive(Serialize)]
struct Context<'a, T> {
    base: Base<'a>,
    #[serde(flatten)]
    page: &'a T,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cookies_signed_with_our_secret_are_believed() {
        let key = keys::random_token(40);
        let good = format!("{key}.{}", sign("s1", &key));
        assert_eq!(verified_key("s1", &good).as_deref(), Some(key.as_str()));
        assert_eq!(verified_key("s2", &good), None);
        assert_eq!(
            verified_key("s1", &format!("{key}.{}", "0".repeat(32))),
            None
        );
        assert_eq!(verified_key("s1", &key), None);
        assert_eq!(verified_key("s1", ""), None);
    }
}
