//! Overdue checks go down once, with a timeout flip at the moment grace ran out.

use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

use chrono::Duration;
use diesel::prelude::*;
use hc_core::models::{Check, Flip};
use hc_core::schema::{checks, flips};
use hc_core::{alerts, time};
use hc_test::TestDb;

fn insert(conn: &mut hc_core::db::DbConn, check: &Check) {
    diesel::insert_into(checks::table)
        .values(check)
        .execute(conn)
        .unwrap();
}

fn reload(conn: &mut hc_core::db::DbConn, code: &str) -> Check {
    checks::table
        .filter(checks::code.eq(code))
        .select(Check::as_select())
        .first(conn)
        .unwrap()
}

/// An up check pinged `ago` ago with a 1-hour period and 10-minute grace, with
/// `alert_after` as the ping handler leaves it.
fn up_check(ago: Duration) -> Check {
    let now = time::now();
    let mut check = Check {
        status: "up".into(),
        timeout: 3600,
        grace: 600,
        last_ping: Some((now - ago).naive_utc()),
        ..Check::new(None, now.naive_utc())
    };
    check.alert_after = check.going_down_after().unwrap().map(|t| t.naive_utc());
    check
}

#[test]
fn the_pass_marks_overdue_checks_down_exactly_once() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let late = up_check(Duration::minutes(75)); // in grace: due at 60, down at 70 -> down
    let in_grace = up_check(Duration::minutes(65));
    let fine = up_check(Duration::minutes(5));
    for c in [&late, &in_grace, &fine] {
        insert(conn, c);
    }
    // Pretend the in-grace check's alert_after is stale (as after a period change).
    diesel::update(checks::table.filter(checks::code.eq(&in_grace.code)))
        .set(checks::alert_after.eq((time::now() - Duration::minutes(1)).naive_utc()))
        .execute(conn)
        .unwrap();

    let now = time::now();
    let report = alerts::going_down_pass(conn, now, None).unwrap();
    assert_eq!((report.went_down, report.rescheduled), (1, 1));

    let late_now = reload(conn, &late.code);
    assert_eq!(late_now.status, "down");
    assert_eq!(late_now.alert_after, None);
    let flips: Vec<Flip> = flips::table.select(Flip::as_select()).load(conn).unwrap();
    assert_eq!(flips.len(), 1);
    let flip = &flips[0];
    assert_eq!(
        (
            flip.old_status.as_str(),
            flip.new_status.as_str(),
            flip.reason.as_str()
        ),
        ("up", "down", "timeout")
    );
    assert_eq!(
        flip.created,
        late.alert_after.unwrap(),
        "the flip is dated when grace ran out"
    );
    assert_eq!(flip.processed, None);

    let in_grace_now = reload(conn, &in_grace.code);
    assert_eq!(in_grace_now.status, "up");
    assert_eq!(
        in_grace_now.alert_after, in_grace.alert_after,
        "rescheduled to its real deadline"
    );
    assert_eq!(
        reload(conn, &fine.code),
        Check {
            id: reload(conn, &fine.code).id,
            ..fine.clone()
        }
    );

    // A second pass, or a second daemon, finds nothing more to do.
    assert_eq!(
        alerts::going_down_pass(conn, now, None).unwrap(),
        alerts::PassReport::default()
    );
    assert_eq!(flips::table.count().get_result::<i64>(conn).unwrap(), 1);
}

#[test]
fn daemons_side_by_side_flip_each_check_once() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let n_checks = 60;
    for _ in 0..n_checks {
        insert(&mut pool.get().unwrap(), &up_check(Duration::minutes(75)));
    }
    let now = time::now();
    let went_down: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let pool = pool.clone();
                s.spawn(move || {
                    alerts::going_down_pass(&mut pool.get().unwrap(), now, None)
                        .unwrap()
                        .went_down
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(went_down, n_checks);
    let conn = &mut pool.get().unwrap();
    assert_eq!(
        flips::table.count().get_result::<i64>(conn).unwrap(),
        n_checks as i64
    );
    let per_check: Vec<i64> = flips::table
        .group_by(flips::check_id)
        .select(diesel::dsl::count_star())
        .load(conn)
        .unwrap();
    assert!(
        per_check.iter().all(|n| *n == 1),
        "one flip per check: {per_check:?}"
    );
}

fn sendalerts(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sendalerts"));
    cmd.env_clear().env("SECRET_KEY", "test").envs(db.env());
    cmd
}

#[test]
fn once_processes_what_is_due_and_exits() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let late = up_check(Duration::minutes(75));
    insert(&mut pool.get().unwrap(), &late);
    let out = sendalerts(&db).arg("--once").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(reload(&mut pool.get().unwrap(), &late.code).status, "down");
}

#[test]
fn runs_until_sigterm() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let child = sendalerts(&db)
        .args(["--interval", "0.1"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // While it runs, a check that becomes overdue is marked down without a restart.
    std::thread::sleep(StdDuration::from_millis(500));
    let late = up_check(Duration::minutes(75));
    insert(&mut pool.get().unwrap(), &late);
    let deadline = std::time::Instant::now() + StdDuration::from_secs(10);
    while reload(&mut pool.get().unwrap(), &late.code).status != "down" {
        assert!(
            std::time::Instant::now() < deadline,
            "the running daemon never marked the check down"
        );
        std::thread::sleep(StdDuration::from_millis(100));
    }
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("sendalerts is now running") && log.contains("Done."),
        "{log}"
    );
}

#[test]
fn help_and_bad_options() {
    let out = Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--once"));
    let out = Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .args(["--interval", "-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
