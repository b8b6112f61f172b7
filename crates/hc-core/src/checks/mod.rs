//! Changing checks outside of pings: create, update, pause, resume, delete and the
//! assignment of channels, shared by the management API and the dashboard. Each
//! change runs in one write transaction on a locked row, so it never interleaves with
//! a ping of the same check.

pub mod copy;
pub mod downtime;
pub mod events;
pub mod fields;
pub mod history;
pub mod json;
pub mod listing;
pub mod reschedule;
mod slug;
pub mod transfer;
mod update;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::{Channel, ChannelCheck, Check, Flip};
use crate::schema::{channel_checks, channels, checks, flips, profiles, projects};
use crate::status::StoredStatus;

pub use slug::slugify;
pub use update::{CheckUpdate, Problem, UniqueField, ValidationError};

/// How to find a check.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    Code(&'a str),
    Id(i64),
}

/// Reads a check and locks its row until commit (`FOR UPDATE`; SQLite's write
/// transaction already excludes every other writer), so concurrent changes to one
/// check, pings included, apply one after another.
pub fn lock(conn: &mut DbConn, by: By) -> QueryResult<Option<Check>> {
    macro_rules! first {
        ($c:expr, $($lock:tt)*) => {
            match by {
                By::Code(code) => checks::table.filter(checks::code.eq(code)).select(Check::as_select())$($lock)*.first($c).optional(),
                By::Id(id) => checks::table.find(id).select(Check::as_select())$($lock)*.first($c).optional(),
            }
        };
    }
    match conn {
        DbConn::Sqlite(c) => first!(c,),
        DbConn::Postgres(c) => first!(c, .for_update()),
        DbConn::Mysql(c) => first!(c, .for_update()),
    }
}

pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<Option<Check>> {
    checks::table
        .filter(checks::code.eq(code))
        .select(Check::as_select())
        .first(conn)
        .optional()
}

/// A project's checks in creation order.
pub fn of_project(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<Check>> {
    checks::table
        .filter(checks::project_id.eq(project_id))
        .order(checks::id)
        .select(Check::as_select())
        .load(conn)
}

/// A project's channels in creation order.
pub fn channels_of_project(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<Channel>> {
    channels::table
        .filter(channels::project_id.eq(project_id))
        .order(channels::id)
        .select(Channel::as_select())
        .load(conn)
}

/// The channel UUIDs assigned to each check of a project, sorted as strings: one
/// query for the whole project, whatever its size.
pub fn channel_codes(conn: &mut DbConn, project_id: i64) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = channel_checks::table
        .inner_join(channels::table)
        .filter(channels::project_id.eq(project_id))
        .select((channel_checks::check_id, channels::code))
        .load(conn)?;
    Ok(by_check(rows))
}

fn by_check(rows: Vec<(i64, String)>) -> HashMap<i64, Vec<String>> {
    let mut by_check: HashMap<i64, Vec<String>> = HashMap::new();
    for (check_id, code) in rows {
        by_check.entry(check_id).or_default().push(code);
    }
    for codes in by_check.values_mut() {
        codes.sort_unstable();
    }
    by_check
}

/// The channel UUIDs assigned to each of `check_ids`, sorted as strings: one query.
pub fn channel_codes_of_many(
    conn: &mut DbConn,
    check_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = channel_checks::table
        .inner_join(channels::table)
        .filter(channel_checks::check_id.eq_any(check_ids))
        .select((channel_checks::check_id, channels::code))
        .load(conn)?;
    Ok(by_check(rows))
}

/// The channel UUIDs assigned to one check, sorted as strings.
pub fn channel_codes_of(conn: &mut DbConn, check_id: i64) -> QueryResult<Vec<String>> {
    let mut codes: Vec<String> = channel_checks::table
        .inner_join(channels::table)
        .filter(channel_checks::check_id.eq(check_id))
        .select(channels::code)
        .load(conn)?;
    codes.sort_unstable();
    Ok(codes)
}

/// Whether the owner of a project may add a check: fewer checks, over all their
/// projects, than their profile's `check_limit`.
pub fn owner_has_room(conn: &mut DbConn, owner_id: i64) -> QueryResult<bool> {
    let limit: i64 = profiles::table
        .filter(profiles::user_id.eq(owner_id))
        .select(profiles::check_limit)
        .first(conn)
        .optional()?
        .unwrap_or(crate::models::Profile::new(owner_id).check_limit);
    let owned: i64 = checks::table
        .inner_join(projects::table)
        .filter(projects::owner_id.eq(owner_id))
        .count()
        .get_result(conn)?;
    Ok(owned < limit)
}

/// Locks a project's row until commit, so that creates in one project (and their
/// `unique` look-ups) happen one at a time.
pub fn lock_project(conn: &mut DbConn, project_id: i64) -> QueryResult<()> {
    let query = projects::table.find(project_id).select(projects::id);
    match conn {
        // The write transaction already excludes every other writer.
        DbConn::Sqlite(c) => query.first::<i64>(c).map(drop),
        DbConn::Postgres(c) => query.for_update().first::<i64>(c).map(drop),
        DbConn::Mysql(c) => query.for_update().first::<i64>(c).map(drop),
    }
}

/// Why a `channels` value names no usable set of channels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("empty channel identifier")]
    Empty,
    #[error("invalid channel identifier: {0}")]
    Invalid(String),
    #[error("non-unique channel identifier: {0}")]
    NonUnique(String),
}

