//! Sessions and one-time login links against a real database.

use chrono::Duration;
use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::logins::{self, Purpose, Refused};
use hc_core::schema::{login_tokens, sessions as sessions_table, users};
use hc_core::{sessions, time};

fn user(conn: &mut hc_core::db::DbConn, email: &str) -> hc_core::models::User {
    accounts::create_user(
        conn,
        &NewUser {
            email,
            ..NewUser::default()
        },
    )
    .unwrap()
}

#[test]
fn sessions_are_found_by_key_rotate_at_login_and_end() {
    let (_db, pool) = super::migrated();
    let conn = &mut *pool.get().unwrap();
    let ann = user(conn, "ann@example.org");
    let now = time::now();

    let anonymous = sessions::start(conn, None, r#"{"demo":"x"}"#, now).unwrap();
    let found = sessions::find(conn, &anonymous, now).unwrap().unwrap();
    assert!(found.user.is_none());
    // Only the hash is stored.
    let stored: Vec<String> = sessions_table::table
        .select(sessions_table::key_hash)
        .load(conn)
        .unwrap();
    assert!(!stored.contains(&anonymous));

    let key = sessions::log_in(conn, Some(&anonymous), ann.id, now).unwrap();
    assert_ne!(key, anonymous);
    assert!(
        sessions::find(conn, &anonymous, now).unwrap().is_none(),
        "the old key died"
    );
    let found = sessions::find(conn, &key, now).unwrap().unwrap();
    assert_eq!(found.user.unwrap().id, ann.id);
    assert_eq!(
        found.session.data, r#"{"demo":"x"}"#,
        "anonymous data carries over"
    );
    let last_login: Option<chrono::NaiveDateTime> = users::table
        .find(ann.id)
        .select(users::last_login)
        .first(conn)
        .unwrap();
    assert!(last_login.is_some());

    // Expired sessions are not found, and prune deletes them.
    let later = now + sessions::SESSION_AGE + Duration::minutes(1);
    assert!(sessions::find(conn, &key, later).unwrap().is_none());
    assert_eq!(sessions::prune(conn, later).unwrap(), 1);

    // end_all keeps the one named.
    let a = sessions::log_in(conn, None, ann.id, now).unwrap();
    let b = sessions::log_in(conn, None, ann.id, now).unwrap();
    assert_eq!(sessions::end_all(conn, ann.id, Some(&a)).unwrap(), 1);
    assert!(sessions::find(conn, &a, now).unwrap().is_some());
    assert!(sessions::find(conn, &b, now).unwrap().is_none());

    // A deactivated user's sessions stop working at once.
    diesel::update(users::table.find(ann.id))
        .set(users::is_active.eq(false))
        .execute(conn)
        .unwrap();
    assert!(sessions::find(conn, &a, now).unwrap().is_none());
}

#[test]
fn login_links_work_once_for_their_user_within_the_hour() {
    let (_db, pool) = super::migrated();
    let conn = &mut *pool.get().unwrap();
    let ann = user(conn, "ann@example.org");
    let bob = user(conn, "bob@example.org");
    let now = time::now();

    let token = logins::issue(conn, &ann, Purpose::Login, now).unwrap();
    let stored: String = login_tokens::table
        .select(login_tokens::token_hash)
        .first(conn)
        .unwrap();
    assert_ne!(stored, token, "only the hash is stored");

    assert_eq!(
        logins::redeem(conn, &bob.username, &token, Purpose::Login, now).unwrap(),
        Err(Refused::OtherUser)
    );
    let redeemed = logins::redeem(conn, &ann.username, &token, Purpose::Login, now).unwrap();
    assert_eq!(redeemed.unwrap().id, ann.id);
    assert_eq!(
        logins::redeem(conn, &ann.username, &token, Purpose::Login, now).unwrap(),
        Err(Refused::Used)
    );
    assert_eq!(
        logins::redeem(conn, &ann.username, "nonsense", Purpose::Login, now).unwrap(),
        Err(Refused::Unknown)
    );

    let late = logins::issue(conn, &ann, Purpose::Login, now).unwrap();
    let after_an_hour = now + Duration::minutes(61);
    assert_eq!(
        logins::redeem(conn, &ann.username, &late, Purpose::Login, after_an_hour).unwrap(),
        Err(Refused::Expired)
    );
    assert_eq!(logins::prune(conn, now + Duration::days(2)).unwrap(), 2);
}
