use hc_integrations::kinds::{
    gotify, ntfy, opsgenie, pagerduty, signal, slack, telegram, webhook, zulip,
};
use serde_json::json;

use super::build::Built;
use super::values::mask;
use super::*;
use crate::ui::Form;

fn values(pairs: &[(&str, &str)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn build_kind(kind: &str, pairs: &[(&str, &str)]) -> Result<Built, Errors> {
    let specs = specs(kind).unwrap_or_else(|| panic!("{kind} has a form"));
    build(kind, &specs, &values(pairs))
}

fn error_of(kind: &str, pairs: &[(&str, &str)], field: &str) -> String {
    match build_kind(kind, pairs) {
        Ok(built) => panic!("{kind} accepted {pairs:?}: {built:?}"),
        Err(errors) => errors
            .get(field)
            .cloned()
            .unwrap_or_else(|| panic!("no error on {field}: {errors:?}")),
    }
}

#[test]
fn webhook_urls_must_be_http_and_short() {
    let err = error_of("webhook", &[("url_down", "not a url")], "url_down");
    assert!(err.contains("http://"), "{err}");
    let err = error_of(
        "webhook",
        &[("url_down", "ftp://example.org/x")],
        "url_down",
    );
    assert!(err.contains("http://"), "{err}");
    let long = format!("https://example.org/{}", "a".repeat(1000 - 20 + 1));
    assert_eq!(long.chars().count(), 1001);
    let err = error_of("webhook", &[("url_up", &long)], "url_up");
    assert!(err.contains("at most 1000"), "{err}");
    let err = error_of("webhook", &[], "url_down");
    assert!(err.contains("at least one"), "{err}");
    let err = error_of(
        "webhook",
        &[("url_down", "https://x.org"), ("method_down", "DELETE")],
        "method_down",
    );
    assert!(err.contains("choices"), "{err}");
}

#[test]
fn a_valid_webhook_is_what_the_sender_reads() {
    let built = build_kind(
        "webhook",
        &[
            ("name", "Ops hook"),
            ("method_down", "POST"),
            ("url_down", "http://localhost:8080/down?c=$CODE"),
            ("body_down", "{\"name\": $NAME_JSON}"),
            (
                "headers_down",
                "Content-Type: application/json\nAuthorization: Bearer abc",
            ),
            ("method_up", "GET"),
            ("url_up", ""),
        ],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(built.name, "Ops hook");
    let down = webhook::spec(&built.value, "down");
    assert_eq!(down.method, "POST");
    assert_eq!(down.url, "http://localhost:8080/down?c=$CODE");
    assert_eq!(down.body, "{\"name\": $NAME_JSON}");
    assert!(down
        .headers
        .contains(&("Authorization".to_owned(), "Bearer abc".to_owned())));
    assert!(webhook::is_noop(&built.value, "up"));
}

#[test]
fn webhook_headers_are_checked_line_by_line() {
    let err = error_of(
        "webhook",
        &[
            ("url_down", "https://x.org"),
            ("headers_down", "no colon here"),
        ],
        "headers_down",
    );
    assert!(err.contains("one header per line"), "{err}");
    let err = error_of(
        "webhook",
        &[
            ("url_down", "https://x.org"),
            ("headers_down", "Bad Name: v"),
        ],
        "headers_down",
    );
    assert!(err.contains("Header names"), "{err}");
    let long_value = format!("X-Long: {}", "v".repeat(1001));
    let err = error_of(
        "webhook",
        &[("url_down", "https://x.org"), ("headers_down", &long_value)],
        "headers_down",
    );
    assert!(err.contains("1000"), "{err}");
}

#[test]
fn every_text_field_survives_ten_thousand_characters() {
    let huge = "<script>".repeat(1250);
    for kind in [
        "email",
        "webhook",
        "slack",
        "discord",
        "pd",
        "opsgenie",
        "pushbullet",
        "telegram",
        "matrix",
        "zulip",
        "signal",
        "ntfy",
        "gotify",
    ] {
        let specs = specs(kind).unwrap_or_else(|| panic!("{kind}"));
        for spec in &specs {
            if matches!(spec.input, Input::Check | Input::Select(_)) {
                continue;
            }
            let errors = match build(kind, &specs, &values(&[(spec.name, &huge)])) {
                Ok(built) => panic!("{kind}.{} took 10,000 characters: {built:?}", spec.name),
                Err(errors) => errors,
            };
            // Headers may hold 10,000 characters in all; this many has no colon.
            let expected = if spec.input == Input::Headers {
                "per line"
            } else {
                "at most"
            };
            assert!(
                errors.get(spec.name).is_some_and(|e| e.contains(expected)),
                "{kind}.{}: {errors:?}",
                spec.name
            );
        }
    }
}

#[test]
fn chat_webhook_kinds_store_the_bare_url() {
    for kind in [
        "slack",
        "mattermost",
        "discord",
        "msteamsw",
        "rocketchat",
        "victorops",
    ] {
        let built = build_kind(kind, &[("value", "https://hooks.example.org/T1/B2/secret")])
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert_eq!(built.value, "https://hooks.example.org/T1/B2/secret");
        assert!(sendable(kind, &built.value));
        let err = error_of(kind, &[("value", "javascript:alert(1)")], "value");
        assert!(err.contains("http"), "{err}");
        let err = error_of(kind, &[], "value");
        assert!(err.contains("required"), "{err}");
    }
    let discord = build_kind(
        "discord",
        &[("value", "https://discord.com/api/webhooks/1/x")],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        slack::webhook_url(&discord.value, slack::Flavour::Discord).as_deref(),
        Some("https://discord.com/api/webhooks/1/x/slack")
    );
}

#[test]
fn ntfy_and_gotify_build_their_json() {
    let built = build_kind(
        "ntfy",
        &[
            ("url", "https://ntfy.example.org/"),
            ("topic", "ops-alerts"),
            ("priority", "5"),
            ("priority_up", "0"),
            ("token", ""),
        ],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let s = ntfy::Settings::parse(&built.value).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (s.url.as_str(), s.topic.as_str()),
        ("https://ntfy.example.org", "ops-alerts")
    );
    assert_eq!((s.priority("down"), s.priority("up")), (5, 0));
    assert_eq!(s.token, None);
    assert!(ntfy::is_noop(&built.value, "up"));
    let err = error_of(
        "ntfy",
        &[
            ("url", "https://ntfy.sh"),
            ("topic", "a b"),
            ("priority", "3"),
            ("priority_up", "3"),
        ],
        "topic",
    );
    assert!(err.contains("letters"), "{err}");
    let err = error_of(
        "ntfy",
        &[
            ("url", "https://ntfy.sh"),
            ("topic", "t"),
            ("priority", "7"),
            ("priority_up", "3"),
        ],
        "priority",
    );
    assert!(err.contains("choices"), "{err}");

    let built = build_kind(
        "gotify",
        &[
            ("url", "https://gotify.example.org"),
            ("token", "AbC.123"),
            ("priority", "9"),
            ("priority_up", "2"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let s = gotify::Settings::parse(&built.value).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        gotify::url(&s),
        "https://gotify.example.org/message?token=AbC.123"
    );
    let err = error_of(
        "gotify",
        &[
            ("url", "https://g.org"),
            ("token", "has space"),
            ("priority", "5"),
            ("priority_up", "5"),
        ],
        "token",
    );
    assert!(err.contains("spaces"), "{err}");
}

#[test]
fn email_signal_telegram_matrix_and_pagers() {
    let built = build_kind("email", &[("value", "Ann@Example.org"), ("down", "on")])
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(built.address.as_deref(), Some("ann@example.org"));
    assert!(hc_integrations::alert::is_noop("email", &built.value, "up"));
    assert!(!hc_integrations::alert::is_noop(
        "email",
        &built.value,
        "down"
    ));
    let err = error_of(
        "email",
        &[("value", "not-an-address"), ("down", "on")],
        "value",
    );
    assert!(err.contains("e-mail"), "{err}");
    let err = error_of("email", &[("value", "a@x.org")], "down");
    assert!(err.contains("at least one"), "{err}");

    let built = build_kind(
        "signal",
        &[("value", "+15550100"), ("up", "on"), ("down", "on")],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        signal::Settings::parse(&built.value)
            .map(|s| s.recipient())
            .ok()
            .as_deref(),
        Some("+15550100")
    );
    assert!(build_kind("signal", &[("value", "ann.01"), ("down", "on")]).is_ok());
    error_of("signal", &[("value", "555-0100"), ("down", "on")], "value");

    let built = build_kind(
        "telegram",
        &[("id", "-1001234"), ("thread_id", "7"), ("chat_name", "Ops")],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let chat = telegram::chat(&built.value).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((chat.id, chat.thread_id), (json!(-1001234), Some(7)));
    assert_eq!(
        hc_integrations::catalogue::describe("telegram", &built.value),
        "Telegram Ops"
    );
    error_of("telegram", &[("id", "hello")], "id");
    error_of("telegram", &[("id", "42"), ("thread_id", "x")], "thread_id");

    assert!(build_kind("matrix", &[("value", "!room:example.org")]).is_ok());
    error_of("matrix", &[("value", "room")], "value");

    let built =
        build_kind("pd", &[("service_key", "abc123DEF")]).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        pagerduty::service_key(&built.value).as_deref(),
        Some("abc123DEF")
    );
    error_of("pd", &[("service_key", "abc 123")], "service_key");
    let built = build_kind("opsgenie", &[("key", "a-b-c"), ("region", "eu")])
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        opsgenie::settings(&built.value).map(|s| s.region),
        Some("eu".into())
    );
    error_of("opsgenie", &[("key", "k"), ("region", "asia")], "region");

    let built = build_kind(
        "zulip",
        &[
            ("bot_email", "bot@zulip.example.org"),
            ("api_key", "abc123"),
            ("site", "https://example.zulipchat.com/"),
            ("mtype", "private"),
            ("to", "42"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let s = zulip::Settings::parse(&built.value).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.site, "https://example.zulipchat.com");
    error_of(
        "zulip",
        &[
            ("bot_email", "x"),
            ("api_key", "k"),
            ("site", "https://z.org"),
            ("mtype", "stream"),
            ("to", "s"),
        ],
        "bot_email",
    );
}

#[test]
fn secrets_are_masked_and_kept_when_sent_back_unchanged() {
    let url = "https://hooks.slack.com/services/T000/B000/XXXXabcd";
    assert_eq!(mask(url), "https://hooks.slack.com/…abcd");
    assert_eq!(mask("http://127.0.0.1:9/hook"), "http://127.0.0.1:9/…");
    assert_eq!(mask("tk_0123456789wxyz"), "…wxyz");
    assert_eq!(mask("short"), "…");
    assert_eq!(mask(""), "");

    let specs = specs("gotify").unwrap_or_default();
    let old = decode(
        "gotify",
        "",
        r#"{"url": "https://g.example.org", "token": "Secret-Token-1234", "priority": 5, "priority_up": 2}"#,
    );
    let shown = shown(&specs, &old, Some(&old));
    assert_eq!(shown.get("token").map(String::as_str), Some("…1234"));
    assert_eq!(
        shown.get("url").map(String::as_str),
        Some("https://g.example.org")
    );
    let form = Form::parse(
        b"url=https%3A%2F%2Fg.example.org&token=%E2%80%A61234&priority=5&priority_up=2",
    );
    let back = read(&specs, &form, Some(&old));
    assert_eq!(
        back.get("token").map(String::as_str),
        Some("Secret-Token-1234")
    );
    let form = Form::parse(b"url=https%3A%2F%2Fg.example.org&token=New&priority=5&priority_up=2");
    let back = read(&specs, &form, Some(&old));
    assert_eq!(back.get("token").map(String::as_str), Some("New"));
}

#[test]
fn webhook_header_secrets_are_masked_line_by_line() {
    let value = json!({
        "method_down": "POST", "url_down": "https://x.org/a/very/long/secret/path",
        "body_down": "", "headers_down": {"Authorization": "Bearer 0123456789abcdef", "X-Kind": "hc"},
        "method_up": "GET", "url_up": "", "body_up": "", "headers_up": {},
    })
    .to_string();
    let specs = specs("webhook").unwrap_or_default();
    let old = decode("webhook", "", &value);
    let shown = shown(&specs, &old, Some(&old));
    let headers = shown.get("headers_down").cloned().unwrap_or_default();
    assert!(headers.contains("Authorization: …cdef"), "{headers}");
    assert!(headers.contains("X-Kind: hc"), "{headers}");
    assert_eq!(
        shown.get("url_down").map(String::as_str),
        Some("https://x.org/…path")
    );
    // Sent back as shown, with one header added: the secret is the stored one.
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &shown {
        if k == "headers_down" {
            form.append_pair(k, &format!("{v}\nX-New: 1"));
        } else {
            form.append_pair(k, v);
        }
    }
    let back = read(&specs, &Form::parse(form.finish().as_bytes()), Some(&old));
    let built = build("webhook", &specs, &back).unwrap_or_else(|e| panic!("{e:?}"));
    let down = webhook::spec(&built.value, "down");
    assert_eq!(down.url, "https://x.org/a/very/long/secret/path");
    assert!(down.headers.contains(&(
        "Authorization".to_owned(),
        "Bearer 0123456789abcdef".to_owned()
    )));
    assert!(down.headers.contains(&("X-New".to_owned(), "1".to_owned())));
}

#[test]
fn summaries_never_hold_secrets() {
    let slack = summary(
        "slack",
        "https://hooks.slack.com/services/T000/B000/XXXXXXXXsecret",
    );
    assert!(!slack.contains("XXXXXXXX"), "{slack}");
    let po = summary("po", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG|0|-1");
    assert!(!po.contains("uQiRzpo4"), "{po}");
    assert!(po.contains("priority 0 down / -1 up"), "{po}");
    let pd = summary("pd", r#"{"service_key": "abcdefabcdef1234"}"#);
    assert_eq!(pd, "key …1234");
    assert_eq!(
        summary(
            "email",
            r#"{"value": "a@x.org", "up": false, "down": true}"#
        ),
        "a@x.org, alerts for down only"
    );
}
