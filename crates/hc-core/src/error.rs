//! The domain crate's one error type. Web crates map it to HTTP answers once; binaries
//! print it as one line.

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),

    #[error("cannot open the database ({target}): {reason}; {hint}")]
    Connect {
        target: String,
        reason: String,
        hint: String,
    },

    #[error("the database ({target}) is not up to date: migrations {pending} are pending; run `hc-admin migrate`")]
    PendingMigrations { target: String, pending: String },

    #[error("migration failed: {0}")]
    Migration(String),

    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),

    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),

    #[error("{0}")]
    Invalid(String),

    #[error("not found")]
    NotFound,

    /// Another process changed rows this one had read; the work is rolled back and
    /// tried again later.
    #[error("conflict: {0}")]
    Conflict(String),
}

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
