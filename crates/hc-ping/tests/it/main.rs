//! hc-ping over real HTTP on loopback, against the backend named by `HC_TEST_DB`.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod binary;
mod server;
