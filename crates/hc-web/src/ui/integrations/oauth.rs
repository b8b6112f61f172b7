//! The OAuth "add" buttons of Slack ("Add to Slack"), Discord and Pushbullet
//! (healthchecks' add_slack_btn, add_discord and add_pushbullet; spec §7.4), shown
//! on the add page when the site has the provider's client id and secret. The
//! button sends the user to the provider with a one-time `state` nonce kept in the
//! session beside the project's code; the provider sends them back to
//! `/integrations/add_<...>/` with a code, which the server trades for the token
//! that becomes the channel's value (spec §6.2: Slack's and Discord's whole JSON
//! answer, Pushbullet's access token). The nonce is what stops another site from
//! attaching its own Slack channel or Pushbullet account to someone's project
//! with a crafted callback link.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::config::Config;
use hc_core::models::{Project, User};
use hc_core::{keys, sessions};
use hc_integrations::catalogue::{self, Kind};
use hc_integrations::outbound::{Answer, Body, Outbound};
use serde_json::{json, Value};

use super::forms;
use super::{insert_channel, new_channel, project_title, query, read_only};
use crate::ui::checks::project_or_404;
use crate::ui::{db, PageError, Visitor};
use crate::State;

/// What differs between the three providers.
struct Provider {
    /// The channel kind (and add page slug).
    kind: &'static str,
    label: &'static str,
    button: &'static str,
    /// Where the provider sends the user back: healthchecks' paths.
    callback: &'static str,
    scope: Option<&'static str>,
    /// Session key of the nonce, as healthchecks names it.
    session_key: &'static str,
    /// Slack's token endpoint takes no grant type (and ignores one); the others
    /// want `authorization_code`.
    grant_type: bool,
    /// Pushbullet's token endpoint documents no `redirect_uri`.
    sends_redirect_uri: bool,
}

const SLACK: Provider = Provider {
    kind: "slack",
    label: "Slack",
    button: "Add to Slack",
    callback: "/integrations/add_slack_btn/",
    scope: Some("incoming-webhook"),
    session_key: "add_slack",
    grant_type: false,
    sends_redirect_uri: true,
};

const DISCORD: Provider = Provider {
    kind: "discord",
    label: "Discord",
    button: "Connect Discord",
    callback: "/integrations/add_discord/",
    scope: Some("webhook.incoming"),
    session_key: "add_discord",
    grant_type: true,
    sends_redirect_uri: true,
};

const PUSHBULLET: Provider = Provider {
    kind: "pushbullet",
    label: "Pushbullet",
    button: "Connect Pushbullet",
    callback: "/integrations/add_pushbullet/",
    scope: None,
    session_key: "add_pushbullet",
    grant_type: true,
    sends_redirect_uri: false,
};

fn provider(kind: &str) -> Option<&'static Provider> {
    [&SLACK, &DISCORD, &PUSHBULLET]
        .into_iter()
        .find(|p| p.kind == kind)
}

/// A provider's settings on this site.
struct Client<'a> {
    id: &'a str,
    secret: &'a str,
    authorize_url: &'a str,
    token_url: &'a str,
}

/// The provider's client settings, when both the id and the secret are set and
/// the kind is not switched off.
fn client<'a>(config: &'a Config, p: &Provider) -> Option<Client<'a>> {
    if !catalogue::enabled(config, p.kind) {
        return None;
    }
    let i = &config.integrations;
    let e = &i.endpoints;
    let (id, secret, authorize_url, token_url) = match p.kind {
        "slack" => (
            &i.slack_client_id,
            &i.slack_client_secret,
            &e.slack_authorize,
            &e.slack_token,
        ),
        "discord" => (
            &i.discord_client_id,
            &i.discord_client_secret,
            &e.discord_authorize,
            &e.discord_token,
        ),
        _ => (
            &i.pushbullet_client_id,
            &i.pushbullet_client_secret,
            &e.pushbullet_authorize,
            &e.pushbullet_token,
        ),
    };
    let id = id.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let secret = secret
        .as_ref()
        .map(|s| s.expose().trim())
        .filter(|s| !s.is_empty())?;
    Some(Client {
        id,
        secret,
        authorize_url,
        token_url,
    })
}

/// The label of the add page's button for `kind`, when this site can offer it.
pub(super) fn button(config: &Config, kind: &str) -> Option<&'static str> {
    let p = provider(kind)?;
    client(config, p).map(|_| p.button)
}

