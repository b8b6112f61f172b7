//! The prune commands on the exact situations of the 2016 rules: what goes and what stays.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::db::{self, DbConn};
use hc_core::models::*;
use hc_core::schema::*;
use hc_core::{keys, time};
use hc_test::TestDb;

use super::{hc_admin, stderr, stdout};

fn ago(d: Duration) -> NaiveDateTime {
    (time::now() - d).naive_utc()
}

fn setup() -> (TestDb, db::Pool) {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    (db, pool)
}

fn user(
    conn: &mut DbConn,
    email: &str,
    joined: Duration,
    last_login: Option<Duration>,
    with_project: bool,
) -> User {
    let u = accounts::create_user(
        conn,
        &NewUser {
            email,
            with_first_project: with_project,
            ..NewUser::default()
        },
    )
    .unwrap();
    diesel::update(users::table.find(u.id))
        .set((
            users::date_joined.eq(ago(joined)),
            users::last_login.eq(last_login.map(ago)),
        ))
        .execute(conn)
        .unwrap();
    u
}

fn project_of(conn: &mut DbConn, user: &User) -> Project {
    projects::table
        .filter(projects::owner_id.eq(user.id))
        .select(Project::as_select())
        .first(conn)
        .unwrap()
}

fn exists_user(conn: &mut DbConn, email: &str) -> bool {
    users::table
        .filter(users::email.eq(email))
        .count()
        .get_result::<i64>(conn)
        .unwrap()
        == 1
}

fn add_check(conn: &mut DbConn, project_id: Option<i64>, created: Duration) -> Check {
    let check = Check::new(project_id, ago(created));
    diesel::insert_into(checks::table)
        .values(&check)
        .execute(conn)
        .unwrap();
    checks::table
        .filter(checks::code.eq(&check.code))
        .select(Check::as_select())
        .first(conn)
        .unwrap()
}

fn add_pings(conn: &mut DbConn, check: &Check, n: i64) {
    conn.write_tx(|c| -> QueryResult<()> {
        for i in 1..=n {
            let ping = Ping {
                id: 0,
                check_id: check.id,
                n: Some(i),
                created: ago(Duration::seconds(n - i)),
                kind: None,
                scheme: "http".into(),
                remote_addr: None,
                method: "GET".into(),
                ua: String::new(),
                body: None,
                exitstatus: None,
                rid: None,
            };
            diesel::insert_into(pings::table).values(&ping).execute(c)?;
        }
        diesel::update(checks::table.find(check.id))
            .set(checks::n_pings.eq(n))
            .execute(c)?;
        Ok(())
    })
    .unwrap();
}

fn ping_numbers(conn: &mut DbConn, check: &Check) -> Vec<i64> {
    pings::table
        .filter(pings::check_id.eq(check.id))
        .order(pings::n)
        .select(pings::n)
        .load::<Option<i64>>(conn)
        .unwrap()
        .into_iter()
        .flatten()
        .collect()
}

