//! Three daemons side by side while a thousand checks flip: every flip gives exactly
//! one notification per channel, none lost, none sent twice.

use std::collections::HashMap;
use std::process::{Child, Command};
use std::time::Duration;

use diesel::prelude::*;
use hc_core::models::{Channel, Check, Notification};
use hc_core::schema::{channels, checks, flips, notifications, projects};
use hc_core::{accounts, keys, time};
use hc_test::{HttpSink, TestDb};

const CHECKS: usize = 1000;

fn daemon(db: &TestDb) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sendalerts"))
        .env_clear()
        .env("SECRET_KEY", "test")
        .env("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True")
        .env("RUST_LOG", "warn")
        .envs(db.env())
        .args(["--interval", "0.1"])
        .spawn()
        .unwrap()
}

/// The daemons of a test, killed if the test ends early: a daemon left running keeps
/// the test's output open and the test runner waiting for it.
struct Daemons(Vec<Child>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for daemon in &mut self.0 {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
    }
}

#[test]
fn three_daemons_notify_each_of_a_thousand_flips_once_per_channel() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = HttpSink::start();
    let conn = &mut pool.get().unwrap();
    let project = accounts::create_project(conn, "fleet@example.org", "Fleet", "test").unwrap();
    let project_id: i64 = projects::table
        .filter(projects::code.eq(&project.uuid))
        .select(projects::id)
        .first(conn)
        .unwrap();
    diesel::delete(channels::table).execute(conn).unwrap();
    let mut channel_ids = Vec::new();
    for path in ["a", "b"] {
        let channel = Channel {
            id: 0,
            code: keys::new_uuid(),
            project_id,
            name: path.into(),
            kind: "webhook".into(),
            value: format!("{}\n", sink.url(&format!("/{path}/$CODE"))),
            email_verified: true,
            disabled: false,
            last_notify: None,
            last_notify_duration: None,
            last_error: String::new(),
            created: time::now().naive_utc(),
        };
        diesel::insert_into(channels::table)
            .values(&channel)
            .execute(conn)
            .unwrap();
        channel_ids.push(
            channels::table
                .filter(channels::code.eq(&channel.code))
                .select(channels::id)
                .first::<i64>(conn)
                .unwrap(),
        );
    }
    let now = time::now();
    let mut ids = Vec::new();
    conn.write_tx(|conn| -> QueryResult<()> {
        for _ in 0..CHECKS {
            let mut check = Check::new(Some(project_id), now.naive_utc());
            // Up, pinged recently: nothing due until the test makes it so.
            check.status = "up".into();
            check.last_ping = Some(now.naive_utc());
            check.alert_after = Some((now + chrono::Duration::days(1)).naive_utc());
            let check = hc_core::checks::insert(conn, &check)?;
            hc_core::checks::set_channels(conn, check.id, &channel_ids)?;
            ids.push(check.id);
        }
        Ok(())
    })
    .unwrap();

    let mut daemons = Daemons((0..3).map(|_| daemon(&db)).collect());
    // The checks fall due in four waves while the daemons run.
    let overdue = (time::now() - chrono::Duration::days(2)).naive_utc();
    for wave in ids.chunks(CHECKS / 4) {
        // The daemons lock these rows too: on MariaDB the test's own update can be
        // chosen as a deadlock victim, and is then tried again, as an app would.
        let mut tries = 0;
        loop {
            let updated = diesel::update(checks::table.filter(checks::id.eq_any(wave)))
                .set((
                    checks::last_ping.eq(Some(overdue)),
                    checks::alert_after.eq(Some(
                        (time::now() - chrono::Duration::seconds(1)).naive_utc(),
                    )),
                ))
                .execute(conn);
            match updated {
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::SerializationFailure,
                    _,
                )) if tries < 5 => tries += 1,
                other => {
                    other.unwrap();
                    break;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let requests = sink.wait_for(2 * CHECKS, Duration::from_secs(90));
    // A moment more, to catch any duplicate still on its way.
    std::thread::sleep(Duration::from_millis(500));
    for daemon in &mut daemons.0 {
        let _ = Command::new("kill")
            .args(["-TERM", &daemon.id().to_string()])
            .status();
        daemon.wait().unwrap();
    }
    let requests_after = sink.requests();
    assert_eq!(requests.len(), 2 * CHECKS, "every alert arrived");
    assert_eq!(requests_after.len(), 2 * CHECKS, "and none twice");
    let mut per_target: HashMap<String, usize> = HashMap::new();
    for r in &requests_after {
        *per_target.entry(r.target.clone()).or_default() += 1;
    }
    assert_eq!(
        per_target.len(),
        2 * CHECKS,
        "one request per check and channel"
    );

    let flips: i64 = flips::table.count().get_result(conn).unwrap();
    assert_eq!(flips as usize, CHECKS, "one flip per check");
    let sent: Vec<Notification> = notifications::table
        .select(Notification::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(sent.len(), 2 * CHECKS);
    assert!(sent.iter().all(|n| n.status == "sent"), "all sent");
    let mut per_flip_channel: HashMap<(Option<i64>, i64), usize> = HashMap::new();
    for n in &sent {
        *per_flip_channel
            .entry((n.flip_id, n.channel_id))
            .or_default() += 1;
    }
    assert!(per_flip_channel.values().all(|&c| c == 1));
}
