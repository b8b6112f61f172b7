//! One ping's database work, inside the writer's transaction: find (or create) the
//! check under a row lock, validate in healthchecks' order, record the ping.

use std::collections::HashMap;

use diesel::prelude::*;
use hc_core::checks::{self as check_ops, By};
use hc_core::db::{DbConn, InJsonArray, UpdateWhere};
use hc_core::models::{ChannelCheck, Check, Ping};
use hc_core::ping::{self, Endpoint, PingPath, Target};
use hc_core::schema::{channel_checks, channels, checks, flips, pings, profiles, projects};

use crate::pg_batch::{InsertPings, UpdateChecks};

/// What the receiver learned from the request before touching the database.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: PingPath,
    /// `?create=1`.
    pub create: bool,
    /// `?rid=`, validated only after the check is found (as healthchecks does).
    pub rid: Result<Option<String>, ping::RidError>,
    pub method: String,
    pub scheme: String,
    pub remote_addr: Option<String>,
    pub ua: String,
    /// Already cut to `PING_BODY_LIMIT`.
    pub body: Vec<u8>,
}

/// The answer for one ping, decided inside the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Ok,
    Created,
    /// No check with this UUID.
    NotFound,
    /// No check with this slug (and none created).
    SlugNotFound,
    Ambiguous,
    /// Exit status over 255.
    InvalidUrlFormat,
    /// A `rid` that is not a UUID.
    InvalidUuid,
}

/// Set when a ping's counter reaches a multiple of 100: prune after commit.
#[derive(Debug, Clone, Copy)]
pub struct PruneDue {
    pub check_id: i64,
    pub n_pings: i64,
}

/// What one request leads to: its answer, and the ping row the batch inserts for it.
pub struct Outcome {
    pub answer: Answer,
    pub ping: Option<Ping>,
    pub prune: Option<PruneDue>,
}

impl Outcome {
    fn refused(answer: Answer) -> QueryResult<Outcome> {
        Ok(Outcome {
            answer,
            ping: None,
            prune: None,
        })
    }
}

/// The checks of a batch: those pinged by UUID are read and locked with one query (in
/// id order, so that receivers sharing a database lock rows in the same order). Pings
/// change these copies; [`flush`] writes the changed ones back once, at the end.
pub struct Prefetched {
    checks: HashMap<String, Check>,
    /// Codes of changed checks, in the order they first changed, with the status
    /// they had in the database (`None` for a check this batch created).
    dirty: Vec<(String, Option<String>)>,
}

impl Prefetched {
    fn new(checks: HashMap<String, Check>) -> Self {
        Prefetched {
            checks,
            dirty: Vec::new(),
        }
    }

    /// The batch's current copy of a check read from the database.
    fn current(&mut self, from_db: Check) -> Check {
        self.checks
            .entry(from_db.code.clone())
            .or_insert(from_db)
            .clone()
    }

    fn changed(&mut self, check: Check) {
        if !self.dirty.iter().any(|(code, _)| *code == check.code) {
            let stored = self.checks.get(&check.code).map(|c| c.status.clone());
            self.dirty.push((check.code.clone(), stored));
        }
        self.checks.insert(check.code.clone(), check);
    }
}

pub fn prefetch(conn: &mut DbConn, requests: &[&Request]) -> QueryResult<Prefetched> {
    let codes: Vec<&str> = requests
        .iter()
        .filter_map(|r| match &r.path.target {
            Target::Uuid(code) => Some(code.as_str()),
            Target::Slug { .. } => None,
        })
        .collect();
    if codes.is_empty() {
        return Ok(Prefetched::new(HashMap::new()));
    }
    macro_rules! load {
        ($c:expr, $($lock:tt)*) => {
            checks::table
                .filter(checks::code.eq_any(&codes))
                .order(checks::id)
                .select(Check::as_select())
                $($lock)*
                .load($c)
        };
    }
    let found: Vec<Check> = match conn {
        // `IN (SELECT value FROM json_each(?))`: one statement whatever the batch's
        // size, kept prepared, where `IN (?, ?, ...)` is parsed again for every length.
        DbConn::Sqlite(c) => checks::table
            .filter(InJsonArray::new(checks::code, &codes)?)
            .order(checks::id)
            .select(Check::as_select())
            .load(c)?,
        DbConn::Postgres(c) => load!(c, .for_update())?,
        DbConn::Mysql(c) => load!(c, .for_update())?,
    };
    Ok(Prefetched::new(
        found.into_iter().map(|c| (c.code.clone(), c)).collect(),
    ))
}

