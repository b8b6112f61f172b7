//! sendalerts against the backend named by `HC_TEST_DB`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod chats;
mod going_down;
mod incident_hooks;
mod integrations;
mod local_kinds;
mod nags;
mod notify;
mod outage;
mod pagers;
mod reports;
mod scale;
mod supervisor;
mod trackers;
mod twilio;
