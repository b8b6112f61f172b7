//! `/projects/<uuid>/integrations/`: the project's integrations with how each last
//! went, the check assignment dialog and its POST, and the catalogue of kinds this
//! site offers.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use hc_core::models::{Channel, Check, Notification};
use hc_core::schema::{channel_checks, notifications};
use hc_core::{checks, time};
use hc_integrations::catalogue;
use hc_integrations::context::ago_in_words;
use serde::Serialize;

use super::{channel_or_404, forms, project_title, query, read_only};
use crate::ui::checks::project_or_404;
use crate::ui::{db, PageError, Posted, Visitor};
use crate::State;

/// One integration's row.
#[derive(Serialize)]
struct Row {
    code: String,
    kind: String,
    label: String,
    title: String,
    /// What it is configured with, secrets masked.
    details: String,
    name: String,
    n_checks: usize,
    disabled: bool,
    unconfirmed: bool,
    editable: bool,
    /// How the latest delivery went, in words.
    last: String,
    /// `ok`, `bad`, `pending` or `` (never used).
    last_state: &'static str,
    last_error: String,
    /// The rename field's value and error after a refused rename.
    rename_value: String,
    rename_error: String,
}

#[derive(Serialize)]
struct Offer {
    slug: &'static str,
    label: &'static str,
    blurb: &'static str,
}

#[derive(Serialize)]
struct ListPage {
    project_code: String,
    project_name: String,
    can_write: bool,
    n_checks: usize,
    channels: Vec<Row>,
    catalogue: Vec<Offer>,
    notice: String,
    notice_bad: bool,
}

/// What a page built after an action adds to the list.
#[derive(Default)]
pub struct Extra {
    pub notice: String,
    pub notice_bad: bool,
    /// A refused rename: (channel code, typed name, error).
    pub rename: Option<(String, String, String)>,
}

/// The latest notification of each of these channels, by channel id.
fn latest_notifications(
    conn: &mut hc_core::db::DbConn,
    ids: &[i64],
) -> Result<HashMap<i64, Notification>, PageError> {
    let mut latest = HashMap::new();
    for &id in ids {
        let found = notifications::table
            .filter(notifications::channel_id.eq(id))
            .order(notifications::id.desc())
            .select(Notification::as_select())
            .first(conn)
            .optional()?;
        if let Some(n) = found {
            latest.insert(id, n);
        }
    }
    Ok(latest)
}

fn last_words(channel: &Channel, latest: Option<&Notification>) -> (String, &'static str) {
    let now = time::now();
    let ago = |t: chrono::NaiveDateTime| ago_in_words((now - time::utc(t)).max(Duration::zero()));
    let test = |n: &Notification| if n.check_id.is_none() { "test " } else { "" };
    match latest {
        Some(n) if n.status == "sent" => (
            format!("Last {}notification sent {}.", test(n), ago(n.created)),
            "ok",
        ),
        Some(n) if n.status == "failed" => (
            format!("Last {}notification failed {}.", test(n), ago(n.created)),
            "bad",
        ),
        Some(n) => (
            format!("A notification is being sent (queued {}).", ago(n.created)),
            "pending",
        ),
        None => match channel.last_notify {
            Some(t) if channel.last_error.is_empty() => (format!("Last used {}.", ago(t)), "ok"),
            Some(t) => (format!("Last delivery failed {}.", ago(t)), "bad"),
            None => ("Not used yet.".into(), ""),
        },
    }
}

/// Renders the list, with what an action adds.
pub async fn render(
    state: &web::Data<State>,
    visitor: &Visitor,
    project_code: String,
    status: StatusCode,
    extra: Extra,
) -> Result<HttpResponse, PageError> {
    let user = visitor.user()?.clone();
    let (project, standing, title, all_channels, counts, latest, n_checks) =
        db(state, move |conn| {
            let (project, standing) = project_or_404(conn, &user, &project_code)?;
            let title = project_title(conn, &project)?;
            let all_channels = checks::channels_of_project(conn, project.id)?;
            let ids: Vec<i64> = all_channels.iter().map(|c| c.id).collect();
            let pairs: Vec<i64> = channel_checks::table
                .filter(channel_checks::channel_id.eq_any(&ids))
                .select(channel_checks::channel_id)
                .load(conn)?;
            let mut counts: HashMap<i64, usize> = HashMap::new();
            for id in pairs {
                *counts.entry(id).or_default() += 1;
            }
            let latest = latest_notifications(conn, &ids)?;
            let n_checks = checks::of_project(conn, project.id)?.len();
            Ok((
                project,
                standing,
                title,
                all_channels,
                counts,
                latest,
                n_checks,
            ))
        })
        .await?;
    let rows = all_channels
        .into_iter()
        .map(|channel| {
            let (last, last_state) = last_words(&channel, latest.get(&channel.id));
            let (rename_value, rename_error) = match &extra.rename {
                Some((code, value, error)) if *code == channel.code => {
                    (value.clone(), error.clone())
                }
                _ => (channel.name.clone(), String::new()),
            };
            Row {
                label: catalogue::label(&channel.kind),
                title: catalogue::display_name(&channel),
                details: forms::summary(&channel.kind, &channel.value),
                n_checks: counts.get(&channel.id).copied().unwrap_or(0),
                disabled: channel.disabled,
                unconfirmed: channel.kind == "email" && !channel.email_verified,
                editable: forms::editable(&channel.kind),
                last,
                last_state,
                last_error: channel.last_error.clone(),
                rename_value,
                rename_error,
                name: channel.name,
                kind: channel.kind,
                code: channel.code,
            }
        })
        .collect();
    let page = ListPage {
        project_code: project.code.clone(),
        project_name: title,
        can_write: standing.can_write(),
        n_checks,
        channels: rows,
        catalogue: catalogue::offered(&state.config)
            .into_iter()
            .map(|k| Offer {
                slug: k.slug,
                label: k.label,
                blurb: k.blurb,
            })
            .collect(),
        notice: extra.notice,
        notice_bad: extra.notice_bad,
    };
    visitor.render_status(state, status, "integrations/list.html", &page)
}

