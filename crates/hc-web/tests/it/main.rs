//! hc-web over real HTTP on loopback, against the backend named by `HC_TEST_DB`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod api_checks;
mod api_errors;
mod api_history;
mod api_queries;
mod badges;
mod binary;
mod browser;
mod browser_accounts;
mod browser_checks;
mod browser_details;
mod browser_integrations;
mod browser_schedule;
mod browser_welcome;
mod metrics;
mod openapi;
mod server;
mod support;
pub(crate) mod ui_accounts;
mod ui_add_local;
mod ui_add_twilio;
mod ui_admin;
mod ui_badges;
mod ui_checks;
mod ui_details;
mod ui_integrations;
mod ui_login;
mod ui_oauth;
mod ui_profile;
mod ui_projects;
mod ui_reports;
mod ui_schedule;
mod ui_welcome;
mod web;
