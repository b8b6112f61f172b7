//! The prune commands of `hc-admin` (the 2016 rules of spec §9.2, with prunepings
//! keeping exactly the configured number). Every deletion runs in bounded batches, each
//! its own short transaction, so a run never holds a long lock, never loads all rows,
//! can be interrupted and re-run, and is safe beside the running services.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::{
    checks, emails, flips, members, notifications, pings, profiles, projects, users,
};
use crate::{Error, Result};

/// Rows deleted by one statement at most.
pub const BATCH: i64 = 5_000;

/// Whether to delete, or only count what would go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Delete,
    DryRun,
}

/// Told how many rows each batch removed (or would remove), for progress output.
pub type Progress<'a> = &'a mut dyn FnMut(u64);

/// `prunepings`: for each check in a project, delete the pings older than its newest
/// `keep` (the owner's `ping_log_limit` when `keep` is `None`). Pings without a serial
/// number, and demo checks without a project, are left alone.
pub fn prune_pings(
    conn: &mut DbConn,
    keep: Option<i64>,
    mode: Mode,
    progress: Progress,
) -> Result<u64> {
    if keep.is_some_and(|k| k < 1) {
        return Err(Error::invalid(
            "the number of pings to keep must be at least 1",
        ));
    }
    if let DbConn::Sqlite(c) = conn {
        // Each checkpoint ends with an fsync; with thousands of short transactions the
        // default (every 1,000 pages) would checkpoint, and wait, constantly.
        use diesel::connection::SimpleConnection;
        c.batch_execute("PRAGMA wal_autocheckpoint = 16384")?;
    }
    let mut total = 0;
    let mut after_id = 0;
    loop {
        let page: Vec<(i64, i64, Option<i64>)> = checks::table
            .inner_join(projects::table)
            .left_join(profiles::table.on(profiles::user_id.eq(projects::owner_id)))
            .filter(checks::id.gt(after_id))
            .order(checks::id)
            .limit(1_000)
            .select((
                checks::id,
                checks::n_pings,
                profiles::ping_log_limit.nullable(),
            ))
            .load(conn)?;
        let Some(&(last, _, _)) = page.last() else {
            return Ok(total);
        };
        after_id = last;
        let cutoffs: Vec<(i64, i64)> = page
            .into_iter()
            .map(|(id, n_pings, limit)| {
                (
                    id,
                    n_pings - keep.or(limit).unwrap_or(super::DEFAULT_PING_LIMIT),
                )
            })
            .filter(|&(_, cutoff)| cutoff >= 1)
            .collect();
        let work = plan(conn, &cutoffs)?;
        total += do_work(conn, &work, keep, mode, progress)?;
    }
}

/// One unit of `prunepings` work, each done in a transaction of its own.
enum Work {
    /// Pings numbered `from..=to` of one check (for a check with more to lose than one
    /// transaction should hold).
    Range { check_id: i64, from: i64, to: i64 },
    /// Everything to prune among the checks with ids `first..=last`, in one statement.
    Checks { first: i64, last: i64 },
}

/// How many rows one transaction deletes at most: on SQLite a write transaction holds
/// up every other writer (the ping receivers among them), so it stays short; on a
/// server it locks only the old ping rows it deletes, which nothing else writes.
fn rows_per_transaction(conn: &DbConn) -> i64 {
    match conn {
        DbConn::Sqlite(_) => BATCH,
        _ => 10 * BATCH,
    }
}

