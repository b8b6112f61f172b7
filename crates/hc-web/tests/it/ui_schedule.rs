//! The schedule dialogs over real HTTP: saving a period, cron or OnCalendar schedule,
//! the limits and messages of each field, the quiet "down" when a new deadline has
//! already passed, the previews, `validate_schedule`, and who may change what.

use chrono::{Duration, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use hc_core::models::{Check, Flip, Project};
use hc_core::schedule::{dialog, Schedule};
use hc_core::schema::{checks, flips, members, profiles, projects};
use hc_core::time;

use crate::support::{App, Reply};
use crate::web::{location, Web};

const PW: &str = "pw-123456";

/// Ann's first project and the code of its check.
fn ann(app: &App) -> (Project, String) {
    let ann = app.user("ann@example.org", PW);
    let project: Project = projects::table
        .filter(projects::owner_id.eq(ann.id))
        .select(Project::as_select())
        .first(&mut app.conn())
        .unwrap();
    let code = checks::table
        .filter(checks::project_id.eq(project.id))
        .select(checks::code)
        .first(&mut app.conn())
        .unwrap();
    (project, code)
}

/// Makes the check up, last pinged `ago` (whole seconds), with the given period and grace.
fn make_up(app: &App, code: &str, ago: Duration, timeout: i64, grace: i64) -> NaiveDateTime {
    let last = (time::now() - ago).trunc_subsecs(0).naive_utc();
    diesel::update(checks::table.filter(checks::code.eq(code)))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(Some(last)),
            checks::kind.eq("simple"),
            checks::timeout.eq(timeout),
            checks::grace.eq(grace),
            checks::alert_after.eq(Some(
                last + Duration::seconds(timeout) + Duration::seconds(grace),
            )),
        ))
        .execute(&mut app.conn())
        .unwrap();
    last
}

async fn save(web: &Web<'_>, code: &str, fields: &[(&str, &str)]) -> Reply {
    web.post(&format!("/checks/{code}/timeout/"), fields).await
}

