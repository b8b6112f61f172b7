//! One-time links sent by e-mail (log in, confirm a new address): a random token in
//! the link, only its SHA-256 in the database, a purpose, an expiry and a "used"
//! mark set in the same transaction that accepts it, so a link works once.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::keys;
use crate::models::{LoginToken, User};
use crate::schema::{login_tokens, users};
use crate::Result;

/// What a link is for; a token made for one purpose is refused for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Log in (sign-up, login by e-mail, team invitation): one hour.
    Login,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Login => "login",
        }
    }

    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::Login => Duration::hours(1),
        }
    }
}

/// Makes a token for `user`; returns the secret that goes into the link.
pub fn issue(
    conn: &mut DbConn,
    user: &User,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<String> {
    let token = keys::random_token(32);
    diesel::insert_into(login_tokens::table)
        .values(LoginToken {
            id: 0,
            user_id: user.id,
            token_hash: keys::sha256_hex(&token),
            purpose: purpose.code().to_owned(),
            created: now.naive_utc(),
            expires: (now + purpose.lifetime()).naive_utc(),
            used: None,
        })
        .execute(conn)?;
    Ok(token)
}

/// Why a link was refused. Each gets the same page ("bad link"), but tests and logs
/// can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    OtherUser,
    Used,
    Expired,
    Inactive,
}

/// Accepts `token` for the user named `username`, marking it used. Runs in its own
/// write transaction so two clicks cannot both succeed.
pub fn redeem(
    conn: &mut DbConn,
    username: &str,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<std::result::Result<User, Refused>> {
    conn.write_tx(|conn| {
        let row: Option<LoginToken> = login_tokens::table
            .filter(login_tokens::token_hash.eq(keys::sha256_hex(token)))
            .filter(login_tokens::purpose.eq(purpose.code()))
            .select(LoginToken::as_select())
            .first(conn)
            .optional()?;
        let Some(row) = row else {
            return Ok(Err(Refused::Unknown));
        };
        let user: User = users::table
            .find(row.user_id)
            .select(User::as_select())
            .first(conn)?;
        if !keys::same_secret(&user.username, username) {
            return Ok(Err(Refused::OtherUser));
        }
        if row.used.is_some() {
            return Ok(Err(Refused::Used));
        }
        if row.expires <= now.naive_utc() {
            return Ok(Err(Refused::Expired));
        }
        if !user.is_active {
            return Ok(Err(Refused::Inactive));
        }
        // Conditional on `used IS NULL`, so a concurrent redeem on a server database
        // that slipped past the read above changes nothing and is refused.
        let marked = diesel::update(
            login_tokens::table
                .find(row.id)
                .filter(login_tokens::used.is_null()),
        )
        .set(login_tokens::used.eq(Some(now.naive_utc())))
        .execute(conn)?;
        if marked == 0 {
            return Ok(Err(Refused::Used));
        }
        Ok(Ok(user))
    })
}

/// Deletes tokens that expired more than a day ago.
pub fn prune(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize> {
    Ok(diesel::delete(
        login_tokens::table.filter(login_tokens::expires.le((now - Duration::days(1)).naive_utc())),
    )
    .execute(conn)?)
}
