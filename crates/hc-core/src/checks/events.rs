//! A check's events as the dashboard lists them (spec §7.3): its visible pings of
//! every kind, each with its run's duration, and its status flips, merged newest
//! first and cut into pages by time; and "clear events", which forgets them (§3.8).

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};

use crate::db::DbConn;
use crate::models::{Check, Flip};
use crate::ping::durations::{self, Event as Run};
use crate::schema::{flips, notifications, pings};
use crate::status::StoredStatus;
use crate::time::utc;

use super::history::PingSummary;
use super::{lock, save, By};

/// One line of a check's log.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Ping {
        ping: PingSummary,
        duration: Option<Duration>,
    },
    Flip(Flip),
}

impl Event {
    pub fn created(&self) -> DateTime<Utc> {
        match self {
            Event::Ping { ping, .. } => utc(ping.created),
            Event::Flip(flip) => utc(flip.created),
        }
    }
}

/// Which events to list: strictly after `after`, strictly before `before`, at most
/// `cap` of them (the newest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
    pub cap: usize,
}

/// A page of events, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub events: Vec<Event>,
    /// When older events exist: the `before` that lists the next page. A page does
    /// not end inside a run of events with one timestamp (unless the whole page is
    /// one such run), so paging skips nothing.
    pub older: Option<DateTime<Utc>>,
}

/// Pings numbered above this are visible: the newest `limit` (the owner's
/// `ping_log_limit`), even when a prune has not removed the older ones yet.
pub fn visible_after(check: &Check, limit: i64) -> i64 {
    check.n_pings - limit
}

/// The events of `check` in `window`. Flips older than the oldest visible ping are
/// left out with it: the log covers the span its pings cover.
pub fn page(conn: &mut DbConn, check: &Check, limit: i64, window: Window) -> QueryResult<Page> {
    let threshold = visible_after(check, limit);
    let cap = i64::try_from(window.cap)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let oldest_ping: Option<NaiveDateTime> = pings::table
        .filter(pings::check_id.eq(check.id))
        .filter(pings::n.gt(threshold))
        .select(diesel::dsl::min(pings::created))
        .first(conn)?;
    let floor = oldest_ping.map_or(check.created, |t| t.max(check.created));

    let mut ping_rows = ping_query(conn, check.id, threshold, window, cap)?;
    ping_rows.reverse();
    let oldest_id = ping_rows.first().map_or(0, |p| p.id);
    let runs: Vec<Run> = ping_rows.iter().map(run_of).collect();
    let found = durations::durations(&runs, |event| {
        run_start_before(conn, check.id, oldest_id, event)
    })?;
    let ping_events: Vec<Event> = ping_rows
        .into_iter()
        .zip(found)
        .rev()
        .map(|(ping, duration)| Event::Ping { ping, duration })
        .collect();

    let mut flip_query = flips::table
        .filter(flips::check_id.eq(check.id))
        .filter(flips::created.ge(floor))
        .order((flips::created.desc(), flips::id.desc()))
        .limit(cap)
        .select(Flip::as_select())
        .into_boxed();
    if let Some(after) = window.after {
        flip_query = flip_query.filter(flips::created.gt(after.naive_utc()));
    }
    if let Some(before) = window.before {
        flip_query = flip_query.filter(flips::created.lt(before.naive_utc()));
    }
    let flip_events: Vec<Event> = flip_query
        .load(conn)?
        .into_iter()
        .map(Event::Flip)
        .collect();
    Ok(merge(ping_events, flip_events, window.cap))
}

