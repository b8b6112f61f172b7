//! sendalerts against the backend named by `HC_TEST_DB`.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod going_down;