/// Resolves a `channels` value against a project's channels: `"*"` is all of them,
/// `""` none, anything else comma-separated UUIDs or exact names, each matching
/// exactly one channel.
pub fn resolve_channels(spec: &str, available: &[Channel]) -> Result<Vec<i64>, ChannelError> {
    match spec {
        "*" => return Ok(available.iter().map(|c| c.id).collect()),
        "" => return Ok(Vec::new()),
        _ => {}
    }
    let mut ids = Vec::new();
    for item in spec.split(',') {
        if item.is_empty() {
            return Err(ChannelError::Empty);
        }
        let mut matches = available
            .iter()
            .filter(|c| c.code == item || c.name == item);
        match (matches.next(), matches.next()) {
            (Some(channel), None) => {
                if !ids.contains(&channel.id) {
                    ids.push(channel.id);
                }
            }
            (None, _) => return Err(ChannelError::Invalid(item.to_owned())),
            (Some(_), Some(_)) => return Err(ChannelError::NonUnique(item.to_owned())),
        }
    }
    Ok(ids)
}

/// Replaces the channels of a check.
pub fn set_channels(conn: &mut DbConn, check_id: i64, channel_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(channel_checks::table.filter(channel_checks::check_id.eq(check_id)))
        .execute(conn)?;
    if channel_ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<ChannelCheck> = channel_ids
        .iter()
        .map(|&channel_id| ChannelCheck {
            channel_id,
            check_id,
        })
        .collect();
    // One statement per row: diesel's multi-connection has no batch insert, and a
    // project has few channels.
    for row in &rows {
        diesel::insert_into(channel_checks::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts a new check and reads it back with its id.
pub fn insert(conn: &mut DbConn, check: &Check) -> QueryResult<Check> {
    diesel::insert_into(checks::table)
        .values(check)
        .execute(conn)?;
    checks::table
        .filter(checks::code.eq(&check.code))
        .select(Check::as_select())
        .first(conn)
}

/// Writes every field of a check read with [`lock`] in the same transaction.
pub fn save(conn: &mut DbConn, check: &Check) -> QueryResult<()> {
    diesel::update(checks::table.find(check.id))
        .set(check)
        .execute(conn)?;
    Ok(())
}

/// Deletes a check; its pings, flips, notifications and channel links go with it.
pub fn delete(conn: &mut DbConn, check_id: i64) -> QueryResult<()> {
    diesel::delete(checks::table.find(check_id)).execute(conn)?;
    Ok(())
}

/// A flip that needs no notification (pause, resume), recorded as already processed.
fn quiet_flip(
    conn: &mut DbConn,
    check: &Check,
    new: StoredStatus,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let flip = Flip {
        id: 0,
        check_id: check.id,
        created: now.naive_utc(),
        processed: Some(now.naive_utc()),
        old_status: check.status.clone(),
        new_status: new.as_str().to_owned(),
        reason: String::new(),
    };
    diesel::insert_into(flips::table)
        .values(&flip)
        .execute(conn)?;
    Ok(())
}

/// Pauses a check (spec §3.8): a paused check never goes down. Pausing a paused
/// check changes nothing. `None` if the check is gone.
pub fn pause(conn: &mut DbConn, check_id: i64, now: DateTime<Utc>) -> QueryResult<Option<Check>> {
    conn.write_tx(|conn| {
        let Some(mut check) = lock(conn, By::Id(check_id))? else {
            return Ok(None);
        };
        if check.stored_status() != StoredStatus::Paused {
            quiet_flip(conn, &check, StoredStatus::Paused, now)?;
            check.status = StoredStatus::Paused.as_str().to_owned();
            check.last_start = None;
            check.last_start_rid = None;
            check.alert_after = None;
            save(conn, &check)?;
            // A paused check no longer calls for reminders.
            if let Some(project_id) = check.project_id {
                crate::nags::update_for_project(conn, project_id, now)?;
            }
        }
        Ok(Some(check))
    })
}

/// What resuming found.
#[derive(Debug, Clone, PartialEq)]
pub enum Resumed {
    Resumed(Box<Check>),
    NotPaused,
    Gone,
}

/// Resumes a paused check (spec §3.8): it becomes `new` and waits for its next ping.
pub fn resume(conn: &mut DbConn, check_id: i64, now: DateTime<Utc>) -> QueryResult<Resumed> {
    conn.write_tx(|conn| {
        let Some(mut check) = lock(conn, By::Id(check_id))? else {
            return Ok(Resumed::Gone);
        };
        if check.stored_status() != StoredStatus::Paused {
            return Ok(Resumed::NotPaused);
        }
        quiet_flip(conn, &check, StoredStatus::New, now)?;
        check.status = StoredStatus::New.as_str().to_owned();
        check.last_start = None;
        check.last_start_rid = None;
        check.last_ping = None;
        check.alert_after = None;
        save(conn, &check)?;
        Ok(Resumed::Resumed(Box::new(check)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(id: i64, code: &str, name: &str) -> Channel {
        Channel {
            id,
            code: code.into(),
            project_id: 1,
            name: name.into(),
            kind: "email".into(),
            value: String::new(),
            email_verified: true,
            disabled: false,
            last_notify: None,
            last_notify_duration: None,
            last_error: String::new(),
            created: Utc::now().naive_utc(),
        }
    }

    #[test]
    fn channels_resolve_by_uuid_or_exact_name() {
        let all = [
            channel(1, "0e9f8a1c-0000-4000-8000-000000000001", "ops"),
            channel(2, "0e9f8a1c-0000-4000-8000-000000000002", "dup"),
            channel(3, "0e9f8a1c-0000-4000-8000-000000000003", "dup"),
        ];
        assert_eq!(resolve_channels("*", &all), Ok(vec![1, 2, 3]));
        assert_eq!(resolve_channels("", &all), Ok(vec![]));
        assert_eq!(
            resolve_channels("ops,0e9f8a1c-0000-4000-8000-000000000003", &all),
            Ok(vec![1, 3])
        );
        assert_eq!(resolve_channels("ops,ops", &all), Ok(vec![1]));
        assert_eq!(resolve_channels("ops,", &all), Err(ChannelError::Empty));
        assert_eq!(resolve_channels("ops,,dup", &all), Err(ChannelError::Empty));
        assert_eq!(
            resolve_channels("Ops", &all).map_err(|e| e.to_string()),
            Err("invalid channel identifier: Ops".into())
        );
        assert_eq!(
            resolve_channels(" ops", &all),
            Err(ChannelError::Invalid(" ops".into()))
        );
        assert_eq!(
            resolve_channels("dup", &all).map_err(|e| e.to_string()),
            Err("non-unique channel identifier: dup".into())
        );
    }
}
