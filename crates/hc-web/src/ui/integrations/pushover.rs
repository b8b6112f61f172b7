//! Adding Pushover by subscription (healthchecks' add_pushover, spec §7.4): the
//! page's button sends the user to Pushover's subscription page with a success URL
//! that carries a one-time nonce (kept in the session) and the chosen priorities;
//! Pushover sends them back with their user key, and only a request with the
//! session's nonce may add the channel. The nonce is what stops another site from
//! adding its own Pushover account to someone's project with a crafted link.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::models::User;
use hc_core::schema::channels;
use hc_core::{keys, sessions};
use hc_integrations::catalogue;
use hc_integrations::kinds::pushover;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

use super::forms::{self, PUSHOVER_PRIORITIES};
use super::{insert_channel, new_channel, query, read_only};
use crate::ui::checks::project_or_404;
use crate::ui::{db, Form, PageError, Visitor};
use crate::State;

/// The session key holding the nonce.
const NONCE: &str = "pushover";

fn priority(text: &str) -> Option<i32> {
    PUSHOVER_PRIORITIES
        .iter()
        .find(|(v, _)| *v == text)
        .and_then(|(v, _)| v.parse().ok())
}

fn choices(selected: &str) -> Vec<forms::Choice> {
    PUSHOVER_PRIORITIES
        .iter()
        .map(|(value, label)| forms::Choice {
            value,
            label,
            selected: *value == selected,
        })
        .collect()
}

/// The session data with `key` set to `value` (or removed).
fn with_key(data: &str, key: &str, value: Option<&str>) -> String {
    sessions::data_with(data, key, value.map(Value::from))
}

fn session_nonce(data: &str) -> Option<String> {
    sessions::data_get(data, NONCE)?.as_str().map(str::to_owned)
}

/// A Pushover user or group key: letters and digits (30 of them today).
fn user_key_ok(key: &str) -> bool {
    (1..=50).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric())
}

/// GET: the page with the subscribe button, or the way back from Pushover.
pub async fn page(
    state: web::Data<State>,
    req: HttpRequest,
    visitor: Visitor,
    code: String,
) -> Result<HttpResponse, PageError> {
    let user = visitor.user()?.clone();
    let q = query(&req);
    if q.contains_key("pushover_user_key") {
        return come_back(state, visitor, user, code, q).await;
    }
    let (project, title) = db(&state, move |conn| {
        let (project, standing) = project_or_404(conn, &user, &code)?;
        if !standing.can_write() {
            return Err(read_only());
        }
        let title = super::project_title(conn, &project)?;
        Ok((project, title))
    })
    .await?;
    let kind = catalogue::by_kind("po").ok_or(PageError::NotFound)?;
    let mut page = super::add::page_for(&state, kind, &project, title);
    page.priorities = choices("0");
    page.priorities_up = choices("0");
    visitor.render(&state, "integrations/add.html", &page)
}

/// POST: remembers a nonce and sends the user to Pushover.
pub async fn subscribe(
    state: web::Data<State>,
    visitor: Visitor,
    user: User,
    code: String,
    form: Form,
) -> Result<HttpResponse, PageError> {
    let (prio, prio_up) = (form.trimmed("prio"), form.trimmed("prio_up"));
    if priority(prio).is_none() || priority(prio_up).is_none() {
        return Err(PageError::BadRequest(
            "Please choose one of the listed priorities.".into(),
        ));
    }
    let Some(session_key) = visitor.session_key.clone() else {
        return Err(PageError::BadRequest("Please log in again.".into()));
    };
    let nonce = keys::random_token(32);
    let data = with_key(&visitor.session_data, NONCE, Some(&nonce));
    let project_code = db(&state, move |conn| {
        let (project, standing) = project_or_404(conn, &user, &code)?;
        if !standing.can_write() {
            return Err(read_only());
        }
        sessions::set_data(conn, &session_key, &data)?;
        Ok(project.code)
    })
    .await?;
    let i = &state.config.integrations;
    let Some(subscription) = i.pushover_subscription_url.as_deref() else {
        return Err(PageError::NotFound);
    };
    let root = &state.config.site_root;
    let success = format!(
        "{root}/projects/{project_code}/add_pushover/?nonce={nonce}&prio={prio}&prio_up={prio_up}"
    );
    let failure = format!("{root}/projects/{project_code}/integrations/");
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let joiner = if subscription.contains('?') { '&' } else { '?' };
    let location = format!(
        "{subscription}{joiner}success={}&failure={}",
        enc(&success),
        enc(&failure)
    );
    Ok(visitor
        .finish(HttpResponse::Found())
        .insert_header((header::LOCATION, location))
        .finish())
}

