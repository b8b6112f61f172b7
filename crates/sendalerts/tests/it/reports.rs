//! Daily, weekly and monthly reports, through the real daemon and a real SMTP
//! server: what they say, their unsubscribe headers, when the next one is due, who
//! gets none, and that daemons racing for one report send it once.

use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::db::DbConn;
use hc_core::models::{Check, Flip, User};
use hc_core::reports::{self, unsubscribe, Period, Tz};
use hc_core::schema::{checks, emails, flips, profiles, projects};
use hc_core::time;
use hc_test::{SmtpSink, TestDb};

use crate::notify::overdue_check;

const SITE_ROOT: &str = "http://hc.example.org";

fn sendalerts_once(db: &TestDb, sink: &SmtpSink) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .env_clear()
        .env("SECRET_KEY", "test")
        .env("SITE_ROOT", SITE_ROOT)
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", sink.port.to_string())
        .env("EMAIL_USE_TLS", "False")
        .envs(db.env())
        .arg("--once")
        .output()
        .unwrap()
}

fn run_once(db: &TestDb, sink: &SmtpSink) {
    let out = sendalerts_once(db, sink);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A user with a first project whose check is up, last pinged `pinged_ago` ago
/// and made 100 days ago; their reports come `reports`, in zone `tz`, and one is
/// due now.
fn user_with_check(
    conn: &mut DbConn,
    email: &str,
    reports: &str,
    tz: &str,
    pinged_ago: Option<Duration>,
) -> (User, Check) {
    let user = accounts::create_user(
        conn,
        &NewUser {
            email,
            with_first_project: true,
            ..NewUser::default()
        },
    )
    .unwrap();
    let project_id: i64 = projects::table
        .filter(projects::owner_id.eq(user.id))
        .select(projects::id)
        .first(conn)
        .unwrap();
    let now = time::now();
    diesel::update(checks::table.filter(checks::project_id.eq(project_id)))
        .set((
            checks::status.eq(if pinged_ago.is_some() { "up" } else { "new" }),
            checks::last_ping.eq(pinged_ago.map(|ago| (now - ago).naive_utc())),
            checks::alert_after.eq(pinged_ago.map(|_| (now + Duration::days(3)).naive_utc())),
            checks::timeout.eq(7 * 86400),
            checks::created.eq((now - Duration::days(100)).naive_utc()),
        ))
        .execute(conn)
        .unwrap();
    diesel::update(profiles::table.filter(profiles::user_id.eq(user.id)))
        .set((
            profiles::reports.eq(reports),
            profiles::tz.eq(tz),
            profiles::next_report_date.eq(Some((now - Duration::minutes(1)).naive_utc())),
        ))
        .execute(conn)
        .unwrap();
    let check = checks::table
        .filter(checks::project_id.eq(project_id))
        .select(Check::as_select())
        .first(conn)
        .unwrap();
    (user, check)
}

fn flip(conn: &mut DbConn, check: &Check, at: DateTime<Utc>, old: &str, new: &str) {
    diesel::insert_into(flips::table)
        .values(Flip {
            id: 0,
            check_id: check.id,
            created: at.naive_utc(),
            processed: Some(at.naive_utc()),
            old_status: old.into(),
            new_status: new.into(),
            reason: String::new(),
        })
        .execute(conn)
        .unwrap();
}

fn next_report(conn: &mut DbConn, user: &User) -> Option<NaiveDateTime> {
    profiles::table
        .filter(profiles::user_id.eq(user.id))
        .select(profiles::next_report_date)
        .first(conn)
        .unwrap()
}

/// The value of header `name` (unfolded), if the message has it.
fn header(message: &str, name: &str) -> Option<String> {
    let (head, _) = message
        .split_once("\n\n")
        .or(message.split_once("\r\n\r\n"))?;
    let unfolded = head
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", " ");
    unfolded
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
}

#[test]
fn a_monthly_report_says_how_each_check_did_and_can_be_unsubscribed_from() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let riga: Tz = "Europe/Riga".parse().unwrap();
    let (user, check) = user_with_check(
        conn,
        "ann@example.org",
        "monthly",
        "Europe/Riga",
        Some(Duration::hours(2)),
    );
    // Two hours down early last month (in Riga), none the month before.
    let [older, newer] = reports::previous_periods(Period::Monthly, riga, time::now());
    flip(conn, &check, newer.start + Duration::hours(5), "up", "down");
    flip(conn, &check, newer.start + Duration::hours(7), "down", "up");

    run_once(&db, &sink);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let mail = &messages[0];
    assert_eq!(header(mail, "Subject").as_deref(), Some("Monthly Report"));
    assert_eq!(header(mail, "To").as_deref(), Some("ann@example.org"));
    assert_eq!(
        header(mail, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let link = header(mail, "List-Unsubscribe").unwrap();
    let url = link
        .strip_prefix('<')
        .and_then(|l| l.strip_suffix('>'))
        .unwrap();
    let token = url
        .strip_prefix(&format!("{SITE_ROOT}/accounts/unsubscribe_reports/"))
        .and_then(|t| t.strip_suffix('/'))
        .unwrap();
    assert_eq!(
        unsubscribe::verify("test", token).map(|s| s.username),
        Some(user.username.clone())
    );

    let month = |span: reports::Span| span.start.with_timezone(&riga).format("%B %Y").to_string();
    let (older, newer) = (month(older), month(newer));
    assert!(mail.contains("This is your monthly report"), "{mail}");
    assert!(
        mail.contains(&format!(
            "{newer}: 1 of 1 check went down, 1 outage and 2 hours down in all."
        )),
        "{mail}"
    );
    assert!(
        mail.contains(&format!(
            "  My First Check (up)\n    {older}: all good\n    {newer}: 1 outage, 2 hours down in all\n"
        )),
        "{mail}"
    );
    assert!(mail.contains(&format!("To stop these reports and the reminders: {url}")));
    assert!(mail.contains("Times are in Europe/Riga."));

    // The next one is due at 09:00–10:59 in Riga on the 1st of next month.
    let next = time::utc(next_report(conn, &user).unwrap()).with_timezone(&riga);
    let now_riga = time::now().with_timezone(&riga);
    assert!(
        next > now_riga && next - now_riga <= Duration::days(32),
        "{next}"
    );
    assert_eq!(chrono::Datelike::day(&next), 1, "{next}");
    assert!((9..11).contains(&next.hour()), "{next}");

    // The outbox records it with its headers.
    let (subject, status, headers): (String, String, String) = emails::table
        .select((emails::subject, emails::status, emails::headers))
        .first(conn)
        .unwrap();
    assert_eq!(
        (subject.as_str(), status.as_str()),
        ("Monthly Report", "sent")
    );
    let headers: serde_json::Value = serde_json::from_str(&headers).unwrap();
    assert_eq!(headers["List-Unsubscribe"], format!("<{url}>"));

    // Nothing more until then.
    run_once(&db, &sink);
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn daily_and_weekly_reports_have_their_own_subjects_and_dates() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let (daily, _) = user_with_check(
        conn,
        "day@example.org",
        "daily",
        "UTC",
        Some(Duration::hours(1)),
    );
    let (weekly, _) = user_with_check(
        conn,
        "week@example.org",
        "weekly",
        "America/New_York",
        Some(Duration::days(3)),
    );
    run_once(&db, &sink);
    let messages = sink.messages();
    assert_eq!(messages.len(), 2);
    let to = |who: &str| {
        messages
            .iter()
            .find(|m| header(m, "To").as_deref() == Some(who))
            .unwrap()
            .clone()
    };
    let day = to("day@example.org");
    assert_eq!(header(&day, "Subject").as_deref(), Some("Daily Report"));
    assert!(day.contains("This is your daily report"));
    assert!(header(&day, "List-Unsubscribe").is_some());
    let week = to("week@example.org");
    assert_eq!(header(&week, "Subject").as_deref(), Some("Weekly Report"));
    assert!(week.contains("all good"), "{week}");

    let today = time::now().date_naive();
    let next_day = time::utc(next_report(conn, &daily).unwrap());
    assert_eq!(next_day.date_naive(), today + Duration::days(1));
    assert!((9..11).contains(&next_day.hour()));
    let ny: Tz = "America/New_York".parse().unwrap();
    let next_week = time::utc(next_report(conn, &weekly).unwrap()).with_timezone(&ny);
    assert_eq!(chrono::Datelike::weekday(&next_week), chrono::Weekday::Mon);
    assert!((9..11).contains(&next_week.hour()), "{next_week}");
}

#[test]
fn no_report_without_a_ping_in_180_days_and_the_first_is_only_scheduled() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    let (idle, _) = user_with_check(
        conn,
        "idle@example.org",
        "monthly",
        "UTC",
        Some(Duration::days(181)),
    );
    let (never, _) = user_with_check(conn, "never@example.org", "daily", "UTC", None);
    let (fresh, _) = user_with_check(
        conn,
        "fresh@example.org",
        "weekly",
        "UTC",
        Some(Duration::hours(1)),
    );
    diesel::update(profiles::table.filter(profiles::user_id.eq(fresh.id)))
        .set(profiles::next_report_date.eq(None::<NaiveDateTime>))
        .execute(conn)
        .unwrap();
    let (off, _) = user_with_check(
        conn,
        "off@example.org",
        "off",
        "UTC",
        Some(Duration::hours(1)),
    );

    run_once(&db, &sink);
    assert_eq!(sink.messages(), Vec::<String>::new());
    // The idle ones' dates moved on all the same, so they are not looked at again
    // every pass; the new one's first report is scheduled; "off" stays as it was.
    let now = time::now();
    for user in [&idle, &never, &fresh] {
        let next = next_report(conn, user).map(time::utc);
        assert!(next.is_some_and(|t| t > now), "{}: {next:?}", user.email);
    }
    assert!(next_report(conn, &off).is_some_and(|t| time::utc(t) < now));
}

#[test]
fn daemons_racing_for_the_same_reports_send_each_once() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let n = 40;
    for i in 0..n {
        user_with_check(
            &mut pool.get().unwrap(),
            &format!("racer{i}@example.org"),
            "daily",
            "UTC",
            Some(Duration::hours(1)),
        );
    }
    let outputs: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| sendalerts_once(&db, &sink)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let messages = sink.messages();
    let mut recipients: Vec<String> = messages.iter().filter_map(|m| header(m, "To")).collect();
    recipients.sort();
    let before = recipients.len();
    recipients.dedup();
    assert_eq!(before, recipients.len(), "nobody got two: {recipients:?}");
    assert_eq!(recipients.len(), n, "everybody got one");
    let recorded: i64 = emails::table
        .filter(emails::subject.eq("Daily Report"))
        .count()
        .get_result(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(recorded, n as i64);
}

#[test]
fn reminders_carry_the_same_unsubscribe_headers() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let conn = &mut pool.get().unwrap();
    overdue_check(conn, "nag@example.org");
    diesel::update(profiles::table)
        .set((profiles::nag_period.eq(3600), profiles::reports.eq("off")))
        .execute(conn)
        .unwrap();
    run_once(&db, &sink); // the alert, and a reminder scheduled
    diesel::update(profiles::table)
        .set(profiles::next_nag_date.eq(Some((time::now() - Duration::minutes(1)).naive_utc())))
        .execute(conn)
        .unwrap();
    run_once(&db, &sink);
    let messages = sink.messages();
    let reminder = messages
        .iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.starts_with("Reminder")))
        .unwrap();
    assert_eq!(
        header(reminder, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let link = header(reminder, "List-Unsubscribe").unwrap();
    assert!(
        link.starts_with(&format!("<{SITE_ROOT}/accounts/unsubscribe_reports/")),
        "{link}"
    );
    assert!(
        reminder.contains(link.trim_matches(['<', '>'])),
        "{reminder}"
    );
}
