//! The schedule dialogs (spec §7.3): `/checks/<uuid>/timeout/` saves a period and grace
//! time or a cron or OnCalendar schedule; `/checks/cron_preview/` and
//! `/checks/oncalendar_preview/` describe an expression and list its next runs while
//! it is typed; `/checks/validate_schedule/` says whether one is valid; and
//! `/checks/<uuid>/schedule/` shows a check's schedule with the dialogs that change it.
//!
//! The dialogs themselves are `templates/checks/schedule_dialogs.html`, a partial any
//! page can include with a [`ScheduleFields`] as `check`, and `static/schedule.js`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use hc_core::checks::reschedule;
use hc_core::models::Check;
use hc_core::schedule::dialog::{self, Posted, ScheduleChange};
use hc_core::schedule::{describe, Kind, Schedule};
use hc_core::time;
use hc_integrations::context::{age_in_words, duration_in_words};
use serde::Serialize;

use super::accounts::safe_next;
use super::checks::check_or_404;
use super::{db, Form, PageError, Visitor};
use crate::State;

/// How many upcoming runs a preview lists.
const PREVIEW_RUNS: usize = 6;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/checks/cron_preview/", web::post().to(cron_preview))
        .route(
            "/checks/oncalendar_preview/",
            web::post().to(oncalendar_preview),
        )
        .route(
            "/checks/validate_schedule/",
            web::get().to(validate_schedule),
        )
        .route("/checks/{code}/timeout/", web::post().to(save))
        .route("/checks/{code}/schedule/", web::get().to(schedule_page));
}

/// What `checks/schedule_dialogs.html` reads as `check`.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleFields {
    pub code: String,
    pub kind: String,
    pub timeout: i64,
    pub grace: i64,
    pub schedule: String,
    pub tz: String,
}

impl From<&Check> for ScheduleFields {
    fn from(check: &Check) -> Self {
        ScheduleFields {
            code: check.code.clone(),
            kind: check.kind.clone(),
            timeout: check.timeout,
            grace: check.grace,
            schedule: check.schedule.clone(),
            tz: check.tz.clone(),
        }
    }
}

/// `POST /checks/<uuid>/timeout/`: the dialogs' Save.
async fn save(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: crate::ui::Posted,
) -> Result<HttpResponse, PageError> {
    let crate::ui::Posted {
        visitor,
        user,
        form,
    } = posted;
    let code = code.into_inner();
    let next = safe_next(form.get("next"))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("/checks/{code}/details/"));
    let now = time::now();
    db(&state, move |conn| {
        // Access first: a stranger learns nothing, whatever was posted.
        let (check, _, standing) = check_or_404(conn, &user, &code)?;
        if !standing.can_write() {
            return Err(PageError::forbidden());
        }
        let posted = Posted {
            kind: form.trimmed("kind"),
            timeout: form.get("timeout"),
            grace: form.get("grace"),
            schedule: form.get("schedule"),
            tz: form.trimmed("tz"),
        };
        let change = ScheduleChange::from_posted(&posted, now)
            .map_err(|e| PageError::BadRequest(e.message))?;
        let saved =
            reschedule::reschedule(conn, check.id, &change, now)?.ok_or(PageError::NotFound)?;
        tracing::info!(
            check.code = %saved.code,
            check.kind = %saved.kind,
            check.status = %saved.status,
            "schedule changed"
        );
        Ok(())
    })
    .await?;
    Ok(visitor.redirect(&next))
}

/// One upcoming run, in the chosen zone and in UTC.
#[derive(Debug, Serialize)]
struct Run {
    iso: String,
    local: String,
    /// `None` when the zone is UTC itself.
    utc: Option<String>,
    relative: String,
}

/// `checks/schedule_preview.html`: a description and the next runs, or why not.
#[derive(Debug, Serialize, Default)]
struct Preview {
    error: Option<String>,
    description: Option<String>,
    tz: String,
    runs: Vec<Run>,
}

fn preview(kind: Kind, expr: &str, tz_name: &str, now: DateTime<Utc>) -> Preview {
    let failed = |error: String| Preview {
        error: Some(error),
        ..Preview::default()
    };
    let zone = match dialog::zone(tz_name) {
        Ok(zone) => zone,
        Err(e) => return failed(e),
    };
    let schedule = match kind {
        Kind::Cron => dialog::cron(expr, zone, now).map(|expr| Schedule::Cron { expr, tz: zone }),
        _ => {
            dialog::oncalendar(expr, zone, now).map(|expr| Schedule::OnCalendar { expr, tz: zone })
        }
    };
    let schedule = match schedule {
        Ok(schedule) => schedule,
        Err(e) => return failed(e),
    };
    let in_utc = matches!(tz_name, "UTC" | "Etc/UTC");
    let runs = dialog::upcoming(&schedule, now, PREVIEW_RUNS)
        .into_iter()
        .map(|at| Run {
            iso: at.to_rfc3339(),
            local: at
                .with_timezone(&zone)
                .format("%a %-d %b %Y, %H:%M %Z")
                .to_string(),
            utc: (!in_utc).then(|| at.format("%a %-d %b, %H:%M UTC").to_string()),
            relative: format!("in {}", age_in_words(at - now)),
        })
        .collect();
    Preview {
        error: None,
        description: match kind {
            Kind::Cron => describe::describe(expr.trim()),
            _ => None,
        },
        tz: tz_name.to_owned(),
        runs,
    }
}

