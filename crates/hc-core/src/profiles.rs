//! A person's own settings and the end of an account: password, time zone, e-mail
//! reports and reminders, theme; closing an account (or an operator deleting it),
//! and deactivating one. Shared by the dashboard's profile pages and its admin area.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::Profile;
use crate::schema::{
    channel_checks, channels, checks, flips, login_tokens, members, notifications, pings, profiles,
    projects, sessions, users,
};
use crate::{keys, schedule, sessions as session_store, Error, Result};

/// Django's minimum for a password set from the account page.
pub const MIN_PASSWORD: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_PASSWORD: usize = 4096;

/// The values `reports` may take.
pub const REPORTS: [&str; 4] = ["off", "daily", "weekly", "monthly"];
/// The values `nag_period` may take: off, hourly, daily (seconds).
pub const NAG_PERIODS: [i64; 3] = [0, 3600, 86400];
/// The values `theme` may take: light (the default), dark, follow the system.
pub const THEMES: [&str; 3] = ["", "dark", "system"];

/// The user's profile, made with the self-hosted defaults when it is missing
/// (healthchecks' `Profile.objects.for_user`).
pub fn profile(conn: &mut DbConn, user_id: i64) -> Result<Profile> {
    let found = |conn: &mut DbConn| {
        profiles::table
            .filter(profiles::user_id.eq(user_id))
            .select(Profile::as_select())
            .first(conn)
            .optional()
    };
    if let Some(profile) = found(conn)? {
        return Ok(profile);
    }
    conn.write_tx(|conn| {
        if let Some(profile) = found(conn)? {
            return Ok(profile);
        }
        diesel::insert_into(profiles::table)
            .values(Profile::new(user_id))
            .execute(conn)?;
        Ok(profiles::table
            .filter(profiles::user_id.eq(user_id))
            .select(Profile::as_select())
            .first(conn)?)
    })
}

/// Refuses a password that is too short or too long, with the message to show.
pub fn check_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(Error::invalid(format!(
            "The password must be at least {MIN_PASSWORD} characters long."
        )));
    }
    if n > MAX_PASSWORD {
        return Err(Error::invalid(format!(
            "The password must be at most {MAX_PASSWORD} characters long."
        )));
    }
    Ok(())
}

/// Sets a new password (argon2). Ending the user's other sessions is the caller's
/// part, since only it knows which session to keep.
pub fn set_password(conn: &mut DbConn, user_id: i64, password: &str) -> Result<()> {
    check_password(password)?;
    let hash = keys::hash_password(password)?;
    let n = diesel::update(users::table.find(user_id))
        .set(users::password.eq(hash))
        .execute(conn)?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The zone names a person may pick: every canonical IANA zone, sorted.
pub fn zone_names() -> Vec<&'static str> {
    // The same zones the schedule dialogs offer.
    schedule::dialog::zone_names()
}

pub fn set_tz(conn: &mut DbConn, user_id: i64, tz: &str) -> Result<()> {
    if schedule::tz::zone(tz).is_none() {
        return Err(Error::invalid("Please choose a time zone from the list."));
    }
    profile(conn, user_id)?;
    diesel::update(profiles::table.filter(profiles::user_id.eq(user_id)))
        .set(profiles::tz.eq(tz))
        .execute(conn)?;
    Ok(())
}

/// Parses the `reports` field.
pub fn parse_reports(value: &str) -> Result<&'static str> {
    REPORTS
        .into_iter()
        .find(|r| *r == value)
        .ok_or_else(|| Error::invalid("Please choose off, daily, weekly or monthly."))
}

/// Parses the `nag_period` field (seconds).
pub fn parse_nag_period(value: &str) -> Result<i64> {
    value
        .parse::<i64>()
        .ok()
        .filter(|p| NAG_PERIODS.contains(p))
        .ok_or_else(|| Error::invalid("Please choose off, hourly or daily."))
}

