#![allow(clippy::unwrap_used)]

use super::*;
use crate::models::Check;
use chrono::{Duration, TimeZone};

const UUID: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

fn uuid_ping(endpoint: Endpoint) -> Option<PingPath> {
    Some(PingPath {
        target: Target::Uuid(UUID.into()),
        endpoint,
    })
}

fn slug_ping(key: &str, slug: &str, endpoint: Endpoint) -> Option<PingPath> {
    Some(PingPath {
        target: Target::Slug {
            ping_key: key.into(),
            slug: slug.into(),
        },
        endpoint,
    })
}

#[test]
fn urls_route_in_healthchecks_order() {
    let u = UUID;
    let upper = UUID.to_uppercase();
    let cases: Vec<(String, Option<PingPath>)> = vec![
        (u.into(), uuid_ping(Endpoint::Success)),
        (format!("{u}/"), uuid_ping(Endpoint::Success)),
        (format!("{u}/fail"), uuid_ping(Endpoint::Fail)),
        (format!("{u}/start"), uuid_ping(Endpoint::Start)),
        (format!("{u}/log"), uuid_ping(Endpoint::Log)),
        (format!("{u}/0"), uuid_ping(Endpoint::ExitStatus(0))),
        (format!("{u}/007"), uuid_ping(Endpoint::ExitStatus(7))),
        (format!("{u}/256"), uuid_ping(Endpoint::ExitStatus(256))),
        (
            format!("{u}/99999999999999999999999"),
            uuid_ping(Endpoint::ExitStatus(u64::MAX)),
        ),
        // Not a UUID form: these fall through to the slug route.
        (
            format!("{u}/success"),
            slug_ping(u, "success", Endpoint::Success),
        ),
        (format!("{u}/-1"), slug_ping(u, "-1", Endpoint::Success)),
        (
            format!("{u}/Bogus"),
            slug_ping(u, "Bogus", Endpoint::Success),
        ),
        (
            format!("{upper}/fail"),
            slug_ping(&upper, "fail", Endpoint::Success),
        ),
        (
            "abc/backup".into(),
            slug_ping("abc", "backup", Endpoint::Success),
        ),
        (
            "abc/backup/fail".into(),
            slug_ping("abc", "backup", Endpoint::Fail),
        ),
        (
            "abc/backup/start".into(),
            slug_ping("abc", "backup", Endpoint::Start),
        ),
        (
            "abc/backup/log".into(),
            slug_ping("abc", "backup", Endpoint::Log),
        ),
        (
            "abc/backup/3".into(),
            slug_ping("abc", "backup", Endpoint::ExitStatus(3)),
        ),
        // No route at all.
        (upper.clone(), None),
        ("foo".into(), None),
        ("".into(), None),
        (format!("{u}/fail/"), None),
        ("abc/backup/".into(), None),
        ("abc/backup/bogus".into(), None),
        ("abc/back up".into(), None),
        ("abc/backup/fail/x".into(), None),
        ("abc/bäckup".into(), None),
    ];
    for (path, expected) in cases {
        assert_eq!(parse_path(&path), expected, "{path}");
    }
}

fn check() -> Check {
    Check::new(
        Some(1),
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .unwrap()
            .naive_utc(),
    )
}

#[test]
fn exit_status_and_methods_adjust_the_action() {
    let c = check();
    assert_eq!(
        classify(Endpoint::ExitStatus(0), &c, "GET", b""),
        Action::Success
    );
    assert_eq!(
        classify(Endpoint::ExitStatus(1), &c, "GET", b""),
        Action::Fail
    );
    assert_eq!(classify(Endpoint::Log, &c, "HEAD", b""), Action::Log);
    let post_only = Check {
        methods: "POST".into(),
        ..check()
    };
    assert_eq!(
        classify(Endpoint::Success, &post_only, "GET", b""),
        Action::Ignored
    );
    assert_eq!(
        classify(Endpoint::Fail, &post_only, "POST", b""),
        Action::Fail
    );
}

