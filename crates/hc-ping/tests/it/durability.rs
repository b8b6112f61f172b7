//! A 2xx means stored: the receiver killed with SIGKILL under load has stored every
//! ping it answered, and one stopped with SIGTERM under load finishes what it
//! accepted and exits cleanly.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use hc_core::models::Check;
use hc_core::schema::{checks, pings, profiles, projects};
use hc_test::{free_port, wait_for_port, TestDb};

#[test]
fn sigkill_under_load_loses_no_answered_ping() {
    stop_under_load("KILL");
}

#[test]
fn sigterm_under_load_stores_what_it_answered_and_exits_cleanly() {
    stop_under_load("TERM");
}

/// Pings from 16 clients, then `signal` to the receiver; every ping it answered with
/// a 2xx must be in the database, and the check counters must agree with the rows.
fn stop_under_load(signal: &str) {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let project =
        hc_core::accounts::create_project(conn, "k@example.org", "K", "test-secret").unwrap();
    // Keep every ping, so that each answered one can be looked for.
    diesel::update(profiles::table)
        .set(profiles::ping_log_limit.eq(1_000_000))
        .execute(conn)
        .unwrap();
    let project_id: i64 = projects::table
        .filter(projects::code.eq(&project.uuid))
        .select(projects::id)
        .first(conn)
        .unwrap();
    let codes: Vec<String> = (0..10)
        .map(|_| {
            let check = Check::new(Some(project_id), hc_core::time::now().naive_utc());
            diesel::insert_into(checks::table)
                .values(&check)
                .execute(conn)
                .unwrap();
            check.code
        })
        .collect();

    let port = free_port();
    let mut receiver = Command::new(env!("CARGO_BIN_EXE_hc-ping"))
        .env_clear()
        .env("SECRET_KEY", "test-secret")
        .envs(db.env())
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, Duration::from_secs(20));

    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..16)
        .map(|client| {
            let (answered, stop, codes) = (answered.clone(), stop.clone(), codes.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let token = format!("client-{client}-ping-{i}");
                    let url = format!("http://127.0.0.1:{port}/ping/{}", codes[i % codes.len()]);
                    match http.post(url).body(token.clone()).send() {
                        Ok(r) if r.status().is_success() => answered.lock().unwrap().push(token),
                        Ok(r) => panic!("unexpected status {}", r.status()),
                        // The receiver is gone: stop.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let pid = receiver.id().to_string();
    assert!(Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap()
        .success());
    let status = receiver.wait().unwrap();
    if signal == "TERM" {
        assert!(
            status.success(),
            "exit status after SIGTERM under load: {status}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }

    let answered = answered.lock().unwrap();
    assert!(
        answered.len() > 50,
        "the load was real: {} pings answered",
        answered.len()
    );
    let stored: HashSet<String> = pings::table
        .select(pings::body)
        .load::<Option<Vec<u8>>>(&mut pool.get().unwrap())
        .unwrap()
        .into_iter()
        .flatten()
        .map(|b| String::from_utf8(b).unwrap())
        .collect();
    let lost: Vec<&String> = answered.iter().filter(|t| !stored.contains(*t)).collect();
    assert!(
        lost.is_empty(),
        "{} answered pings are missing, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    // The counters agree with the rows.
    let n_pings: Vec<i64> = checks::table
        .select(checks::n_pings)
        .load(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(n_pings.iter().sum::<i64>(), stored.len() as i64);
}
