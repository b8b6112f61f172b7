//! Users and projects are made as healthchecks makes them.

use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::keys;
use hc_core::models::{Channel, Check, Profile, Project, User};
use hc_core::schema::{channel_checks, channels, checks, profiles, projects, users};

#[test]
fn a_new_user_gets_a_profile_a_project_a_check_and_an_email_channel() {
    let (_db, pool) = super::migrated();
    let mut conn = pool.get().unwrap();
    let user = accounts::create_user(
        &mut conn,
        &NewUser {
            email: "Alice@Example.org",
            password: Some("pw"),
            superuser: true,
            with_first_project: true,
        },
    )
    .unwrap();
    assert_eq!(user.email, "alice@example.org");
    assert!(user.is_superuser && user.is_staff && user.is_active);
    assert!(keys::verify_password("pw", &user.password));

    let profile: Profile = profiles::table
        .filter(profiles::user_id.eq(user.id))
        .select(Profile::as_select())
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (
            profile.reports.as_str(),
            profile.ping_log_limit,
            profile.check_limit
        ),
        ("monthly", 100, 10_000)
    );

    let project: Project = projects::table
        .filter(projects::owner_id.eq(user.id))
        .select(Project::as_select())
        .first(&mut conn)
        .unwrap();
    assert_eq!(project.name, "");
    assert_eq!(project.badge_key, user.username);

    let check: Check = checks::table
        .filter(checks::project_id.eq(project.id))
        .select(Check::as_select())
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (
            check.name.as_str(),
            check.slug.as_str(),
            check.status.as_str()
        ),
        ("My First Check", "my-first-check", "new")
    );
    assert_eq!((check.timeout, check.grace), (86_400, 3_600));

    let channel: Channel = channels::table
        .filter(channels::project_id.eq(project.id))
        .select(Channel::as_select())
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (
            channel.kind.as_str(),
            channel.value.as_str(),
            channel.email_verified
        ),
        ("email", "alice@example.org", true)
    );
    let linked: i64 = channel_checks::table
        .filter(channel_checks::channel_id.eq(channel.id))
        .filter(channel_checks::check_id.eq(check.id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(linked, 1);
}

#[test]
fn an_address_is_taken_once() {
    let (_db, pool) = super::migrated();
    let mut conn = pool.get().unwrap();
    let new = NewUser {
        email: "bob@example.org",
        ..NewUser::default()
    };
    let bob = accounts::create_user(&mut conn, &new).unwrap();
    assert_eq!(bob.password, "", "no password: unusable until set");
    let err = accounts::create_user(
        &mut conn,
        &NewUser {
            email: "BOB@example.org",
            ..NewUser::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let n: i64 = users::table.count().get_result(&mut conn).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn createproject_provisions_keys_that_verify() {
    let (_db, pool) = super::migrated();
    let mut conn = pool.get().unwrap();
    let first =
        accounts::create_project(&mut conn, "ops@example.org", "Backups", "secret").unwrap();
    assert_eq!(first.name, "Backups");
    assert!(first.api_key.starts_with("hcw_") && first.api_key.len() == 32);
    assert!(first.api_key_readonly.starts_with("hcr_") && first.api_key_readonly.len() == 32);
    assert_eq!(first.ping_key.len(), 22);

    let project: Project = projects::table
        .filter(projects::code.eq(&first.uuid))
        .select(Project::as_select())
        .first(&mut conn)
        .unwrap();
    assert!(keys::api_key_matches(
        &project.api_key,
        &first.api_key,
        "secret"
    ));
    assert!(keys::api_key_matches(
        &project.api_key_readonly,
        &first.api_key_readonly,
        "secret"
    ));
    assert!(!keys::api_key_matches(
        &project.api_key,
        &first.api_key_readonly,
        "secret"
    ));
    assert!(
        !project.api_key.contains(&first.api_key[4..]),
        "the key is stored hashed"
    );
    assert_eq!(project.ping_key.as_deref(), Some(first.ping_key.as_str()));

    // The owner was created without a first project of their own; this project got
    // the e-mail integration, and a second project does not.
    let owner: User = users::table
        .filter(users::email.eq("ops@example.org"))
        .select(User::as_select())
        .first(&mut conn)
        .unwrap();
    assert_eq!(project.owner_id, owner.id);
    assert_eq!(project.badge_key, owner.username);
    let second = accounts::create_project(&mut conn, "ops@example.org", "Web", "secret").unwrap();
    let email_channels: Vec<(String, String)> = channels::table
        .inner_join(projects::table)
        .filter(channels::kind.eq("email"))
        .select((projects::code, channels::value))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        email_channels,
        vec![(first.uuid.clone(), "ops@example.org".to_owned())]
    );
    assert_ne!(second.api_key, first.api_key);
}
