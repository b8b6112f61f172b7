//! Migrations: the same versions on every backend, reversible, and safe to start
//! from several processes at once.

use std::collections::BTreeSet;
use std::path::Path;

use hc_core::db::{self, DbConn, OnStart, Open};
use hc_test::TestDb;

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_backend_has_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite,
        versions("postgres"),
        "postgres migrations differ from sqlite"
    );
    assert_eq!(
        sqlite,
        versions("mysql"),
        "mysql migrations differ from sqlite"
    );
    for backend in ["sqlite", "postgres", "mysql"] {
        for version in &sqlite {
            for file in ["up.sql", "down.sql"] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../migrations")
                    .join(backend)
                    .join(version)
                    .join(file);
                assert!(path.is_file(), "missing {}", path.display());
            }
        }
    }
}

#[test]
fn migrations_go_up_down_and_up_again() {
    let test_db = TestDb::new();
    let mut conn = DbConn::open(&test_db.config, Open::MayCreate).unwrap();
    let all = db::pending_migrations(&mut conn).unwrap();
    assert!(!all.is_empty());
    assert_eq!(db::run_migrations(&mut conn).unwrap(), all);
    assert!(db::pending_migrations(&mut conn).unwrap().is_empty());
    let mut reverted = db::revert_all_migrations(&mut conn).unwrap();
    reverted.reverse();
    assert_eq!(reverted, all);
    assert_eq!(db::pending_migrations(&mut conn).unwrap(), all);
    assert_eq!(db::run_migrations(&mut conn).unwrap(), all);
    assert!(
        db::run_migrations(&mut conn).unwrap().is_empty(),
        "a second run has nothing to do"
    );
}

#[test]
fn services_refuse_an_unmigrated_database_and_name_the_command() {
    let test_db = TestDb::new();
    // Create the database (file) without migrating it.
    drop(DbConn::open(&test_db.config, Open::MayCreate).unwrap());
    let err = db::connect(&test_db.config, 2, OnStart::RequireMigrated)
        .expect_err("an unmigrated database is refused")
        .to_string();
    assert!(
        err.contains("pending") && err.contains("run `hc-admin migrate`"),
        "{err}"
    );
    assert!(!err.contains('\n'));
    db::connect(&test_db.config, 2, OnStart::Migrate).unwrap();
    db::connect(&test_db.config, 2, OnStart::RequireMigrated).unwrap();
}

#[test]
fn processes_migrating_at_once_do_not_collide() {
    let test_db = TestDb::new();
    drop(DbConn::open(&test_db.config, Open::MayCreate).unwrap());
    let config = &test_db.config;
    let applied: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(move || {
                    let mut conn = DbConn::open(config, Open::MustExist).unwrap();
                    db::run_migrations(&mut conn).unwrap().len()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let total: usize = applied.iter().sum();
    let mut conn = DbConn::open(config, Open::MustExist).unwrap();
    assert!(db::pending_migrations(&mut conn).unwrap().is_empty());
    assert_eq!(
        total,
        applied.iter().copied().max().unwrap(),
        "only one process applied migrations: {applied:?}"
    );
}

/// What SQLite plans for `sql`, one line per step.
fn sqlite_plan(conn: &mut DbConn, sql: &str) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<Step>(conn)
        .unwrap()
        .into_iter()
        .map(|s| s.detail)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sendalerts_finds_due_reports_and_reminders_without_reading_every_profile() {
    let (_db, pool) = crate::migrated();
    let mut conn = pool.get().unwrap();
    if !matches!(*conn, DbConn::Sqlite(_)) {
        return; // the plan's wording is SQLite's
    }
    // The shapes of `reports::next_due` and `nags::next_due`.
    let reports = sqlite_plan(
        &mut conn,
        "SELECT id FROM profiles WHERE reports IN ('daily', 'weekly', 'monthly') \
         AND (next_report_date IS NULL OR next_report_date < '2026-12-06 09:00:00') \
         ORDER BY next_report_date, id LIMIT 1",
    );
    assert!(
        reports.contains("profiles_next_report_date"),
        "due reports: {reports}"
    );
    let nags = sqlite_plan(
        &mut conn,
        "SELECT profiles.id FROM profiles INNER JOIN users ON users.id = profiles.user_id \
         WHERE nag_period > 0 AND next_nag_date < '2026-12-06 09:00:00' \
         ORDER BY next_nag_date LIMIT 1",
    );
    assert!(
        nags.contains("profiles_next_nag_date"),
        "due reminders: {nags}"
    );
}
