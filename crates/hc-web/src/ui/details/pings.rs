//! One ping up close: `/checks/<uuid>/pings/<n>/` (and `/last_ping/`) show what hc
//! stored about it, `/pings/<n>/body/` downloads its body. Only pings within the
//! visible window (the owner's `ping_log_limit` newest) can be seen.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::checks::events::visible_after;
use hc_core::db::DbConn;
use hc_core::models::{Ping, User};
use hc_core::schema::pings;
use hc_core::time::utc;
use serde::Serialize;

use super::{seen, viewer_tz, words, Seen};
use crate::ui::{db, PageError, Visitor};
use crate::State;

/// Which ping: number `n`, or the newest.
#[derive(Clone, Copy)]
enum Which {
    N(i64),
    Last,
}

fn find(
    conn: &mut DbConn,
    user: &User,
    code: &str,
    which: Which,
) -> Result<(Seen, Ping), PageError> {
    let seen = seen(conn, user, code)?;
    let limit = hc_core::prune::ping_limit(conn, seen.check.id)?;
    let query = pings::table
        .filter(pings::check_id.eq(seen.check.id))
        .filter(pings::n.gt(visible_after(&seen.check, limit)))
        .select(Ping::as_select())
        .into_boxed();
    let query = match which {
        Which::N(n) => query.filter(pings::n.eq(n)).order(pings::id.desc()),
        Which::Last => query.order((pings::created.desc(), pings::id.desc())),
    };
    let ping = query.first(conn).optional()?.ok_or(PageError::NotFound)?;
    Ok((seen, ping))
}

fn number(n: &str) -> Result<i64, PageError> {
    n.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(PageError::NotFound)
}

#[derive(Serialize)]
struct PingPage {
    code: String,
    name: String,
    n: Option<i64>,
    label: String,
    class: &'static str,
    time: String,
    source: String,
    scheme: String,
    remote_addr: String,
    method: String,
    ua: String,
    rid: String,
    exitstatus: Option<i32>,
    /// The body, when there is one and it is text.
    body_text: Option<String>,
    /// The body is binary: only its size is shown, and a download link.
    body_binary: bool,
    body_size: usize,
}

async fn show(
    state: web::Data<State>,
    req: HttpRequest,
    code: String,
    which: Which,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let (seen, ping, zone) = db(&state, move |conn| {
        let (seen, ping) = find(conn, &user, &code, which)?;
        let zone = viewer_tz(conn, &user)?;
        Ok((seen, ping, zone))
    })
    .await?;
    let body = ping.body.unwrap_or_default();
    let body_size = body.len();
    let (body_text, body_binary) = match String::from_utf8(body) {
        Ok(text) if text.is_empty() => (None, false),
        Ok(text) => (Some(text), false),
        Err(_) => (None, true),
    };
    let page = PingPage {
        code: seen.check.code,
        name: seen.check.name,
        n: ping.n,
        label: words::ping_kind(ping.kind.as_deref(), ping.exitstatus),
        class: words::ping_class(ping.kind.as_deref()),
        time: words::local_time(utc(ping.created), &zone),
        source: words::source(&ping.scheme, &ping.method, ping.remote_addr.as_deref()),
        scheme: ping.scheme,
        remote_addr: ping.remote_addr.unwrap_or_default(),
        method: ping.method,
        ua: ping.ua,
        rid: ping.rid.unwrap_or_default(),
        exitstatus: ping.exitstatus,
        body_text,
        body_binary,
        body_size,
    };
    visitor.render(&state, "checks/ping_details.html", &page)
}

pub async fn ping(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (code, n) = path.into_inner();
    let n = number(&n)?;
    show(state, req, code, Which::N(n)).await
}

pub async fn last_ping(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    show(state, req, code.into_inner(), Which::Last).await
}

/// The body as stored, byte for byte, as a download.
pub async fn body(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let (code, n) = path.into_inner();
    let n = number(&n)?;
    let (check_code, body) = db(&state, move |conn| {
        let (seen, ping) = find(conn, &user, &code, Which::N(n))?;
        match ping.body {
            Some(body) if !body.is_empty() => Ok((seen.check.code, body)),
            _ => Err(PageError::NotFound),
        }
    })
    .await?;
    Ok(visitor
        .finish(HttpResponse::Ok())
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{check_code}-{n}.txt\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
