//! Dashboard sessions in the database. The browser holds a random key; the row holds
//! its SHA-256, so a leaked database cannot be replayed as cookies, and logging out,
//! a password change or a deactivated account ends sessions on every hc-web at once.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::keys;
use crate::models::{Session, User};
use crate::schema::{sessions, users};
use crate::Result;

/// How long a session lives without being used (Django's two weeks).
pub const SESSION_AGE: Duration = Duration::days(14);

/// Sessions are kept fresh at most this often, to spare a write on every page view.
const TOUCH_EVERY: Duration = Duration::hours(1);

/// A session found from its key, with its user when someone is logged in.
#[derive(Debug, Clone)]
pub struct Found {
    pub session: Session,
    pub user: Option<User>,
}

/// Starts a session (anonymous when `user_id` is `None`); returns the key for the
/// cookie. `data` is carried over from an anonymous session when someone logs in.
pub fn start(
    conn: &mut DbConn,
    user_id: Option<i64>,
    data: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let key = keys::random_token(40);
    let now = now.naive_utc();
    diesel::insert_into(sessions::table)
        .values(Session {
            id: 0,
            key_hash: keys::sha256_hex(&key),
            user_id,
            created: now,
            last_seen: now,
            expires: now + SESSION_AGE,
            data: data.to_owned(),
        })
        .execute(conn)?;
    Ok(key)
}

/// The live session with this key. Expired sessions and sessions of deactivated
/// users are not found. A session in use is extended, at most once an hour.
pub fn find(conn: &mut DbConn, key: &str, now: DateTime<Utc>) -> Result<Option<Found>> {
    let row: Option<Session> = sessions::table
        .filter(sessions::key_hash.eq(keys::sha256_hex(key)))
        .select(Session::as_select())
        .first(conn)
        .optional()?;
    let Some(mut session) = row else {
        return Ok(None);
    };
    let naive = now.naive_utc();
    if session.expires <= naive {
        return Ok(None);
    }
    let user = match session.user_id {
        Some(id) => {
            let user: Option<User> = users::table
                .find(id)
                .select(User::as_select())
                .first(conn)
                .optional()?;
            match user {
                Some(user) if user.is_active => Some(user),
                _ => return Ok(None),
            }
        }
        None => None,
    };
    if naive - session.last_seen >= TOUCH_EVERY {
        session.last_seen = naive;
        session.expires = naive + SESSION_AGE;
        diesel::update(sessions::table.find(session.id))
            .set((
                sessions::last_seen.eq(session.last_seen),
                sessions::expires.eq(session.expires),
            ))
            .execute(conn)?;
    }
    Ok(Some(Found { session, user }))
}

/// Logs `user_id` in: the old session (if any) ends and a new key is issued, so a key
/// planted before login is worthless after it (session fixation). Anonymous data
/// such as a claimed demo check carries over.
pub fn log_in(
    conn: &mut DbConn,
    old_key: Option<&str>,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<String> {
    conn.write_tx(|conn| {
        let mut data = "{}".to_owned();
        if let Some(old) = old_key {
            let hash = keys::sha256_hex(old);
            let target = sessions::table.filter(sessions::key_hash.eq(&hash));
            if let Some(old_data) = target
                .select(sessions::data)
                .first::<String>(conn)
                .optional()?
            {
                data = old_data;
            }
            diesel::delete(target).execute(conn)?;
        }
        diesel::update(users::table.find(user_id))
            .set(users::last_login.eq(Some(now.naive_utc())))
            .execute(conn)?;
        // The demo check a visitor pinged on the Welcome page becomes theirs.
        crate::demo::claim(conn, user_id, &data)?;
        start(conn, Some(user_id), &data, now)
    })
}

/// Ends one session (logout).
pub fn end(conn: &mut DbConn, key: &str) -> Result<()> {
    diesel::delete(sessions::table.filter(sessions::key_hash.eq(keys::sha256_hex(key))))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of a user but the one with `keep` (password change,
/// deactivation, account deletion).
pub fn end_all(conn: &mut DbConn, user_id: i64, keep: Option<&str>) -> Result<usize> {
    let mine = sessions::table.filter(sessions::user_id.eq(user_id));
    Ok(match keep {
        Some(key) => diesel::delete(mine.filter(sessions::key_hash.ne(keys::sha256_hex(key))))
            .execute(conn)?,
        None => diesel::delete(mine).execute(conn)?,
    })
}

/// The value under `key` in a session's data (a JSON object); `None` when absent or
/// when the data is not an object.
pub fn data_get(data: &str, key: &str) -> Option<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(data) {
        Ok(serde_json::Value::Object(mut map)) => map.remove(key),
        _ => None,
    }
}

/// The session data with `key` set to `value` (removed when `None`), keeping
/// whatever else it holds; data that is not an object starts afresh.
pub fn data_with(data: &str, key: &str, value: Option<serde_json::Value>) -> String {
    let mut map = match serde_json::from_str::<serde_json::Value>(data) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    match value {
        Some(value) => map.insert(key.to_owned(), value),
        None => map.remove(key),
    };
    serde_json::Value::Object(map).to_string()
}

/// Replaces a session's data (a JSON object).
pub fn set_data(conn: &mut DbConn, key: &str, data: &str) -> Result<()> {
    diesel::update(sessions::table.filter(sessions::key_hash.eq(keys::sha256_hex(key))))
        .set(sessions::data.eq(data))
        .execute(conn)?;
    Ok(())
}

/// Deletes expired sessions; returns how many.
pub fn prune(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::expires.le(now.naive_utc())))
            .execute(conn)?,
    )
}

#[cfg(test)]
mod data_tests {
    use super::{data_get, data_with};

    #[test]
    fn session_data_keeps_other_keys_and_survives_garbage() {
        let data = data_with(r#"{"demo": "abc"}"#, "nonce", Some("n1".into()));
        assert_eq!(data_get(&data, "demo"), Some("abc".into()));
        assert_eq!(data_get(&data, "nonce"), Some("n1".into()));
        let cleared = data_with(&data, "nonce", None);
        assert_eq!(data_get(&cleared, "nonce"), None);
        assert_eq!(data_get(&cleared, "demo"), Some("abc".into()));
        assert_eq!(data_get("not json", "demo"), None);
        assert_eq!(data_with("[1]", "k", Some(1.into())), r#"{"k":1}"#);
    }
}