/// Plans the work for a page of checks (`(id, cutoff)`, ascending ids): neighbours
/// whose pings to delete fit in one transaction become one statement; a check with
/// more is split into ranges of its ping numbers.
fn plan(conn: &mut DbConn, cutoffs: &[(i64, i64)]) -> Result<Vec<Work>> {
    if cutoffs.is_empty() {
        return Ok(Vec::new());
    }
    let budget = rows_per_transaction(conn);
    // The lowest ping number of each check: one index seek per check (a GROUP BY would
    // read every ping of the page's checks).
    let (first, last) = match (cutoffs.first(), cutoffs.last()) {
        (Some(first), Some(last)) => (first.0, last.0),
        _ => return Ok(Vec::new()),
    };
    let lowest: Vec<Lowest> = diesel::sql_query(format!(
        "SELECT c.id AS id, (SELECT MIN(p.n) FROM pings p WHERE p.check_id = c.id AND p.n >= 1) AS lowest \
         FROM checks c WHERE c.id BETWEEN {first} AND {last}"
    ))
    .load(conn)?;
    let lowest: std::collections::HashMap<i64, i64> = lowest
        .into_iter()
        .filter_map(|l| l.lowest.map(|n| (l.id, n)))
        .collect();
    let mut work = Vec::new();
    let mut group: Option<(i64, i64, i64)> = None; // first id, last id, rows
    for &(check_id, cutoff) in cutoffs {
        let Some(&first_n) = lowest.get(&check_id) else {
            continue;
        };
        let rows = cutoff - first_n + 1;
        if rows <= 0 {
            continue;
        }
        if rows > budget {
            let mut from = first_n;
            while from <= cutoff {
                let to = (from + budget - 1).min(cutoff);
                work.push(Work::Range { check_id, from, to });
                from = to + 1;
            }
            continue;
        }
        group = match group {
            Some((first, _, sum)) if sum + rows <= budget => Some((first, check_id, sum + rows)),
            Some((first, last, _)) => {
                work.push(Work::Checks { first, last });
                Some((check_id, check_id, rows))
            }
            None => Some((check_id, check_id, rows)),
        };
    }
    if let Some((first, last, _)) = group {
        work.push(Work::Checks { first, last });
    }
    Ok(work)
}

fn do_work(
    conn: &mut DbConn,
    work: &[Work],
    keep: Option<i64>,
    mode: Mode,
    progress: Progress,
) -> Result<u64> {
    let mut total = 0;
    for item in work {
        let n = conn.write_tx(|conn| -> QueryResult<u64> {
            match *item {
                Work::Range { check_id, from, to } => {
                    let range = pings::table
                        .filter(pings::check_id.eq(check_id))
                        .filter(pings::n.ge(from))
                        .filter(pings::n.le(to));
                    Ok(match mode {
                        Mode::DryRun => range.count().get_result::<i64>(conn)? as u64,
                        Mode::Delete => diesel::delete(range).execute(conn)? as u64,
                    })
                }
                Work::Checks { first, last } => prune_checks_range(conn, first, last, keep, mode),
            }
        })?;
        total += n;
        progress(n);
    }
    Ok(total)
}