pub fn process(
    conn: &mut DbConn,
    prefetched: &mut Prefetched,
    request: &Request,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<Outcome> {
    let (check, created) = match &request.path.target {
        Target::Uuid(code) => match prefetched.checks.get(code) {
            Some(check) => (check.clone(), false),
            None => return Outcome::refused(Answer::NotFound),
        },
        Target::Slug { ping_key, slug } => {
            let ids: Vec<i64> = checks::table
                .inner_join(projects::table)
                .filter(projects::ping_key.eq(ping_key))
                .filter(checks::slug.eq(slug))
                .select(checks::id)
                .limit(2)
                .load(conn)?;
            match ids.as_slice() {
                [id] => match check_ops::lock(conn, By::Id(*id))? {
                    Some(check) => (prefetched.current(check), false),
                    None => return Outcome::refused(Answer::SlugNotFound),
                },
                [] if request.create => match provision(conn, ping_key, slug, now)? {
                    Provisioned::Created(check) => (check, true),
                    Provisioned::Existing(check) => (prefetched.current(check), false),
                    Provisioned::Ambiguous => return Outcome::refused(Answer::Ambiguous),
                    Provisioned::Refused => return Outcome::refused(Answer::SlugNotFound),
                },
                [] => return Outcome::refused(Answer::SlugNotFound),
                _ => return Outcome::refused(Answer::Ambiguous),
            }
        }
    };
    if let Endpoint::ExitStatus(status) = request.path.endpoint {
        if status > 255 {
            return Outcome::refused(Answer::InvalidUrlFormat);
        }
    }
    let Ok(rid) = &request.rid else {
        return Outcome::refused(Answer::InvalidUuid);
    };
    let action = ping::classify(
        request.path.endpoint,
        &check,
        &request.method,
        &request.body,
    );
    let mut check = check;
    let recorded = ping::record(&mut check, action, rid.as_deref(), &request.body, now);
    prefetched.changed(check.clone());
    if let Some(flip) = &recorded.flip {
        diesel::insert_into(flips::table)
            .values(flip)
            .execute(conn)?;
    }
    let exitstatus = match request.path.endpoint {
        // At most 255 here, so the conversion cannot fail.
        Endpoint::ExitStatus(status) => i32::try_from(status).ok(),
        _ => None,
    };
    let row = Ping {
        id: 0,
        check_id: check.id,
        n: Some(check.n_pings),
        created: now.naive_utc(),
        kind: recorded.action.kind().map(str::to_owned),
        scheme: request.scheme.clone(),
        remote_addr: request.remote_addr.clone(),
        method: request.method.clone(),
        ua: request.ua.clone(),
        body: Some(request.body.clone()),
        exitstatus,
        rid: rid.clone(),
    };
    let prune = (check.n_pings % 100 == 0).then_some(PruneDue {
        check_id: check.id,
        n_pings: check.n_pings,
    });
    Ok(Outcome {
        answer: if created { Answer::Created } else { Answer::Ok },
        ping: Some(row),
        prune,
    })
}

/// Writes the batch's changed checks back: one statement on PostgreSQL (a round
/// trip per check would dominate; see [`crate::pg_batch`]), and on SQLite and MySQL
/// one statement per check, of one shape so that it stays prepared. Each runs on the
/// backend's own connection: through the multi-connection, diesel prepares every
/// statement anew.
///
/// One by one, `status` is written only when it changed: SQLite rewrites an index
/// entry for every indexed column named in an UPDATE, changed or not, and `status`
/// is in `(project_id, status)`; leaving it out saves that on almost every ping.
pub fn flush(conn: &mut DbConn, prefetched: &Prefetched) -> QueryResult<()> {
    let dirty: Vec<(&Check, bool)> = prefetched
        .dirty
        .iter()
        .filter_map(|(code, stored)| {
            let check = prefetched.checks.get(code)?;
            Some((check, stored.as_deref() != Some(check.status.as_str())))
        })
        .collect();
    macro_rules! one_by_one {
        ($c:expr) => {{
            for (check, status_changed) in &dirty {
                let changes = PingChanges::of(check);
                // Two shapes, both kept prepared (diesel parses its own UPDATEs anew).
                let target = checks::id.eq(check.id);
                if *status_changed {
                    let status = checks::status.eq(&check.status);
                    UpdateWhere::new(checks::table, (status, changes), target).execute($c)?;
                } else {
                    UpdateWhere::new(checks::table, changes, target).execute($c)?;
                }
            }
            Ok(())
        }};
    }
    match conn {
        DbConn::Postgres(_) if dirty.is_empty() => Ok(()),
        DbConn::Postgres(c) => {
            let checks: Vec<&Check> = dirty.iter().map(|(check, _)| *check).collect();
            UpdateChecks::of(&checks).execute(c).map(|_| ())
        }
        DbConn::Sqlite(c) => one_by_one!(c),
        DbConn::Mysql(c) => one_by_one!(c),
    }
}

/// Stores the batch's pings: on PostgreSQL one statement of one shape (see
/// [`crate::pg_batch`]), on MySQL one multi-row statement (the multi-connection
/// does not offer those), and on SQLite one prepared one-row statement per ping,
/// which beats parsing a statement that changes with the batch.
pub fn insert_pings(conn: &mut DbConn, rows: &[Ping]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    match conn {
        DbConn::Sqlite(c) => {
            for row in rows {
                diesel::insert_into(pings::table).values(row).execute(c)?;
            }
            Ok(rows.len())
        }
        DbConn::Postgres(c) => InsertPings::of(rows).execute(c),
        DbConn::Mysql(c) => diesel::insert_into(pings::table).values(rows).execute(c),
    }
}

/// The columns a ping changes, but for `status` (see [`flush`]): writing only these
/// keeps the hot path short.
#[derive(AsChangeset)]
#[diesel(table_name = checks, treat_none_as_null = true)]
struct PingChanges<'a> {
    last_ping: Option<chrono::NaiveDateTime>,
    last_start: Option<chrono::NaiveDateTime>,
    last_start_rid: Option<&'a str>,
    last_duration: Option<i64>,
    has_confirmation_link: bool,
    alert_after: Option<chrono::NaiveDateTime>,
    n_pings: i64,
}

