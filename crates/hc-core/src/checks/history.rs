//! What happened to a check: its recent pings (with their run durations), one ping's
//! body, and its flips, read as the API and the dashboard's log show them.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};

use crate::db::DbConn;
use crate::models::Flip;
use crate::ping::durations::{self, Event};
use crate::schema::{flips, pings};
use crate::time::utc;

/// A ping without its body (bodies can be large; lists only say whether there is one).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct PingSummary {
    pub id: i64,
    pub n: Option<i64>,
    pub created: NaiveDateTime,
    pub kind: Option<String>,
    pub scheme: String,
    pub remote_addr: Option<String>,
    pub method: String,
    pub ua: String,
    pub exitstatus: Option<i32>,
    pub rid: Option<String>,
    pub has_body: Option<bool>,
}

impl PingSummary {
    fn event(&self) -> Event<'_> {
        Event {
            n: self.n,
            created: utc(self.created),
            kind: self.kind.as_deref(),
            rid: self.rid.as_deref(),
        }
    }
}

/// The newest `limit` pings of a check, newest first, each with its run's duration
/// where one is known (spec §2.7).
pub fn recent_pings(
    conn: &mut DbConn,
    check_id: i64,
    limit: i64,
) -> QueryResult<Vec<(PingSummary, Option<Duration>)>> {
    // Written per backend only because PostgreSQL's length() of bytea is an int4.
    let has_body = match conn {
        DbConn::Postgres(_) => "octet_length(body) > 0",
        DbConn::Sqlite(_) | DbConn::Mysql(_) => "length(body) > 0",
    };
    let mut rows: Vec<PingSummary> = pings::table
        .filter(pings::check_id.eq(check_id))
        .order(pings::id.desc())
        .limit(limit)
        .select((
            pings::id,
            pings::n,
            pings::created,
            pings::kind,
            pings::scheme,
            pings::remote_addr,
            pings::method,
            pings::ua,
            pings::exitstatus,
            pings::rid,
            sql::<Nullable<Bool>>(has_body),
        ))
        .load(conn)?;
    rows.reverse();
    let oldest_id = rows.first().map_or(0, |p| p.id);
    let events: Vec<Event> = rows.iter().map(PingSummary::event).collect();
    let found = durations::durations(&events, |event| {
        run_start_before(conn, check_id, oldest_id, event)
    })?;
    Ok(rows.into_iter().zip(found).rev().collect())
}

/// The start of `event`'s run among the pings before `before_id`, looking back at most
/// 72 hours: a start of the same run id, unless that run ended first.
fn run_start_before(
    conn: &mut DbConn,
    check_id: i64,
    before_id: i64,
    event: &Event,
) -> QueryResult<Option<DateTime<Utc>>> {
    let since = (event.created - durations::max_duration()).naive_utc();
    let query = pings::table
        .filter(pings::check_id.eq(check_id))
        .filter(pings::id.lt(before_id))
        .filter(pings::created.ge(since))
        .filter(
            pings::kind
                .is_null()
                .or(pings::kind.eq_any(["start", "fail"])),
        )
        .order(pings::id.desc())
        .select((pings::created, pings::kind))
        .into_boxed();
    let query = match event.rid {
        Some(rid) => query.filter(pings::rid.eq(rid)),
        None => query.filter(pings::rid.is_null()),
    };
    let latest: Option<(NaiveDateTime, Option<String>)> = query.first(conn).optional()?;
    Ok(latest
        .filter(|(_, kind)| kind.as_deref() == Some("start"))
        .map(|(created, _)| utc(created)))
}

/// The body of ping number `n` of a check: `None` if there is no such ping.
pub fn ping_body(conn: &mut DbConn, check_id: i64, n: i64) -> QueryResult<Option<Option<Vec<u8>>>> {
    pings::table
        .filter(pings::check_id.eq(check_id))
        .filter(pings::n.eq(n))
        .order(pings::id.desc())
        .select(pings::body)
        .first(conn)
        .optional()
}

/// Which flips to list: `created >= since` and `created < until`, when given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlipRange {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// A check's flips in the range, newest first.
pub fn flips(conn: &mut DbConn, check_id: i64, range: FlipRange) -> QueryResult<Vec<Flip>> {
    let mut query = flips::table
        .filter(flips::check_id.eq(check_id))
        .order(flips::id.desc())
        .select(Flip::as_select())
        .into_boxed();
    if let Some(since) = range.since {
        query = query.filter(flips::created.ge(since.naive_utc()));
    }
    if let Some(until) = range.until {
        query = query.filter(flips::created.lt(until.naive_utc()));
    }
    query.load(conn)
}