#[test]
fn body_keywords_override_the_endpoint() {
    let c = Check {
        filter_http_body: true,
        failure_kw: "ERROR, FATAL".into(),
        success_kw: "done".into(),
        start_kw: "begin".into(),
        ..check()
    };
    assert_eq!(
        classify(Endpoint::Success, &c, "POST", b"FATAL: disk"),
        Action::Fail
    );
    assert_eq!(
        classify(Endpoint::Fail, &c, "POST", b"all done"),
        Action::Success
    );
    assert_eq!(
        classify(Endpoint::Log, &c, "POST", b"begin run"),
        Action::Start
    );
    assert_eq!(
        classify(Endpoint::Success, &c, "POST", b"error"),
        Action::Ignored,
        "case-sensitive"
    );
    assert_eq!(
        classify(Endpoint::Success, &c, "POST", b"ERROR and done"),
        Action::Fail,
        "failure wins"
    );
    assert_eq!(
        classify(Endpoint::Success, &c, "POST", b"\xff\xfe done"),
        Action::Success,
        "non-UTF-8 is no crash"
    );
    let default_fail = Check {
        filter_default_fail: true,
        ..c.clone()
    };
    assert_eq!(
        classify(Endpoint::Success, &default_fail, "POST", b"nothing"),
        Action::Fail
    );
    assert!(keywords_match(" a , ,b ", "xbx"));
    assert!(!keywords_match(" , ", "anything"));
}

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::minutes(min)
}

#[test]
fn status_transitions_follow_the_table() {
    // (stored, manual_resume, action) -> (status after, flip (old, new, reason))
    let cases = [
        ("new", false, Action::Success, "up", Some(("new", "up", ""))),
        (
            "new",
            false,
            Action::Fail,
            "down",
            Some(("new", "down", "fail")),
        ),
        ("new", false, Action::Start, "new", None),
        ("up", false, Action::Success, "up", None),
        (
            "up",
            false,
            Action::Fail,
            "down",
            Some(("up", "down", "fail")),
        ),
        (
            "down",
            false,
            Action::Success,
            "up",
            Some(("down", "up", "")),
        ),
        ("down", false, Action::Fail, "down", None),
        (
            "paused",
            false,
            Action::Success,
            "up",
            Some(("paused", "up", "")),
        ),
        (
            "paused",
            false,
            Action::Fail,
            "down",
            Some(("paused", "down", "fail")),
        ),
        ("paused", false, Action::Start, "paused", None),
        ("paused", true, Action::Success, "paused", None),
        ("paused", true, Action::Fail, "paused", None),
        ("up", false, Action::Log, "up", None),
        ("down", false, Action::Ignored, "down", None),
    ];
    for (stored, manual_resume, action, after, flip) in cases {
        let mut c = Check {
            status: stored.into(),
            manual_resume,
            last_ping: Some(t(-5).naive_utc()),
            ..check()
        };
        let recorded = record(&mut c, action, None, b"", t(0));
        assert_eq!(c.status, after, "{stored} {action:?}");
        assert_eq!(
            recorded.flip.as_ref().map(|f| (
                f.old_status.as_str(),
                f.new_status.as_str(),
                f.reason.as_str()
            )),
            flip,
            "{stored} {action:?}"
        );
        assert_eq!(c.n_pings, 1);
        if manual_resume {
            assert_eq!(recorded.action, Action::Ignored);
        }
    }
}

#[test]
fn last_ping_alert_after_and_confirmation() {
    let mut c = check();
    record(&mut c, Action::Success, None, b"Please CONFIRM", t(0));
    assert_eq!(c.last_ping, Some(t(0).naive_utc()));
    assert_eq!(
        c.alert_after,
        Some((t(0) + Duration::days(1) + Duration::hours(1)).naive_utc())
    );
    assert!(c.has_confirmation_link);
    record(&mut c, Action::Log, None, b"", t(1));
    assert_eq!(
        c.last_ping,
        Some(t(0).naive_utc()),
        "log pings do not count as pings"
    );
    assert!(!c.has_confirmation_link);
    assert_eq!(c.n_pings, 2);
    // A start on a new check: down at start + grace.
    let mut fresh = check();
    record(&mut fresh, Action::Start, None, b"", t(0));
    assert_eq!(
        fresh.alert_after,
        Some((t(0) + Duration::hours(1)).naive_utc())
    );
    assert_eq!(fresh.last_ping, None);
}