/// Merges two newest-first lists (a ping before a flip of the same moment: the ping
/// caused it) and keeps the newest `cap`.
pub fn merge(pings: Vec<Event>, flips: Vec<Event>, cap: usize) -> Page {
    let mut pings = pings.into_iter().peekable();
    let mut flips = flips.into_iter().peekable();
    let mut events = Vec::new();
    loop {
        let take_ping = match (pings.peek(), flips.peek()) {
            (Some(p), Some(f)) => p.created() >= f.created(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_ping {
            pings.next()
        } else {
            flips.next()
        };
        events.extend(next);
    }
    if events.len() <= cap {
        return Page {
            events,
            older: None,
        };
    }
    let cut_at = events.get(cap).map(Event::created);
    events.truncate(cap);
    // Events sharing the first left-out one's timestamp move to the next page too,
    // unless that would leave this page empty.
    if let Some(cut_at) = cut_at {
        let keep = events.iter().take_while(|e| e.created() != cut_at).count();
        if keep > 0 {
            events.truncate(keep);
        }
    }
    let older = events.last().map(Event::created);
    Page { events, older }
}

fn ping_query(
    conn: &mut DbConn,
    check_id: i64,
    threshold: i64,
    window: Window,
    cap: i64,
) -> QueryResult<Vec<PingSummary>> {
    // Written per backend only because PostgreSQL's length() of bytea is an int4.
    let has_body = match conn {
        DbConn::Postgres(_) => "octet_length(body) > 0",
        DbConn::Sqlite(_) | DbConn::Mysql(_) => "length(body) > 0",
    };
    let mut query = pings::table
        .filter(pings::check_id.eq(check_id))
        .filter(pings::n.gt(threshold))
        .order((pings::created.desc(), pings::id.desc()))
        .limit(cap)
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
        .into_boxed();
    if let Some(after) = window.after {
        query = query.filter(pings::created.gt(after.naive_utc()));
    }
    if let Some(before) = window.before {
        query = query.filter(pings::created.lt(before.naive_utc()));
    }
    query.load(conn)
}

fn run_of(ping: &PingSummary) -> Run<'_> {
    Run {
        n: ping.n,
        created: utc(ping.created),
        kind: ping.kind.as_deref(),
        rid: ping.rid.as_deref(),
    }
}

/// The start of `event`'s run among the pings before `before_id`, looking back at most
/// 72 hours: a start of the same run id, unless that run ended first.
fn run_start_before(
    conn: &mut DbConn,
    check_id: i64,
    before_id: i64,
    event: &Run,
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

/// "Clear events" (spec §3.8): the check starts over as new, and its pings,
/// notifications and flips are deleted. `n_pings` stays, so ping numbers never repeat.
pub fn clear(conn: &mut DbConn, check_id: i64) -> QueryResult<Option<Check>> {
    conn.write_tx(|conn| {
        let Some(mut check) = lock(conn, By::Id(check_id))? else {
            return Ok(None);
        };
        check.status = StoredStatus::New.as_str().to_owned();
        check.last_ping = None;
        check.last_start = None;
        check.last_start_rid = None;
        check.last_duration = None;
        check.alert_after = None;
        check.has_confirmation_link = false;
        save(conn, &check)?;
        diesel::delete(pings::table.filter(pings::check_id.eq(check.id))).execute(conn)?;
        diesel::delete(notifications::table.filter(notifications::check_id.eq(check.id)))
            .execute(conn)?;
        diesel::delete(flips::table.filter(flips::check_id.eq(check.id))).execute(conn)?;
        Ok(Some(check))
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(second: i64) -> NaiveDateTime {
        (Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::seconds(second))
        .naive_utc()
    }

    fn ping(id: i64, second: i64) -> Event {
        Event::Ping {
            ping: PingSummary {
                id,
                n: Some(id),
                created: at(second),
                kind: None,
                scheme: "http".into(),
                remote_addr: None,
                method: "GET".into(),
                ua: String::new(),
                exitstatus: None,
                rid: None,
                has_body: None,
            },
            duration: None,
        }
    }

    fn flip(id: i64, second: i64) -> Event {
        Event::Flip(Flip {
            id,
            check_id: 1,
            created: at(second),
            processed: None,
            old_status: "new".into(),
            new_status: "up".into(),
            reason: String::new(),
        })
    }

    fn shape(page: &Page) -> Vec<(char, i64)> {
        page.events
            .iter()
            .map(|e| match e {
                Event::Ping { ping, .. } => ('p', ping.id),
                Event::Flip(f) => ('f', f.id),
            })
            .collect()
    }

    #[test]
    fn a_flip_is_listed_after_the_ping_of_the_same_moment() {
        let page = merge(
            vec![ping(3, 30), ping(2, 20), ping(1, 10)],
            vec![flip(2, 20), flip(1, 5)],
            100,
        );
        assert_eq!(
            shape(&page),
            [('p', 3), ('p', 2), ('f', 2), ('p', 1), ('f', 1)]
        );
        assert_eq!(page.older, None);
    }

    #[test]
    fn a_full_page_says_where_the_next_one_starts() {
        let page = merge(vec![ping(3, 30), ping(2, 20), ping(1, 10)], vec![], 2);
        assert_eq!(shape(&page), [('p', 3), ('p', 2)]);
        assert_eq!(page.older.map(|t| t.naive_utc()), Some(at(20)));
    }

    #[test]
    fn a_page_does_not_end_between_events_of_one_moment() {
        // The cap falls between the ping and the flip at second 20: both move on.
        let page = merge(vec![ping(3, 30), ping(2, 20)], vec![flip(1, 20)], 2);
        assert_eq!(shape(&page), [('p', 3)]);
        assert_eq!(page.older.map(|t| t.naive_utc()), Some(at(30)));
        // Unless nothing would be left.
        let page = merge(vec![ping(2, 20)], vec![flip(1, 20)], 1);
        assert_eq!(shape(&page), [('p', 2)]);
    }
}