#[test]
fn pruneusers_deletes_unused_accounts_and_keeps_the_rest() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    let days = Duration::days;
    user(conn, "never@x.org", days(40), None, true);
    user(conn, "idle-empty@x.org", days(100), Some(days(40)), false);
    user(
        conn,
        "idle-with-checks@x.org",
        days(100),
        Some(days(40)),
        true,
    );
    user(conn, "fresh@x.org", days(5), None, true);
    user(conn, "recent@x.org", days(100), Some(days(3)), false);
    let root = user(conn, "root@x.org", days(40), None, true);
    diesel::update(users::table.find(root.id))
        .set(users::is_superuser.eq(true))
        .execute(conn)
        .unwrap();
    // An owner whose project has a team member, and that member.
    let owner = user(conn, "team-owner@x.org", days(40), None, true);
    let mate = user(conn, "mate@x.org", days(40), None, false);
    let team = project_of(conn, &owner);
    diesel::insert_into(members::table)
        .values(Member {
            id: 0,
            user_id: mate.id,
            project_id: team.id,
            role: "w".into(),
            transfer_request_date: None,
        })
        .execute(conn)
        .unwrap();
    // An automation account: never logged in, but its checks are pinged.
    let bot = user(conn, "bot@x.org", days(300), None, true);
    let bot_project = project_of(conn, &bot);
    diesel::update(checks::table.filter(checks::project_id.eq(bot_project.id)))
        .set(checks::last_ping.eq(ago(Duration::hours(1))))
        .execute(conn)
        .unwrap();
    let never: User = users::table
        .filter(users::email.eq("never@x.org"))
        .select(User::as_select())
        .first(conn)
        .unwrap();
    let never_project = project_of(conn, &never);

    let out = hc_admin(&db, &["pruneusers", "--dry-run"]);
    assert_eq!(
        stdout(&out).trim(),
        "Dry run: would prune 2 user accounts.",
        "{}",
        stderr(&out)
    );
    assert!(exists_user(conn, "never@x.org"));

    let out = hc_admin(&db, &["pruneusers"]);
    assert_eq!(
        stdout(&out).trim(),
        "Done! Pruned 2 user accounts.",
        "{}",
        stderr(&out)
    );
    for (email, kept) in [
        ("never@x.org", false),
        ("idle-empty@x.org", false),
        ("idle-with-checks@x.org", true),
        ("fresh@x.org", true),
        ("recent@x.org", true),
        ("root@x.org", true),
        ("team-owner@x.org", true),
        ("mate@x.org", true),
        ("bot@x.org", true),
    ] {
        assert_eq!(exists_user(conn, email), kept, "{email}");
    }
    // What belonged only to the deleted users went with them.
    assert_eq!(
        projects::table
            .filter(projects::id.eq(never_project.id))
            .count()
            .get_result::<i64>(conn)
            .unwrap(),
        0
    );
    assert_eq!(
        checks::table
            .filter(checks::project_id.eq(never_project.id))
            .count()
            .get_result::<i64>(conn)
            .unwrap(),
        0
    );
    let profiles_left: i64 = profiles::table.count().get_result(conn).unwrap();
    assert_eq!(profiles_left, 7);
}

#[test]
fn prunechecks_deletes_old_unclaimed_demo_checks() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    let owner = user(conn, "o@x.org", Duration::days(1), None, true);
    let project = project_of(conn, &owner);
    let old_demo = add_check(conn, None, Duration::hours(3));
    add_pings(conn, &old_demo, 5);
    let new_demo = add_check(conn, None, Duration::minutes(30));
    let owned_old = add_check(conn, Some(project.id), Duration::days(30));
    let out = hc_admin(&db, &["prunechecks"]);
    assert_eq!(
        stdout(&out).trim(),
        "Done! Pruned 1 checks.",
        "{}",
        stderr(&out)
    );
    let left: Vec<String> = checks::table.select(checks::code).load(conn).unwrap();
    assert!(!left.contains(&old_demo.code));
    assert!(left.contains(&new_demo.code) && left.contains(&owned_old.code));
    assert_eq!(
        pings::table.count().get_result::<i64>(conn).unwrap(),
        0,
        "its pings went too"
    );
}

#[test]
fn pruneemails_deletes_records_of_mail_sent_over_a_week_ago() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    let email = |sent: Option<Duration>| Email {
        id: 0,
        code: keys::new_uuid(),
        from_email: "hc@x.org".into(),
        to_email: "a@x.org".into(),
        subject: "s".into(),
        body_text: "t".into(),
        body_html: "h".into(),
        headers: "{}".into(),
        status: if sent.is_some() { "sent" } else { "queued" }.into(),
        attempts: 0,
        next_attempt: None,
        error: String::new(),
        created: ago(Duration::days(30)),
        sent: sent.map(ago),
    };
    let old = email(Some(Duration::days(8)));
    let recent = email(Some(Duration::days(6)));
    let unsent = email(None);
    for e in [&old, &recent, &unsent] {
        diesel::insert_into(emails::table)
            .values(e)
            .execute(conn)
            .unwrap();
    }
    let out = hc_admin(&db, &["pruneemails"]);
    assert_eq!(stdout(&out).trim(), "Done! Pruned 1 email messages.");
    let left: Vec<String> = emails::table.select(emails::code).load(conn).unwrap();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&old.code));
}

