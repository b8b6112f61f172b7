//! One ping's database work, inside the writer's transaction: find (or create) the
//! check under a row lock, validate in healthchecks' order, record the ping.

use std::collections::HashMap;

use diesel::prelude::*;
use hc_core::checks::{self as check_ops, By};
use hc_core::db::DbConn;
use hc_core::models::{ChannelCheck, Check, Ping};
use hc_core::ping::{self, Endpoint, PingPath, Target};
use hc_core::schema::{channel_checks, channels, checks, flips, pings, profiles, projects};

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
    /// Codes of changed checks, in the order they first changed.
    dirty: Vec<String>,
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
        if !self.dirty.contains(&check.code) {
            self.dirty.push(check.code.clone());
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
        DbConn::Sqlite(c) => load!(c,)?,
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
                    Some(check) => (check, true),
                    None => return Outcome::refused(Answer::SlugNotFound),
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

/// Writes the batch's changed checks back: one statement on PostgreSQL (a round trip
/// per check would dominate), one per check elsewhere.
pub fn flush(conn: &mut DbConn, prefetched: &Prefetched) -> QueryResult<()> {
    let dirty: Vec<&Check> = prefetched
        .dirty
        .iter()
        .filter_map(|code| prefetched.checks.get(code))
        .collect();
    if let (DbConn::Postgres(c), true) = (&mut *conn, dirty.len() > 1) {
        return update_many_pg(c, &dirty);
    }
    for check in dirty {
        diesel::update(checks::table.find(check.id))
            .set(PingChanges::of(check))
            .execute(conn)?;
    }
    Ok(())
}

fn update_many_pg(conn: &mut diesel::PgConnection, dirty: &[&Check]) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};
    const COLUMNS: usize = 9;
    let rows: Vec<String> = (0..dirty.len())
        .map(|row| {
            let n = |col: usize| row * COLUMNS + col;
            format!(
                "(${}::bigint, ${}::text, ${}::timestamp, ${}::timestamp, ${}::text, ${}::bigint, ${}::boolean, ${}::timestamp, ${}::bigint)",
                n(1), n(2), n(3), n(4), n(5), n(6), n(7), n(8), n(9)
            )
        })
        .collect();
    let sql = format!(
        "UPDATE checks SET status = v.status, last_ping = v.last_ping, last_start = v.last_start, \
         last_start_rid = v.last_start_rid, last_duration = v.last_duration, \
         has_confirmation_link = v.has_confirmation_link, alert_after = v.alert_after, n_pings = v.n_pings \
         FROM (VALUES {}) AS v(id, status, last_ping, last_start, last_start_rid, last_duration, \
         has_confirmation_link, alert_after, n_pings) WHERE checks.id = v.id",
        rows.join(", ")
    );
    let mut query = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
    for check in dirty {
        query = query
            .bind::<BigInt, _>(check.id)
            .bind::<Text, _>(check.status.clone())
            .bind::<Nullable<Timestamp>, _>(check.last_ping)
            .bind::<Nullable<Timestamp>, _>(check.last_start)
            .bind::<Nullable<Text>, _>(check.last_start_rid.clone())
            .bind::<Nullable<BigInt>, _>(check.last_duration)
            .bind::<Bool, _>(check.has_confirmation_link)
            .bind::<Nullable<Timestamp>, _>(check.alert_after)
            .bind::<BigInt, _>(check.n_pings);
    }
    query.execute(conn).map(|_| ())
}

/// Stores the batch's pings in one statement.
pub fn insert_pings(conn: &mut DbConn, rows: &[Ping]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    // Every backend has multi-row inserts, but the multi-connection does not offer them.
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(pings::table).values(rows).execute(c),
        DbConn::Postgres(c) => diesel::insert_into(pings::table).values(rows).execute(c),
        DbConn::Mysql(c) => diesel::insert_into(pings::table).values(rows).execute(c),
    }
}

/// The columns a ping can change: writing only these keeps the hot path short.
#[derive(AsChangeset)]
#[diesel(table_name = checks, treat_none_as_null = true)]
struct PingChanges<'a> {
    status: &'a str,
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
            status: &check.status,
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

/// `?create=1` on an unknown slug: a check named after the slug with every channel
/// of the project, unless the project is unknown or its owner is far over their limit.
fn provision(
    conn: &mut DbConn,
    ping_key: &str,
    slug: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<Option<Check>> {
    let Some((project_id, owner_id)) = projects::table
        .filter(projects::ping_key.eq(ping_key))
        .select((projects::id, projects::owner_id))
        .first::<(i64, i64)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
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
        return Ok(None);
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
        return Ok(None);
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
    Ok(Some(check))
}
