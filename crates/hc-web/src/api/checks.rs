//! The check endpoints: list, get, create (with `unique` upsert), update, delete,
//! pause, resume, and a check's pings, ping bodies and flips (spec §4.7).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::{DateTime, Duration, TimeZone, Utc};
use hc_core::checks::history::{self, FlipRange};
use hc_core::checks::{self as ops, CheckUpdate, Resumed};
use hc_core::db::DbConn;
use hc_core::models::Check;
use serde::Serialize;
use serde_json::Map;

use super::auth::{authenticate, body_object, presented_key, Access, Need};
use super::json::{self, Context, Schedules};
use super::{ApiError, Call};

/// How a check is named in the path.
pub enum Lookup<'a> {
    Code(&'a str),
    UniqueKey(&'a str),
}

/// Most pings a list shows, whatever the owner's ping log limit.
const MAX_PINGS_LISTED: i64 = 1000;

impl Call {
    fn context(&self, read_only: bool) -> Context<'_> {
        Context {
            site_root: &self.state.config.site_root,
            ping_endpoint: &self.state.config.ping_endpoint,
            version: self.version.as_str(),
            with_started: self.version.reports_started(),
            now: hc_core::time::now(),
            read_only,
        }
    }

    /// One check's JSON answer.
    fn check_answer(
        &self,
        status: StatusCode,
        check: &Check,
        channels: &[String],
        read_only: bool,
    ) -> HttpResponse {
        let ctx = self.context(read_only);
        let body = json::check(check, channels.join(","), &ctx, &mut Schedules::default());
        self.json(status, &body)
    }
}

/// Finds a check by UUID among all projects (404 page if none; 403 if another
/// project's), or by unique key within the key's project (404 empty if none).
fn find(conn: &mut DbConn, access: &Access, lookup: &Lookup) -> Result<Check, ApiError> {
    match lookup {
        Lookup::Code(code) => {
            let check = ops::find(conn, code)?.ok_or(ApiError::NotFoundPage)?;
            if check.project_id != Some(access.project.id) {
                return Err(ApiError::Forbidden);
            }
            Ok(check)
        }
        Lookup::UniqueKey(key) => ops::of_project(conn, access.project.id)?
            .into_iter()
            .find(|c| c.unique_key() == *key)
            .ok_or(ApiError::NotFoundEmpty),
    }
}

pub async fn list(call: &Call) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Read);
    let query = url::form_urlencoded::parse(call.req.query_string().as_bytes());
    let mut tags = Vec::new();
    let mut slug = None;
    for (name, value) in query {
        match name.as_ref() {
            "tag" => tags.push(value.into_owned()),
            "slug" => slug = Some(value.into_owned()),
            _ => {}
        }
    }
    let slug = slug.filter(|s| !s.is_empty());
    let (access, checks, mut channels) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Read, &secret)?;
            let checks = ops::of_project(conn, access.project.id)?;
            let channels = if access.read_only {
                Default::default()
            } else {
                ops::channel_codes(conn, access.project.id)?
            };
            Ok((access, checks, channels))
        })
        .await?;
    let ctx = call.context(access.read_only);
    let mut schedules = Schedules::default();
    let listed: Vec<_> = checks
        .iter()
        .filter(|c| slug.as_ref().is_none_or(|s| c.slug == *s))
        .filter(|c| {
            let own = c.tags_list();
            tags.iter().all(|t| own.contains(&t.as_str()))
        })
        .map(|c| {
            let codes = channels.remove(&c.id).unwrap_or_default();
            json::check(c, codes.join(","), &ctx, &mut schedules)
        })
        .collect();
    #[derive(Serialize)]
    struct Answer<'a> {
        checks: Vec<json::CheckJson<'a>>,
    }
    Ok(call.json(StatusCode::OK, &Answer { checks: listed }))
}

pub async fn get(call: &Call, code: &str) -> Result<HttpResponse, ApiError> {
    get_one(call, Lookup::Code(code)).await
}

pub async fn get_by_key(call: &Call, key: &str) -> Result<HttpResponse, ApiError> {
    get_one(call, Lookup::UniqueKey(key)).await
}

async fn get_one(call: &Call, lookup: Lookup<'_>) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Read);
    let lookup = owned(lookup);
    let (access, check, channels) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Read, &secret)?;
            let check = find(conn, &access, &lookup.as_ref())?;
            let channels = ops::channel_codes_of(conn, check.id)?;
            Ok((access, check, channels))
        })
        .await?;
    Ok(call.check_answer(StatusCode::OK, &check, &channels, access.read_only))
}

/// A [`Lookup`] that can move to the blocking pool.
enum OwnedLookup {
    Code(String),
    UniqueKey(String),
}

impl OwnedLookup {
    fn as_ref(&self) -> Lookup<'_> {
        match self {
            OwnedLookup::Code(c) => Lookup::Code(c),
            OwnedLookup::UniqueKey(k) => Lookup::UniqueKey(k),
        }
    }
}

fn owned(lookup: Lookup) -> OwnedLookup {
    match lookup {
        Lookup::Code(c) => OwnedLookup::Code(c.to_owned()),
        Lookup::UniqueKey(k) => OwnedLookup::UniqueKey(k.to_owned()),
    }
}

