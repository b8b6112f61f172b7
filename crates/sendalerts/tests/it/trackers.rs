//! Issue and card trackers (Trello, GitHub) against a real HTTP server on loopback:
//! the exact requests for a check going down, silence when it comes back up, and
//! what their refusals do. GitHub's app tokens are checked with OpenSSL.

use std::process::{Command, Stdio};

use hc_core::time;
use hc_test::{Recorded, Reply};
use serde_json::{json, Value};

use crate::integrations::{
    all_notifications, check_with_channel, cloaked, comes_back_up, db_with_sink, flip_again, pairs,
    reply_status, reply_with, sendalerts_once, the_channel,
};

const REASON: &str = "success signal did not arrive on time, grace time passed";

/// The query string of a request, as fields in order.
fn query(request: &Recorded) -> Vec<(String, String)> {
    let q = request.target.split_once('?').map(|(_, q)| q).unwrap_or("");
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

const TRELLO: &str = r#"{"board_name": "Ops", "list_id": "5f0c1b2a3d4e5f6a7b8c9d0e", "list_name": "Alerts", "token": "user-token"}"#;

#[test]
fn trello_gets_a_card_when_a_check_goes_down_and_nothing_when_it_is_back() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "trello", TRELLO);
    let url = sink.url("/1/cards");
    let env = [
        ("TRELLO_APP_KEY", "app-key"),
        ("HC_TRELLO_URL", url.as_str()),
    ];
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert!(r.target.starts_with("/1/cards?idList="), "{}", r.target);
    assert!(r.body.is_empty());
    let desc = format!(
        "**Period:** 1 day\n\n**Last Ping:** never\n\n[Full Details @ Mychecks]({})",
        cloaked(&check)
    );
    let expected = pairs(&[
        ("idList", "5f0c1b2a3d4e5f6a7b8c9d0e"),
        ("name", "Down: My First Check"),
        ("desc", desc.as_str()),
        ("key", "app-key"),
        ("token", "user-token"),
    ]);
    assert_eq!(query(r), expected);
    assert_eq!(all_notifications(conn)[0].status, "sent");

    comes_back_up(conn, &check);
    sendalerts_once(&db, &env);
    assert_eq!(sink.requests().len(), 1, "no card for up");
    assert_eq!(all_notifications(conn).len(), 1, "nothing queued for up");
}

#[test]
fn trello_needs_the_sites_app_key_and_reports_refusals() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let check = check_with_channel(conn, "trello", TRELLO);
    let url = sink.url("/1/cards");
    sendalerts_once(&db, &[("HC_TRELLO_URL", url.as_str())]);
    assert!(sink.requests().is_empty());
    let n = &all_notifications(conn)[0];
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Trello notifications are not enabled.")
    );

    sink.reply(reply_with(401, "invalid token"));
    flip_again(conn, &check);
    sendalerts_once(
        &db,
        &[("TRELLO_APP_KEY", "k"), ("HC_TRELLO_URL", url.as_str())],
    );
    assert_eq!(sink.requests().len(), 1);
    let n = all_notifications(conn).pop().unwrap();
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Received status code 401")
    );
}

/// A fresh RSA key (PKCS#1 PEM, as GitHub hands them out) and its public half.
struct AppKey {
    tmp: tempfile::TempDir,
    private_pem: String,
}

impl AppKey {
    fn new() -> AppKey {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let key = dir.join("key.pem");
        openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            key.to_str().unwrap(),
        ]);
        let pkcs1 = dir.join("key-pkcs1.pem");
        openssl(&[
            "rsa",
            "-traditional",
            "-in",
            key.to_str().unwrap(),
            "-out",
            pkcs1.to_str().unwrap(),
        ]);
        openssl(&[
            "pkey",
            "-in",
            key.to_str().unwrap(),
            "-pubout",
            "-out",
            dir.join("pub.pem").to_str().unwrap(),
        ]);
        let private_pem = std::fs::read_to_string(&pkcs1).unwrap();
        assert!(private_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        AppKey { tmp, private_pem }
    }

    /// Whether OpenSSL finds `jwt` signed (RS256) by this key; its claims.
    fn verify(&self, jwt: &str) -> Value {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3, "{jwt}");
        let dir = self.tmp.path();
        let (data, sig) = (dir.join("data"), dir.join("sig"));
        std::fs::write(&data, format!("{}.{}", parts[0], parts[1])).unwrap();
        std::fs::write(&sig, b64.decode(parts[2]).unwrap()).unwrap();
        openssl(&[
            "dgst",
            "-sha256",
            "-verify",
            dir.join("pub.pem").to_str().unwrap(),
            "-signature",
            sig.to_str().unwrap(),
            data.to_str().unwrap(),
        ]);
        let header: Value = serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "RS256", "typ": "JWT"}));
        serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap()
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const GITHUB: &str = r#"{"installation_id": 123, "repo": "alice/foo", "labels": ["ops", "down"]}"#;

