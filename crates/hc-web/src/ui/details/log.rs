//! `/checks/<uuid>/log/`: everything that happened to a check within its visible
//! ping window, newest first, a thousand events a page, with kind filters and live
//! updates from `/checks/<uuid>/log_events/`.

use actix_web::http::header::{HeaderName, HeaderValue, CACHE_CONTROL};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hc_core::checks::events::{self, Event, Page, Window};
use hc_core::db::DbConn;
use hc_core::models::User;
use serde::Serialize;

use super::live::fragment;
use super::rows::{self, Kinds, Row};
use super::{parse_stamp, seen, stamp, viewer_tz, Seen};
use crate::ui::{db, Form, PageError, Visitor};
use crate::State;

/// Events per page.
const PAGE: usize = 1000;

const KIND_LABELS: [(&str, &str); 6] = [
    ("success", "Success"),
    ("fail", "Failure"),
    ("start", "Start"),
    ("log", "Log"),
    ("ign", "Ignored"),
    ("flip", "Status changes"),
];

/// A timestamp parameter: absent, or a valid stamp (anything else is a 400).
fn stamp_param(query: &Form, name: &str) -> Result<Option<DateTime<Utc>>, PageError> {
    match query.get(name) {
        "" => Ok(None),
        value => parse_stamp(value)
            .map(Some)
            .ok_or_else(|| PageError::BadRequest(format!("“{name}” must be a Unix timestamp."))),
    }
}

fn load(
    conn: &mut DbConn,
    user: &User,
    code: &str,
    window: Window,
) -> Result<(Seen, String, i64, Page), PageError> {
    let seen = seen(conn, user, code)?;
    let zone = viewer_tz(conn, user)?;
    let limit = hc_core::prune::ping_limit(conn, seen.check.id)?;
    let page = events::page(conn, &seen.check, limit, window)?;
    Ok((seen, zone, limit, page))
}

#[derive(Serialize)]
struct KindOption {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Serialize)]
struct LogPage {
    code: String,
    name: String,
    project_code: String,
    rows: Vec<Row>,
    kinds: Kinds,
    kind_options: Vec<KindOption>,
    /// The query of the next (older) page, if there is one.
    older: String,
    /// Showing an older page: no live updates, a link back to the newest.
    paged: bool,
    filter_query: String,
    /// The newest event's stamp, where live updates continue from.
    last: String,
    ping_limit: i64,
}

pub async fn log(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let query = Form::parse(req.query_string().as_bytes());
    let end = stamp_param(&query, "end")?;
    let kinds = Kinds::from_query(&query);
    let window = Window {
        after: None,
        before: end,
        cap: PAGE,
    };
    let code = code.into_inner();
    let (seen, zone, ping_limit, page) =
        db(&state, move |conn| load(conn, &user, &code, window)).await?;
    let filter_query = kinds.query();
    let page = LogPage {
        code: seen.check.code.clone(),
        name: seen.check.name.clone(),
        project_code: seen.project.code.clone(),
        rows: rows::rows(&page.events, &zone),
        kind_options: KIND_LABELS
            .iter()
            .map(|(value, label)| KindOption {
                value,
                label,
                checked: kinds.shows(value),
            })
            .collect(),
        kinds,
        older: page
            .older
            .map(|t| format!("?end={}{filter_query}", stamp(t)))
            .unwrap_or_default(),
        paged: end.is_some(),
        last: page
            .events
            .first()
            .map_or_else(|| "0".to_owned(), |e| stamp(e.created())),
        filter_query,
        ping_limit,
    };
    visitor.render(&state, "checks/log.html", &page)
}

#[derive(Serialize)]
struct RowsFragment {
    code: String,
    rows: Vec<Row>,
    kinds: Kinds,
}

/// HTML rows of the events after `u` (and before `end`), of the kinds asked for; the
/// header `X-Last-Event-Timestamp` says where the next request should continue.
pub async fn log_events(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let Some(user) = visitor.user.clone() else {
        return Err(PageError::Forbidden("Log in to see this check.".into()));
    };
    let query = Form::parse(req.query_string().as_bytes());
    let after = stamp_param(&query, "u")?;
    let before = stamp_param(&query, "end")?;
    let kinds = Kinds::from_query(&query);
    let window = Window {
        after,
        before,
        cap: PAGE,
    };
    let code = code.into_inner();
    let (seen, zone, _, page) = db(&state, move |conn| load(conn, &user, &code, window)).await?;
    let last = page
        .events
        .first()
        .map(Event::created)
        .or(after)
        .map(stamp)
        .unwrap_or_default();
    let shown: Vec<Row> = rows::rows(&page.events, &zone)
        .into_iter()
        .filter(|r| kinds.shows(r.class))
        .collect();
    let html = fragment(
        &state,
        &visitor,
        "checks/log_rows.html",
        &RowsFragment {
            code: seen.check.code,
            rows: shown,
            kinds,
        },
    )?;
    let mut response = visitor
        .finish(HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(html);
    if let Ok(value) = HeaderValue::from_str(&last) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-last-event-timestamp"), value);
    }
    Ok(response)
}
