//! hc's domain: the data model and its diesel schema, database connections for
//! SQLite, PostgreSQL and MySQL/MariaDB, configuration, and the pure logic of
//! schedules and statuses that every hc service shares. No HTTP, templates or SMTP
//! here: those live in the services.

pub mod access;
pub mod accounts;
pub mod alerts;
pub mod badge;
pub mod checks;
pub mod compat;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
mod error;
pub mod keys;
pub mod logins;
pub mod metrics;
pub mod models;
pub mod nags;
pub mod outage;
pub mod ping;
pub mod profiles;
pub mod projects;
pub mod prune;
pub mod ratelimit;
pub mod reports;
pub mod schedule;
pub mod schema;
pub mod sessions;
pub mod shutdown;
pub mod status;
pub mod telemetry;
pub mod time;

pub use error::{Error, Result};