/// The provider's authorisation page, asking for `state` back.
fn authorize_url(p: &Provider, client: &Client, redirect_uri: &str, state: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", client.id);
    if let Some(scope) = p.scope {
        q.append_pair("scope", scope);
    }
    q.append_pair("redirect_uri", redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("state", state);
    let joiner = if client.authorize_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{joiner}{}", client.authorize_url, q.finish())
}

/// The form posted to the token endpoint.
fn token_form(
    p: &Provider,
    client: &Client,
    code: &str,
    redirect_uri: &str,
) -> Vec<(String, String)> {
    let mut form = vec![
        ("client_id", client.id),
        ("client_secret", client.secret),
        ("code", code),
    ];
    if p.grant_type {
        form.push(("grant_type", "authorization_code"));
    }
    if p.sends_redirect_uri {
        form.push(("redirect_uri", redirect_uri));
    }
    form.into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Longest provider message shown to the user.
const MAX_MESSAGE: usize = 200;

/// The channel value in the provider's answer, or words for the user on why
/// there is none.
fn channel_value(p: &Provider, answer: &Answer) -> Result<String, String> {
    let doc = serde_json::from_str::<Value>(&answer.body).unwrap_or(Value::Null);
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(MAX_MESSAGE).collect::<String>())
    };
    let refused = || {
        // Slack: "error"; Discord: "error_description"/"error"; Pushbullet:
        // {"error": {"message": ...}}.
        let said = text(doc.get("error_description"))
            .or_else(|| text(doc.get("error")))
            .or_else(|| text(doc.pointer("/error/message")));
        Err(match said {
            Some(said) => format!("{} refused the connection: {said}", p.label),
            None => format!(
                "{} refused the connection (status {}).",
                p.label,
                answer.status.as_u16()
            ),
        })
    };
    if !answer.status.is_success() {
        return refused();
    }
    let value = match p.kind {
        "slack" if doc.get("ok") == Some(&Value::Bool(true)) => answer.body.trim().to_owned(),
        "discord" if text(doc.get("access_token")).is_some() => answer.body.trim().to_owned(),
        "pushbullet" => match text(doc.get("access_token")) {
            Some(token) => token,
            None => return refused(),
        },
        _ => return refused(),
    };
    if !forms::sendable(p.kind, &value) {
        return Err(format!(
            "{} answered without a webhook for the channel. Please try again.",
            p.label
        ));
    }
    Ok(value)
}

/// The session data with the nonce and project remembered under `key`.
fn remember(data: &str, key: &str, state: &str, project: &str) -> String {
    sessions::data_with(data, key, Some(json!({"state": state, "project": project})))
}

/// The nonce and project code remembered under `key`, and the session data
/// without them: a nonce is good for one callback.
fn take(data: &str, key: &str) -> (Option<(String, String)>, String) {
    let saved = sessions::data_get(data, key).and_then(|v| {
        let state = v.get("state")?.as_str()?.to_owned();
        let project = v.get("project")?.as_str()?.to_owned();
        Some((state, project))
    });
    (saved, sessions::data_with(data, key, None))
}

/// The project, for someone who may change it, with its title.
fn writable(
    conn: &mut hc_core::db::DbConn,
    user: &User,
    code: &str,
) -> Result<(Project, String), PageError> {
    let (project, standing) = project_or_404(conn, user, code)?;
    if !standing.can_write() {
        return Err(read_only());
    }
    let title = project_title(conn, &project)?;
    Ok((project, title))
}

/// The add page with the provider's button (and `error`, if any).
fn render_page(
    state: &State,
    visitor: &Visitor,
    kind: &'static Kind,
    project: &Project,
    title: String,
    error: String,
) -> Result<HttpResponse, PageError> {
    let mut page = super::add::page_for(state, kind, project, title);
    page.oauth_button = provider(kind.kind).map_or("", |p| p.button);
    page.error = error;
    visitor.render(state, "integrations/add.html", &page)
}

/// GET `/projects/<uuid>/add_<kind>/`: the page with the button.
pub(super) async fn page(
    state: web::Data<State>,
    visitor: Visitor,
    kind: &'static Kind,
    code: String,
) -> Result<HttpResponse, PageError> {
    let user = visitor.user()?.clone();
    let (project, title) = db(&state, move |conn| writable(conn, &user, &code)).await?;
    render_page(&state, &visitor, kind, &project, title, String::new())
}

