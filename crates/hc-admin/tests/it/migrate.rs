//! `migrate` and `check`.

use super::{hc_admin, stderr, stdout};
use hc_test::TestDb;

#[test]
fn migrate_applies_once_and_then_has_nothing_to_do() {
    let db = TestDb::new();
    let out = hc_admin(&db, &["migrate", "--check"]);
    assert!(!out.status.success());

    let out = hc_admin(&db, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Applied 20261125000001"), "{text}");
    let shipped = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/sqlite"
    ))
    .unwrap()
    .count();
    assert!(shipped >= 2);
    assert!(
        text.contains(&format!("applied {shipped} migration(s).")),
        "{text}"
    );

    let out = hc_admin(&db, &["migrate"]);
    assert!(
        stdout(&out).contains("no migrations to apply."),
        "{}",
        stdout(&out)
    );
    let out = hc_admin(&db, &["migrate", "--check"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("up to date."));
}

#[test]
fn check_says_what_is_wrong() {
    let db = TestDb::new();
    if let hc_core::config::DbConfig::Sqlite { .. } = db.config {
        let out = hc_admin(&db, &["check"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("run `hc-admin migrate` to create it"),
            "{}",
            stderr(&out)
        );
    }
    drop(hc_core::db::DbConn::open(&db.config, hc_core::db::Open::MayCreate).unwrap());
    let out = hc_admin(&db, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("are pending; run `hc-admin migrate`"),
        "{}",
        stderr(&out)
    );

    assert!(hc_admin(&db, &["migrate"]).status.success());
    let out = hc_admin(&db, &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("configuration: OK") && text.contains("database: OK"),
        "{text}"
    );
    assert!(
        text.contains("e-mail: disabled (EMAIL_HOST is not set)"),
        "{text}"
    );
}

#[test]
fn bad_configuration_is_one_line_and_exit_status_1() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hc-admin"))
        .env_clear()
        .env("DB", "postgres")
        .env("SECRET_KEY", "x")
        .env("DB_PORT", "none")
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "hc-admin: DB_PORT: \"none\" is not a port number (1-65535)"
    );
}

#[test]
fn help_and_version() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hc-admin"))
        .arg("--help")
        .output()
        .unwrap();
    let text = stdout(&out);
    for command in ["migrate", "createsuperuser", "createproject", "check"] {
        assert!(text.contains(command), "{command} missing from --help");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hc-admin"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out).trim(),
        format!("hc-admin {}", env!("CARGO_PKG_VERSION"))
    );
}
