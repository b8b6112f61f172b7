//! The live parts of the details page: `/checks/<uuid>/status/` answers the status,
//! its sentence, the title and (when they changed) the recent events and downtime
//! summary, for `static/details.js` to put in place without a reload.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use hc_core::checks::downtime;
use hc_core::checks::events::{self, Event, Window};
use hc_core::db::DbConn;
use hc_core::models::{Flip, User};
use hc_core::schema::flips;
use hc_core::status::Status;
use hc_core::time;
use hc_integrations::context::duration_in_words;
use serde::Serialize;

use super::rows::{self, Row};
use super::words;
use super::{seen, stamp, viewer_tz, Seen};
use crate::ui::{db, Form, PageError, Visitor};
use crate::State;

/// Events the details page lists.
const RECENT_EVENTS: usize = 30;
/// Months the downtime summary covers.
const MONTHS: usize = 3;

/// What the live parts of the page are made of.
pub(super) struct Live {
    pub seen: Seen,
    pub zone: String,
    pub events: Vec<Event>,
    pub downtimes: Vec<downtime::Downtime>,
    pub last_flip: Option<Flip>,
}

pub(super) fn load_live(
    conn: &mut DbConn,
    user: &User,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Live, PageError> {
    let seen = seen(conn, user, code)?;
    let zone = viewer_tz(conn, user)?;
    let limit = hc_core::prune::ping_limit(conn, seen.check.id)?;
    let window = Window {
        after: None,
        before: None,
        cap: RECENT_EVENTS,
    };
    let events = events::page(conn, &seen.check, limit, window)?.events;
    let downtimes = downtime::last_months(conn, &seen.check, &zone, now, MONTHS)?;
    let last_flip = flips::table
        .filter(flips::check_id.eq(seen.check.id))
        .order((flips::created.desc(), flips::id.desc()))
        .select(Flip::as_select())
        .first(conn)
        .optional()?;
    Ok(Live {
        seen,
        zone,
        events,
        downtimes,
        last_flip,
    })
}

#[derive(Serialize)]
pub(super) struct MonthRow {
    month: String,
    downtime: String,
    outages: u32,
    no_data: bool,
}

pub(super) fn month_rows(downtimes: &[downtime::Downtime], zone: &str) -> Vec<MonthRow> {
    downtimes
        .iter()
        .rev()
        .map(|d| MonthRow {
            month: words::local_month(d.start, zone),
            downtime: duration_in_words(d.duration),
            outages: d.outages,
            no_data: d.no_data,
        })
        .collect()
}

/// The status as the page shows it, and the sentence that explains it.
pub(super) fn status_of(live: &Live, now: DateTime<Utc>) -> (Status, String) {
    let check = &live.seen.check;
    let status = check.status_or_stored(now, false);
    let text = words::status_sentence(check, status, now, live.last_flip.as_ref());
    (status, text)
}

/// The browser tab's title; a down check says so first.
pub(super) fn title(name: &str, status: Status, site_name: &str) -> String {
    let name = if name.is_empty() { "unnamed" } else { name };
    if status == Status::Down {
        format!("DOWN – {name} – {site_name}")
    } else {
        format!("{name} – {site_name}")
    }
}

/// The newest event's [`stamp`], which the live refresh compares to know whether the
/// events changed; "1" when there are none.
pub(super) fn updated(events: &[Event]) -> String {
    events
        .first()
        .map_or_else(|| "1".to_owned(), |e| stamp(e.created()))
}

#[derive(Serialize)]
struct FragmentBase<'a> {
    prefix: &'a str,
}

#[derive(Serialize)]
struct Fragment<'a, T> {
    base: FragmentBase<'a>,
    #[serde(flatten)]
    page: &'a T,
}

/// Renders a piece of a page (rows, the status line) for scripts to put in place.
pub(super) fn fragment<T: Serialize>(
    state: &State,
    visitor: &Visitor,
    template: &str,
    page: &T,
) -> Result<String, PageError> {
    let prefix = visitor.path("");
    let context = Fragment {
        base: FragmentBase { prefix: &prefix },
        page,
    };
    Ok(state.templates.render(template, &context)?)
}

/// JSON whose `<`, `>` and `&` are written as `\u003c`..., so that even a client
/// that mistakes it for HTML finds no markup in it. Parsed, it is the same value.
fn safe_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[derive(Serialize)]
struct StatusFragment<'a> {
    status: &'a str,
    status_text: &'a str,
}

#[derive(Serialize)]
struct EventsFragment<'a> {
    code: &'a str,
    events: &'a [Row],
}

#[derive(Serialize)]
struct DowntimesFragment<'a> {
    downtimes: &'a [MonthRow],
}

/// Live refresh: `{"status", "status_text" (HTML), "title", "updated", "started"}`,
/// plus `events` and `downtimes` (HTML) unless `?u=` already names the newest event.
pub async fn status(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let Some(user) = visitor.user.clone() else {
        return Err(PageError::Forbidden("Log in to see this check.".into()));
    };
    let seen_updated = Form::parse(req.query_string().as_bytes())
        .get("u")
        .to_owned();
    let now = time::now();
    let code = code.into_inner();
    let live = db(&state, move |conn| load_live(conn, &user, &code, now)).await?;
    let (status, text) = status_of(&live, now);
    let status_html = fragment(
        &state,
        &visitor,
        "checks/details_status.html",
        &StatusFragment {
            status: status.as_str(),
            status_text: &text,
        },
    )?;
    let updated = updated(&live.events);
    let mut doc = serde_json::json!({
        "status": status.as_str(),
        "status_text": status_html,
        "title": title(&live.seen.check.name, status, &state.config.site_name),
        "updated": updated,
        "started": live.seen.check.last_start.is_some(),
    });
    if seen_updated != updated {
        let events = rows::rows(&live.events, &live.zone);
        let downtimes = month_rows(&live.downtimes, &live.zone);
        doc["events"] = fragment(
            &state,
            &visitor,
            "checks/details_events.html",
            &EventsFragment {
                code: &live.seen.check.code,
                events: &events,
            },
        )?
        .into();
        doc["downtimes"] = fragment(
            &state,
            &visitor,
            "checks/details_downtimes.html",
            &DowntimesFragment {
                downtimes: &downtimes,
            },
        )?
        .into();
    }
    Ok(visitor
        .finish(HttpResponse::Ok())
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(safe_json(&doc)))
}
