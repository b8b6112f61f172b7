//! GitHub (spec §6.2 `github`): an issue in the chosen repository when a check goes
//! down, opened as the site's GitHub App. Each alert first trades a token the site
//! signs with the app's private key (a JWT, RS256, valid ten minutes) for an
//! installation token, then opens the issue with it, as healthchecks does.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::alert::Senders;
use crate::context::{Alert, Period};
use crate::failure::Failure;
use crate::outbound::Body;

/// A channel's configuration, as healthchecks stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Settings {
    pub installation_id: i64,
    pub repo: String,
    #[serde(default)]
    pub labels: Vec<String>,
}

impl Settings {
    pub fn parse(value: &str) -> Result<Settings, Failure> {
        let settings: Settings = serde_json::from_str(value)
            .map_err(|_| Failure::fail("The GitHub settings are not readable"))?;
        if settings.repo.is_empty() {
            return Err(Failure::fail("The GitHub repository is missing"));
        }
        Ok(settings)
    }
}

/// Issues are opened for down alerts only.
pub fn is_noop(status: &str) -> bool {
    status != "down"
}

/// What Django's escaping does to text put into HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// The issue: title, Markdown body and the channel's labels.
pub fn payload(alert: &Alert, settings: &Settings) -> Value {
    let name = alert.name();
    let mut lines = vec![
        format!(
            "The check [{name}]({}) is **DOWN**{}.",
            alert.details_url(),
            alert.reason_brief()
        ),
        String::new(),
    ];
    if !alert.project_name.is_empty() {
        lines.push(format!("**Project:** {}", alert.project_name));
    }
    let tags = alert.tags();
    if !tags.is_empty() {
        let list: String = tags.iter().map(|t| format!("`{t}` ")).collect();
        lines.push(format!("**Tags:** {list}"));
    }
    match alert.period() {
        Period::Every(words) => lines.push(format!("**Period:** {words}")),
        Period::Schedule { expression, tz } => {
            lines.push(format!("**Schedule:** `{expression}`"));
            lines.push(format!("**Time Zone:** {tz}"));
        }
    }
    lines.push(format!("**Total Pings:** {}", alert.check.n_pings));
    lines.push(format!("**Last Ping:** {}", alert.last_ping_words()));
    // A body with a code fence of its own could break out of the block.
    if let Some(body) = alert.last_body(1000).filter(|b| !b.contains("```")) {
        lines.push("**Last Ping Body:**".into());
        lines.push(format!("<pre>{}</pre>", escape_html(&body)));
    }
    json!({
        "title": format!("{name} is DOWN"),
        "body": lines.join("\n") + "\n",
        "labels": settings.labels,
    })
}

/// The app's private key: PEM, PKCS#1 (what GitHub hands out) or PKCS#8. Operators
/// who pass it in one environment line may write its line breaks as `\n`.
pub fn private_key(pem: &str) -> Result<ring::signature::RsaKeyPair, String> {
    let pem = pem.replace("\\n", "\n");
    let begin = pem
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
        .ok_or("not a PEM key")?
        .to_owned();
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN "))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END "))
        .collect();
    let der = STANDARD
        .decode(body)
        .map_err(|_| "the PEM key is not base64")?;
    let parsed = match begin.as_str() {
        "RSA PRIVATE KEY" => ring::signature::RsaKeyPair::from_der(&der),
        "PRIVATE KEY" => ring::signature::RsaKeyPair::from_pkcs8(&der),
        other => return Err(format!("a {other} is not an RSA private key")),
    };
    parsed.map_err(|e| format!("the RSA key was rejected ({e})"))
}

/// The app's token: a JWT signed with RS256, issued by the app's client ID, valid
/// for ten minutes from `now` (GitHub's longest).
pub fn app_token(
    key: &ring::signature::RsaKeyPair,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let iat = now.timestamp();
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
    let claims =
        URL_SAFE_NO_PAD.encode(json!({"iat": iat, "exp": iat + 600, "iss": client_id}).to_string());
    let signed = format!("{header}.{claims}");
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "cannot sign with the key".to_owned())?;
    Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

#[derive(Deserialize)]
struct AccessToken {
    token: String,
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let i = &senders.config.integrations;
    let disabled = || Failure::fail("GitHub notifications are not enabled.");
    let pem = i
        .github_private_key
        .as_ref()
        .filter(|k| !k.expose().is_empty())
        .ok_or_else(disabled)?;
    let client_id = i
        .github_client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(disabled)?;
    if is_noop(&alert.status) {
        return Ok(());
    }
    let settings = Settings::parse(&alert.channel.value)?;
    let jwt = private_key(pem.expose())
        .and_then(|key| app_token(&key, client_id, hc_core::time::now()))
        .map_err(|e| {
            tracing::error!(error = %e, "GITHUB_PRIVATE_KEY cannot sign tokens");
            Failure::fail("GitHub notifications are not enabled.")
        })?;
    let api = i.endpoints.github.trim_end_matches('/');
    let accept = (
        "Accept".to_owned(),
        "application/vnd.github+json".to_owned(),
    );
    let answer = senders
        .http
        .send(
            Method::POST,
            &format!(
                "{api}/app/installations/{}/access_tokens",
                settings.installation_id
            ),
            &[
                accept.clone(),
                ("Authorization".into(), format!("Bearer {jwt}")),
            ],
            Body::None,
        )
        .await?;
    if answer.status == StatusCode::NOT_FOUND {
        // The app was uninstalled from the account that owns the repository.
        return Err(Failure::fail(format!(
            "GitHub denied access to {}",
            settings.repo
        )));
    }
    if !answer.delivered() {
        return Err(answer.failure());
    }
    let token = serde_json::from_str::<AccessToken>(&answer.body)
        .map_err(|_| Failure::retry("Unexpected answer from GitHub"))?
        .token;
    let answer = senders
        .http
        .send(
            Method::POST,
            &format!("{api}/repos/{}/issues", settings.repo),
            &[accept, ("Authorization".into(), format!("Bearer {token}"))],
            Body::Json(payload(alert, &settings)),
        )
        .await?;
    if answer.status == StatusCode::GONE {
        // Issues were switched off in the repository: no later alert can land.
        return Err(Failure::disable(answer.failure().message));
    }
    answer.ok()
}

#[cfg(test)]
mod tests;
