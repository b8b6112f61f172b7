//! hc-ping over real HTTP on loopback, against the backend named by `HC_TEST_DB`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod bad_input;
mod binary;
mod durability;
mod pings;
mod prune_while_serving;
mod server;
mod support;
