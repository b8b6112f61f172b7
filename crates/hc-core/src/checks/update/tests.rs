use serde_json::json;

use super::*;

fn validate(v: Value) -> Result<CheckUpdate, String> {
    let Value::Object(obj) = v else {
        panic!("test input must be an object")
    };
    CheckUpdate::from_json(&obj).map_err(|e| e.to_string())
}

fn error(v: Value) -> String {
    match validate(v) {
        Ok(update) => panic!("expected an error, got {update:?}"),
        Err(e) => e,
    }
}

#[test]
fn messages_match_healthchecks() {
    let cases = [
        (json!({"name": 5}), "name is not a string"),
        (json!({"name": "x".repeat(101)}), "name is too long"),
        (json!({"name": null}), "name is not a string"),
        (json!({"desc": []}), "desc is not a string"),
        (json!({"tags": {}}), "tags is not a string"),
        (json!({"tags": "t ".repeat(251)}), "tags is too long"),
        (json!({"timeout": true}), "timeout is too small"),
        (json!({"timeout": 59}), "timeout is too small"),
        (json!({"timeout": 31_536_001}), "timeout is too large"),
        (json!({"timeout": 60.0}), "timeout is not a number"),
        (json!({"timeout": "60"}), "timeout is not a number"),
        (json!({"timeout": null}), "timeout is not a number"),
        (
            json!({"timeout": 9_223_372_036_854_775_808u64}),
            "timeout is too large",
        ),
        (
            json!({"timeout": -9_223_372_036_854_775_807i64}),
            "timeout is too small",
        ),
        (json!({"grace": 1e3}), "grace is not a number"),
        (json!({"methods": "GET"}), "methods has unexpected value"),
        (json!({"methods": null}), "methods has unexpected value"),
        (json!({"methods": 1}), "methods has unexpected value"),
        (json!({"slug": "Upper"}), "slug does not match pattern"),
        (json!({"slug": "a b"}), "slug does not match pattern"),
        (json!({"slug": "s".repeat(101)}), "slug is too long"),
        (
            json!({"manual_resume": 1}),
            "manual_resume is not a boolean",
        ),
        (json!({"filter_body": null}), "filter_body is not a boolean"),
        (
            json!({"success_kw": "k".repeat(201)}),
            "success_kw is too long",
        ),
        (json!({"subject": "k".repeat(201)}), "subject is too long"),
        (
            json!({"schedule": ""}),
            "schedule is not a valid cron or OnCalendar expression",
        ),
        (
            json!({"schedule": "61 * * * *"}),
            "schedule is not a valid cron or OnCalendar expression",
        ),
        (
            json!({"schedule": "0 0 31 2 *"}),
            "schedule is not a valid cron or OnCalendar expression",
        ),
        (
            json!({"schedule": "* * * * * *"}),
            "schedule is not a valid cron or OnCalendar expression",
        ),
        (json!({"schedule": 5}), "schedule is not a string"),
        (json!({"tz": "Mars/Olympus"}), "tz is not a valid timezone"),
        (json!({"tz": "Factory"}), "tz is not a valid timezone"),
        (json!({"unique": "name"}), "unique is not an array"),
        (json!({"unique": null}), "unique is not an array"),
        (
            json!({"unique": ["name", "desc"]}),
            "an item in 'unique' has unexpected value",
        ),
        (
            json!({"unique": [1]}),
            "an item in 'unique' has unexpected value",
        ),
        (json!({"channels": false}), "channels is not a string"),
    ];
    for (input, message) in cases {
        assert_eq!(
            error(input.clone()),
            format!("json validation error: {message}"),
            "{input}"
        );
    }
}

#[test]
fn nul_characters_are_refused_in_free_text() {
    for field in [
        "name",
        "desc",
        "tags",
        "start_kw",
        "success_kw",
        "failure_kw",
        "subject",
        "subject_fail",
    ] {
        assert_eq!(
            error(json!({ field: "a\u{0}b" })),
            format!("json validation error: {field} contains a NUL character"),
        );
    }
    // Fields with a rule of their own keep healthchecks' message.
    assert_eq!(
        error(json!({"slug": "a\u{0}"})),
        "json validation error: slug does not match pattern"
    );
    assert_eq!(
        error(json!({"tz": "UTC\u{0}"})),
        "json validation error: tz is not a valid timezone"
    );
    // Other control characters are stored as given.
    assert!(validate(json!({"name": "a\tb\u{1}"})).is_ok());
}

#[test]
fn fields_are_checked_in_healthchecks_order_not_request_order() {
    // "channels" comes first in healthchecks' order, "unique" last.
    assert_eq!(
        error(json!({"unique": 1, "timeout": 1, "channels": 1})),
        "json validation error: channels is not a string"
    );
    assert_eq!(
        error(json!({"tz": "nope", "timeout": 1})),
        "json validation error: timeout is too small"
    );
    // A schedule does not excuse an invalid timeout.
    assert_eq!(
        error(json!({"timeout": 10, "schedule": "* * * * *"})),
        "json validation error: timeout is too small"
    );
}