/// Notices for the outcomes the other pages redirect here with.
fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "added" => "The integration was added and attached to every check of the project.",
        "added_unconfirmed" => "The integration was added. It sends nothing until the address is confirmed: we e-mailed a confirmation link to it.",
        "saved" => "The integration was saved.",
        "saved_unconfirmed" => "The integration was saved. It sends nothing until the new address is confirmed: we e-mailed a confirmation link to it.",
        "renamed" => "The integration was renamed.",
        "removed" => "The integration was removed.",
        "assigned" => "The integration's checks were saved.",
        "po_unsubscribed" => "The Pushover integrations for that user key were removed.",
        _ => return None,
    })
}

pub async fn page(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.user()?;
    let q = query(&req);
    let mut extra = Extra::default();
    if let Some(notice) = q.get("done").and_then(|d| done_notice(d)) {
        extra.notice = notice.to_owned();
    }
    // After "Test!": how the channel's latest test went, from its notification row.
    if let Some(tested) = q.get("tested").cloned() {
        let user = visitor.user()?.clone();
        let outcome = db(&state, move |conn| {
            let Ok((channel, _, _)) = channel_or_404(conn, &user, &tested) else {
                return Ok(None);
            };
            Ok(notifications::table
                .filter(notifications::channel_id.eq(channel.id))
                .filter(notifications::check_id.is_null())
                .order(notifications::id.desc())
                .select(Notification::as_select())
                .first(conn)
                .optional()?
                .map(|n| (catalogue::display_name(&channel), n)))
        })
        .await?;
        if let Some((title, n)) = outcome {
            if n.status == "sent" {
                extra.notice = format!("Test notification sent! ({title})");
            } else {
                let error = n.error.trim_end_matches('.');
                extra.notice = format!("Could not send a test notification to {title}. {error}.");
                extra.notice_bad = true;
            }
        }
    }
    render(&state, &visitor, code.into_inner(), StatusCode::OK, extra).await
}

/// POST `channel=<uuid>` and `check-<uuid>` keys: exactly these checks use the
/// channel.
pub async fn assign(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let channel_code = form.trimmed("channel").to_owned();
    let wanted: HashSet<String> = form
        .names()
        .filter_map(|n| n.strip_prefix("check-"))
        .map(str::to_owned)
        .collect();
    let project_code = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let (project, standing) = project_or_404(conn, &user, &code)?;
            if !standing.can_write() {
                return Err(read_only());
            }
            let channel = super::find_channel(conn, &channel_code)?
                .filter(|c| c.project_id == project.id)
                .ok_or(PageError::NotFound)?;
            let of_project: HashMap<String, i64> = checks::of_project(conn, project.id)?
                .into_iter()
                .map(|c| (c.code, c.id))
                .collect();
            let mut ids = Vec::new();
            for code in &wanted {
                match of_project.get(code) {
                    Some(id) => ids.push(*id),
                    None => {
                        return Err(PageError::BadRequest(
                            "One of the checks is not in this project (or no longer exists). Reload the page and try again.".into(),
                        ))
                    }
                }
            }
            diesel::delete(
                channel_checks::table.filter(channel_checks::channel_id.eq(channel.id)),
            )
            .execute(conn)?;
            for check_id in ids {
                diesel::insert_into(channel_checks::table)
                    .values((
                        channel_checks::channel_id.eq(channel.id),
                        channel_checks::check_id.eq(check_id),
                    ))
                    .execute(conn)?;
            }
            Ok(project.code)
        })
    })
    .await?;
    Ok(visitor.redirect(&format!(
        "/projects/{project_code}/integrations/?done=assigned"
    )))
}

#[derive(Serialize)]
struct CheckChoice {
    code: String,
    name: String,
    tags: String,
    assigned: bool,
}

#[derive(Serialize)]
struct ChecksPage {
    project_code: String,
    project_name: String,
    channel_code: String,
    channel_title: String,
    can_write: bool,
    checks: Vec<CheckChoice>,
}

/// GET: the project's checks with a checkbox each, ticked where the channel is used.
pub async fn checks_dialog(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let page = db(&state, move |conn| {
        let (channel, project, standing) = channel_or_404(conn, &user, &code)?;
        let all: Vec<Check> = checks::of_project(conn, project.id)?;
        let assigned: HashSet<i64> = channel_checks::table
            .filter(channel_checks::channel_id.eq(channel.id))
            .select(channel_checks::check_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        Ok(ChecksPage {
            project_name: project_title(conn, &project)?,
            project_code: project.code,
            channel_title: catalogue::display_name(&channel),
            channel_code: channel.code,
            can_write: standing.can_write(),
            checks: all
                .into_iter()
                .map(|c| CheckChoice {
                    assigned: assigned.contains(&c.id),
                    name: if c.name.is_empty() {
                        c.code.clone()
                    } else {
                        c.name
                    },
                    tags: c.tags,
                    code: c.code,
                })
                .collect(),
        })
    })
    .await?;
    visitor.render(&state, "integrations/checks.html", &page)
}
