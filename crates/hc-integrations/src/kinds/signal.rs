//! Signal (spec §6.2 `signal`): a JSON-RPC 2.0 `send` call to the operator's
//! signal-cli daemon over its socket (`SIGNAL_CLI_SOCKET`: a Unix socket path, or
//! `host:port` for TCP). One request line goes out; answer lines are read until the
//! one with our id, all within one time limit. When Signal rate-limits the account
//! and asks for a CAPTCHA, only the operators can answer it: they get an e-mail,
//! once per challenge.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::alert::Senders;
use crate::chat::{self, Style};
use crate::context::Alert;
use crate::email::Outgoing;
use crate::failure::Failure;

/// The whole call, connecting included (healthchecks allows 20 seconds).
const TIMEOUT: Duration = Duration::from_secs(20);
/// Longest answer line read.
const MAX_LINE: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Settings {
    /// A phone number (`+E.164`) or a username (`name.01`).
    pub value: String,
    #[serde(default = "yes")]
    pub up: bool,
    #[serde(default = "yes")]
    pub down: bool,
}

fn yes() -> bool {
    true
}

impl Settings {
    pub fn parse(value: &str) -> Result<Settings, Failure> {
        serde_json::from_str::<Settings>(value)
            .ok()
            .filter(|s| !s.value.trim().is_empty())
            .ok_or_else(|| Failure::fail("The Signal recipient is not configured"))
    }

    /// signal-cli's name for the recipient: usernames (which hold a dot) are
    /// prefixed with `u:`.
    pub fn recipient(&self) -> String {
        let value = self.value.trim();
        if value.contains('.') && !value.starts_with("u:") {
            format!("u:{value}")
        } else {
            value.to_owned()
        }
    }
}

/// Statuses this channel stays silent for.
pub fn is_noop(value: &str, status: &str) -> bool {
    Settings::parse(value).is_ok_and(|s| if status == "down" { !s.down } else { !s.up })
}

/// The plain-text message, and the check's name and status in bold as signal-cli's
/// `start:length:STYLE` ranges (counted in UTF-16 units, as Signal counts).
pub fn text(alert: &Alert) -> (String, Vec<String>) {
    let message = chat::message(alert, Style::Plain);
    let units = |s: &str| s.encode_utf16().count();
    let name_start = units(&format!("{} \u{201c}", chat::emoji(alert)));
    let name_len = units(alert.name());
    let status_start = name_start + name_len + units("\u{201d} is ");
    let styles = vec![
        format!("{name_start}:{name_len}:BOLD"),
        format!("{status_start}:{}:BOLD", units(&alert.status_upper())),
    ];
    (message, styles)
}

pub fn request(alert: &Alert, settings: &Settings, id: &str) -> Value {
    let (message, styles) = text(alert);
    json!({
        "jsonrpc": "2.0",
        "method": "send",
        "params": {
            "recipient": [settings.recipient()],
            "message": message,
            "textStyle": styles,
        },
        "id": id,
    })
}

/// What signal-cli's answer means.
pub fn judge(reply: &Value) -> Result<(), Failure> {
    let Some(error) = reply.get("error").filter(|e| !e.is_null()) else {
        return Ok(());
    };
    let results = error
        .pointer("/data/response/results")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let has = |kind: &str| {
        results
            .iter()
            .any(|r| r.get("type").and_then(Value::as_str) == Some(kind))
    };
    if has("UNREGISTERED_FAILURE") {
        return Err(Failure::disable(
            "The recipient is not registered on Signal",
        ));
    }
    if has("RATE_LIMIT_FAILURE") {
        return Err(Failure::retry(
            "signal-cli was rate limited (Signal asks the operator to solve a CAPTCHA)",
        ));
    }
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = format!("signal-cli call failed ({code})");
    if has("NETWORK_FAILURE") {
        Err(Failure::retry(message))
    } else {
        Err(Failure::fail(message))
    }
}

/// The CAPTCHA challenge in a rate-limit answer: the token of its
/// `RATE_LIMIT_FAILURE` result.
pub fn challenge(reply: &Value) -> Option<String> {
    reply
        .pointer("/error/data/response/results")?
        .as_array()?
        .iter()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("RATE_LIMIT_FAILURE"))
        .find_map(|r| r.get("token").and_then(Value::as_str))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// The `operator_notices` kind that lets one notice out per challenge (the column
/// holds 100 characters: a long token is hashed).
pub fn notice_kind(token: &str) -> String {
    if token.len() <= 64 {
        format!("signal-captcha-{token}")
    } else {
        let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("signal-captcha-{hex}")
    }
}