/// The request body as an object, and the read-write project it opens.
fn write_access(call: &Call) -> Result<(Map<String, serde_json::Value>, String, String), ApiError> {
    let body = body_object(&call.body)?;
    let key = presented_key(call, Need::Write, &body);
    Ok((body, key, call.secret()))
}

/// Resolves the request's channels, if it names any, within the project.
fn channel_ids(
    conn: &mut DbConn,
    project_id: i64,
    update: &CheckUpdate,
) -> Result<Option<Vec<i64>>, ApiError> {
    let Some(spec) = &update.channels else {
        return Ok(None);
    };
    let available = ops::channels_of_project(conn, project_id)?;
    ops::resolve_channels(spec, &available)
        .map(Some)
        .map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// Applies a validated update to a locked check and saves it with its channels.
fn apply_and_save(
    conn: &mut DbConn,
    mut check: Check,
    update: &CheckUpdate,
    channels: Option<&[i64]>,
    derive_slug: bool,
) -> Result<(Check, Vec<String>), ApiError> {
    update.apply(&mut check, derive_slug);
    ops::save(conn, &check)?;
    if let Some(ids) = channels {
        ops::set_channels(conn, check.id, ids)?;
    }
    let codes = ops::channel_codes_of(conn, check.id)?;
    Ok((check, codes))
}

pub async fn create(call: &Call) -> Result<HttpResponse, ApiError> {
    let (body, key, secret) = write_access(call)?;
    let derive_slug = call.version.derives_slug();
    let (status, check, channels) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            let update =
                CheckUpdate::from_json(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            let project = access.project;
            conn.write_tx(|conn| {
                ops::lock_project(conn, project.id)?;
                if let Some(fields) = update.unique_lookup() {
                    let existing = ops::of_project(conn, project.id)?
                        .into_iter()
                        .find(|c| update.is_same_check(c, fields));
                    if let Some(existing) = existing {
                        let ids = channel_ids(conn, project.id, &update)?;
                        let locked = ops::lock(conn, ops::By::Id(existing.id))?
                            .ok_or(ApiError::NotFoundEmpty)?;
                        let (check, codes) =
                            apply_and_save(conn, locked, &update, ids.as_deref(), derive_slug)?;
                        return Ok((StatusCode::OK, check, codes));
                    }
                }
                if !ops::owner_has_room(conn, project.owner_id)? {
                    return Err(ApiError::Forbidden);
                }
                let ids = channel_ids(conn, project.id, &update)?;
                let new = ops::insert(
                    conn,
                    &Check::new(Some(project.id), hc_core::time::now().naive_utc()),
                )?;
                let (check, codes) =
                    apply_and_save(conn, new, &update, ids.as_deref(), derive_slug)?;
                Ok((StatusCode::CREATED, check, codes))
            })
        })
        .await?;
    Ok(call.check_answer(status, &check, &channels, false))
}

pub async fn update(call: &Call, code: &str) -> Result<HttpResponse, ApiError> {
    let (body, key, secret) = write_access(call)?;
    let derive_slug = call.version.derives_slug();
    let code = code.to_owned();
    let (check, channels) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            let found = find(conn, &access, &Lookup::Code(&code))?;
            let update =
                CheckUpdate::from_json(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            let ids = channel_ids(conn, access.project.id, &update)?;
            conn.write_tx(|conn| {
                // Deleted since it was found: healthchecks answers an empty 404.
                let locked =
                    ops::lock(conn, ops::By::Id(found.id))?.ok_or(ApiError::NotFoundEmpty)?;
                apply_and_save(conn, locked, &update, ids.as_deref(), derive_slug)
            })
        })
        .await?;
    Ok(call.check_answer(StatusCode::OK, &check, &channels, false))
}

pub async fn delete(call: &Call, code: &str) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Write);
    let code = code.to_owned();
    let check = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            let check = find(conn, &access, &Lookup::Code(&code))?;
            ops::delete(conn, check.id)?;
            Ok(check)
        })
        .await?;
    // The channel links went with the check.
    Ok(call.check_answer(StatusCode::OK, &check, &[], false))
}

pub async fn pause(call: &Call, code: &str) -> Result<HttpResponse, ApiError> {
    let (_, key, secret) = write_access(call)?;
    let code = code.to_owned();
    let (check, channels) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            let found = find(conn, &access, &Lookup::Code(&code))?;
            let check =
                ops::pause(conn, found.id, hc_core::time::now())?.ok_or(ApiError::NotFoundEmpty)?;
            let channels = ops::channel_codes_of(conn, check.id)?;
            Ok((check, channels))
        })
        .await?;
    Ok(call.check_answer(StatusCode::OK, &check, &channels, false))
}

