//! One module per subcommand, each a clap `Opts` and a `run`.

pub mod check;
pub mod createproject;
pub mod createsuperuser;
pub mod migrate;
pub mod prune;
pub mod sendtestemail;

use hc_core::db::{self, OnStart, Pool};

/// A mistake in how the command was called (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A pool on a database that must already be migrated.
fn migrated_pool(config: &hc_core::config::Config) -> anyhow::Result<Pool> {
    Ok(db::connect(&config.db, 2, OnStart::RequireMigrated)?)
}