#[test]
fn valid_values_pass_and_unknown_keys_are_ignored() {
    let update = validate(json!({
        "api_key": "whatever", "bogus": [1, 2],
        "name": "Backups", "timeout": 60, "grace": 31_536_000, "methods": "POST",
        "schedule": "*/5 * * * *", "tz": "Europe/Kiev", "slug": "backups_1-a",
        "unique": ["name", "timeout"], "filter_body": true, "channels": "*",
    }))
    .unwrap();
    assert_eq!(update.name.as_deref(), Some("Backups"));
    assert_eq!(update.timeout, Some(60));
    assert_eq!(update.grace, Some(31_536_000));
    // Legacy zone names are stored under their current name.
    assert_eq!(update.tz.as_deref(), Some("Europe/Kyiv"));
    assert_eq!(
        update.unique,
        Some(vec![UniqueField::Name, UniqueField::Timeout])
    );
    assert_eq!(validate(json!({})).unwrap(), CheckUpdate::default());
    for ok in ["daily", "Mon *-*-* 12:00", "*-*~1 12:00", "0 0 29 2 *"] {
        assert!(validate(json!({ "schedule": ok })).is_ok(), "{ok}");
    }
    assert_eq!(
        validate(json!({"methods": ""})).unwrap().methods.as_deref(),
        Some("")
    );
}

fn check() -> Check {
    Check::new(Some(1), Utc::now().naive_utc())
}

#[test]
fn v1_and_v2_derive_the_slug_from_the_name_and_an_explicit_slug_wins() {
    let update = validate(json!({"name": "Nightly Backups!"})).unwrap();
    let mut c = check();
    update.apply(&mut c, true);
    assert_eq!(
        (c.name.as_str(), c.slug.as_str()),
        ("Nightly Backups!", "nightly-backups")
    );
    let mut c = check();
    update.apply(&mut c, false);
    assert_eq!(c.slug, "");
    let update = validate(json!({"name": "Nightly", "slug": "custom"})).unwrap();
    let mut c = check();
    update.apply(&mut c, true);
    assert_eq!(c.slug, "custom");
}

#[test]
fn a_schedule_wins_over_a_timeout() {
    let mut c = check();
    validate(json!({"schedule": "0 3 * * *", "timeout": 120, "tz": "Europe/Riga"}))
        .unwrap()
        .apply(&mut c, false);
    assert_eq!(
        (c.kind.as_str(), c.schedule.as_str(), c.timeout),
        ("cron", "0 3 * * *", 86_400)
    );
    assert_eq!(c.tz, "Europe/Riga");
    validate(json!({"timeout": 120}))
        .unwrap()
        .apply(&mut c, false);
    assert_eq!((c.kind.as_str(), c.timeout), ("simple", 120));
    validate(json!({"schedule": "Mon 12:00"}))
        .unwrap()
        .apply(&mut c, false);
    assert_eq!(c.kind, "oncalendar");
}

#[test]
fn deprecated_subject_sets_keywords_and_an_explicit_filter_wins() {
    let mut c = check();
    validate(json!({"subject": "SUCCESS"}))
        .unwrap()
        .apply(&mut c, false);
    assert_eq!((c.success_kw.as_str(), c.filter_subject), ("SUCCESS", true));
    validate(json!({"subject": "", "subject_fail": ""}))
        .unwrap()
        .apply(&mut c, false);
    assert!(!c.filter_subject);
    validate(json!({"subject_fail": "ERR", "filter_subject": false}))
        .unwrap()
        .apply(&mut c, false);
    assert_eq!((c.failure_kw.as_str(), c.filter_subject), ("ERR", false));
}

#[test]
fn absent_fields_are_left_alone_and_alert_after_is_recomputed() {
    let mut c = check();
    c.name = "keep".into();
    c.status = "up".into();
    let last = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    c.last_ping = Some(last.naive_utc());
    validate(json!({"grace": 120})).unwrap().apply(&mut c, true);
    assert_eq!(c.name, "keep");
    assert_eq!(c.slug, "");
    let expected = last + chrono::Duration::seconds(86_400 + 120);
    assert_eq!(c.alert_after, Some(expected.naive_utc()));
}

#[test]
fn unique_lookups_need_every_named_field() {
    let update = validate(json!({"name": "a", "unique": ["name", "tags"]})).unwrap();
    assert_eq!(update.unique_lookup(), None);
    let update = validate(json!({"name": "a", "tags": "x y", "unique": ["name", "tags"]})).unwrap();
    let fields = update.unique_lookup().unwrap();
    let mut c = check();
    c.name = "a".into();
    c.tags = "x y".into();
    assert!(update.is_same_check(&c, fields));
    c.tags = "y x".into();
    assert!(!update.is_same_check(&c, fields));
    assert_eq!(
        validate(json!({"unique": []})).unwrap().unique_lookup(),
        None
    );
    let update = validate(json!({"timeout": 86400, "unique": ["timeout"]})).unwrap();
    assert!(update.is_same_check(&check(), update.unique_lookup().unwrap()));
}
