//! Database connections: one [`DbConn`] type over SQLite, PostgreSQL and MySQL/MariaDB,
//! an r2d2 pool that picks the backend from the configuration (never from guessing),
//! and write transactions that take SQLite's write lock up front.

mod migrations;
mod prepared;

use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, MysqlConnection, PgConnection, SqliteConnection};

use crate::config::DbConfig;
use crate::Error;

pub use migrations::{pending_migrations, revert_all_migrations, run_migrations};
pub use prepared::{InJsonArray, UpdateWhere};

/// A connection to whichever backend the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
    Mysql(MysqlConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Whether opening SQLite may create the file. Services open an existing database
/// only: a typo in `DB_NAME` must not become a fresh, empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    MayCreate,
    MustExist,
}

/// How long SQLite waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5000;

impl DbConn {
    pub fn open(config: &DbConfig, mode: Open) -> Result<Self, Error> {
        let conn = match config {
            DbConfig::Sqlite { path, .. } => open_sqlite(path, mode).map(DbConn::Sqlite),
            DbConfig::Postgres { conninfo, .. } => {
                PgConnection::establish(conninfo.expose()).map(DbConn::Postgres)
            }
            DbConfig::Mysql { url, .. } => {
                MysqlConnection::establish(url.expose()).map(DbConn::Mysql)
            }
        };
        let mut conn = conn.map_err(|e| connect_error(config, mode, &e.to_string()))?;
        conn.configure()
            .map_err(|e| connect_error(config, mode, &e.to_string()))?;
        Ok(conn)
    }

    /// Per-connection settings: SQLite as a real multi-process store (WAL, a busy
    /// timeout, foreign keys); MySQL strict, so bad data is an error and not a
    /// silently truncated value.
    fn configure(&mut self) -> diesel::QueryResult<()> {
        match self {
            DbConn::Sqlite(c) => c.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                 PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; \
                 PRAGMA temp_store = MEMORY; \
                 PRAGMA cache_size = -8000;"
            )),
            DbConn::Postgres(_) => Ok(()),
            DbConn::Mysql(c) => c.batch_execute(
                "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
                 ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
            ),
        }
    }

    pub fn backend(&self) -> crate::config::Backend {
        match self {
            DbConn::Sqlite(_) => crate::config::Backend::Sqlite,
            DbConn::Postgres(_) => crate::config::Backend::Postgres,
            DbConn::Mysql(_) => crate::config::Backend::Mysql,
        }
    }

    /// Runs `f` in a transaction that writes. On SQLite it starts with `BEGIN
    /// IMMEDIATE`: a deferred transaction that reads first and writes later can fail
    /// with "database is locked" without waiting, when another process wrote in between.
    pub fn write_tx<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        let DbConn::Sqlite(inner) = self else {
            return self.transaction(f);
        };
        let depth = AnsiTransactionManager::transaction_manager_status_mut(inner)
            .transaction_depth()
            .map_err(E::from)?;
        if depth.is_some() {
            return self.transaction(f);
        }
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE").map_err(E::from)?;
        // The multi-connection's transaction manager delegates to the inner one, so
        // commit and rollback through it see the transaction begun above.
        match f(self) {
            Ok(value) => {
                <Self as Connection>::TransactionManager::commit_transaction(self)
                    .map_err(E::from)?;
                Ok(value)
            }
            Err(e) => {
                if let Err(rollback) =
                    <Self as Connection>::TransactionManager::rollback_transaction(self)
                {
                    tracing::warn!(error = %rollback, "rollback failed");
                }
                Err(e)
            }
        }
    }
}

fn open_sqlite(path: &Path, mode: Open) -> diesel::ConnectionResult<SqliteConnection> {
    let target = match mode {
        Open::MayCreate => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    diesel::ConnectionError::BadConnection(format!(
                        "cannot create directory {}: {e}",
                        dir.display()
                    ))
                })?;
            }
            path.to_string_lossy().into_owned()
        }
        // `mode=rw` in a URI opens without creating; escape what URIs treat specially.
        Open::MustExist => {
            let escaped = path
                .to_string_lossy()
                .replace('%', "%25")
                .replace('?', "%3f")
                .replace('#', "%23");
            format!("file:{escaped}?mode=rw")
        }
    };
    SqliteConnection::establish(&target)
}

/// One line that says what failed and what to do about it.
fn connect_error(config: &DbConfig, mode: Open, reason: &str) -> Error {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let hint = match config {
        DbConfig::Sqlite { path, .. } if mode == Open::MustExist && !path.exists() => {
            "the file does not exist; run `hc-admin migrate` to create it, or set DB_NAME to the right path".into()
        }
        DbConfig::Sqlite { .. } => "check DB_NAME and the permissions of the file and its directory".into(),
        DbConfig::Postgres { .. } => {
            "check that PostgreSQL is running and DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD (or DATABASE_URL) are right".into()
        }
        DbConfig::Mysql { .. } => {
            "check that MySQL/MariaDB is running and DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD (or DATABASE_URL) are right".into()
        }
    };
    Error::Connect {
        target: config.describe(),
        reason,
        hint,
    }
}

/// Opens connections for the pool with the same rules as [`DbConn::open`].
#[derive(Debug)]
pub struct Manager {
    config: DbConfig,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = Error;

    fn connect(&self) -> Result<DbConn, Error> {
        DbConn::open(&self.config, Open::MustExist)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Error> {
        conn.batch_execute("SELECT 1").map_err(Error::from)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// What a service does about migrations when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnStart {
    /// Refuse to start when migrations are pending (naming the command to run),
    /// except on the zero-set-up SQLite default, which migrates itself.
    RequireMigrated,
    /// Apply pending migrations (for tests and `hc-admin migrate`).
    Migrate,
}

/// Connects once (so a bad configuration fails here with one clear line), deals
/// with migrations, then builds the pool.
pub fn connect(config: &DbConfig, max_size: u32, on_start: OnStart) -> Result<Pool, Error> {
    let is_default = matches!(
        config,
        DbConfig::Sqlite {
            is_default: true,
            ..
        }
    );
    let may_migrate = on_start == OnStart::Migrate || is_default;
    let mode = if may_migrate {
        Open::MayCreate
    } else {
        Open::MustExist
    };
    let mut conn = DbConn::open(config, mode)?;
    if may_migrate {
        let applied = run_migrations(&mut conn)?;
        if !applied.is_empty() {
            tracing::info!(db = %config.describe(), migrations = ?applied, "applied migrations");
        }
    } else {
        let pending = pending_migrations(&mut conn)?;
        if !pending.is_empty() {
            return Err(Error::PendingMigrations {
                target: config.describe(),
                pending: pending.join(", "),
            });
        }
    }
    drop(conn);
    Ok(r2d2::Pool::builder()
        .max_size(max_size)
        // Connections are opened when needed, never speculatively in the background:
        // a process exiting while r2d2's threads are inside libpq's connect (TLS set-up
        // included) can crash in the C library's exit handlers.
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(10))
        .build_unchecked(Manager {
            config: config.clone(),
        }))
}
