use serde_json::json;

use super::*;
use crate::context::sample;

fn settings() -> Settings {
    Settings::parse(r#"{"installation_id": 123, "repo": "alice/foo", "labels": ["foo", "bar"]}"#)
        .unwrap_or_default()
}

#[test]
fn an_issue_per_down_alert() {
    let mut alert = sample();
    alert.check.name = "DB Backup".into();
    alert.check.tags = "foo bar baz".into();
    let url = alert.details_url();
    assert_eq!(
        payload(&alert, &settings()),
        json!({
            "title": "DB Backup is DOWN",
            "body": format!(
                "The check [DB Backup]({url}) is **DOWN** (success signal did not arrive on \
                 time, grace time passed).\n\n**Project:** Ops\n**Tags:** `foo` `bar` `baz` \n\
                 **Period:** 1 day\n**Total Pings:** 42\n**Last Ping:** Success, 1 day ago\n\
                 **Last Ping Body:**\n<pre>all &quot;good&quot; ünïcode</pre>\n"
            ),
            "labels": ["foo", "bar"],
        })
    );
    assert!(is_noop("up") && !is_noop("down"));
}

#[test]
fn a_body_with_a_code_fence_is_left_out() {
    let mut alert = sample();
    if let Some(ping) = alert.last_ping.as_mut() {
        ping.body = Some(b"``` surprise".to_vec());
    }
    alert.check.kind = "cron".into();
    alert.check.schedule = "* * * * MON-FRI".into();
    alert.check.tz = "Europe/Riga".into();
    let body = payload(&alert, &settings())["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!body.contains("```") && !body.contains("Last Ping Body"));
    assert!(body.contains("**Schedule:** `* * * * MON-FRI`\n**Time Zone:** Europe/Riga\n"));
}

/// An RSA key made by `openssl genpkey` (PKCS#8), or converted to PKCS#1.
fn openssl_key(pkcs1: bool) -> String {
    let run = |args: &[&str], input: Option<&[u8]>| {
        use std::io::Write;
        let mut child = std::process::Command::new("openssl")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("openssl: {e}"));
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            let _ = stdin.write_all(input);
        }
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "openssl {args:?}");
        out.stdout
    };
    let pkcs8 = run(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ],
        None,
    );
    let pem = if pkcs1 {
        run(&["rsa", "-traditional"], Some(&pkcs8))
    } else {
        pkcs8
    };
    String::from_utf8(pem).unwrap_or_default()
}

#[test]
fn app_tokens_are_signed_jwts_github_can_verify() {
    for pkcs1 in [true, false] {
        let pem = openssl_key(pkcs1);
        assert!(pem.contains(if pkcs1 {
            "BEGIN RSA PRIVATE KEY"
        } else {
            "BEGIN PRIVATE KEY"
        }));
        // Written on one line with \n, as in some environment files.
        let key = private_key(&pem.replace('\n', "\\n")).unwrap_or_else(|e| panic!("{e}"));
        let now = hc_core::time::now();
        let token = app_token(&key, "Iv1.abc", now).unwrap_or_else(|e| panic!("{e}"));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).unwrap_or_default();
        let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap_or_default();
        assert_eq!(header, json!({"alg": "RS256", "typ": "JWT"}));
        let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap_or_default();
        let iat = now.timestamp();
        assert_eq!(
            claims,
            json!({"iat": iat, "exp": iat + 600, "iss": "Iv1.abc"})
        );
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            key.public().as_ref().to_vec(),
        );
        let signed = format!("{}.{}", parts[0], parts[1]);
        assert!(public.verify(signed.as_bytes(), &decode(parts[2])).is_ok());
        assert!(public.verify(b"something else", &decode(parts[2])).is_err());
    }
    assert!(private_key("not a key").is_err());
    assert!(
        private_key("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----").is_err()
    );
}
