use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::*;
use crate::context::sample;
use crate::failure::Then;

fn settings(value: &str) -> Settings {
    Settings::parse(value).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn one_send_call_with_bold_name_and_status() {
    let alert = sample();
    let s = settings(r#"{"value": "+15550001111", "up": true, "down": true}"#);
    assert_eq!(
        request(&alert, &s, "id-1"),
        json!({
            "jsonrpc": "2.0",
            "method": "send",
            "params": {
                "recipient": ["+15550001111"],
                "message": chat::message(&alert, Style::Plain),
                "textStyle": ["4:7:BOLD", "16:4:BOLD"],
            },
            "id": "id-1",
        })
    );
    // The ranges cover the name and the status, counted in UTF-16 units.
    let (message, _) = text(&alert);
    let units: Vec<u16> = message.encode_utf16().collect();
    let cut = |start: usize, len: usize| String::from_utf16_lossy(&units[start..start + len]);
    assert_eq!(
        (cut(4, 7), cut(16, 4)),
        ("Backups".to_owned(), "DOWN".to_owned())
    );
    let mut up = sample();
    up.status = "up".into();
    up.check.name = "Zürich 🚀".into();
    assert_eq!(text(&up).1, ["4:9:BOLD", "18:2:BOLD"]);
}

#[test]
fn usernames_get_their_prefix() {
    assert_eq!(
        settings(r#"{"value": "alice.01"}"#).recipient(),
        "u:alice.01"
    );
    assert_eq!(
        settings(r#"{"value": "u:alice.01"}"#).recipient(),
        "u:alice.01"
    );
    assert_eq!(settings(r#"{"value": " +371 "}"#).recipient(), "+371");
    assert!(Settings::parse(r#"{"value": ""}"#).is_err());
}

#[test]
fn statuses_switched_off_send_nothing() {
    let value = r#"{"value": "+1555", "up": false, "down": true}"#;
    assert!(is_noop(value, "up"));
    assert!(!is_noop(value, "down"));
    assert!(!is_noop(r#"{"value": "+1555"}"#, "up"));
    assert!(!is_noop("nonsense", "up"));
}

#[test]
fn answers() {
    assert_eq!(
        judge(&json!({"jsonrpc": "2.0", "result": {}, "id": "x"})),
        Ok(())
    );
    let unregistered = json!({"jsonrpc": "2.0", "id": "x", "error": {
        "code": -1, "message": "Failed to send message",
        "data": {"response": {"results": [{"type": "UNREGISTERED_FAILURE"}]}}}});
    assert_eq!(judge(&unregistered).map_err(|f| f.then), Err(Then::Disable));
    let limited = json!({"id": "x", "error": {"code": -5,
        "data": {"response": {"results": [{"type": "RATE_LIMIT_FAILURE", "token": "t"}]}}}});
    assert_eq!(judge(&limited).map_err(|f| f.then), Err(Then::Retry));
    assert_eq!(
        judge(&json!({"id": "x", "error": {"code": -32602, "message": "bad params"}})),
        Err(Failure::fail("signal-cli call failed (-32602)"))
    );
}

#[test]
fn a_captcha_challenge_names_its_token() {
    let limited = json!({"jsonrpc": "2.0", "id": "x", "error": {"code": -5,
        "message": "Failed to send message due to rate limiting",
        "data": {"response": {"timestamp": 1, "results": [
            {"recipientAddress": {"number": "+1555"}, "type": "RATE_LIMIT_FAILURE",
             "token": "5f4c-challenge", "retryAfterSeconds": 86400}]}}}});
    assert_eq!(challenge(&limited).as_deref(), Some("5f4c-challenge"));
    // Still a retry: the alert goes out once the operator has answered.
    assert_eq!(judge(&limited).map_err(|f| f.then), Err(Then::Retry));
    let no_token = json!({"id": "x", "error": {"code": -5,
        "data": {"response": {"results": [{"type": "RATE_LIMIT_FAILURE", "token": ""}]}}}});
    assert_eq!(challenge(&no_token), None);
    let other = json!({"id": "x", "error": {"code": -1,
        "data": {"response": {"results": [{"type": "NETWORK_FAILURE", "token": "t"}]}}}});
    assert_eq!(challenge(&other), None);
    assert_eq!(challenge(&json!({"id": "x", "result": {}})), None);

    assert_eq!(notice_kind("abc"), "signal-captcha-abc");
    let long = notice_kind(&"x".repeat(500));
    assert_eq!(long.len(), "signal-captcha-".len() + 64);
    assert_ne!(long, notice_kind(&"x".repeat(501)));
}

#[test]
fn the_captcha_notice_says_what_to_do() {
    let vars = [
        ("SECRET_KEY", "test"),
        ("SITE_NAME", "Mychecks"),
        ("SITE_ROOT", "https://hc.example.org"),
        ("SIGNAL_CLI_SOCKET", "/run/signal-cli/socket"),
    ];
    let env = hc_core::config::Env::new(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    });
    let config = hc_core::config::Config::from(&env).unwrap_or_else(|e| panic!("{e}"));
    let notice = captcha_notice(&config, "ops@example.org", "5f4c-challenge");
    assert_eq!(notice.to, "ops@example.org");
    assert_eq!(notice.subject, "Mychecks: Signal asks for a CAPTCHA");
    for words in [
        "Challenge token: 5f4c-challenge\n",
        "https://signalcaptchas.org/challenge/generate.html",
        "SIGNAL_CLI_SOCKET = /run/signal-cli/socket",
        r#""method":"submitRateLimitChallenge""#,
        r#""challenge":"5f4c-challenge""#,
        "submitRateLimitChallenge --challenge 5f4c-challenge --captcha",
        "Site: https://hc.example.org\n",
    ] {
        assert!(notice.text.contains(words), "{words:?} in {}", notice.text);
    }
}

#[test]
fn socket_addresses() {
    assert_eq!(tcp_address("127.0.0.1:7583"), Some(("127.0.0.1", 7583)));
    assert_eq!(tcp_address("[::1]:7583"), Some(("::1", 7583)));
    assert_eq!(tcp_address("signal:7583"), Some(("signal", 7583)));
    assert_eq!(tcp_address("/run/signal-cli/socket"), None);
    assert_eq!(tcp_address("/tmp/odd:name"), None);
}

#[tokio::test]
async fn notifications_before_the_answer_are_skipped() {
    let (ours, mut theirs) = tokio::io::duplex(4096);
    let daemon = tokio::spawn(async move {
        let mut reader = BufReader::new(&mut theirs);
        let mut line = String::new();
        let _ = reader.read_line(&mut line).await;
        let _ = theirs
            .write_all(
                b"{\"jsonrpc\":\"2.0\",\"method\":\"receive\",\"params\":{}}\n\n\
                  {\"jsonrpc\":\"2.0\",\"result\":{},\"id\":\"other\"}\n\
                  {\"jsonrpc\":\"2.0\",\"result\":{\"timestamp\":1},\"id\":\"mine\"}\n",
            )
            .await;
        line
    });
    let reply = exchange(ours, b"{\"id\":\"mine\"}\n", "mine").await;
    assert_eq!(
        reply,
        Ok(json!({"jsonrpc": "2.0", "result": {"timestamp": 1}, "id": "mine"}))
    );
    assert_eq!(daemon.await.ok().as_deref(), Some("{\"id\":\"mine\"}\n"));
}

#[tokio::test]
async fn a_silent_daemon_is_an_error_not_a_hang() {
    let (ours, theirs) = tokio::io::duplex(4096);
    drop(theirs);
    let result = exchange(ours, b"{}\n", "x").await;
    assert_eq!(result.map_err(|f| f.then), Err(Then::Retry));
}

#[cfg(unix)]
#[tokio::test]
async fn over_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("hc-signal-{}.sock", hc_core::keys::new_uuid()));
    let listener = tokio::net::UnixListener::bind(&path).unwrap_or_else(|e| panic!("{e}"));
    let daemon = tokio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else {
            return String::new();
        };
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        let _ = reader.read_line(&mut line).await;
        let id = serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|v| v.get("id").cloned())
            .unwrap_or_default();
        let answer = json!({"jsonrpc": "2.0", "result": {}, "id": id}).to_string() + "\n";
        let _ = reader.get_mut().write_all(answer.as_bytes()).await;
        line
    });
    let socket = path.to_string_lossy().into_owned();
    let reply = call(&socket, b"{\"jsonrpc\":\"2.0\",\"id\":\"u1\"}\n", "u1").await;
    assert_eq!(judge(&reply.unwrap_or_else(|e| panic!("{e}"))), Ok(()));
    assert_eq!(
        daemon.await.ok().as_deref(),
        Some("{\"jsonrpc\":\"2.0\",\"id\":\"u1\"}\n")
    );
    let _ = std::fs::remove_file(&path);
}