/// POST `/projects/<uuid>/add_<kind>/`: remembers a nonce and sends the user to
/// the provider.
pub(super) async fn start(
    state: web::Data<State>,
    visitor: Visitor,
    user: User,
    kind: &'static Kind,
    code: String,
) -> Result<HttpResponse, PageError> {
    let p = provider(kind.kind).ok_or(PageError::NotFound)?;
    let Some(session_key) = visitor.session_key.clone() else {
        return Err(PageError::BadRequest("Please log in again.".into()));
    };
    let nonce = keys::random_token(32);
    let data = visitor.session_data.clone();
    let nonce2 = nonce.clone();
    db(&state, move |conn| {
        let (project, _) = writable(conn, &user, &code)?;
        let data = remember(&data, p.session_key, &nonce2, &project.code);
        sessions::set_data(conn, &session_key, &data)?;
        Ok(())
    })
    .await?;
    let client = client(&state.config, p).ok_or(PageError::NotFound)?;
    let redirect_uri = format!("{}{}", state.config.site_root, p.callback);
    let location = authorize_url(p, &client, &redirect_uri, &nonce);
    Ok(visitor
        .finish(HttpResponse::Found())
        .insert_header((header::LOCATION, location))
        .finish())
}

pub async fn slack_back(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    come_back(state, req, &SLACK).await
}

pub async fn discord_back(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    come_back(state, req, &DISCORD).await
}

pub async fn pushbullet_back(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    come_back(state, req, &PUSHBULLET).await
}

/// GET from the provider: our `state`, and `code` (or `error`).
async fn come_back(
    state: web::Data<State>,
    req: HttpRequest,
    p: &'static Provider,
) -> Result<HttpResponse, PageError> {
    let (Some(kind), Some(_)) = (catalogue::by_kind(p.kind), client(&state.config, p)) else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let q = query(&req);
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let (saved, data) = take(&visitor.session_data, p.session_key);
    // A wrong state leaves the session's nonce alone: a forged link must not
    // spoil the user's own round trip.
    let Some((_, project_code)) = saved.filter(|(nonce, _)| keys::same_secret(nonce, get("state")))
    else {
        return Err(not_ours(p));
    };
    // The nonce is used up whatever happens next.
    let session_key = visitor.session_key.clone();
    let user2 = user.clone();
    let (project, title) = db(&state, move |conn| {
        if let Some(key) = &session_key {
            sessions::set_data(conn, key, &data)?;
        }
        writable(conn, &user2, &project_code)
    })
    .await?;
    let error = get("error");
    if !error.is_empty() {
        let notice = if error == "access_denied" {
            format!("{} setup was cancelled.", p.label)
        } else {
            let error: String = error.chars().take(MAX_MESSAGE).collect();
            format!("{} did not connect: {error}", p.label)
        };
        return render_page(&state, &visitor, kind, &project, title, notice);
    }
    let code = get("code").trim();
    if code.is_empty() {
        let notice = format!("{} sent no authorisation code. Please try again.", p.label);
        return render_page(&state, &visitor, kind, &project, title, notice);
    }
    let value = match exchange(&state.config, p, code).await {
        Ok(value) => value,
        Err(notice) => {
            tracing::warn!(channel.kind = p.kind, error = %notice, "OAuth token exchange failed");
            return render_page(&state, &visitor, kind, &project, title, notice);
        }
    };
    let project_code = db(&state, move |conn| {
        conn.write_tx(|conn| {
            // Still allowed to change the project after the round trip.
            let (project, _) = writable(conn, &user, &project.code)?;
            insert_channel(conn, &new_channel(&project, p.kind, "", value))?;
            Ok(project.code)
        })
    })
    .await?;
    tracing::info!(channel.kind = p.kind, "integration added through OAuth");
    Ok(visitor.redirect(&format!(
        "/projects/{project_code}/integrations/?done=added"
    )))
}

fn not_ours(p: &Provider) -> PageError {
    PageError::Forbidden(format!(
        "This {} link was not started from your session, or was used already. Please start again from the {} page.",
        p.label, p.label
    ))
}