#[test]
fn prunepings_keeps_exactly_the_configured_number() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    let owner = user(conn, "p@x.org", Duration::days(1), None, true);
    let project = project_of(conn, &owner);
    let small = add_check(conn, Some(project.id), Duration::days(1));
    add_pings(conn, &small, 50);
    let big = add_check(conn, Some(project.id), Duration::days(1));
    add_pings(conn, &big, 500);
    let demo = add_check(conn, None, Duration::minutes(1));
    add_pings(conn, &demo, 150);

    let out = hc_admin(&db, &["prunepings", "--dry-run"]);
    assert_eq!(
        stdout(&out).trim(),
        "Dry run: would prune 400 pings.",
        "{}",
        stderr(&out)
    );
    assert_eq!(ping_numbers(conn, &big).len(), 500);

    let out = hc_admin(&db, &["prunepings"]);
    assert_eq!(
        stdout(&out).trim(),
        "Done! Pruned 400 pings.",
        "{}",
        stderr(&out)
    );
    assert_eq!(ping_numbers(conn, &small), (1..=50).collect::<Vec<_>>());
    assert_eq!(ping_numbers(conn, &big), (401..=500).collect::<Vec<_>>());
    assert_eq!(
        ping_numbers(conn, &demo).len(),
        150,
        "demo checks are left alone"
    );

    let out = hc_admin(&db, &["prunepings", "--keep", "10"]);
    assert_eq!(stdout(&out).trim(), "Done! Pruned 130 pings.");
    assert_eq!(ping_numbers(conn, &small), (41..=50).collect::<Vec<_>>());
    assert_eq!(ping_numbers(conn, &big), (491..=500).collect::<Vec<_>>());
    // Run again: nothing more to do.
    assert_eq!(
        stdout(&hc_admin(&db, &["prunepings", "--keep", "10"])).trim(),
        "Done! Pruned 0 pings."
    );
}

#[test]
fn prunepings_splits_a_check_with_more_than_a_transaction_holds() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    let owner = user(conn, "h@x.org", Duration::days(1), None, true);
    let project_id = project_of(conn, &owner).id;
    // More than one transaction's worth on SQLite (5,000 rows): pruned in ranges.
    let huge = add_check(conn, Some(project_id), Duration::days(1));
    add_pings(conn, &huge, 5_300);
    let next = add_check(conn, Some(project_id), Duration::days(1));
    add_pings(conn, &next, 150);
    let out = hc_admin(&db, &["prunepings", "--dry-run"]);
    assert_eq!(
        stdout(&out).trim(),
        "Dry run: would prune 5250 pings.",
        "{}",
        stderr(&out)
    );
    let out = hc_admin(&db, &["prunepings"]);
    assert_eq!(
        stdout(&out).trim(),
        "Done! Pruned 5250 pings.",
        "{}",
        stderr(&out)
    );
    assert_eq!(
        ping_numbers(conn, &huge),
        (5_201..=5_300).collect::<Vec<_>>()
    );
    assert_eq!(ping_numbers(conn, &next), (51..=150).collect::<Vec<_>>());
}

#[test]
fn prunepings_follows_the_owners_ping_log_limit() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    let owner = user(conn, "l@x.org", Duration::days(1), None, true);
    diesel::update(profiles::table.filter(profiles::user_id.eq(owner.id)))
        .set(profiles::ping_log_limit.eq(20))
        .execute(conn)
        .unwrap();
    let project_id = project_of(conn, &owner).id;
    let check = add_check(conn, Some(project_id), Duration::days(1));
    add_pings(conn, &check, 30);
    assert!(hc_admin(&db, &["prunepings"]).status.success());
    assert_eq!(ping_numbers(conn, &check), (11..=30).collect::<Vec<_>>());
}

