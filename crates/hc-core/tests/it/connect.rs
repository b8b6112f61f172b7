//! A database that cannot be opened gives one line that says what to fix.

use hc_core::config::{DbConfig, Env};
use hc_core::db::{self, OnStart};

fn config(pairs: &[(&str, &str)]) -> DbConfig {
    let env = Env::new(|k| {
        pairs
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned())
    });
    DbConfig::from_env(&env).unwrap()
}

fn connect_error(config: &DbConfig) -> String {
    db::connect(config, 1, OnStart::RequireMigrated)
        .expect_err("the connection fails")
        .to_string()
}

#[test]
fn an_unreachable_postgres_names_the_variables() {
    let err = connect_error(&config(&[
        ("DB", "postgres"),
        ("DB_HOST", "127.0.0.1"),
        ("DB_PORT", "1"),
    ]));
    assert!(
        err.starts_with("cannot open the database (postgres postgres@127.0.0.1:1/hc)"),
        "{err}"
    );
    assert!(err.contains("DB_HOST, DB_PORT"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn an_unreachable_mysql_names_the_variables() {
    let err = connect_error(&config(&[
        ("DB", "mysql"),
        ("DB_HOST", "127.0.0.1"),
        ("DB_PORT", "1"),
    ]));
    assert!(
        err.starts_with("cannot open the database (mysql root@127.0.0.1:1/hc)"),
        "{err}"
    );
    assert!(err.contains("MySQL/MariaDB is running"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn a_missing_sqlite_file_is_not_created_by_a_service() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.sqlite");
    let err = connect_error(&DbConfig::sqlite(&path));
    assert!(err.contains("run `hc-admin migrate` to create it"), "{err}");
    assert!(!path.exists(), "no empty database file was left behind");
}

#[test]
fn the_default_sqlite_database_sets_itself_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let config = config(&[("XDG_DATA_HOME", &data)]);
    assert!(matches!(
        config,
        DbConfig::Sqlite {
            is_default: true,
            ..
        }
    ));
    let pool = db::connect(&config, 1, OnStart::RequireMigrated).unwrap();
    let mut conn = pool.get().unwrap();
    assert!(db::pending_migrations(&mut conn).unwrap().is_empty());
    assert!(dir.path().join("hc/hc.sqlite").is_file());
}