#[derive(diesel::QueryableByName)]
struct Lowest {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    lowest: Option<i64>,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Prunes the checks with ids `first..=last` in one statement, as a hand-written
/// DELETE would: the rule (`n <= n_pings - keep`, with the owner's limit when `keep`
/// is not given, and only checks in a project) is in the SQL.
fn prune_checks_range(
    conn: &mut DbConn,
    first: i64,
    last: i64,
    keep: Option<i64>,
    mode: Mode,
) -> QueryResult<u64> {
    use diesel::sql_types::{BigInt, Nullable};
    // With `--keep` the rule needs no owner: leave the joins out of the statement.
    let owner = if keep.is_some() {
        ""
    } else {
        "LEFT JOIN projects pj ON pj.id = c.project_id LEFT JOIN profiles pr ON pr.user_id = pj.owner_id"
    };
    let limit = |placeholder: &str| match keep {
        Some(_) => placeholder.to_owned(),
        None => format!(
            "COALESCE({placeholder}, pr.ping_log_limit, {})",
            super::DEFAULT_PING_LIMIT
        ),
    };
    let (delete, count) = match conn {
        DbConn::Sqlite(_) => {
            let rule = format!(
                "FROM pings WHERE check_id BETWEEN ? AND ? AND n >= 1 AND n <= (SELECT c.n_pings - {} \
                 FROM checks c {owner} WHERE c.id = pings.check_id AND c.project_id IS NOT NULL)",
                limit("?")
            );
            (
                format!("DELETE {rule}"),
                format!("SELECT COUNT(*) AS n {rule}"),
            )
        }
        DbConn::Postgres(_) => {
            let rule = format!(
                "p.check_id BETWEEN $1 AND $2 AND c.project_id IS NOT NULL AND p.check_id = c.id \
                 AND p.n >= 1 AND p.n <= c.n_pings - {}",
                limit("$3")
            );
            (
                format!("DELETE FROM pings p USING checks c {owner} WHERE {rule}"),
                format!("SELECT COUNT(*) AS n FROM pings p, checks c {owner} WHERE {rule}"),
            )
        }
        DbConn::Mysql(_) => {
            let rule = format!(
                "p.check_id BETWEEN ? AND ? AND c.project_id IS NOT NULL AND p.n >= 1 AND p.n <= c.n_pings - {}",
                limit("?")
            );
            let join = format!("pings p JOIN checks c ON p.check_id = c.id {owner}");
            (
                format!("DELETE p FROM {join} WHERE {rule}"),
                format!("SELECT COUNT(*) AS n FROM {join} WHERE {rule}"),
            )
        }
    };
    let sql = match mode {
        Mode::Delete => delete,
        Mode::DryRun => count,
    };
    let query = diesel::sql_query(sql)
        .bind::<BigInt, _>(first)
        .bind::<BigInt, _>(last)
        .bind::<Nullable<BigInt>, _>(keep);
    match mode {
        Mode::Delete => query.execute(conn).map(|n| n as u64),
        Mode::DryRun => query.get_result::<Count>(conn).map(|c| c.n as u64),
    }
}

/// Deletes rows by id, `BATCH` at a time: `next` yields the next batch of ids to go.
fn delete_in_batches<T>(
    conn: &mut DbConn,
    mode: Mode,
    progress: Progress,
    mut next: impl FnMut(&mut DbConn, i64) -> QueryResult<Vec<i64>>,
    delete: impl Fn(&mut DbConn, &[i64]) -> QueryResult<T>,
) -> Result<u64> {
    let mut total = 0;
    let mut after_id = 0;
    loop {
        let ids = next(conn, after_id)?;
        let Some(&last) = ids.last() else {
            return Ok(total);
        };
        // In a dry run nothing is deleted, so page on by id; deleting moves on by itself,
        // but paging by id too keeps a batch that cannot be deleted from looping forever.
        after_id = last;
        if mode == Mode::Delete {
            delete(conn, &ids)?;
        }
        total += ids.len() as u64;
        progress(ids.len() as u64);
    }
}

/// `prunechecks`: checks without a project (Welcome-page demo checks nobody claimed)
/// created more than 2 hours before `now`, with their pings, flips and notifications.
pub fn prune_checks(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    mode: Mode,
    progress: Progress,
) -> Result<u64> {
    let cutoff = (now - Duration::hours(2)).naive_utc();
    delete_in_batches(
        conn,
        mode,
        progress,
        |conn, after| {
            checks::table
                .filter(checks::project_id.is_null())
                .filter(checks::created.lt(cutoff))
                .filter(checks::id.gt(after))
                .order(checks::id)
                .limit(BATCH)
                .select(checks::id)
                .load(conn)
        },
        |conn, ids| diesel::delete(checks::table.filter(checks::id.eq_any(ids))).execute(conn),
    )
}

/// `pruneemails`: records of e-mail sent more than 7 days before `now` (unsent ones stay).
pub fn prune_emails(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    mode: Mode,
    progress: Progress,
) -> Result<u64> {
    let cutoff = (now - Duration::days(7)).naive_utc();
    delete_in_batches(
        conn,
        mode,
        progress,
        |conn, after| {
            emails::table
                .filter(emails::sent.lt(cutoff))
                .filter(emails::id.gt(after))
                .order(emails::id)
                .limit(BATCH)
                .select(emails::id)
                .load(conn)
        },
        |conn, ids| diesel::delete(emails::table.filter(emails::id.eq_any(ids))).execute(conn),
    )
}

/// `pruneusers`: accounts made more than 31 days before `now` that never logged in,
/// and accounts whose last login is older than that and that own no checks, with
/// everything that is only theirs. Three kinds of account are always kept:
/// superusers (operators), owners of a project that has team members (deleting
/// the owner would delete a project others use), and never-logged-in owners whose
/// checks received a ping in those 31 days (accounts made for automation).
/// Counts users.
pub fn prune_users(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    mode: Mode,
    progress: Progress,
) -> Result<u64> {
    let cutoff = (now - Duration::days(31)).naive_utc();
    delete_in_batches(
        conn,
        mode,
        progress,
        |conn, after| {
            let shares_a_project = exists(
                projects::table
                    .inner_join(members::table)
                    .filter(projects::owner_id.eq(users::id)),
            );
            let is_member = exists(members::table.filter(members::user_id.eq(users::id)));
            let owns_checks = exists(
                checks::table
                    .inner_join(projects::table)
                    .filter(projects::owner_id.eq(users::id)),
            );
            let recently_pinged = exists(
                checks::table
                    .inner_join(projects::table)
                    .filter(projects::owner_id.eq(users::id))
                    .filter(checks::last_ping.ge(cutoff)),
            );
            let never_logged_in = users::date_joined
                .lt(cutoff)
                .and(users::last_login.is_null())
                .and(not(is_member))
                .and(not(recently_pinged));
            let idle_without_checks = users::last_login.lt(cutoff).and(not(owns_checks));
            users::table
                .filter(users::is_superuser.eq(false))
                .filter(not(shares_a_project))
                .filter(never_logged_in.or(idle_without_checks))
                .filter(users::id.gt(after))
                .order(users::id)
                .limit(BATCH)
                .select(users::id)
                .load(conn)
        },
        |conn, ids| diesel::delete(users::table.filter(users::id.eq_any(ids))).execute(conn),
    )
}

/// `prunenotifications`: delivered (or failed) notifications older than `older_than`,
/// except those the dashboard still shows: anything not older than the check's
/// oldest kept ping.
pub fn prune_notifications(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    older_than: Duration,
    mode: Mode,
    progress: Progress,
) -> Result<u64> {
    let cutoff = (now - older_than).naive_utc();
    delete_in_batches(
        conn,
        mode,
        progress,
        |conn, after| {
            let shown = exists(
                pings::table
                    .filter(pings::check_id.nullable().eq(notifications::check_id))
                    .filter(pings::created.le(notifications::created)),
            );
            notifications::table
                .filter(notifications::created.lt(cutoff))
                .filter(notifications::status.ne_all(["pending", "sending"]))
                .filter(not(shown))
                .filter(notifications::id.gt(after))
                .order(notifications::id)
                .limit(BATCH)
                .select(notifications::id)
                .load(conn)
        },
        |conn, ids| {
            diesel::delete(notifications::table.filter(notifications::id.eq_any(ids))).execute(conn)
        },
    )
}

/// The 2016 `pruneflips` horizon: the start of the month two months back, minus one
/// day (UTC), which keeps three calendar months of downtime history.
pub fn default_flip_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    let (mut year, mut month) = (now.year(), now.month());
    for _ in 0..2 {
        if month == 1 {
            year -= 1;
            month = 12;
        } else {
            month -= 1;
        }
    }
    let start = NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(now);
    start - Duration::days(1)
}

