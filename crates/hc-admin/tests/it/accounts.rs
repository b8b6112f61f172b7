//! `createsuperuser` and `createproject`.

use diesel::prelude::*;
use hc_core::models::{Project, User};
use hc_core::schema::{projects, users};
use hc_core::{db, keys};
use hc_test::TestDb;

use super::{hc_admin, stderr, stdout};

fn migrated() -> TestDb {
    let db = TestDb::new();
    assert!(hc_admin(&db, &["migrate"]).status.success());
    db
}

fn conn(db: &TestDb) -> db::DbConn {
    db::DbConn::open(&db.config, db::Open::MustExist).unwrap()
}

#[test]
fn createsuperuser_without_a_terminal_needs_its_arguments() {
    let db = migrated();
    let out = hc_admin(&db, &["createsuperuser"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "hc-admin: Missing or invalid required argument: --email"
    );
    let out = hc_admin(&db, &["createsuperuser", "--email", "root@example.org"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "hc-admin: Missing or invalid required argument: --password"
    );
    let out = hc_admin(
        &db,
        &["createsuperuser", "--email", "nonsense", "--password", "x"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not an e-mail address"));
}

#[test]
fn createsuperuser_makes_a_superuser_who_can_log_in() {
    let db = migrated();
    let out = hc_admin(
        &db,
        &[
            "createsuperuser",
            "--email",
            "Root@Example.org",
            "--password",
            "s3cret pw",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "Superuser created successfully.");
    let user: User = users::table
        .select(User::as_select())
        .first(&mut conn(&db))
        .unwrap();
    assert_eq!(user.email, "root@example.org");
    assert!(user.is_superuser && user.is_staff);
    assert!(keys::verify_password("s3cret pw", &user.password));
    let n_projects: i64 = projects::table.count().get_result(&mut conn(&db)).unwrap();
    assert_eq!(n_projects, 1);

    let out = hc_admin(
        &db,
        &[
            "createsuperuser",
            "--email",
            "root@example.org",
            "--password",
            "x",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

#[test]
fn createproject_prints_keys_that_are_stored_hashed() {
    let db = migrated();
    let out = hc_admin(
        &db,
        &[
            "createproject",
            "--owner",
            "ci@example.org",
            "--name",
            "Deploys",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let field = |name: &str| json[name].as_str().unwrap().to_owned();
    assert_eq!(field("name"), "Deploys");
    assert_eq!(field("owner"), "ci@example.org");
    assert!(field("api_key").starts_with("hcw_"));
    assert!(field("api_key_readonly").starts_with("hcr_"));
    assert_eq!(field("ping_key").len(), 22);
    let project: Project = projects::table
        .filter(projects::code.eq(field("uuid")))
        .select(Project::as_select())
        .first(&mut conn(&db))
        .unwrap();
    assert!(keys::api_key_matches(
        &project.api_key,
        &field("api_key"),
        "test-secret"
    ));
    assert!(keys::api_key_matches(
        &project.api_key_readonly,
        &field("api_key_readonly"),
        "test-secret"
    ));
    assert!(!project.api_key.contains(&field("api_key")[4..]));
}

#[test]
fn createproject_on_an_unmigrated_database_says_so() {
    let db = TestDb::new();
    drop(db::DbConn::open(&db.config, db::Open::MayCreate).unwrap());
    let out = hc_admin(&db, &["createproject", "--owner", "ci@example.org"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("run `hc-admin migrate`"),
        "{}",
        stderr(&out)
    );
}
