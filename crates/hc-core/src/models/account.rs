//! People and what they own: users, their profiles, projects, team members and
//! login tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{login_tokens, members, profiles, projects, sessions, users};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = users)]
pub struct User {
    #[diesel(skip_insertion)]
    pub id: i64,
    /// Random, as healthchecks makes it; the first project's badge key.
    pub username: String,
    /// Always lower-case.
    pub email: String,
    /// An argon2 PHC string, or empty for "no password set".
    pub password: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: NaiveDateTime,
    pub last_login: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = profiles)]
pub struct Profile {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub user_id: i64,
    pub next_report_date: Option<NaiveDateTime>,
    /// `off`, `daily`, `weekly` or `monthly`.
    pub reports: String,
    /// Reminder period in seconds: 0 (off), 3600 or 86400.
    pub nag_period: i64,
    pub next_nag_date: Option<NaiveDateTime>,
    pub ping_log_limit: i64,
    pub check_limit: i64,
    pub sort: String,
    pub tz: String,
    pub theme: Option<String>,
    pub deletion_notice_date: Option<NaiveDateTime>,
    pub deletion_scheduled_date: Option<NaiveDateTime>,
    pub last_active_date: Option<NaiveDateTime>,
    /// Text messages (SMS and WhatsApp) allowed a month for the projects this user
    /// owns, and how many went out in the month of `last_sms_date`.
    pub sms_limit: i64,
    pub sms_sent: i64,
    pub last_sms_date: Option<NaiveDateTime>,
    /// Phone calls allowed a month, and how many were made in the month of
    /// `last_call_date`.
    pub call_limit: i64,
    pub calls_sent: i64,
    pub last_call_date: Option<NaiveDateTime>,
}

impl Profile {
    /// A profile with healthchecks' self-hosted defaults.
    pub fn new(user_id: i64) -> Self {
        Profile {
            id: 0,
            user_id,
            next_report_date: None,
            reports: "monthly".into(),
            nag_period: 0,
            next_nag_date: None,
            ping_log_limit: 100,
            check_limit: 10_000,
            sort: "created".into(),
            tz: "UTC".into(),
            theme: None,
            deletion_notice_date: None,
            deletion_scheduled_date: None,
            last_active_date: None,
            sms_limit: 10_000,
            sms_sent: 0,
            last_sms_date: None,
            call_limit: 10_000,
            calls_sent: 0,
            last_call_date: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = projects)]
pub struct Project {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub code: String,
    /// Empty: shown as the owner's e-mail address.
    pub name: String,
    pub owner_id: i64,
    /// Stored form of the read-write key (see [`crate::keys`]), or empty.
    pub api_key: String,
    pub api_key_readonly: String,
    pub badge_key: String,
    pub ping_key: Option<String>,
    pub show_slugs: bool,
    pub created: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    ReadOnly,
    Member,
    Manager,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::ReadOnly => "r",
            Role::Member => "w",
            Role::Manager => "m",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "r" => Some(Role::ReadOnly),
            "w" => Some(Role::Member),
            "m" => Some(Role::Manager),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = members)]
pub struct Member {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub user_id: i64,
    pub project_id: i64,
    /// `r`, `w` or `m`: see [`Role`].
    pub role: String,
    pub transfer_request_date: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = login_tokens)]
pub struct LoginToken {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub user_id: i64,
    /// SHA-256 of the token sent by e-mail; the token itself is never stored.
    pub token_hash: String,
    pub purpose: String,
    pub created: NaiveDateTime,
    pub expires: NaiveDateTime,
    pub used: Option<NaiveDateTime>,
}

/// A dashboard session. The cookie holds the key; the row holds its SHA-256.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub key_hash: String,
    /// `None` for a visitor who has not logged in (their demo check lives here).
    pub user_id: Option<i64>,
    pub created: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub expires: NaiveDateTime,
    /// A JSON object of small values kept between requests.
    pub data: String,
}
