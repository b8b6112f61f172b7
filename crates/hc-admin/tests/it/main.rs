//! The `hc-admin` binary as an operator runs it, against the backend named by
//! `HC_TEST_DB`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod accounts;
mod email;
mod migrate;
mod prune;

use std::process::{Command, Output, Stdio};

use hc_test::TestDb;

/// Runs `hc-admin args...` against `db` with a clean environment and no terminal.
pub fn hc_admin(db: &TestDb, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hc-admin"));
    cmd.env_clear()
        .env("SECRET_KEY", "test-secret")
        .envs(db.env())
        .args(args)
        .stdin(Stdio::null());
    cmd.output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
