use chrono::TimeZone;
use hc_core::models::Check;
use hc_core::reports::{unsubscribe, ProjectSummary};

use super::*;

fn t(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, 0, 0)
        .single()
        .unwrap_or_default()
}

fn config() -> Config {
    let env = hc_core::config::Env::new(|name| match name {
        "SECRET_KEY" => Some("k".to_owned()),
        "SITE_ROOT" => Some("https://hc.example.org".to_owned()),
        "SITE_NAME" => Some("Watch & Co".to_owned()),
        "DB" => Some("sqlite".to_owned()),
        "DB_NAME" => Some("/tmp/unused-hc.sqlite".to_owned()),
        _ => None,
    });
    Config::from(&env).unwrap_or_else(|e| panic!("{e}"))
}

fn downtime(minutes: i64, outages: u32, no_data: bool) -> Downtime {
    Downtime {
        start: t(2026, 1, 1, 0),
        duration: Duration::minutes(minutes),
        outages,
        no_data,
    }
}

fn check(name: &str, status: Status, downtimes: Vec<Downtime>) -> CheckSummary {
    let mut check = Check::new(Some(1), t(2025, 6, 1, 0).naive_utc());
    check.name = name.into();
    check.code = "7918b17b-a745-4db1-8575-9d2e07c97f79".into();
    CheckSummary {
        check,
        status,
        downtimes,
    }
}

/// A monthly report made on March 1st, 2026, in Riga.
fn report() -> Report {
    let tz = Tz::Europe__Riga;
    Report {
        user_id: 1,
        username: "3f0c1a2e-1111-4222-8333-4444".into(),
        email: "ann@example.org".into(),
        zone: tz,
        period: Period::Monthly,
        spans: hc_core::reports::previous_periods(Period::Monthly, tz, t(2026, 3, 1, 8)),
        projects: vec![
            ProjectSummary {
                name: "Ops <prod>".into(),
                checks: vec![
                    check(
                        "<b>Backups</b>",
                        Status::Down,
                        vec![downtime(0, 0, false), downtime(65, 2, false)],
                    ),
                    check(
                        "web",
                        Status::Up,
                        vec![downtime(0, 0, false), downtime(0, 0, false)],
                    ),
                ],
            },
            ProjectSummary {
                name: "Side".into(),
                checks: vec![check(
                    "fresh",
                    Status::Grace,
                    vec![downtime(0, 0, true), downtime(0, 0, false)],
                )],
            },
        ],
    }
}

#[test]
fn periods_are_named_in_the_readers_zone() {
    let riga = Tz::Europe__Riga;
    let now = t(2026, 3, 10, 8);
    let [_, month] = hc_core::reports::previous_periods(Period::Monthly, riga, now);
    assert_eq!(period_label(Period::Monthly, month, riga), "February 2026");
    let [_, week] = hc_core::reports::previous_periods(Period::Weekly, riga, now);
    assert_eq!(
        period_label(Period::Weekly, week, riga),
        "Mar 2 – Mar 8, 2026"
    );
    let [day, _] = hc_core::reports::previous_periods(Period::Daily, riga, now);
    assert_eq!(
        period_label(Period::Daily, day, riga),
        "Sunday, March 8, 2026"
    );
}

#[test]
fn each_period_of_a_check_in_words() {
    assert_eq!(downtime_words(&downtime(0, 0, true)), "not monitored yet");
    assert_eq!(downtime_words(&downtime(0, 0, false)), "all good");
    assert_eq!(
        downtime_words(&downtime(65, 2, false)),
        "2 outages, 1 hour, 5 minutes down in all"
    );
    assert_eq!(
        downtime_words(&downtime(3, 1, false)),
        "1 outage, 3 minutes down in all"
    );
}

#[test]
fn the_summary_line_counts_the_newer_period() {
    let mut r = report();
    assert_eq!(
        summary_line(&r, "February 2026"),
        "February 2026: 1 of 3 checks went down, 2 outages and 1 hour, 5 minutes down in all."
    );
    r.projects[0].checks.remove(0);
    assert_eq!(
        summary_line(&r, "February 2026"),
        "February 2026: all 2 checks were up all the time."
    );
    r.projects.remove(1);
    assert_eq!(
        summary_line(&r, "February 2026"),
        "February 2026: your check was up all the time."
    );
    r.projects.clear();
    assert_eq!(
        summary_line(&r, "February 2026"),
        "February 2026: no checks were monitored yet."
    );
}

#[test]
fn the_report_lists_every_check_by_project_and_can_be_unsubscribed_from() {
    let config = config();
    let now = t(2026, 3, 1, 8);
    let mail = message(&config, &report(), now);
    let m = &mail.message;
    assert_eq!(m.subject, "Monthly Report");
    assert_eq!(m.to, "ann@example.org");
    let expected = "\
This is your monthly report from Watch & Co.

February 2026: 1 of 3 checks went down, 2 outages and 1 hour, 5 minutes down in all.
Right now 1 check is down.

Ops <prod>
  <b>Backups</b> (DOWN)
    January 2026: all good
    February 2026: 2 outages, 1 hour, 5 minutes down in all
  web (up)
    January 2026: all good
    February 2026: all good

Side
  fresh (late)
    January 2026: not monitored yet
    February 2026: all good
";
    assert!(m.text.starts_with(expected), "{}", m.text);
    assert!(m.text.contains(
        "Times are in Europe/Riga. You get this report monthly; change that in your account settings: https://hc.example.org/accounts/profile/notifications/\n"
    ));

    // The link in the text and in the headers is the same, and genuine.
    let url = mail
        .headers
        .iter()
        .find(|(name, _)| *name == "List-Unsubscribe")
        .map(|(_, v)| v.trim_matches(['<', '>']).to_owned())
        .unwrap_or_default();
    assert!(
        m.text.contains(&format!("reminders: {url}\n")),
        "{}",
        m.text
    );
    let token = url
        .strip_prefix("https://hc.example.org/accounts/unsubscribe_reports/")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_default();
    let signed = unsubscribe::verify("k", token);
    assert_eq!(
        signed.map(|s| s.username),
        Some("3f0c1a2e-1111-4222-8333-4444".into())
    );
    assert!(mail.headers.contains(&(
        "List-Unsubscribe-Post",
        "List-Unsubscribe=One-Click".to_owned()
    )));

    let html = m.html.clone().unwrap_or_default();
    assert!(html.contains("<h2>Ops &lt;prod&gt;</h2>"), "{html}");
    assert!(html.contains(">&lt;b&gt;Backups&lt;/b&gt;</a></td><td>DOWN</td><td>all good</td><td>2 outages, 1 hour, 5 minutes down in all</td>"), "{html}");
    assert!(!html.contains("<b>Backups"));
    assert!(
        html.contains("<th align=\"left\">January 2026</th><th align=\"left\">February 2026</th>")
    );
    assert!(html.contains(&format!("<a href=\"{url}\">Unsubscribe</a>")));
    assert!(html.contains("Watch &amp; Co"));
}