/// The e-mail that tells an operator how to answer the challenge.
pub fn captcha_notice(config: &hc_core::config::Config, to: &str, token: &str) -> Outgoing {
    let socket = config
        .integrations
        .signal_cli_socket
        .as_deref()
        .unwrap_or_default();
    let rpc = json!({
        "jsonrpc": "2.0",
        "method": "submitRateLimitChallenge",
        "params": {"challenge": token, "captcha": "signalcaptcha://..."},
        "id": "1",
    });
    Outgoing {
        to: to.to_owned(),
        subject: format!("{}: Signal asks for a CAPTCHA", config.site_name),
        text: format!(
            "Signal has rate-limited the account that signal-cli sends alerts from, and \
             accepts no more messages from it until someone solves a CAPTCHA. Until \
             then Signal alerts fail (each is retried a few times).\n\n\
             Challenge token: {token}\n\n\
             To answer it:\n\n\
             1. Open https://signalcaptchas.org/challenge/generate.html and solve the \
             CAPTCHA.\n\
             2. Copy the address of the \"Open Signal\" link it then shows (it starts \
             with signalcaptcha://).\n\
             3. Give both to signal-cli's submitRateLimitChallenge: while its daemon runs \
             (SIGNAL_CLI_SOCKET = {socket}), send it this JSON-RPC line, with the copied \
             address as the captcha:\n\n\
             {rpc}\n\n\
             or, with the daemon stopped, run:\n\n\
             signal-cli -a <ACCOUNT> submitRateLimitChallenge --challenge {token} \
             --captcha 'signalcaptcha://...'\n\n\
             Site: {}\n",
            config.site_root
        ),
        html: None,
    }
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let config = &senders.config;
    let Some(socket) = config
        .integrations
        .signal_cli_socket
        .as_deref()
        .filter(|s| !s.is_empty())
    else {
        return Err(Failure::fail("Signal notifications are not enabled"));
    };
    let settings = Settings::parse(&alert.channel.value)?;
    let id = hc_core::keys::new_uuid();
    let mut line = request(alert, &settings, &id).to_string().into_bytes();
    line.push(b'\n');
    let reply = tokio::time::timeout(TIMEOUT, call(socket, &line, &id))
        .await
        .map_err(|_| Failure::retry("signal-cli call timed out"))??;
    if let Some(token) = challenge(&reply) {
        tell_operators(senders, token).await;
    }
    judge(&reply)
}

/// Mails the challenge to the operators (`ADMINS`), once per token whichever
/// daemon meets it first. The alert's own outcome does not depend on it.
async fn tell_operators(senders: &Senders, token: String) {
    let (pool, mailer, config) = (
        senders.pool.clone(),
        senders.mailer.clone(),
        senders.config.clone(),
    );
    let told = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let now = hc_core::time::now();
        if !hc_core::outage::claim_notice(&mut conn, &notice_kind(&token), now)
            .map_err(|e| e.to_string())?
        {
            return Ok(());
        }
        // The token is no secret (solving it needs the CAPTCHA too), and the log is
        // all an operator without ADMINS or e-mail has.
        tracing::warn!(signal.challenge = %token, "Signal asks for a CAPTCHA");
        let Some(mailer) = mailer else {
            return Ok(());
        };
        for admin in &config.admins {
            let message = captcha_notice(&config, admin, &token);
            if let Err(e) = mailer.send_recorded(&mut conn, &message) {
                tracing::error!(error = %e, "cannot tell the operators about the CAPTCHA");
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|told| told);
    if let Err(e) = told {
        tracing::error!(error = %e, "cannot tell the operators about the CAPTCHA");
    }
}

/// `host:port` when the setting is one, else a Unix socket path.
fn tcp_address(socket: &str) -> Option<(&str, u16)> {
    let (host, port) = socket.rsplit_once(':')?;
    let port = port.parse().ok()?;
    (!host.is_empty()).then_some((host.trim_start_matches('[').trim_end_matches(']'), port))
}

async fn call(socket: &str, line: &[u8], id: &str) -> Result<Value, Failure> {
    match tcp_address(socket) {
        Some(address) => {
            let stream = tokio::net::TcpStream::connect(address)
                .await
                .map_err(io_failure)?;
            exchange(stream, line, id).await
        }
        None => call_unix(socket, line, id).await,
    }
}

#[cfg(unix)]
async fn call_unix(path: &str, line: &[u8], id: &str) -> Result<Value, Failure> {
    let stream = tokio::net::UnixStream::connect(path)
        .await
        .map_err(io_failure)?;
    exchange(stream, line, id).await
}

#[cfg(not(unix))]
async fn call_unix(_path: &str, _line: &[u8], _id: &str) -> Result<Value, Failure> {
    Err(Failure::fail(
        "SIGNAL_CLI_SOCKET must be host:port on this system",
    ))
}

/// Writes the request line and reads answer lines until the one for `id` (the
/// daemon may also push notifications of received messages).
async fn exchange<S>(stream: S, line: &[u8], id: &str) -> Result<Value, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(stream);
    reader.get_mut().write_all(line).await.map_err(io_failure)?;
    reader.get_mut().flush().await.map_err(io_failure)?;
    loop {
        let mut answer = Vec::new();
        let n = (&mut reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut answer)
            .await
            .map_err(io_failure)?;
        if n == 0 {
            return Err(Failure::retry(
                "signal-cli call failed (connection closed without an answer)",
            ));
        }
        if !answer.ends_with(b"\n") && u64::try_from(n).unwrap_or(u64::MAX) >= MAX_LINE {
            return Err(Failure::fail("signal-cli call failed (answer too long)"));
        }
        if answer.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let reply: Value = serde_json::from_slice(&answer)
            .map_err(|_| Failure::fail("signal-cli call failed (unexpected response)"))?;
        if reply.get("id").and_then(Value::as_str) == Some(id) {
            return Ok(reply);
        }
    }
}

fn io_failure(e: std::io::Error) -> Failure {
    Failure::retry(format!("signal-cli call failed ({e})"))
}

#[cfg(test)]
mod tests;