fn flips_of(app: &App, check: &Check) -> Vec<Flip> {
    flips::table
        .filter(flips::check_id.eq(check.id))
        .order(flips::id)
        .select(Flip::as_select())
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn each_dialog_saves_its_kind_of_schedule() {
    let app = App::start();
    let (project, code) = ann(&app);
    let last = make_up(&app, &code, Duration::hours(1), 86_400, 3600);
    let web = app.web();
    web.login("ann@example.org", PW).await;
    let checks_page = format!("/projects/{}/checks/", project.code);

    let reply = save(
        &web,
        &code,
        &[
            ("kind", "simple"),
            ("timeout", "7200"),
            ("grace", "600"),
            ("next", &checks_page),
        ],
    )
    .await;
    assert_eq!(location(&reply), checks_page, "back where Save was pressed");
    let check = app.reload(&code);
    assert_eq!(
        (check.kind.as_str(), check.timeout, check.grace),
        ("simple", 7200, 600)
    );
    assert_eq!(check.alert_after, Some(last + Duration::seconds(7800)));
    assert_eq!(check.status, "up");

    // Pinged a minute ago, so the next scheduled run is still ahead.
    let last = make_up(&app, &code, Duration::minutes(1), 7200, 600);
    let reply = save(
        &web,
        &code,
        &[
            ("kind", "cron"),
            ("schedule", " 0 3 * * 1-5 "),
            ("tz", "Europe/Riga"),
            ("grace", "300"),
        ],
    )
    .await;
    assert_eq!(
        location(&reply),
        format!("/checks/{code}/details/"),
        "no next: the details page"
    );
    let check = app.reload(&code);
    assert_eq!(
        (
            check.kind.as_str(),
            check.schedule.as_str(),
            check.tz.as_str()
        ),
        ("cron", "0 3 * * 1-5", "Europe/Riga")
    );
    assert_eq!((check.timeout, check.grace), (7200, 300), "period kept");
    let due = Schedule::from_fields("cron", 0, "0 3 * * 1-5", "Europe/Riga")
        .unwrap()
        .next_after(time::utc(last))
        .unwrap();
    assert_eq!(
        check.alert_after,
        Some((due + Duration::seconds(300)).naive_utc())
    );

    let reply = save(
        &web,
        &code,
        &[
            ("kind", "oncalendar"),
            ("schedule", "Mon..Fri 09:00\r\nSat 12:00 Europe/Riga"),
            ("tz", "America/New_York"),
            ("grace", "60"),
            ("next", "https://evil.example/"),
        ],
    )
    .await;
    assert_eq!(
        location(&reply),
        format!("/checks/{code}/details/"),
        "an outside next is ignored"
    );
    let check = app.reload(&code);
    assert_eq!(
        (
            check.kind.as_str(),
            check.schedule.as_str(),
            check.tz.as_str(),
            check.grace
        ),
        (
            "oncalendar",
            "Mon..Fri 09:00\nSat 12:00 Europe/Riga",
            "America/New_York",
            60
        )
    );
    let due = Schedule::from_fields("oncalendar", 0, &check.schedule, &check.tz)
        .unwrap()
        .next_after(time::utc(last))
        .unwrap();
    assert_eq!(
        check.alert_after,
        Some((due + Duration::seconds(60)).naive_utc())
    );
}

#[actix_web::test]
async fn periods_and_grace_times_run_from_a_minute_to_a_year() {
    let app = App::start();
    let (_, code) = ann(&app);
    let web = app.web();
    web.login("ann@example.org", PW).await;
    let range = "must be between 1 minute and 365 days";

    for (timeout, grace) in [("60", "60"), ("31536000", "31536000")] {
        let reply = save(
            &web,
            &code,
            &[("kind", "simple"), ("timeout", timeout), ("grace", grace)],
        )
        .await;
        assert_eq!(reply.status, 302, "{timeout}: {}", reply.body);
        let check = app.reload(&code);
        assert_eq!(check.timeout.to_string(), timeout);
        assert_eq!(check.grace.to_string(), grace);
    }
    let huge = "1".repeat(31);
    for (field, value, message) in [
        ("timeout", "59", format!("timeout {range}")),
        ("timeout", "31536001", format!("timeout {range}")),
        ("grace", "59", format!("grace {range}")),
        ("grace", "31536001", format!("grace {range}")),
        ("grace", "-3600", format!("grace {range}")),
        ("timeout", huge.as_str(), format!("timeout {range}")),
        (
            "timeout",
            "abc",
            "timeout must be a whole number of seconds".into(),
        ),
        (
            "grace",
            "1.5",
            "grace must be a whole number of seconds".into(),
        ),
        ("grace", "", "grace is required".into()),
    ] {
        let mut fields = vec![("kind", "simple"), ("timeout", "3600"), ("grace", "3600")];
        fields.retain(|(name, _)| *name != field);
        fields.push((field, value));
        let reply = save(&web, &code, &fields).await;
        assert_eq!(reply.status, 400, "{field}={value}");
        assert!(
            reply.body.contains(&message),
            "{field}={value}: {}",
            reply.body
        );
    }
    let check = app.reload(&code);
    assert_eq!(
        (check.timeout, check.grace),
        (31_536_000, 31_536_000),
        "refused posts changed nothing"
    );
}

#[actix_web::test]
async fn invalid_schedules_and_zones_are_refused_with_the_reason() {
    let app = App::start();
    let (_, code) = ann(&app);
    let web = app.web();
    web.login("ann@example.org", PW).await;
    let long = "1 ".repeat(5000);
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("cron", "0 3 * *", "UTC", "Invalid cron expression: expected 5 fields (minute, hour, day of month, month, day of week), found 4."),
        ("cron", "0 0 3 * * 1-5", "UTC", "found 6."),
        ("cron", "61 * * * *", "UTC", "Invalid cron expression: Bad minute."),
        ("cron", "0 0 5-1 * *", "UTC", "Invalid cron expression: Bad day-of-month."),
        ("cron", "0 0 31 2 *", "UTC", "Invalid cron expression: Bad day-of-month."),
        ("cron", "* * * * *", "Mars/Olympus", "Unknown time zone: &quot;Mars&#x2F;Olympus&quot;"),
        ("cron", "* * * * *", "Europe/Kiev", "use Europe&#x2F;Kyiv instead"),
        ("cron", &long, "UTC", "too long: at most 100 characters"),
        ("oncalendar", "Mon 2026-*-* 12:00 UTC extra", "UTC", "it has 5 components, at most 4 are allowed"),
        ("oncalendar", "Funday 12:00", "UTC", "Invalid OnCalendar expression: Bad weekday"),
        ("oncalendar", "<script>alert(1)</script>", "UTC", "&lt;script&gt;"),
        ("oncalendar", "daily", "", "Choose a time zone."),
        ("weekly", "daily", "UTC", "Unknown schedule kind"),
    ];
    for (kind, schedule, tz, message) in cases {
        let reply = save(
            &web,
            &code,
            &[
                ("kind", kind),
                ("schedule", schedule),
                ("tz", tz),
                ("grace", "60"),
            ],
        )
        .await;
        assert_eq!(reply.status, 400, "{kind} {schedule:.40}");
        assert!(
            reply.body.contains(message),
            "{kind} {schedule:.40}: {message} not in {}",
            reply.body
        );
        assert!(!reply.body.contains("<script>alert"));
    }
    let check = app.reload(&code);
    assert_eq!(
        (check.kind.as_str(), check.schedule.as_str()),
        ("simple", "* * * * *")
    );
}