fn token_reply() -> Reply {
    reply_with(
        201,
        r#"{"token": "ghs_installation", "expires_at": "2030-01-01T00:00:00Z"}"#,
    )
}

#[test]
fn github_opens_an_issue_with_an_installation_token() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let key = AppKey::new();
    let check = check_with_channel(conn, "github", GITHUB);
    let api = sink.url("");
    let env = [
        ("GITHUB_CLIENT_ID", "Iv1.hc-test"),
        ("GITHUB_PRIVATE_KEY", key.private_pem.as_str()),
        ("HC_GITHUB_API_URL", api.as_str()),
    ];
    sink.replies(vec![token_reply(), reply_with(201, "{}")]);
    let before = time::now().timestamp();
    sendalerts_once(&db, &env);
    let requests = sink.requests();
    assert_eq!(requests.len(), 2);
    let token = &requests[0];
    assert_eq!(
        (token.method.as_str(), token.target.as_str()),
        ("POST", "/app/installations/123/access_tokens")
    );
    assert_eq!(token.header("accept"), Some("application/vnd.github+json"));
    let jwt = token
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap();
    let claims = key.verify(jwt);
    assert_eq!(claims["iss"], "Iv1.hc-test");
    let iat = claims["iat"].as_i64().unwrap();
    assert!((before..=time::now().timestamp()).contains(&iat));
    assert_eq!(claims["exp"].as_i64(), Some(iat + 600));

    let issue = &requests[1];
    assert_eq!(
        (issue.method.as_str(), issue.target.as_str()),
        ("POST", "/repos/alice/foo/issues")
    );
    assert_eq!(
        issue.header("authorization"),
        Some("Bearer ghs_installation")
    );
    assert_eq!(issue.header("content-type"), Some("application/json"));
    assert_eq!(
        issue.json(),
        json!({
            "title": "My First Check is DOWN",
            "body": format!(
                "The check [My First Check]({}) is **DOWN** ({REASON}).\n\n\
                 **Project:** ops@example.org\n**Period:** 1 day\n**Total Pings:** 0\n\
                 **Last Ping:** Never\n",
                cloaked(&check)
            ),
            "labels": ["ops", "down"],
        })
    );
    assert_eq!(all_notifications(conn)[0].status, "sent");

    comes_back_up(conn, &check);
    sendalerts_once(&db, &env);
    assert_eq!(sink.requests().len(), 2, "no issue for up");
    assert_eq!(all_notifications(conn).len(), 1);
}

#[test]
fn github_refusals_are_reported_and_a_gone_repository_disables_the_channel() {
    let (db, pool, sink) = db_with_sink();
    let conn = &mut pool.get().unwrap();
    let key = AppKey::new();
    let check = check_with_channel(conn, "github", GITHUB);
    let api = sink.url("");
    let env = [
        ("GITHUB_CLIENT_ID", "Iv1.hc-test"),
        ("GITHUB_PRIVATE_KEY", key.private_pem.as_str()),
        ("HC_GITHUB_API_URL", api.as_str()),
    ];
    // Without the app's key, nothing is sent.
    sendalerts_once(&db, &[("HC_GITHUB_API_URL", api.as_str())]);
    assert!(sink.requests().is_empty());
    assert_eq!(
        all_notifications(conn)[0].error,
        "GitHub notifications are not enabled."
    );

    // The app was uninstalled: no installation token.
    sink.reply(reply_status(404));
    flip_again(conn, &check);
    sendalerts_once(&db, &env);
    assert_eq!(sink.requests().len(), 1);
    let n = all_notifications(conn).pop().unwrap();
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "GitHub denied access to alice/foo")
    );
    assert!(!the_channel(conn).disabled);

    // Issues are switched off in the repository: 410, and the channel stops.
    sink.replies(vec![token_reply(), reply_status(410)]);
    flip_again(conn, &check);
    sendalerts_once(&db, &env);
    assert_eq!(sink.requests().len(), 3);
    let n = all_notifications(conn).pop().unwrap();
    assert_eq!(
        (n.status.as_str(), n.error.as_str()),
        ("failed", "Received status code 410")
    );
    let channel = the_channel(conn);
    assert!(channel.disabled);
    assert_eq!(channel.last_error, "Received status code 410");
}
