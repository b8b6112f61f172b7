//! Checks and what happens to them: pings and status flips.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schedule::{Schedule, ScheduleError};
use crate::schema::{checks, flips, pings};
use crate::status::{Status, StoredStatus, Timing};
use crate::time::utc;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = checks)]
#[diesel(treat_none_as_null = true)]
pub struct Check {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub code: String,
    /// `None` for a Welcome-page demo check nobody has claimed yet.
    pub project_id: Option<i64>,
    pub name: String,
    pub slug: String,
    /// Space-separated.
    pub tags: String,
    pub description: String,
    pub kind: String,
    /// Period of simple checks, seconds.
    pub timeout: i64,
    /// Seconds.
    pub grace: i64,
    pub schedule: String,
    pub tz: String,
    pub filter_subject: bool,
    pub filter_body: bool,
    pub filter_http_body: bool,
    pub filter_default_fail: bool,
    pub start_kw: String,
    pub success_kw: String,
    pub failure_kw: String,
    /// `""` (any method) or `"POST"`.
    pub methods: String,
    pub manual_resume: bool,
    pub badge_key: String,
    pub n_pings: i64,
    pub last_ping: Option<NaiveDateTime>,
    pub last_start: Option<NaiveDateTime>,
    pub last_start_rid: Option<String>,
    /// Microseconds.
    pub last_duration: Option<i64>,
    pub has_confirmation_link: bool,
    pub alert_after: Option<NaiveDateTime>,
    pub status: String,
    pub created: NaiveDateTime,
}

impl Check {
    /// A check with healthchecks' defaults: simple, period 1 day, grace 1 hour.
    pub fn new(project_id: Option<i64>, created: NaiveDateTime) -> Self {
        Check {
            id: 0,
            code: crate::keys::new_uuid(),
            project_id,
            name: String::new(),
            slug: String::new(),
            tags: String::new(),
            description: String::new(),
            kind: "simple".into(),
            timeout: 86_400,
            grace: 3_600,
            schedule: "* * * * *".into(),
            tz: "UTC".into(),
            filter_subject: false,
            filter_body: false,
            filter_http_body: false,
            filter_default_fail: false,
            start_kw: String::new(),
            success_kw: String::new(),
            failure_kw: String::new(),
            methods: String::new(),
            manual_resume: false,
            badge_key: crate::keys::new_uuid(),
            n_pings: 0,
            last_ping: None,
            last_start: None,
            last_start_rid: None,
            last_duration: None,
            has_confirmation_link: false,
            alert_after: None,
            status: "new".into(),
            created,
        }
    }

    pub fn parsed_schedule(&self) -> Result<Schedule, ScheduleError> {
        Schedule::from_fields(&self.kind, self.timeout, &self.schedule, &self.tz)
    }

    pub fn stored_status(&self) -> StoredStatus {
        // Unknown values cannot be written by hc; read them as "new" rather than fail.
        StoredStatus::parse(&self.status).unwrap_or(StoredStatus::New)
    }

    /// The status-deciding fields, for [`Timing`]'s computations.
    pub fn timing<'a>(&self, schedule: &'a Schedule) -> Timing<'a> {
        Timing {
            status: self.stored_status(),
            last_ping: self.last_ping.map(utc),
            last_start: self.last_start.map(utc),
            grace: Duration::seconds(self.grace),
            schedule,
        }
    }

    /// The reported status at `now`.
    pub fn status_at(
        &self,
        now: DateTime<Utc>,
        with_started: bool,
    ) -> Result<Status, ScheduleError> {
        let schedule = self.parsed_schedule()?;
        Ok(self.timing(&schedule).status(now, with_started))
    }

    /// The reported status at `now`, or the stored one when the schedule cannot be
    /// evaluated (a row hc did not write): pages and lists show it rather than fail.
    pub fn status_or_stored(&self, now: DateTime<Utc>, with_started: bool) -> Status {
        self.status_at(now, with_started)
            .unwrap_or_else(|_| self.stored_status().into())
    }

    /// What `alert_after` should hold now.
    pub fn going_down_after(&self) -> Result<Option<DateTime<Utc>>, ScheduleError> {
        let schedule = self.parsed_schedule()?;
        Ok(self.timing(&schedule).going_down_after())
    }

    pub fn unique_key(&self) -> String {
        crate::keys::unique_key(&self.code)
    }

    /// Tags split on spaces, empties dropped.
    pub fn tags_list(&self) -> Vec<&str> {
        self.tags
            .split(' ')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = pings)]
// `None` is NULL, never the column's default (every nullable column defaults to NULL):
// then the INSERT has one shape whatever the values, which diesel keeps prepared.
#[diesel(treat_none_as_default_value = false)]
pub struct Ping {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub check_id: i64,
    /// Serial number within the check.
    pub n: Option<i64>,
    pub created: NaiveDateTime,
    /// `None` = success, else `start`, `fail`, `ign` or `log`.
    pub kind: Option<String>,
    pub scheme: String,
    pub remote_addr: Option<String>,
    pub method: String,
    pub ua: String,
    pub body: Option<Vec<u8>>,
    pub exitstatus: Option<i32>,
    pub rid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = flips)]
pub struct Flip {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub check_id: i64,
    pub created: NaiveDateTime,
    /// `None` until `sendalerts` has queued its notifications.
    pub processed: Option<NaiveDateTime>,
    pub old_status: String,
    pub new_status: String,
    /// `""`, `timeout` or `fail`.
    pub reason: String,
}
