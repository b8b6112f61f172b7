use super::*;
use crate::context::sample;

#[test]
fn placeholders_expand_once_in_healthchecks_order() {
    let alert = sample();
    let url = expand(
        "https://x.org/$CODE/$STATUS?n=$NAME&t=$TAGS&at=$NOW&$TAG2&$TAG3&$EXITSTATUS",
        &alert,
        Where::Url,
    );
    assert_eq!(
        url,
        "https://x.org/7918b17b-a745-4db1-8575-9d2e07c97f79/down?n=Backups&t=prod%20www&at=2026-01-03T03%3A04%3A05%2B00%3A00&www&$TAG3&3"
    );
    let body = expand(
        r#"{"name": $NAME_JSON, "body": $BODY_JSON, "slug": "$SLUG", "check": $JSON}"#,
        &alert,
        Where::Body,
    );
    assert_eq!(
        body,
        r#"{"name": "Backups", "body": "all \"good\" \u00fcn\u00efcode", "slug": "backups", "check": {"name": "Backups"}}"#
    );
    // $BODY is for bodies only; a `$` that starts no placeholder stays.
    assert_eq!(expand("$BODY $5 $", &alert, Where::Url), "$BODY $5 $");
    assert_eq!(expand("$BODY", &alert, Where::Body), "all \"good\" ünïcode");
    // Values are not expanded again.
    let mut tricky = sample();
    tricky.check.name = "$CODE".into();
    assert_eq!(expand("$NAME", &tricky, Where::Body), "$CODE");
}

#[test]
fn tag_numbers_take_the_first_match() {
    let mut alert = sample();
    alert.check.tags = (1..=12)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        expand("$TAG10|$TAG1|$TAG9", &alert, Where::Body),
        "t10|t1|t9"
    );
    alert.check.tags = "a b".into();
    assert_eq!(expand("$TAG10", &alert, Where::Body), "a0");
}

#[test]
fn headers_carry_only_ascii() {
    let mut alert = sample();
    alert.check.name = "Zürich €".into();
    assert_eq!(
        expand("$NAME", &alert, Where::Header),
        "Z&#252;rich &#8364;"
    );
}

#[test]
fn stored_forms() {
    let value = r#"{"method_down": "POST", "url_down": "https://a/$CODE", "body_down": "x",
        "headers_down": {"X-A": "1"}, "method_up": "", "url_up": ""}"#;
    let down = spec(value, "down");
    assert_eq!(
        (down.method.as_str(), down.url.as_str(), down.body.as_str()),
        ("POST", "https://a/$CODE", "x")
    );
    assert_eq!(down.headers, vec![("X-A".to_owned(), "1".to_owned())]);
    assert!(is_noop(value, "up"));
    assert!(!is_noop(value, "down"));
    let legacy = "https://down.example\nhttps://up.example";
    assert_eq!(spec(legacy, "up").url, "https://up.example");
    assert_eq!(spec(legacy, "down").method, "GET");
}