pub async fn resume(call: &Call, code: &str) -> Result<HttpResponse, ApiError> {
    let (_, key, secret) = write_access(call)?;
    let code = code.to_owned();
    let (check, channels) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            let found = find(conn, &access, &Lookup::Code(&code))?;
            let check = match ops::resume(conn, found.id, hc_core::time::now())? {
                Resumed::Resumed(check) => *check,
                Resumed::NotPaused => return Err(ApiError::NotPaused),
                Resumed::Gone => return Err(ApiError::NotFoundEmpty),
            };
            let channels = ops::channel_codes_of(conn, check.id)?;
            Ok((check, channels))
        })
        .await?;
    Ok(call.check_answer(StatusCode::OK, &check, &channels, false))
}

pub async fn pings(call: &Call, code: &str) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Write);
    let code = code.to_owned();
    let (check, rows) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            let check = find(conn, &access, &Lookup::Code(&code))?;
            let limit = hc_core::prune::ping_limit(conn, check.id)?.min(MAX_PINGS_LISTED);
            let rows = history::recent_pings(conn, check.id, limit)?;
            Ok((check, rows))
        })
        .await?;
    let body_base = format!(
        "{}/api/{}/checks/{}/pings",
        call.state.config.site_root,
        call.version.as_str(),
        check.code
    );
    let listed: Vec<json::PingJson> = rows
        .into_iter()
        .map(|(ping, duration)| {
            let body_url = match (ping.has_body, ping.n) {
                (Some(true), Some(n)) => Some(format!("{body_base}/{n}/body")),
                _ => None,
            };
            json::ping(ping, body_url, duration)
        })
        .collect();
    #[derive(Serialize)]
    struct Answer {
        pings: Vec<json::PingJson>,
    }
    Ok(call.json(StatusCode::OK, &Answer { pings: listed }))
}

pub async fn ping_body(call: &Call, code: &str, n: u64) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Write);
    let code = code.to_owned();
    let body = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            let check = find(conn, &access, &Lookup::Code(&code))?;
            let n = i64::try_from(n).map_err(|_| ApiError::NotFoundPage)?;
            let limit = hc_core::prune::ping_limit(conn, check.id)?;
            // Pings past the log limit are gone as far as users can tell, even before
            // a prune has removed them.
            if n <= check.n_pings - limit {
                return Err(ApiError::NotFoundPage);
            }
            match history::ping_body(conn, check.id, n)? {
                Some(Some(body)) if !body.is_empty() => Ok(body),
                _ => Err(ApiError::NotFoundPage),
            }
        })
        .await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body(body))
}

pub async fn flips(call: &Call, lookup: Lookup<'_>) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Read);
    let range = flip_range(call.req.query_string(), hc_core::time::now())?;
    let lookup = owned(lookup);
    let flips = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Read, &secret)?;
            let check = find(conn, &access, &lookup.as_ref())?;
            Ok(history::flips(conn, check.id, range)?)
        })
        .await?;
    #[derive(Serialize)]
    struct Answer {
        flips: Vec<json::FlipJson>,
    }
    let flips = flips.iter().map(json::flip).collect();
    Ok(call.json(StatusCode::OK, &Answer { flips }))
}

/// `start`, `end` (Unix times, 0..=10^10) and `seconds` (0..=one year), each 0 or
/// empty for no filter, as healthchecks' form treats them. Anything else is an empty 400.
fn flip_range(query: &str, now: DateTime<Utc>) -> Result<FlipRange, ApiError> {
    let (mut start, mut end, mut seconds) = (None, None, None);
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let bounded = |max: i64| -> Result<Option<i64>, ApiError> {
            if value.is_empty() {
                return Ok(None);
            }
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| ApiError::BadRequestEmpty)?;
            if (0..=max).contains(&n) {
                Ok(Some(n).filter(|n| *n != 0))
            } else {
                Err(ApiError::BadRequestEmpty)
            }
        };
        match name.as_ref() {
            "start" => start = bounded(10_000_000_000)?,
            "end" => end = bounded(10_000_000_000)?,
            "seconds" => seconds = bounded(31_536_000)?,
            _ => {}
        }
    }
    let at = |ts: i64| Utc.timestamp_opt(ts, 0).single();
    let since = [
        start.and_then(at),
        seconds.map(|s| now - Duration::seconds(s)),
    ]
    .into_iter()
    .flatten()
    .max();
    Ok(FlipRange {
        since,
        until: end.and_then(at),
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn flip_filters() {
        let now = Utc.timestamp_opt(2_000_000_000, 0).unwrap();
        let r = flip_range("start=100&end=200", now).unwrap();
        assert_eq!(r.since, Utc.timestamp_opt(100, 0).single());
        assert_eq!(r.until, Utc.timestamp_opt(200, 0).single());
        assert_eq!(
            flip_range("seconds=0&start=0&end=", now).unwrap(),
            FlipRange::default()
        );
        // Both lower bounds apply.
        assert_eq!(
            flip_range("start=100&seconds=60", now).unwrap().since,
            Some(now - Duration::seconds(60))
        );
        assert_eq!(
            flip_range("seconds=60", now).unwrap().since,
            Some(now - Duration::seconds(60))
        );
        for bad in [
            "start=-1",
            "end=x",
            "seconds=31536001",
            "start=10000000001",
            "seconds=1.5",
        ] {
            assert!(
                matches!(flip_range(bad, now), Err(ApiError::BadRequestEmpty)),
                "{bad}"
            );
        }
    }
}
