//! hc-core's integration tests, against a real database of the backend named by
//! `HC_TEST_DB` (one test binary, to keep link time down).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod accounts;
mod connect;
mod heartbeats;
mod migrations;
mod ratelimit;
mod rows;
mod sessions;

use hc_core::db::{self, OnStart, Pool};
use hc_test::TestDb;

/// A migrated test database and a pool on it.
pub fn migrated() -> (TestDb, Pool) {
    let test_db = TestDb::new();
    let pool =
        db::connect(&test_db.config, 4, OnStart::Migrate).expect("migrate the test database");
    (test_db, pool)
}