#[actix_web::test]
async fn a_deadline_already_past_puts_an_up_check_down_without_an_alert() {
    let app = App::start();
    let (project, code) = ann(&app);
    make_up(&app, &code, Duration::hours(2), 86_400, 3600);
    diesel::update(profiles::table.filter(profiles::user_id.eq(project.owner_id)))
        .set((
            profiles::nag_period.eq(3600),
            profiles::next_nag_date.eq(None::<NaiveDateTime>),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let web = app.web();
    web.login("ann@example.org", PW).await;

    // Still within the new deadline: stays up.
    let reply = save(
        &web,
        &code,
        &[("kind", "simple"), ("timeout", "7200"), ("grace", "600")],
    )
    .await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    let check = app.reload(&code);
    assert_eq!(check.status, "up");
    assert!(flips_of(&app, &check).is_empty());

    let before = time::now();
    let reply = save(
        &web,
        &code,
        &[("kind", "simple"), ("timeout", "3600"), ("grace", "60")],
    )
    .await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    let check = app.reload(&code);
    assert_eq!(check.status, "down");
    assert_eq!(check.alert_after, None);
    let flips = flips_of(&app, &check);
    assert_eq!(flips.len(), 1);
    let flip = &flips[0];
    assert_eq!(
        (
            flip.old_status.as_str(),
            flip.new_status.as_str(),
            flip.reason.as_str()
        ),
        ("up", "down", "")
    );
    assert!(
        flip.processed.is_some(),
        "stored processed: no alert goes out"
    );
    assert!(flip.created >= before.naive_utc());
    let next_nag: Option<NaiveDateTime> = profiles::table
        .filter(profiles::user_id.eq(project.owner_id))
        .select(profiles::next_nag_date)
        .first(&mut app.conn())
        .unwrap();
    let next_nag = next_nag.expect("reminders start for the down check");
    assert!(next_nag > (before + Duration::minutes(59)).naive_utc());

    // A down check stays down, with no second flip.
    let reply = save(
        &web,
        &code,
        &[("kind", "simple"), ("timeout", "60"), ("grace", "60")],
    )
    .await;
    assert_eq!(reply.status, 302);
    let check = app.reload(&code);
    assert_eq!(check.status, "down");
    assert_eq!(flips_of(&app, &check).len(), 1);
}

/// The `datetime` attributes of a preview's runs.
fn run_instants(body: &str) -> Vec<String> {
    body.split("<time datetime=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn previews_describe_the_expression_and_list_its_next_runs() {
    let app = App::start();
    ann(&app);
    let web = app.web();
    web.login("ann@example.org", PW).await;

    let now = time::now();
    let reply = web
        .post(
            "/checks/cron_preview/",
            &[("schedule", "0 3 * * 1-5"), ("tz", "Europe/Riga")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("At 03:00 on Monday through Friday"));
    let riga = dialog::zone("Europe/Riga").unwrap();
    let schedule = Schedule::Cron {
        expr: dialog::cron("0 3 * * 1-5", riga, now).unwrap(),
        tz: riga,
    };
    let expected: Vec<String> = dialog::upcoming(&schedule, now, 6)
        .into_iter()
        .map(|t| t.to_rfc3339())
        .collect();
    assert_eq!(run_instants(&reply.body), expected);

    // April 1 and November 1: runs alternate between summer and winter time, always
    // at 03:00 on the wall clock.
    let reply = web
        .post(
            "/checks/cron_preview/",
            &[("schedule", "0 3 1 4,11 *"), ("tz", "Europe/Riga")],
        )
        .await;
    let instants = run_instants(&reply.body);
    assert_eq!(instants.len(), 6);
    for at in &instants {
        let at = chrono::DateTime::parse_from_rfc3339(at)
            .unwrap()
            .with_timezone(&Utc);
        let summer = at.format("%m").to_string() == "04";
        assert_eq!(
            at.format("%H:%M").to_string(),
            if summer { "00:00" } else { "01:00" },
            "{at}"
        );
    }
    assert!(reply.body.contains("03:00 EEST") && reply.body.contains("03:00 EET"));
    assert!(reply.body.contains("00:00 UTC") && reply.body.contains("01:00 UTC"));

    for (schedule, tz, message) in [
        ("0 3 * *", "UTC", "expected 5 fields"),
        ("0 25 * * *", "UTC", "Bad hour"),
        ("* * * * *", "Mars/Olympus", "Unknown time zone"),
        ("<b>x</b> * * * *", "UTC", "Bad minute"),
    ] {
        let reply = web
            .post(
                "/checks/cron_preview/",
                &[("schedule", schedule), ("tz", tz)],
            )
            .await;
        assert_eq!(reply.status, 200, "errors are fragments too");
        assert!(reply.body.contains("data-preview-state=\"invalid\""));
        assert!(reply.body.contains(message), "{schedule}: {}", reply.body);
        assert!(!reply.body.contains("<b>"));
    }

    let reply = web
        .post(
            "/checks/oncalendar_preview/",
            &[("schedule", "Mon..Fri 09:00"), ("tz", "UTC")],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("data-preview-state=\"valid\""));
    assert_eq!(run_instants(&reply.body).len(), 6);
    let reply = web
        .post(
            "/checks/oncalendar_preview/",
            &[("schedule", "a b c d e"), ("tz", "UTC")],
        )
        .await;
    assert!(reply.body.contains("at most 4 are allowed"));

    // OnCalendar previews need a login; both need the CSRF token.
    let anonymous = app.web();
    let reply = anonymous
        .post(
            "/checks/oncalendar_preview/",
            &[("schedule", "daily"), ("tz", "UTC")],
        )
        .await;
    assert!(location(&reply).starts_with("/accounts/login/"));
    let reply = anonymous
        .post(
            "/checks/cron_preview/",
            &[("schedule", "* * * * *"), ("tz", "UTC")],
        )
        .await;
    assert_eq!(reply.status, 200);
    let reply = web
        .post_raw(
            "/checks/cron_preview/",
            &[("schedule", "* * * * *"), ("tz", "UTC")],
        )
        .await;
    assert_eq!(reply.status, 403);
}

#[actix_web::test]
async fn validate_schedule_answers_true_or_false() {
    let app = App::start();
    let web = app.web();
    for (query, result) in [
        ("kind=cron&schedule=0+3+*+*+1-5", true),
        ("kind=cron&schedule=0+3+*+*", false),
        ("kind=cron&schedule=daily", false),
        ("kind=oncalendar&schedule=daily", true),
        (
            "kind=oncalendar&schedule=Mon..Fri+09%3A00%0ASat+12%3A00",
            true,
        ),
        ("kind=oncalendar&schedule=Funday", false),
        ("kind=oncalendar&schedule=a+b+c+d+e", false),
    ] {
        let reply = web
            .get(&format!("/checks/validate_schedule/?{query}"))
            .await;
        assert_eq!(reply.status, 200, "{query}");
        assert_eq!(
            reply.json(),
            serde_json::json!({ "result": result }),
            "{query}"
        );
    }
    for query in ["kind=simple&schedule=daily", "schedule=daily", "kind=x"] {
        let reply = web
            .get(&format!("/checks/validate_schedule/?{query}"))
            .await;
        assert_eq!(reply.status, 400, "{query}");
    }
}

#[actix_web::test]
async fn only_people_who_may_write_change_a_schedule() {
    let app = App::start();
    let (project, code) = ann(&app);
    let bob = app.user("bob@example.org", PW);
    let timeout = format!("/checks/{code}/timeout/");
    let page = format!("/checks/{code}/schedule/");
    let simple = [("kind", "simple"), ("timeout", "120"), ("grace", "120")];

    let anonymous = app.web();
    assert!(location(&anonymous.get(&page).await).starts_with("/accounts/login/?next="));
    assert!(location(&anonymous.post(&timeout, &simple).await).starts_with("/accounts/login/"));

    let stranger = app.web();
    stranger.login("bob@example.org", PW).await;
    assert_eq!(stranger.get(&page).await.status, 404);
    assert_eq!(stranger.post(&timeout, &simple).await.status, 404);
    // Even a bad value from a stranger is a 404: nothing is told about the check.
    let bad = [("kind", "simple"), ("timeout", "1"), ("grace", "1")];
    assert_eq!(stranger.post(&timeout, &bad).await.status, 404);
    assert_eq!(
        stranger
            .post("/checks/not-a-uuid/timeout/", &simple)
            .await
            .status,
        404
    );

    diesel::insert_into(members::table)
        .values((
            members::user_id.eq(bob.id),
            members::project_id.eq(project.id),
            members::role.eq("r"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let reply = stranger.get(&page).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("read-only access"));
    assert!(!reply.body.contains("data-schedule-dialog"));
    assert_eq!(stranger.post(&timeout, &simple).await.status, 403);

    let owner = app.web();
    owner.login("ann@example.org", PW).await;
    let reply = owner.post_raw(&timeout, &simple).await;
    assert_eq!(reply.status, 403, "no CSRF token");
    assert_eq!(app.reload(&code).timeout, 86_400, "nothing changed so far");
    let reply = owner.post(&timeout, &simple).await;
    assert_eq!(reply.status, 302);
    assert_eq!(app.reload(&code).timeout, 120);
}

#[actix_web::test]
async fn the_schedule_page_shows_the_schedule_and_its_dialogs() {
    let app = App::start();
    let (_, code) = ann(&app);
    diesel::update(checks::table.filter(checks::code.eq(&code)))
        .set((
            checks::name.eq("<b>Backups</b>"),
            checks::kind.eq("cron"),
            checks::schedule.eq("30 2 * * 6"),
            checks::tz.eq("Europe/Riga"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let web = app.web();
    web.login("ann@example.org", PW).await;
    let reply = web.get(&format!("/checks/{code}/schedule/")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = &reply.body;
    assert!(body.contains("&lt;b&gt;Backups&lt;&#x2F;b&gt;") && !body.contains("<b>Backups"));
    assert!(body.contains("At 02:30 on Saturday"));
    for kind in ["simple", "cron", "oncalendar"] {
        assert!(
            body.contains(&format!(
                "data-schedule-dialog=\"{code}\" data-kind=\"{kind}\""
            )),
            "{kind} button"
        );
        assert!(body.contains(&format!("<dialog id=\"sd-{code}-{kind}\"")));
    }
    assert!(body.contains("<option selected>Europe&#x2F;Riga</option>"));
    assert!(
        body.contains("value=\"30 2 * * 6\""),
        "the cron field holds the expression"
    );
    assert!(
        body.contains("name=\"timeout\" value=\"86400\""),
        "no-JS fallback in seconds"
    );
}
