//! The `hc-ping` binary as an operator runs it.

use std::process::{Command, Stdio};
use std::time::Duration;

use hc_test::{free_port, wait_for_port, TestDb};

fn hc_ping(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hc-ping"));
    cmd.env_clear()
        .env("SECRET_KEY", "test")
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in db.env() {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn help_and_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_hc-ping"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--bind"));
    let out = Command::new(env!("CARGO_BIN_EXE_hc-ping"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("hc-ping {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn refuses_an_unmigrated_database_with_one_line() {
    let db = TestDb::new();
    if let hc_core::config::DbConfig::Sqlite { path, .. } = &db.config {
        // An existing but empty SQLite file, so that only migrations are missing.
        drop(hc_core::db::DbConn::open(&db.config, hc_core::db::Open::MayCreate).unwrap());
        assert!(path.exists());
    }
    let out = hc_ping(&db)
        .args(["--bind", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("hc-ping: the database") && last.contains("run `hc-admin migrate`"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_backend_is_a_configuration_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_hc-ping"))
        .env_clear()
        .env("DB", "oracle")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "hc-ping: DB: unknown database backend \"oracle\", use sqlite, postgres or mysql"
    );
}

#[test]
fn sigterm_stops_it_cleanly() {
    let db = TestDb::new();
    drop(db.migrated_pool());
    let port = free_port();
    let mut child = hc_ping(&db)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, Duration::from_secs(20));
    let body = reqwest::blocking::get(format!("http://127.0.0.1:{port}/health"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(body, "OK");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");
}