/// GET from Pushover: `pushover_user_key`, `pushover_unsubscribed`, and our `nonce`,
/// `prio` and `prio_up`.
async fn come_back(
    state: web::Data<State>,
    visitor: Visitor,
    user: User,
    code: String,
    q: std::collections::HashMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let expected = session_nonce(&visitor.session_data);
    let nonce_ok = matches!(&expected, Some(n) if keys::same_secret(n, get("nonce")));
    let (prio, prio_up) = (priority(get("prio")), priority(get("prio_up")));
    let user_key = get("pushover_user_key").to_owned();
    let unsubscribed = get("pushover_unsubscribed") == "1";
    let session_key = visitor.session_key.clone();
    let data = with_key(&visitor.session_data, NONCE, None);
    let (project_code, done) = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let (project, standing) = project_or_404(conn, &user, &code)?;
            if !standing.can_write() {
                return Err(read_only());
            }
            if !nonce_ok {
                return Err(PageError::Forbidden(
                    "This Pushover link was not started from your session, or was used already. Please start again from the Pushover page.".into(),
                ));
            }
            let (Some(prio), Some(prio_up)) = (prio, prio_up) else {
                return Err(PageError::BadRequest("Unknown Pushover priority.".into()));
            };
            if !user_key_ok(&user_key) {
                return Err(PageError::BadRequest("Pushover sent an invalid user key.".into()));
            }
            // The nonce is used up whatever happens next.
            if let Some(key) = &session_key {
                sessions::set_data(conn, key, &data)?;
            }
            if unsubscribed {
                let theirs: Vec<(i64, String)> = channels::table
                    .filter(channels::project_id.eq(project.id))
                    .filter(channels::kind.eq("po"))
                    .select((channels::id, channels::value))
                    .load(conn)?;
                for (id, value) in theirs {
                    if pushover::settings(&value).is_some_and(|s| s.user_key == user_key) {
                        diesel::delete(channels::table.find(id)).execute(conn)?;
                    }
                }
                return Ok((project.code, "po_unsubscribed"));
            }
            let value = format!("{user_key}|{prio}|{prio_up}");
            if !forms::sendable("po", &value) {
                return Err(PageError::BadRequest("Pushover sent an invalid user key.".into()));
            }
            insert_channel(conn, &new_channel(&project, "po", "", value))?;
            Ok((project.code, "added"))
        })
    })
    .await?;
    Ok(visitor.redirect(&format!(
        "/projects/{project_code}/integrations/?done={done}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_lives_beside_other_session_data() {
        let data = with_key(r#"{"demo": "x"}"#, NONCE, Some("n1"));
        assert_eq!(session_nonce(&data).as_deref(), Some("n1"));
        assert!(data.contains("\"demo\":\"x\""), "{data}");
        let cleared = with_key(&data, NONCE, None);
        assert_eq!(session_nonce(&cleared), None);
        assert!(cleared.contains("demo"));
        assert_eq!(session_nonce("not json"), None);
    }

    #[test]
    fn priorities_and_keys_are_checked() {
        assert_eq!(priority("-3"), Some(-3));
        assert_eq!(priority("2"), Some(2));
        assert_eq!(priority("3"), None);
        assert_eq!(priority(""), None);
        assert!(user_key_ok("uQiRzpo4DXghDmr9QzzfQu27cmVRsG"));
        assert!(!user_key_ok("a b"));
        assert!(!user_key_ok(""));
    }
}
