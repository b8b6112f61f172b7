//! One check up close (spec §7.3): its details page with the live status, its log,
//! single pings and their bodies, and the actions on it (edit, pause, resume, copy,
//! transfer, remove, clear events, filtering rules, integration toggles).

mod actions;
mod live;
mod log;
mod page;
mod pings;
mod rows;
mod transfer;
mod words;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use hc_core::access::{self, Standing};
use hc_core::db::DbConn;
use hc_core::models::{Check, Project, User};
use hc_core::schema::{checks as checks_table, profiles};

use super::checks::check_or_404;
use super::{db, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/checks/{code}/details/", web::get().to(page::details))
        .route("/checks/{code}/status/", web::get().to(live::status))
        .route("/checks/{code}/log/", web::get().to(log::log))
        .route("/checks/{code}/log_events/", web::get().to(log::log_events))
        .route("/checks/{code}/last_ping/", web::get().to(pings::last_ping))
        .route("/checks/{code}/pings/{n}/", web::get().to(pings::ping))
        .route("/checks/{code}/pings/{n}/body/", web::get().to(pings::body))
        .route("/checks/{code}/transfer/", web::get().to(transfer::choose))
        .route(
            "/checks/{code}/transfer/",
            web::post().to(transfer::transfer),
        )
        .route("/cloaked/{key}/", web::get().to(cloaked));
    actions::configure(cfg);
}

/// A check the visitor may see, with its project and the visitor's standing there.
pub(crate) struct Seen {
    pub check: Check,
    pub project: Project,
    pub standing: Standing,
}

/// The check `code` names, for reading: 404 for strangers and malformed codes.
fn seen(conn: &mut DbConn, user: &User, code: &str) -> Result<Seen, PageError> {
    let (check, project, standing) = check_or_404(conn, user, code)?;
    Ok(Seen {
        check,
        project,
        standing,
    })
}

/// The check `code` names, for changing: 404 for strangers, 403 for read-only members.
fn writable(conn: &mut DbConn, user: &User, code: &str) -> Result<Seen, PageError> {
    let seen = seen(conn, user, code)?;
    if !seen.standing.can_write() {
        return Err(PageError::forbidden());
    }
    Ok(seen)
}

/// The zone the visitor reads times in: their profile's, else UTC.
fn viewer_tz(conn: &mut DbConn, user: &User) -> Result<String, PageError> {
    let tz: Option<String> = profiles::table
        .filter(profiles::user_id.eq(user.id))
        .select(profiles::tz)
        .first(conn)
        .optional()?;
    Ok(tz
        .filter(|name| hc_core::schedule::tz::zone(name).is_some())
        .unwrap_or_else(|| "UTC".into()))
}

/// A moment as the pages pass it around in URLs: Unix seconds with six decimals,
/// exact to the microsecond hc stores (a float would round).
fn stamp(t: DateTime<Utc>) -> String {
    format!("{}.{:06}", t.timestamp(), t.timestamp_subsec_micros())
}

/// Reads a [`stamp`] (fewer decimals, or none, are fine).
fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    if secs.is_empty()
        || frac.len() > 6
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let micros: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    Utc.timestamp_opt(secs, micros * 1000).single()
}

/// `/cloaked/<unique_key>/`: the details page of the visitor's check with that key.
async fn cloaked(
    state: web::Data<State>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let key = key.into_inner();
    let code = db(&state, move |conn| {
        // Only the user's own projects and memberships: a superuser's reach to every
        // project does not extend to guessing keys.
        let project_ids: Vec<i64> = access::projects_of(conn, &user)?
            .into_iter()
            .map(|(p, _)| p.id)
            .collect();
        let codes: Vec<String> = checks_table::table
            .filter(checks_table::project_id.eq_any(project_ids))
            .select(checks_table::code)
            .load(conn)?;
        codes
            .into_iter()
            .find(|code| hc_core::keys::unique_key(code) == key)
            .ok_or(PageError::NotFound)
    })
    .await?;
    Ok(visitor.redirect(&format!("/checks/{code}/details/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_to_the_microsecond() {
        let t = Utc
            .timestamp_opt(1_767_225_600, 123_456_000)
            .single()
            .unwrap_or_default();
        assert_eq!(stamp(t), "1767225600.123456");
        assert_eq!(parse_stamp(&stamp(t)), Some(t));
        assert_eq!(
            parse_stamp("1767225600.5").map(|t| t.timestamp_subsec_micros()),
            Some(500_000)
        );
        assert_eq!(
            parse_stamp("1767225600").map(|t| t.timestamp()),
            Some(1_767_225_600)
        );
        for bad in ["", ".5", "-1", "1e9", "12.1234567", "x", "1.2.3", " 1"] {
            assert_eq!(parse_stamp(bad), None, "{bad}");
        }
    }
}