/// `pruneflips`: processed status changes created before `cutoff`.
pub fn prune_flips(
    conn: &mut DbConn,
    cutoff: DateTime<Utc>,
    mode: Mode,
    progress: Progress,
) -> Result<u64> {
    let cutoff = cutoff.naive_utc();
    delete_in_batches(
        conn,
        mode,
        progress,
        |conn, after| {
            flips::table
                .filter(flips::created.lt(cutoff))
                .filter(flips::processed.is_not_null())
                .filter(flips::id.gt(after))
                .order(flips::id)
                .limit(BATCH)
                .select(flips::id)
                .load(conn)
        },
        |conn, ids| diesel::delete(flips::table.filter(flips::id.eq_any(ids))).execute(conn),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_flip_horizon_is_three_months_back() {
        let at = |y, m, d| {
            Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
                .single()
                .unwrap_or_default()
        };
        let day = |y, m, d| {
            Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
                .single()
                .unwrap_or_default()
        };
        assert_eq!(default_flip_cutoff(at(2026, 11, 25)), day(2026, 8, 31));
        assert_eq!(default_flip_cutoff(at(2026, 2, 3)), day(2025, 11, 30));
        assert_eq!(default_flip_cutoff(at(2026, 1, 1)), day(2025, 10, 31));
    }
}
