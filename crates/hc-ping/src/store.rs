//! One ping's database work, inside the writer's transaction: find (or create) the
//! check under a row lock, validate in healthchecks' order, record the ping.

use diesel::prelude::*;
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

pub fn process(
    conn: &mut DbConn,
    request: &Request,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<(Answer, Option<PruneDue>)> {
    let (check, created) = match &request.path.target {
        Target::Uuid(code) => match check_id_by_code(conn, code)? {
            Some(id) => match lock_check(conn, id)? {
                Some(check) => (check, false),
                None => return Ok((Answer::NotFound, None)),
            },
            None => return Ok((Answer::NotFound, None)),
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
                [id] => match lock_check(conn, *id)? {
                    Some(check) => (check, false),
                    None => return Ok((Answer::SlugNotFound, None)),
                },
                [] if request.create => match provision(conn, ping_key, slug, now)? {
                    Some(check) => (check, true),
                    None => return Ok((Answer::SlugNotFound, None)),
                },
                [] => return Ok((Answer::SlugNotFound, None)),
                _ => return Ok((Answer::Ambiguous, None)),
            }
        }
    };
    if let Endpoint::ExitStatus(status) = request.path.endpoint {
        if status > 255 {
            return Ok((Answer::InvalidUrlFormat, None));
        }
    }
    let Ok(rid) = &request.rid else {
        return Ok((Answer::InvalidUuid, None));
    };
    let action = ping::classify(
        request.path.endpoint,
        &check,
        &request.method,
        &request.body,
    );
    let mut check = check;
    let recorded = ping::record(&mut check, action, rid.as_deref(), &request.body, now);
    diesel::update(checks::table.find(check.id))
        .set(&check)
        .execute(conn)?;
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
    diesel::insert_into(pings::table)
        .values(&row)
        .execute(conn)?;
    let prune = (check.n_pings % 100 == 0).then_some(PruneDue {
        check_id: check.id,
        n_pings: check.n_pings,
    });
    Ok((if created { Answer::Created } else { Answer::Ok }, prune))
}

/// Reads a check and locks its row until commit (`FOR UPDATE`; SQLite's write
/// transaction already excludes every other writer), so concurrent pings of one check
/// from several receivers apply one after another.
fn lock_check(conn: &mut DbConn, id: i64) -> QueryResult<Option<Check>> {
    let query = || checks::table.find(id);
    match conn {
        DbConn::Sqlite(c) => query().select(Check::as_select()).first(c).optional(),
        DbConn::Postgres(c) => query()
            .select(Check::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Mysql(c) => query()
            .select(Check::as_select())
            .for_update()
            .first(c)
            .optional(),
    }
}

fn check_id_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<i64>> {
    checks::table
        .filter(checks::code.eq(code))
        .select(checks::id)
        .first(conn)
        .optional()
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
    let Some(check) = check_id_by_code(conn, &new.code)?
        .map(|id| lock_check(conn, id))
        .transpose()?
        .flatten()
    else {
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