#[test]
fn pruneflips_and_prunenotifications_keep_what_the_dashboard_shows() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    let owner = user(conn, "f@x.org", Duration::days(1), None, true);
    let project = project_of(conn, &owner);
    let check = add_check(conn, Some(project.id), Duration::days(400));
    add_pings(conn, &check, 3); // pings from the last few seconds
    let flip = |created: Duration, processed: bool| Flip {
        id: 0,
        check_id: check.id,
        created: ago(created),
        processed: processed.then(|| ago(created)),
        old_status: "up".into(),
        new_status: "down".into(),
        reason: "timeout".into(),
    };
    for f in [
        flip(Duration::days(200), true),
        flip(Duration::days(200), false),
        flip(Duration::days(10), true),
    ] {
        diesel::insert_into(flips::table)
            .values(&f)
            .execute(conn)
            .unwrap();
    }
    let out = hc_admin(&db, &["pruneflips"]);
    assert_eq!(
        stdout(&out).trim(),
        "Done! Pruned 1 flips.",
        "{}",
        stderr(&out)
    );
    assert_eq!(
        flips::table.count().get_result::<i64>(conn).unwrap(),
        2,
        "unprocessed and recent flips stay"
    );

    let channel: i64 = channels::table.select(channels::id).first(conn).unwrap();
    let notification = |created: Duration, status: &str| Notification {
        id: 0,
        code: keys::new_uuid(),
        check_id: Some(check.id),
        channel_id: channel,
        flip_id: None,
        check_status: "down".into(),
        created: ago(created),
        status: status.into(),
        attempts: 1,
        next_attempt: None,
        claimed_until: None,
        error: String::new(),
    };
    for n in [
        notification(Duration::days(100), "sent"),
        notification(Duration::days(100), "pending"),
        notification(Duration::days(1), "sent"),
    ] {
        diesel::insert_into(notifications::table)
            .values(&n)
            .execute(conn)
            .unwrap();
    }
    let out = hc_admin(&db, &["prunenotifications"]);
    assert_eq!(stdout(&out).trim(), "Done! Pruned 1 notifications.");
    let out = hc_admin(&db, &["prunenotifications", "--older-than", "1"]);
    // The day-old one is older than the check's oldest kept ping, so it goes too.
    assert_eq!(stdout(&out).trim(), "Done! Pruned 1 notifications.");
    let left: Vec<String> = notifications::table
        .select(notifications::status)
        .load(conn)
        .unwrap();
    assert_eq!(left, vec!["pending".to_owned()]);
}

#[test]
fn prune_runs_everything() {
    let (db, pool) = setup();
    let conn = &mut pool.get().unwrap();
    add_check(conn, None, Duration::hours(5));
    let out = hc_admin(&db, &["prune"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for noun in [
        "pings",
        "notifications",
        "flips",
        "checks",
        "email messages",
        "user accounts",
    ] {
        assert!(
            text.contains(&format!(" {noun}.")),
            "{noun} missing from {text}"
        );
    }
    assert!(text.contains("Done! Pruned 1 checks."), "{text}");
}

#[test]
fn bad_keep_counts_and_unmigrated_databases_are_refused() {
    let (db, _pool) = setup();
    for keep in ["-1", "0", "abc", "99999999999"] {
        let out = hc_admin(&db, &["prunepings", "--keep", keep]);
        assert_eq!(out.status.code(), Some(2), "--keep {keep}");
    }
    let fresh = TestDb::new();
    drop(DbConn::open(&fresh.config, db::Open::MayCreate).unwrap());
    let out = hc_admin(&fresh, &["prunepings"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("run `hc-admin migrate`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_second_prune_at_the_same_time_is_refused() {
    use diesel::connection::SimpleConnection;
    let (db, pool) = setup();
    // Hold the lock the way a running prune does.
    let mut holder = pool.get().unwrap();
    let _file = match &mut *holder {
        DbConn::Sqlite(_) => {
            let hc_core::config::DbConfig::Sqlite { path, .. } = &db.config else {
                unreachable!()
            };
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path.with_extension("prune-lock"))
                .unwrap();
            file.try_lock().unwrap();
            Some(file)
        }
        DbConn::Postgres(c) => {
            c.batch_execute(&format!(
                "SELECT pg_advisory_lock({})",
                0x6863_7072_756e_i64
            ))
            .unwrap();
            None
        }
        DbConn::Mysql(c) => {
            c.batch_execute("DO GET_LOCK(CONCAT('hc_prune_', MD5(DATABASE())), 0)")
                .unwrap();
            None
        }
    };
    let out = hc_admin(&db, &["prunepings"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("another prune command is running"),
        "{}",
        stderr(&out)
    );
}