/// `POST /checks/cron_preview/` (`schedule`, `tz`): an HTML fragment; an invalid
/// expression or zone is a fragment with the message, still 200, as in healthchecks.
async fn cron_preview(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let page = preview(
        Kind::Cron,
        form.get("schedule"),
        form.trimmed("tz"),
        time::now(),
    );
    visitor.render(&state, "checks/schedule_preview.html", &page)
}

/// `POST /checks/oncalendar_preview/`: as [`cron_preview`], for logged-in people.
async fn oncalendar_preview(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.user()?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let page = preview(
        Kind::OnCalendar,
        form.get("schedule"),
        form.trimmed("tz"),
        time::now(),
    );
    visitor.render(&state, "checks/schedule_preview.html", &page)
}

/// `GET /checks/validate_schedule/?kind=cron|oncalendar&schedule=…` → `{"result": bool}`.
async fn validate_schedule(req: HttpRequest) -> Result<HttpResponse, PageError> {
    let query = Form::parse(req.query_string().as_bytes());
    let kind = match Kind::parse(query.get("kind")) {
        Some(kind @ (Kind::Cron | Kind::OnCalendar)) => kind,
        _ => {
            return Err(PageError::BadRequest(
                "kind must be cron or oncalendar.".into(),
            ))
        }
    };
    let result = dialog::is_valid(kind, query.get("schedule"), time::now());
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "result": result })))
}

#[derive(Serialize)]
struct SchedulePage {
    check: ScheduleFields,
    name: String,
    project_code: String,
    project_name: String,
    can_write: bool,
    period: String,
    grace: String,
    /// The expression's description and next runs (empty for simple checks).
    #[serde(flatten)]
    preview: Preview,
}

fn words(seconds: i64) -> String {
    duration_in_words(Duration::seconds(seconds))
}

/// `GET /checks/<uuid>/schedule/`: the check's schedule and the dialogs to change it
/// (read-only members see the schedule only).
async fn schedule_page(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let (check, project, standing) =
        db(&state, move |conn| check_or_404(conn, &user, &code)).await?;
    let preview = match Kind::parse(&check.kind) {
        Some(kind @ (Kind::Cron | Kind::OnCalendar)) => {
            preview(kind, &check.schedule, &check.tz, time::now())
        }
        _ => Preview::default(),
    };
    let page = SchedulePage {
        check: ScheduleFields::from(&check),
        name: check.name.clone(),
        project_code: project.code.clone(),
        project_name: project.name.clone(),
        can_write: standing.can_write(),
        period: words(check.timeout),
        grace: words(check.grace),
        preview,
    };
    visitor.render(&state, "checks/schedule_page.html", &page)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The template's zone list, as it should read.
    fn zone_template() -> String {
        let mut out = String::from(ZONES_HEADER);
        for name in dialog::zone_names() {
            out.push_str(&format!("\"{name}\",\n"));
        }
        out.push_str(ZONES_FOOTER);
        out
    }

    const ZONES_PATH: &str = "../../templates/checks/schedule_zones.html";
    const ZONES_HEADER: &str = "{#- The <option>s of the schedule dialogs' time zone selects, `check.tz` selected:\n    every zone the web forms accept (hc_core::schedule::dialog::zone_names). Generated;\n    a test in ui/schedule.rs keeps it in step (HC_WRITE_ZONES=1 rewrites it). -#}\n{%- set zones = [\n";
    const ZONES_FOOTER: &str = "] -%}\n{%- if check.tz not in zones %}<option selected>{{ check.tz }}</option>{% endif -%}\n{%- for zone in zones %}<option{% if zone == check.tz %} selected{% endif %}>{{ zone }}</option>{% endfor -%}\n";

    #[test]
    fn the_zone_list_template_matches_the_zones_we_accept() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(ZONES_PATH);
        if std::env::var_os("HC_WRITE_ZONES").is_some() {
            std::fs::write(&path, zone_template()).unwrap();
        }
        let stored = std::fs::read_to_string(&path).unwrap();
        assert!(
            stored == zone_template(),
            "{} is out of date: run this test with HC_WRITE_ZONES=1",
            path.display()
        );
    }

    #[test]
    fn previews_show_local_and_utc_times() {
        let now = Utc.with_ymd_and_hms(2026, 3, 26, 12, 0, 0).unwrap();
        let p = preview(Kind::Cron, "0 3 * * 1-5", "Europe/Riga", now);
        assert_eq!(p.error, None);
        assert_eq!(
            p.description.as_deref(),
            Some("At 03:00 on Monday through Friday")
        );
        assert_eq!(p.runs.len(), PREVIEW_RUNS);
        assert_eq!(p.runs[0].local, "Fri 27 Mar 2026, 03:00 EET");
        assert_eq!(p.runs[0].utc.as_deref(), Some("Fri 27 Mar, 01:00 UTC"));
        assert_eq!(p.runs[1].local, "Mon 30 Mar 2026, 03:00 EEST");
        assert_eq!(p.runs[1].utc.as_deref(), Some("Mon 30 Mar, 00:00 UTC"));
        assert_eq!(p.runs[0].relative, "in 13 hours");
        let utc = preview(Kind::OnCalendar, "daily", "UTC", now);
        assert_eq!(utc.runs[0].utc, None);
        assert_eq!(utc.description, None);
        assert_eq!(
            preview(Kind::Cron, "0 3 * *", "UTC", now).error.unwrap(),
            "Invalid cron expression: expected 5 fields (minute, hour, day of month, month, day of week), found 4."
        );
        assert!(preview(Kind::Cron, "* * * * *", "Mars/Olympus", now)
            .error
            .unwrap()
            .starts_with("Unknown time zone"));
    }
}