/// Saves the e-mail report settings as healthchecks' notifications page does: a
/// changed report period is rescheduled (left unset, `sendreports` picks the next
/// date in the user's zone without sending); a changed reminder period clears the
/// reminder when off, and otherwise starts one when something is down now.
pub fn set_reports(
    conn: &mut DbConn,
    user_id: i64,
    reports: &str,
    nag_period: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let reports = parse_reports(reports)?;
    if !NAG_PERIODS.contains(&nag_period) {
        return Err(Error::invalid("Please choose off, hourly or daily."));
    }
    conn.write_tx(|conn| {
        let old = profile(conn, user_id)?;
        let mut next_report = old.next_report_date;
        if old.reports != reports {
            next_report = None;
        }
        let mut next_nag = old.next_nag_date;
        if old.nag_period != nag_period {
            next_nag = if nag_period == 0 {
                None
            } else {
                next_nag_date(conn, user_id, nag_period, old.next_nag_date, now)?
            };
        }
        diesel::update(profiles::table.filter(profiles::user_id.eq(user_id)))
            .set((
                profiles::reports.eq(reports),
                profiles::next_report_date.eq(next_report),
                profiles::nag_period.eq(nag_period),
                profiles::next_nag_date.eq(next_nag),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// healthchecks' `update_next_nag_date`: a reminder is due one period from now when
/// some check the user can see is stored as down and none is scheduled yet, and none
/// is due when nothing is down.
fn next_nag_date(
    conn: &mut DbConn,
    user_id: i64,
    period: i64,
    current: Option<NaiveDateTime>,
    now: DateTime<Utc>,
) -> Result<Option<NaiveDateTime>> {
    let member_of = members::table
        .filter(members::user_id.eq(user_id))
        .select(members::project_id);
    let visible = projects::table
        .filter(
            projects::owner_id
                .eq(user_id)
                .or(projects::id.eq_any(member_of)),
        )
        .select(projects::id.nullable());
    let any_down = checks::table
        .filter(checks::project_id.eq_any(visible))
        .filter(checks::status.eq("down"))
        .select(checks::id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    Ok(match (any_down, current) {
        (true, None) if period > 0 => Some((now + Duration::seconds(period)).naive_utc()),
        (false, Some(_)) => None,
        (_, current) => current,
    })
}

pub fn set_theme(conn: &mut DbConn, user_id: i64, theme: &str) -> Result<()> {
    if !THEMES.contains(&theme) {
        return Err(Error::invalid("Please choose light, dark or system."));
    }
    profile(conn, user_id)?;
    diesel::update(profiles::table.filter(profiles::user_id.eq(user_id)))
        .set(profiles::theme.eq(Some(theme)))
        .execute(conn)?;
    Ok(())
}

/// What deleting an account takes with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Holdings {
    pub projects: i64,
    pub checks: i64,
    pub channels: i64,
    /// Memberships in other people's projects (they end; the projects stay).
    pub memberships: i64,
}

pub fn holdings(conn: &mut DbConn, user_id: i64) -> Result<Holdings> {
    let owned = projects::table
        .filter(projects::owner_id.eq(user_id))
        .select(projects::id);
    Ok(Holdings {
        projects: projects::table
            .filter(projects::owner_id.eq(user_id))
            .select(count_star())
            .first(conn)?,
        checks: checks::table
            .filter(
                checks::project_id.eq_any(
                    projects::table
                        .filter(projects::owner_id.eq(user_id))
                        .select(projects::id.nullable()),
                ),
            )
            .select(count_star())
            .first(conn)?,
        channels: channels::table
            .filter(channels::project_id.eq_any(owned))
            .select(count_star())
            .first(conn)?,
        memberships: members::table
            .filter(members::user_id.eq(user_id))
            .select(count_star())
            .first(conn)?,
    })
}

/// Deletes a user and everything only they had: their projects with those projects'
/// checks, pings, flips, integrations, notifications and team memberships; their own
/// memberships, sessions, login links and profile. Projects they were only a member
/// of stay. Each table is cleared explicitly rather than left to `ON DELETE CASCADE`,
/// which MySQL (unlike MariaDB) ignores when written on the column, so the result is
/// the same on every backend. Returns what went.
pub fn delete_user(conn: &mut DbConn, user_id: i64) -> Result<Holdings> {
    conn.write_tx(|conn| {
        let exists = users::table
            .find(user_id)
            .select(users::id)
            .first::<i64>(conn)
            .optional()?
            .is_some();
        if !exists {
            return Err(Error::NotFound);
        }
        let gone = holdings(conn, user_id)?;
        let owned = || {
            projects::table
                .filter(projects::owner_id.eq(user_id))
                .select(projects::id)
        };
        let owned_nullable = || {
            projects::table
                .filter(projects::owner_id.eq(user_id))
                .select(projects::id.nullable())
        };
        let their_checks = || {
            checks::table
                .filter(checks::project_id.eq_any(owned_nullable()))
                .select(checks::id)
        };
        let their_checks_nullable = || {
            checks::table
                .filter(checks::project_id.eq_any(owned_nullable()))
                .select(checks::id.nullable())
        };
        let their_channels = || {
            channels::table
                .filter(channels::project_id.eq_any(owned()))
                .select(channels::id)
        };
        diesel::delete(
            notifications::table.filter(
                notifications::channel_id
                    .eq_any(their_channels())
                    .or(notifications::check_id.eq_any(their_checks_nullable())),
            ),
        )
        .execute(conn)?;
        diesel::delete(
            channel_checks::table.filter(
                channel_checks::channel_id
                    .eq_any(their_channels())
                    .or(channel_checks::check_id.eq_any(their_checks())),
            ),
        )
        .execute(conn)?;
        diesel::delete(flips::table.filter(flips::check_id.eq_any(their_checks())))
            .execute(conn)?;
        diesel::delete(pings::table.filter(pings::check_id.eq_any(their_checks())))
            .execute(conn)?;
        diesel::delete(checks::table.filter(checks::project_id.eq_any(owned_nullable())))
            .execute(conn)?;
        diesel::delete(channels::table.filter(channels::project_id.eq_any(owned())))
            .execute(conn)?;
        diesel::delete(
            members::table.filter(
                members::user_id
                    .eq(user_id)
                    .or(members::project_id.eq_any(owned())),
            ),
        )
        .execute(conn)?;
        diesel::delete(projects::table.filter(projects::owner_id.eq(user_id))).execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(login_tokens::table.filter(login_tokens::user_id.eq(user_id)))
            .execute(conn)?;
        diesel::delete(profiles::table.filter(profiles::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(users::table.find(user_id)).execute(conn)?;
        Ok(gone)
    })
}

/// Deactivates (every session ends, password logins fail) or reactivates a user.
pub fn set_active(conn: &mut DbConn, user_id: i64, active: bool) -> Result<()> {
    conn.write_tx(|conn| {
        let n = diesel::update(users::table.find(user_id))
            .set(users::is_active.eq(active))
            .execute(conn)?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        if !active {
            session_store::end_all(conn, user_id, None)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_checked() {
        assert_eq!(parse_reports("weekly").ok(), Some("weekly"));
        assert!(parse_reports("yearly").is_err());
        assert!(parse_reports("").is_err());
        assert_eq!(parse_nag_period("3600").ok(), Some(3600));
        assert_eq!(parse_nag_period("0").ok(), Some(0));
        for bad in ["60", "-1", "", "hourly", "86400.0"] {
            assert!(parse_nag_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        // Characters, not bytes.
        assert!(check_password("ééééééé").is_err());
        assert!(check_password(&"x".repeat(MAX_PASSWORD + 1)).is_err());
    }

    #[test]
    fn the_zone_list_is_canonical() {
        let names = zone_names();
        assert!(names.contains(&"Europe/Riga") && names.contains(&"UTC"));
        assert!(!names.contains(&"Europe/Kiev") && !names.contains(&"Factory"));
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }
}

/// How long a change-of-address link works (healthchecks: 15 minutes).
pub const EMAIL_CHANGE_LIFETIME: Duration = Duration::minutes(15);

/// A signed, expiring token that moves `user_id` to `new_email`; it goes in the
/// link mailed to the new address, so only someone who reads that mail can finish.
pub fn email_change_token(
    secret_key: &str,
    user_id: i64,
    new_email: &str,
    now: DateTime<Utc>,
) -> String {
    use base64::Engine as _;
    let expires = (now + EMAIL_CHANGE_LIFETIME).timestamp();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{user_id}|{expires}|{new_email}"));
    let signature = &keys::hmac_hex(secret_key, &format!("change-email:{payload}"))[..32];
    format!("{payload}.{signature}")
}

/// Why a change-of-address link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailChangeRefused {
    /// Forged, garbled, or made for another user.
    Invalid,
    Expired,
    /// Someone else has the address by now.
    Taken,
}

/// Applies a change-of-address token for the logged-in `user_id`; returns the new
/// address.
pub fn change_email(
    conn: &mut DbConn,
    secret_key: &str,
    user_id: i64,
    token: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<String, EmailChangeRefused>> {
    use base64::Engine as _;
    let Some((payload, signature)) = token.split_once('.') else {
        return Ok(Err(EmailChangeRefused::Invalid));
    };
    let expected = &keys::hmac_hex(secret_key, &format!("change-email:{payload}"))[..32];
    if !keys::same_secret(signature, expected) {
        return Ok(Err(EmailChangeRefused::Invalid));
    }
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let Some(decoded) = decoded else {
        return Ok(Err(EmailChangeRefused::Invalid));
    };
    let mut parts = decoded.splitn(3, '|');
    let (Some(id), Some(expires), Some(email)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(Err(EmailChangeRefused::Invalid));
    };
    if id.parse::<i64>().ok() != Some(user_id) {
        return Ok(Err(EmailChangeRefused::Invalid));
    }
    if expires
        .parse::<i64>()
        .map_or(true, |t| t <= now.timestamp())
    {
        return Ok(Err(EmailChangeRefused::Expired));
    }
    let email = email.to_owned();
    conn.write_tx(|conn| {
        if crate::accounts::find_user_by_email(conn, &email)?.is_some_and(|u| u.id != user_id) {
            return Ok(Err(EmailChangeRefused::Taken));
        }
        diesel::update(users::table.find(user_id))
            .set(users::email.eq(&email))
            .execute(conn)?;
        Ok(Ok(email))
    })
}
