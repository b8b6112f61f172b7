//! Where alerts go and what was sent: channels (integrations), their assignment to
//! checks, notifications, outgoing e-mail records and rate-limit buckets.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{channel_checks, channels, emails, notifications, token_buckets};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = channels)]
pub struct Channel {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub code: String,
    pub project_id: i64,
    pub name: String,
    pub kind: String,
    /// Kind-specific configuration: a plain string or JSON.
    pub value: String,
    pub email_verified: bool,
    pub disabled: bool,
    pub last_notify: Option<NaiveDateTime>,
    /// Microseconds.
    pub last_notify_duration: Option<i64>,
    pub last_error: String,
    pub created: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = channel_checks)]
pub struct ChannelCheck {
    pub channel_id: i64,
    pub check_id: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = notifications)]
// `None` is NULL (the nullable columns' default): one multi-row INSERT on SQLite.
#[diesel(treat_none_as_default_value = false)]
pub struct Notification {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub code: String,
    /// `None` for test notifications.
    pub check_id: Option<i64>,
    pub channel_id: i64,
    /// The flip this delivers; unique with `channel_id`, so a flip reaches each
    /// channel once however many daemons run.
    pub flip_id: Option<i64>,
    pub check_status: String,
    pub created: NaiveDateTime,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt: Option<NaiveDateTime>,
    /// A daemon's claim on an in-flight send; a crashed daemon's claim runs out.
    pub claimed_until: Option<NaiveDateTime>,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = emails)]
pub struct Email {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub code: String,
    pub from_email: String,
    pub to_email: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// Extra headers as a JSON object.
    pub headers: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt: Option<NaiveDateTime>,
    pub error: String,
    pub created: NaiveDateTime,
    pub sent: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = token_buckets)]
pub struct TokenBucket {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub value: String,
    pub tokens: f64,
    pub updated: NaiveDateTime,
}