#[test]
fn run_ids_pair_starts_with_completions() {
    let a = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    let b = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    // Matching rid: a duration, and the run closes.
    let mut c = check();
    record(&mut c, Action::Start, Some(a), b"", t(0));
    record(&mut c, Action::Success, Some(a), b"", t(3));
    assert_eq!(c.last_duration, Some(180_000_000));
    assert_eq!(c.last_start, None);
    // Success with another rid keeps the run open, with no duration.
    let mut c = check();
    record(&mut c, Action::Start, Some(a), b"", t(0));
    record(&mut c, Action::Success, Some(b), b"", t(3));
    assert_eq!(
        (c.last_start, c.last_duration),
        (Some(t(0).naive_utc()), None)
    );
    // Success without a rid closes it without a duration.
    record(&mut c, Action::Success, None, b"", t(4));
    assert_eq!((c.last_start, c.last_duration), (None, None));
    // A fail with another rid closes it too.
    let mut c = check();
    record(&mut c, Action::Start, Some(a), b"", t(0));
    record(&mut c, Action::Fail, Some(b), b"", t(1));
    assert_eq!((c.last_start, c.last_duration), (None, None));
    // No rid on either side: null = null, a duration.
    let mut c = check();
    record(&mut c, Action::Start, None, b"", t(0));
    record(&mut c, Action::Fail, None, b"", t(2));
    assert_eq!(c.last_duration, Some(120_000_000));
}

#[test]
fn rid_must_be_a_uuid_and_is_lower_cased() {
    assert_eq!(parse_rid(""), Ok(None));
    assert_eq!(parse_rid("create=1"), Ok(None));
    assert_eq!(
        parse_rid(&format!("rid={}", UUID.to_uppercase())),
        Ok(Some(UUID.into()))
    );
    assert_eq!(
        parse_rid(&format!("rid=bad&rid={UUID}")),
        Ok(Some(UUID.into())),
        "last value wins"
    );
    assert_eq!(parse_rid("rid="), Err(RidError));
    assert_eq!(parse_rid("rid=123"), Err(RidError));
}

#[test]
fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let trusted: Vec<ipnet::IpNet> =
        vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
    let proxy = Some("127.0.0.1".parse().unwrap());
    let stranger = Some("203.0.113.9".parse().unwrap());
    assert_eq!(
        client_addr(proxy, Some("198.51.100.7, 10.0.0.1"), &trusted).as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(
        client_addr(proxy, Some("198.51.100.7:5555"), &trusted).as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(
        client_addr(proxy, Some("2001:0DB8::0001"), &trusted).as_deref(),
        Some("2001:db8::1")
    );
    assert_eq!(
        client_addr(proxy, Some("::ffff:1.1.1.1"), &trusted).as_deref(),
        Some("::ffff:1.1.1.1")
    );
    assert_eq!(client_addr(proxy, Some("garbage"), &trusted), None);
    assert_eq!(client_addr(proxy, Some(""), &trusted), None);
    assert_eq!(
        client_addr(stranger, Some("198.51.100.7"), &trusted).as_deref(),
        Some("203.0.113.9")
    );
    assert_eq!(
        client_addr(proxy, None, &trusted).as_deref(),
        Some("127.0.0.1")
    );
    let mapped = Some("::ffff:127.0.0.1".parse().unwrap());
    assert_eq!(
        client_addr(mapped, Some("198.51.100.7"), &trusted).as_deref(),
        Some("198.51.100.7")
    );
}
