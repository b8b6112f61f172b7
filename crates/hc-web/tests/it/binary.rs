//! The `hc-web` binary as an operator runs it, on the backend under test.

use std::process::{Command, Stdio};
use std::time::Duration;

use hc_test::{free_port, wait_for_port, TestDb};

fn hc_web(db: &TestDb, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hc-web"));
    cmd.env_clear()
        .env("SECRET_KEY", "test")
        .envs(db.env())
        .args(["--bind", &format!("127.0.0.1:{port}")]);
    cmd
}

#[test]
fn starts_after_migrate_serves_and_stops_on_sigterm() {
    let db = TestDb::new();
    drop(db.migrated_pool());
    let port = free_port();
    let mut child = hc_web(&db, port).stderr(Stdio::null()).spawn().unwrap();
    wait_for_port(port, Duration::from_secs(20));
    let body = reqwest::blocking::get(format!("http://127.0.0.1:{port}/api/v3/status/"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(body, "OK");
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

#[test]
fn refuses_an_unmigrated_database() {
    let db = TestDb::new();
    drop(hc_core::db::DbConn::open(&db.config, hc_core::db::Open::MayCreate).unwrap());
    let out = hc_web(&db, free_port()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hc-web: the database") && stderr.contains("run `hc-admin migrate`"),
        "{stderr}"
    );
}
