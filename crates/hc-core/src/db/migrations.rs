//! The schema migrations of each backend, embedded in the binaries, applied under a
//! lock so that services starting side by side never migrate twice at once.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel::sql_types::{BigInt, Integer, Nullable};
use diesel::{QueryableByName, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConn;
use crate::Error;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const MYSQL: EmbeddedMigrations = embed_migrations!("../../migrations/mysql");

/// An arbitrary, fixed key for PostgreSQL's advisory lock ("hc" + "migr").
const PG_LOCK_KEY: i64 = 0x6863_6d69_6772;

fn names(versions: Vec<MigrationVersion<'_>>) -> Vec<String> {
    versions.into_iter().map(|v| v.to_string()).collect()
}

fn migration_error(e: impl std::fmt::Display) -> Error {
    Error::Migration(e.to_string())
}

/// Migrations not yet applied, oldest first.
pub fn pending_migrations(conn: &mut DbConn) -> Result<Vec<String>, Error> {
    let pending = match conn {
        DbConn::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map(|m| m.iter().map(|m| m.name().version().as_owned()).collect()),
        DbConn::Postgres(c) => c
            .pending_migrations(POSTGRES)
            .map(|m| m.iter().map(|m| m.name().version().as_owned()).collect()),
        DbConn::Mysql(c) => c
            .pending_migrations(MYSQL)
            .map(|m| m.iter().map(|m| m.name().version().as_owned()).collect()),
    };
    pending.map(names).map_err(migration_error)
}

/// Applies every pending migration and returns their versions.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, Error> {
    with_migration_lock(conn, |conn| {
        let applied = match conn {
            DbConn::Sqlite(c) => c
                .run_pending_migrations(SQLITE)
                .map(|v| v.into_iter().map(|v| v.as_owned()).collect()),
            DbConn::Postgres(c) => c
                .run_pending_migrations(POSTGRES)
                .map(|v| v.into_iter().map(|v| v.as_owned()).collect()),
            DbConn::Mysql(c) => c
                .run_pending_migrations(MYSQL)
                .map(|v| v.into_iter().map(|v| v.as_owned()).collect()),
        };
        applied.map(names).map_err(migration_error)
    })
}

/// Reverts every applied migration (tests use it for the up → down → up check).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<Vec<String>, Error> {
    with_migration_lock(conn, |conn| {
        let reverted = match conn {
            DbConn::Sqlite(c) => c
                .revert_all_migrations(SQLITE)
                .map(|v| v.into_iter().map(|v| v.as_owned()).collect()),
            DbConn::Postgres(c) => c
                .revert_all_migrations(POSTGRES)
                .map(|v| v.into_iter().map(|v| v.as_owned()).collect()),
            DbConn::Mysql(c) => c
                .revert_all_migrations(MYSQL)
                .map(|v| v.into_iter().map(|v| v.as_owned()).collect()),
        };
        reverted.map(names).map_err(migration_error)
    })
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Nullable<Integer>)]
    locked: Option<i32>,
}

/// Serialises migrations between processes: SQLite's write lock, PostgreSQL's advisory
/// lock, MySQL's named lock. The second process then finds nothing left to do.
fn with_migration_lock<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, Error>,
) -> Result<T, Error> {
    match conn {
        DbConn::Sqlite(_) => conn.write_tx(f),
        DbConn::Postgres(c) => {
            diesel::sql_query("SELECT pg_advisory_lock($1)")
                .bind::<BigInt, _>(PG_LOCK_KEY)
                .execute(c)?;
            let result = f(conn);
            if let DbConn::Postgres(c) = conn {
                diesel::sql_query("SELECT pg_advisory_unlock($1)")
                    .bind::<BigInt, _>(PG_LOCK_KEY)
                    .execute(c)?;
            }
            result
        }
        DbConn::Mysql(c) => {
            let got: Locked = diesel::sql_query(
                "SELECT GET_LOCK(CONCAT('hc_migrate_', MD5(DATABASE())), 120) AS locked",
            )
            .get_result(c)?;
            if got.locked != Some(1) {
                return Err(Error::Migration(
                    "another process has held the migration lock for 2 minutes; is a migration stuck?".into(),
                ));
            }
            let result = f(conn);
            if let DbConn::Mysql(c) = conn {
                c.batch_execute("DO RELEASE_LOCK(CONCAT('hc_migrate_', MD5(DATABASE())))")?;
            }
            result
        }
    }
}
