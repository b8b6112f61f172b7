//! The admin area's project list and its check lookup by UUID.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::dsl::count_star;
use diesel::prelude::*;
use hc_core::models::{Check, Project};
use hc_core::schema::{channels, checks, members, projects, users};
use hc_core::time;
use serde::Serialize;

use super::{query_value, when, Pager, PAGE_SIZE};
use crate::ui::home::display_name;
use crate::ui::{db, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/projects/", web::get().to(projects_list))
        .route("/admin/checks/", web::get().to(check_lookup));
}

#[derive(Serialize)]
struct ProjectRow {
    code: String,
    name: String,
    owner_id: i64,
    owner: String,
    n_checks: i64,
    n_channels: i64,
    n_members: i64,
    created: String,
}

#[derive(Serialize)]
struct ProjectsPage {
    tab: &'static str,
    projects: Vec<ProjectRow>,
    pager: Pager,
}

async fn projects_list(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.superuser()?;
    let page = Pager::requested(&req);
    let (rows, total) = db(&state, move |conn| {
        let total: i64 = projects::table.select(count_star()).first(conn)?;
        let found: Vec<(Project, String)> = projects::table
            .inner_join(users::table)
            .order(projects::id.desc())
            .limit(PAGE_SIZE)
            .offset(Pager::offset(page))
            .select((Project::as_select(), users::email))
            .load(conn)?;
        let ids: Vec<i64> = found.iter().map(|(p, _)| p.id).collect();
        let n_checks: HashMap<Option<i64>, i64> = checks::table
            .filter(checks::project_id.eq_any(ids.iter().map(|id| Some(*id))))
            .group_by(checks::project_id)
            .select((checks::project_id, count_star()))
            .load::<(Option<i64>, i64)>(conn)?
            .into_iter()
            .collect();
        let n_channels: HashMap<i64, i64> = channels::table
            .filter(channels::project_id.eq_any(&ids))
            .group_by(channels::project_id)
            .select((channels::project_id, count_star()))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        let n_members: HashMap<i64, i64> = members::table
            .filter(members::project_id.eq_any(&ids))
            .group_by(members::project_id)
            .select((members::project_id, count_star()))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        let rows = found
            .into_iter()
            .map(|(p, owner)| ProjectRow {
                name: display_name(&p, &owner),
                n_checks: n_checks.get(&Some(p.id)).copied().unwrap_or(0),
                n_channels: n_channels.get(&p.id).copied().unwrap_or(0),
                n_members: n_members.get(&p.id).copied().unwrap_or(0),
                created: when(Some(p.created)),
                code: p.code,
                owner_id: p.owner_id,
                owner,
            })
            .collect::<Vec<_>>();
        Ok((rows, total))
    })
    .await?;
    let page = ProjectsPage {
        tab: "projects",
        projects: rows,
        pager: Pager::new(page, total, "/admin/projects/?".into()),
    };
    visitor.render(&state, "admin/projects.html", &page)
}

/// Lower-cases `text` if it is a UUID in the usual 8-4-4-4-12 form.
fn uuid_form(text: &str) -> Option<String> {
    let text = text.to_ascii_lowercase();
    let ok = text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    ok.then_some(text)
}

#[derive(Serialize)]
struct FoundCheck {
    code: String,
    name: String,
    status: &'static str,
    kind: String,
    schedule: String,
    last_ping: String,
    n_pings: i64,
    created: String,
    /// `None` for a Welcome-page demo check nobody has claimed.
    project: Option<FoundProject>,
}

#[derive(Serialize)]
struct FoundProject {
    code: String,
    name: String,
    owner_id: i64,
    owner: String,
}

#[derive(Serialize)]
struct ChecksPage {
    tab: &'static str,
    uuid: String,
    error: String,
    searched: bool,
    check: Option<FoundCheck>,
}

async fn check_lookup(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.superuser()?;
    let asked = query_value(&req, "uuid").unwrap_or_default();
    let asked = asked.trim();
    let mut page = ChecksPage {
        tab: "checks",
        uuid: String::new(),
        error: String::new(),
        searched: !asked.is_empty(),
        check: None,
    };
    if asked.is_empty() {
        return visitor.render(&state, "admin/checks.html", &page);
    }
    let Some(code) = uuid_form(asked) else {
        page.uuid = asked.chars().take(100).collect();
        page.error = "This is not a UUID (like 5b3f9e1c-2a4d-4c8e-9f10-1234567890ab).".into();
        return visitor.render_status(&state, StatusCode::BAD_REQUEST, "admin/checks.html", &page);
    };
    page.uuid = code.clone();
    let found = db(&state, move |conn| {
        let check: Option<Check> = checks::table
            .filter(checks::code.eq(&code))
            .select(Check::as_select())
            .first(conn)
            .optional()?;
        let Some(check) = check else {
            return Ok(None);
        };
        let project: Option<(Project, String)> = match check.project_id {
            Some(pid) => projects::table
                .inner_join(users::table)
                .filter(projects::id.eq(pid))
                .select((Project::as_select(), users::email))
                .first(conn)
                .optional()?,
            None => None,
        };
        Ok(Some((check, project)))
    })
    .await?;
    let Some((check, project)) = found else {
        page.error = "No check has this UUID.".into();
        return visitor.render_status(&state, StatusCode::NOT_FOUND, "admin/checks.html", &page);
    };
    page.check = Some(FoundCheck {
        status: check.status_or_stored(time::now(), false).as_str(),
        schedule: if check.kind == "simple" {
            format!("every {} s, grace {} s", check.timeout, check.grace)
        } else {
            format!("{} ({}), grace {} s", check.schedule, check.tz, check.grace)
        },
        last_ping: when(check.last_ping),
        created: when(Some(check.created)),
        code: check.code,
        name: check.name,
        kind: check.kind,
        n_pings: check.n_pings,
        project: project.map(|(p, owner)| FoundProject {
            name: display_name(&p, &owner),
            code: p.code,
            owner_id: p.owner_id,
            owner,
        }),
    });
    visitor.render(&state, "admin/checks.html", &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uuids_are_looked_up() {
        assert_eq!(
            uuid_form("5B3F9E1C-2A4D-4C8E-9F10-1234567890AB").as_deref(),
            Some("5b3f9e1c-2a4d-4c8e-9f10-1234567890ab")
        );
        for bad in [
            "",
            "5b3f9e1c2a4d4c8e9f101234567890ab",
            "5b3f9e1c-2a4d-4c8e-9f10-1234567890ag",
            "5b3f9e1c-2a4d-4c8e-9f10-1234567890abc",
            "<script>",
        ] {
            assert_eq!(uuid_form(bad), None, "{bad}");
        }
    }
}