/// Trades the authorisation code for the channel's value.
async fn exchange(config: &Config, p: &Provider, code: &str) -> Result<String, String> {
    let client = client(config, p).ok_or_else(|| format!("{} is not set up.", p.label))?;
    let redirect_uri = format!("{}{}", config.site_root, p.callback);
    // The token URL is the operator's setting, never a user's, so loopback and
    // private addresses are allowed (tests and proxies use them).
    let http = Outbound::new(true).map_err(|f| f.message)?;
    let answer = http
        .send(
            reqwest::Method::POST,
            client.token_url,
            &[("Accept".to_owned(), "application/json".to_owned())],
            Body::Form(token_form(p, &client, code, &redirect_uri)),
        )
        .await
        .map_err(|f| format!("Could not reach {}: {}", p.label, f.message))?;
    channel_value(p, &answer)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use reqwest::StatusCode;

    use super::*;

    fn client() -> Client<'static> {
        Client {
            id: "cid",
            secret: "csecret",
            authorize_url: "https://example.net/authorize",
            token_url: "https://example.net/token",
        }
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.to_owned(),
        }
    }

    #[test]
    fn the_authorize_url_carries_the_client_scope_callback_and_state() {
        let url = authorize_url(
            &SLACK,
            &client(),
            "https://hc.example/integrations/add_slack_btn/",
            "n 1",
        );
        assert_eq!(
            url,
            "https://example.net/authorize?client_id=cid&scope=incoming-webhook&redirect_uri=https%3A%2F%2Fhc.example%2Fintegrations%2Fadd_slack_btn%2F&response_type=code&state=n+1"
        );
        let url = authorize_url(&PUSHBULLET, &client(), "r", "s");
        assert!(!url.contains("scope"), "{url}");
    }

    #[test]
    fn token_forms_follow_each_provider() {
        let names = |p| -> Vec<String> {
            token_form(p, &client(), "c", "r")
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        assert_eq!(
            names(&SLACK),
            ["client_id", "client_secret", "code", "redirect_uri"]
        );
        assert_eq!(
            names(&DISCORD),
            [
                "client_id",
                "client_secret",
                "code",
                "grant_type",
                "redirect_uri"
            ]
        );
        assert_eq!(
            names(&PUSHBULLET),
            ["client_id", "client_secret", "code", "grant_type"]
        );
    }

    #[test]
    fn answers_become_values_or_readable_errors() {
        let slack = r##"{"ok": true, "incoming_webhook": {"url": "https://hooks.slack.com/x", "channel": "#ops"}}"##;
        assert_eq!(channel_value(&SLACK, &answer(200, slack)).unwrap(), slack);
        assert_eq!(
            channel_value(
                &SLACK,
                &answer(200, r#"{"ok": false, "error": "invalid_code"}"#)
            ),
            Err("Slack refused the connection: invalid_code".into())
        );
        assert!(channel_value(&SLACK, &answer(200, r#"{"ok": true}"#))
            .unwrap_err()
            .contains("without a webhook"));
        let discord =
            r#"{"access_token": "t", "webhook": {"url": "https://discord.com/api/webhooks/1/x"}}"#;
        assert_eq!(
            channel_value(&DISCORD, &answer(200, discord)).unwrap(),
            discord
        );
        assert_eq!(
            channel_value(
                &DISCORD,
                &answer(
                    400,
                    r#"{"error": "invalid_grant", "error_description": "Invalid \"code\""}"#
                )
            ),
            Err("Discord refused the connection: Invalid \"code\"".into())
        );
        assert_eq!(
            channel_value(
                &PUSHBULLET,
                &answer(200, r#"{"access_token": "a1", "token_type": "Bearer"}"#)
            ),
            Ok("a1".into())
        );
        assert_eq!(
            channel_value(
                &PUSHBULLET,
                &answer(400, r#"{"error": {"message": "bad code"}}"#)
            ),
            Err("Pushbullet refused the connection: bad code".into())
        );
        assert_eq!(
            channel_value(&PUSHBULLET, &answer(502, "<html>")),
            Err("Pushbullet refused the connection (status 502).".into())
        );
    }

    #[test]
    fn the_nonce_is_taken_once_and_leaves_other_session_data() {
        let data = remember(r#"{"demo": "x"}"#, "add_slack", "n1", "p1");
        let (saved, rest) = take(&data, "add_slack");
        assert_eq!(saved, Some(("n1".into(), "p1".into())));
        assert!(rest.contains("\"demo\":\"x\""), "{rest}");
        assert_eq!(take(&rest, "add_slack").0, None);
        assert_eq!(take(&data, "add_discord").0, None);
        assert_eq!(take("not json", "add_slack").0, None);
    }
}
