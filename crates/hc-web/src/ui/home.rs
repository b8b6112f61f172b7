//! `/`: the projects overview of a logged-in person (spec §7.1): one card per
//! project with its overall status, projects with down checks first, refreshed live
//! from `/?refresh`.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::access::{self, Standing};
use hc_core::models::{Check, Project, User};
use hc_core::schema::{channels, checks, users};
use hc_core::time;
use serde::Serialize;

use super::{db, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index));
}

#[derive(Serialize, Clone)]
struct Card {
    code: String,
    name: String,
    owner: String,
    role: &'static str,
    n_checks: usize,
    n_channels: i64,
    /// `up`, `grace` or `down`: the worst status among the checks.
    status: &'static str,
    started: bool,
}

#[derive(Serialize)]
struct ProjectsPage {
    projects: Vec<Card>,
}

/// The name to show for a project: its name, or its owner's address when unnamed.
pub fn display_name(project: &Project, owner_email: &str) -> String {
    if project.name.is_empty() {
        owner_email.to_owned()
    } else {
        project.name.clone()
    }
}

/// The owner's address, needed to name an unnamed project (one query, only then).
pub fn owner_email(conn: &mut hc_core::db::DbConn, project: &Project) -> Result<String, PageError> {
    if !project.name.is_empty() {
        return Ok(String::new());
    }
    Ok(users::table
        .find(project.owner_id)
        .select(users::email)
        .first::<String>(conn)?)
}

fn cards(conn: &mut hc_core::db::DbConn, user: &User) -> Result<Vec<Card>, PageError> {
    let mine = access::projects_of(conn, user)?;
    let ids: Vec<i64> = mine.iter().map(|(p, _)| p.id).collect();
    let owner_ids: Vec<i64> = mine.iter().map(|(p, _)| p.owner_id).collect();
    let owners: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&owner_ids))
        .select((users::id, users::email))
        .load(conn)?
        .into_iter()
        .collect();
    let all_checks: Vec<Check> = checks::table
        .filter(checks::project_id.eq_any(&ids))
        .select(Check::as_select())
        .load(conn)?;
    let channel_counts: Vec<(i64, i64)> = channels::table
        .filter(channels::project_id.eq_any(&ids))
        .group_by(channels::project_id)
        .select((channels::project_id, diesel::dsl::count_star()))
        .load(conn)?;
    let channel_counts: HashMap<i64, i64> = channel_counts.into_iter().collect();
    let now = time::now();
    let mut by_project: HashMap<i64, (usize, u8, bool)> = HashMap::new();
    for check in &all_checks {
        let Some(pid) = check.project_id else {
            continue;
        };
        let entry = by_project.entry(pid).or_insert((0, 0, false));
        entry.0 += 1;
        let rank = match check.status_or_stored(now, true) {
            hc_core::status::Status::Down => 2,
            hc_core::status::Status::Grace => 1,
            hc_core::status::Status::Started => {
                entry.2 = true;
                // A started check is also judged as its running status.
                match check.status_or_stored(now, false) {
                    hc_core::status::Status::Down => 2,
                    hc_core::status::Status::Grace => 1,
                    _ => 0,
                }
            }
            _ => 0,
        };
        entry.1 = entry.1.max(rank);
    }
    let mut cards: Vec<Card> = mine
        .into_iter()
        .map(|(project, standing)| {
            let owner = owners.get(&project.owner_id).cloned().unwrap_or_default();
            let (n_checks, rank, started) =
                by_project.get(&project.id).copied().unwrap_or_default();
            Card {
                name: display_name(&project, &owner),
                code: project.code.clone(),
                owner,
                role: if standing == Standing::Owner {
                    "owner"
                } else {
                    standing.label()
                },
                n_checks,
                n_channels: channel_counts.get(&project.id).copied().unwrap_or(0),
                status: ["up", "grace", "down"][usize::from(rank)],
                started,
            }
        })
        .collect();
    // Down first, then late; otherwise the order of `projects_of`.
    cards.sort_by_key(|c| match c.status {
        "down" => 0,
        "grace" => 1,
        _ => 2,
    });
    Ok(cards)
}

async fn index(state: web::Data<State>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let Some(user) = visitor.user.clone() else {
        return super::welcome::page(state, visitor).await;
    };
    let projects = db(&state, move |conn| cards(conn, &user)).await?;
    if req
        .query_string()
        .split('&')
        .any(|p| p == "refresh" || p.starts_with("refresh="))
    {
        let map: serde_json::Map<String, serde_json::Value> = projects
            .into_iter()
            .map(|c| {
                (
                    c.code,
                    serde_json::json!({"status": c.status, "started": c.started}),
                )
            })
            .collect();
        return Ok(visitor
            .finish(HttpResponse::Ok())
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .json(map));
    }
    visitor.render(&state, "projects/index.html", &ProjectsPage { projects })
}