impl<'a> PingChanges<'a> {
    fn of(check: &'a Check) -> Self {
        PingChanges {
            last_ping: check.last_ping,
            last_start: check.last_start,
            last_start_rid: check.last_start_rid.as_deref(),
            last_duration: check.last_duration,
            has_confirmation_link: check.has_confirmation_link,
            alert_after: check.alert_after,
            n_pings: check.n_pings,
        }
    }
}

/// What `?create=1` found or made.
enum Provisioned {
    Created(Check),
    /// Another transaction made it first (another writer or receiver).
    Existing(Check),
    Ambiguous,
    /// No such project, or its owner is far over their limit.
    Refused,
}

/// `?create=1` on an unknown slug: a check named after the slug with every channel
/// of the project, unless the project is unknown or its owner is far over their limit.
///
/// The project's row is locked first and the slug looked up again under the lock
/// (with a locking read, which sees the latest commit even in MySQL's repeatable
/// reads): two receivers, or two writers of one, creating the same new slug at the
/// same moment make one check, and the second ping lands on it.
fn provision(
    conn: &mut DbConn,
    ping_key: &str,
    slug: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<Provisioned> {
    macro_rules! project {
        () => {
            projects::table
                .filter(projects::ping_key.eq(ping_key))
                .select((projects::id, projects::owner_id))
        };
    }
    let found: Option<(i64, i64)> = match conn {
        DbConn::Sqlite(c) => project!().first(c).optional()?,
        DbConn::Postgres(c) => project!().for_update().first(c).optional()?,
        DbConn::Mysql(c) => project!().for_update().first(c).optional()?,
    };
    let Some((project_id, owner_id)) = found else {
        return Ok(Provisioned::Refused);
    };
    macro_rules! same_slug {
        () => {
            checks::table
                .filter(checks::project_id.eq(project_id))
                .filter(checks::slug.eq(slug))
                .select(checks::id)
                .limit(2)
        };
    }
    let ids: Vec<i64> = match conn {
        DbConn::Sqlite(c) => same_slug!().load(c)?,
        DbConn::Postgres(c) => same_slug!().for_update().load(c)?,
        DbConn::Mysql(c) => same_slug!().for_update().load(c)?,
    };
    match ids.as_slice() {
        [] => {}
        [id] => {
            return Ok(match check_ops::lock(conn, By::Id(*id))? {
                Some(check) => Provisioned::Existing(check),
                None => Provisioned::Refused,
            })
        }
        _ => return Ok(Provisioned::Ambiguous),
    }
    let limit: i64 = profiles::table
        .filter(profiles::user_id.eq(owner_id))
        .select(profiles::check_limit)
        .first(conn)
        .optional()?
        .unwrap_or(10_000);
    let owned: i64 = checks::table
        .inner_join(projects::table)
        .filter(projects::owner_id.eq(owner_id))
        .count()
        .get_result(conn)?;
    if owned >= 2 * limit {
        return Ok(Provisioned::Refused);
    }
    let new = Check {
        name: slug.to_owned(),
        slug: slug.to_owned(),
        ..Check::new(Some(project_id), now.naive_utc())
    };
    diesel::insert_into(checks::table)
        .values(&new)
        .execute(conn)?;
    let Some(check) = check_ops::lock(conn, By::Code(&new.code))? else {
        return Ok(Provisioned::Refused);
    };
    let channel_ids: Vec<i64> = channels::table
        .filter(channels::project_id.eq(project_id))
        .select(channels::id)
        .load(conn)?;
    // One row per statement: multi-row inserts are not portable across the backends.
    for channel_id in channel_ids {
        diesel::insert_into(channel_checks::table)
            .values(ChannelCheck {
                channel_id,
                check_id: check.id,
            })
            .execute(conn)?;
    }
    Ok(Provisioned::Created(check))
}
