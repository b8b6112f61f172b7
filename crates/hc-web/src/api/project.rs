//! Project-wide endpoints: the list of integrations, the badge URLs, and the
//! operator's JSON metrics.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::dsl::max;
use diesel::prelude::*;
use hc_core::badge;
use hc_core::checks as ops;
use hc_core::schema::{flips, notifications, pings};
use serde::Serialize;

use super::auth::{authenticate, Need};
use super::{ApiError, Call};
use crate::State;

pub async fn channels(call: &Call) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Write);
    let channels = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Write, &secret)?;
            Ok(ops::channels_of_project(conn, access.project.id)?)
        })
        .await?;
    #[derive(Serialize)]
    struct ChannelJson {
        id: String,
        name: String,
        kind: String,
    }
    #[derive(Serialize)]
    struct Answer {
        channels: Vec<ChannelJson>,
    }
    let channels = channels
        .into_iter()
        .map(|c| ChannelJson {
            id: c.code,
            name: c.name,
            kind: c.kind,
        })
        .collect();
    Ok(call.json(StatusCode::OK, &Answer { channels }))
}

/// The six badge URLs of one tag (`*` = all checks), in healthchecks' key order.
#[derive(Serialize)]
struct BadgeUrls {
    svg: String,
    svg3: String,
    json: String,
    json3: String,
    shields: String,
    shields3: String,
}

fn badge_urls(site_root: &str, badge_key: &str, tag: &str, secret: &str) -> BadgeUrls {
    let url =
        |states, fmt| badge::project_badge_url(site_root, badge_key, tag, secret, states, fmt);
    use badge::States::{Three, Two};
    BadgeUrls {
        svg: url(Two, "svg"),
        svg3: url(Three, "svg"),
        json: url(Two, "json"),
        json3: url(Three, "json"),
        shields: url(Two, "shields"),
        shields3: url(Three, "shields"),
    }
}

pub async fn badges(call: &Call) -> Result<HttpResponse, ApiError> {
    let (key, secret) = call.key_without_body(Need::Read);
    let (project, checks) = call
        .db(move |conn| {
            let access = authenticate(conn, &key, Need::Read, &secret)?;
            let checks = ops::of_project(conn, access.project.id)?;
            Ok((access.project, checks))
        })
        .await?;
    let tags: BTreeSet<&str> = checks.iter().flat_map(|c| c.tags_list()).collect();
    let secret = call.state.config.secret_key.expose();
    let site_root = &call.state.config.site_root;
    // A map keyed by tag in sorted order, then "*": serde_json's map would re-sort it.
    let mut entries: Vec<(&str, BadgeUrls)> = tags
        .into_iter()
        .map(|tag| (tag, badge_urls(site_root, &project.badge_key, tag, secret)))
        .collect();
    entries.push(("*", badge_urls(site_root, &project.badge_key, "*", secret)));
    struct Ordered<'a>(Vec<(&'a str, BadgeUrls)>);
    impl Serialize for Ordered<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }
    #[derive(Serialize)]
    struct Answer<'a> {
        badges: Ordered<'a>,
    }
    Ok(call.json(
        StatusCode::OK,
        &Answer {
            badges: Ordered(entries),
        },
    ))
}

/// `metrics/`: for operators with `METRICS_KEY`, the newest ping and notification ids
/// and the flips still waiting for `sendalerts`.
pub async fn operator_metrics(state: &web::Data<State>, req: &HttpRequest) -> HttpResponse {
    let presented = req.headers().get("X-Metrics-Key").map(|v| v.as_bytes());
    let allowed = match (&state.config.metrics_key, presented) {
        (Some(key), Some(presented)) => {
            use subtle::ConstantTimeEq;
            bool::from(key.expose().as_bytes().ct_eq(presented))
        }
        _ => false,
    };
    if !allowed {
        return HttpResponse::Forbidden().finish();
    }
    let pool = state.pool.clone();
    let counts = web::block(move || -> Result<_, ApiError> {
        let mut conn = pool.get()?;
        let max_ping: Option<i64> = pings::table.select(max(pings::id)).first(&mut conn)?;
        let max_notification: Option<i64> = notifications::table
            .select(max(notifications::id))
            .first(&mut conn)?;
        let unprocessed: i64 = flips::table
            .filter(flips::processed.is_null())
            .count()
            .get_result(&mut conn)?;
        Ok((max_ping, max_notification, unprocessed))
    })
    .await;
    let (max_ping_id, max_notification_id, num_unprocessed_flips) = match counts {
        Ok(Ok(counts)) => counts,
        Ok(Err(e)) => return e.response(),
        Err(e) => return ApiError::Internal(e.to_string()).response(),
    };
    #[derive(Serialize)]
    struct Answer {
        ts: i64,
        max_ping_id: Option<i64>,
        max_notification_id: Option<i64>,
        num_unprocessed_flips: i64,
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .body(hc_core::compat::python_json(&Answer {
            ts: hc_core::time::now().timestamp(),
            max_ping_id,
            max_notification_id,
            num_unprocessed_flips,
        }))
}
