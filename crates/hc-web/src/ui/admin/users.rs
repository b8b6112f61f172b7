//! `/admin/users/`: finding people by address, what they own, and deactivating,
//! reactivating or deleting them.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::dsl::count_star;
use diesel::prelude::*;
use hc_core::models::{Project, User};
use hc_core::profiles::{self, Holdings};
use hc_core::schema::{channels, checks, members, projects, users};
use serde::Serialize;

use super::{query_value, when, Pager, PAGE_SIZE};
use crate::ui::home::display_name;
use crate::ui::{db, Form, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users/", web::get().to(list))
        .route("/admin/users/{id}/", web::get().to(detail))
        .route("/admin/users/{id}/deactivate/", web::post().to(deactivate))
        .route("/admin/users/{id}/reactivate/", web::post().to(reactivate))
        .route("/admin/users/{id}/delete/", web::post().to(delete));
}

/// The longest search worth running: an e-mail address is at most 254 characters.
const MAX_QUERY: usize = 254;

/// A `LIKE` pattern matching `text` anywhere, its wildcards taken literally. `!`
/// escapes: a backslash would need escaping itself in MySQL's string syntax.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[derive(Serialize)]
struct UserRow {
    id: i64,
    email: String,
    is_active: bool,
    is_superuser: bool,
    date_joined: String,
    last_login: String,
    n_projects: i64,
    n_checks: i64,
}

#[derive(Serialize)]
struct UsersPage {
    tab: &'static str,
    q: String,
    q_error: String,
    users: Vec<UserRow>,
    pager: Pager,
    deleted: bool,
}

async fn list(state: web::Data<State>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.superuser()?;
    let q = query_value(&req, "q")
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let page = Pager::requested(&req);
    let deleted = query_value(&req, "deleted").is_some();
    if q.chars().count() > MAX_QUERY {
        let page = UsersPage {
            tab: "users",
            q: String::new(),
            q_error: format!("Search for at most {MAX_QUERY} characters."),
            users: Vec::new(),
            pager: Pager::new(1, 0, "/admin/users/?".into()),
            deleted,
        };
        return visitor.render_status(&state, StatusCode::BAD_REQUEST, "admin/users.html", &page);
    }
    let pattern = contains_pattern(&q);
    let (rows, total) = db(&state, move |conn| {
        let total: i64 = users::table
            .filter(users::email.like(&pattern).escape('!'))
            .select(count_star())
            .first(conn)?;
        let found: Vec<User> = users::table
            .filter(users::email.like(&pattern).escape('!'))
            .order((users::date_joined.desc(), users::id.desc()))
            .limit(PAGE_SIZE)
            .offset(Pager::offset(page))
            .select(User::as_select())
            .load(conn)?;
        let ids: Vec<i64> = found.iter().map(|u| u.id).collect();
        let n_projects: HashMap<i64, i64> = projects::table
            .filter(projects::owner_id.eq_any(&ids))
            .group_by(projects::owner_id)
            .select((projects::owner_id, count_star()))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        let n_checks: HashMap<i64, i64> = checks::table
            .inner_join(projects::table)
            .filter(projects::owner_id.eq_any(&ids))
            .group_by(projects::owner_id)
            .select((projects::owner_id, count_star()))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        let rows = found
            .into_iter()
            .map(|u| UserRow {
                n_projects: n_projects.get(&u.id).copied().unwrap_or(0),
                n_checks: n_checks.get(&u.id).copied().unwrap_or(0),
                id: u.id,
                email: u.email,
                is_active: u.is_active,
                is_superuser: u.is_superuser,
                date_joined: when(Some(u.date_joined)),
                last_login: when(u.last_login),
            })
            .collect::<Vec<_>>();
        Ok((rows, total))
    })
    .await?;
    let page = UsersPage {
        tab: "users",
        q: q.clone(),
        q_error: String::new(),
        users: rows,
        pager: Pager::new(
            page,
            total,
            format!(
                "/admin/users/?q={}&",
                url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            ),
        ),
        deleted,
    };
    visitor.render(&state, "admin/users.html", &page)
}

#[derive(Serialize)]
struct OwnedRow {
    code: String,
    name: String,
    n_checks: i64,
    n_channels: i64,
    n_members: i64,
}

#[derive(Serialize)]
struct MembershipRow {
    code: String,
    name: String,
    role: &'static str,
    owner_id: i64,
    owner: String,
}

#[derive(Serialize)]
struct UserPage {
    tab: &'static str,
    id: i64,
    email: String,
    is_active: bool,
    is_superuser: bool,
    has_password: bool,
    date_joined: String,
    last_login: String,
    owned: Vec<OwnedRow>,
    memberships: Vec<MembershipRow>,
    holdings: Holdings,
    is_self: bool,
    done: String,
}

fn user_id(path: &str) -> Result<i64, PageError> {
    path.parse().map_err(|_| PageError::NotFound)
}

/// Counts per project id, from a grouped query.
fn by_project(rows: Vec<(i64, i64)>) -> HashMap<i64, i64> {
    rows.into_iter().collect()
}

async fn detail(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let me = visitor.superuser()?.id;
    let id = user_id(&path)?;
    let done = query_value(&req, "done")
        .filter(|d| d == "deactivated" || d == "reactivated")
        .unwrap_or_default();
    let page = db(&state, move |conn| {
        let user: User = users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()?
            .ok_or(PageError::NotFound)?;
        let owned: Vec<Project> = projects::table
            .filter(projects::owner_id.eq(id))
            .order((projects::name, projects::id))
            .select(Project::as_select())
            .load(conn)?;
        let ids: Vec<i64> = owned.iter().map(|p| p.id).collect();
        let n_checks: HashMap<i64, i64> = checks::table
            .filter(checks::project_id.eq_any(ids.iter().map(|id| Some(*id))))
            .group_by(checks::project_id)
            .select((checks::project_id, count_star()))
            .load::<(Option<i64>, i64)>(conn)?
            .into_iter()
            .filter_map(|(pid, n)| pid.map(|pid| (pid, n)))
            .collect();
        let n_channels = by_project(
            channels::table
                .filter(channels::project_id.eq_any(&ids))
                .group_by(channels::project_id)
                .select((channels::project_id, count_star()))
                .load(conn)?,
        );
        let n_members = by_project(
            members::table
                .filter(members::project_id.eq_any(&ids))
                .group_by(members::project_id)
                .select((members::project_id, count_star()))
                .load(conn)?,
        );
        let joined: Vec<(Project, String, String)> = projects::table
            .inner_join(members::table)
            .inner_join(users::table)
            .filter(members::user_id.eq(id))
            .order((projects::name, projects::id))
            .select((Project::as_select(), members::role, users::email))
            .load(conn)?;
        let holdings = profiles::holdings(conn, id)?;
        Ok(UserPage {
            tab: "users",
            id,
            is_active: user.is_active,
            is_superuser: user.is_superuser,
            has_password: !user.password.is_empty(),
            date_joined: when(Some(user.date_joined)),
            last_login: when(user.last_login),
            owned: owned
                .iter()
                .map(|p| OwnedRow {
                    code: p.code.clone(),
                    name: display_name(p, &user.email),
                    n_checks: n_checks.get(&p.id).copied().unwrap_or(0),
                    n_channels: n_channels.get(&p.id).copied().unwrap_or(0),
                    n_members: n_members.get(&p.id).copied().unwrap_or(0),
                })
                .collect(),
            memberships: joined
                .into_iter()
                .map(|(p, role, owner)| MembershipRow {
                    code: p.code.clone(),
                    name: display_name(&p, &owner),
                    role: match role.as_str() {
                        "r" => "read-only",
                        "m" => "manager",
                        _ => "member",
                    },
                    owner_id: p.owner_id,
                    owner,
                })
                .collect(),
            email: user.email,
            holdings,
            is_self: id == me,
            done,
        })
    })
    .await?;
    visitor.render(&state, "admin/user.html", &page)
}

/// What an admin may do to an account.
#[derive(Clone, Copy)]
enum Action {
    Deactivate,
    Reactivate,
    Delete,
}

async fn act(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    action: Action,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let me = visitor.superuser()?.id;
    let id = user_id(&path)?;
    if id == me && !matches!(action, Action::Reactivate) {
        return Err(PageError::BadRequest(
            "You cannot deactivate or delete your own account from the admin area. Ask another superuser, or close your account from its settings page.".into(),
        ));
    }
    db(&state, move |conn| {
        match action {
            Action::Deactivate => profiles::set_active(conn, id, false)?,
            Action::Reactivate => profiles::set_active(conn, id, true)?,
            Action::Delete => {
                profiles::delete_user(conn, id)?;
            }
        }
        Ok(())
    })
    .await?;
    let (verb, target) = match action {
        Action::Deactivate => (
            "deactivated",
            format!("/admin/users/{id}/?done=deactivated"),
        ),
        Action::Reactivate => (
            "reactivated",
            format!("/admin/users/{id}/?done=reactivated"),
        ),
        Action::Delete => ("deleted", "/admin/users/?deleted=1".to_owned()),
    };
    tracing::info!(admin.id = me, user.id = id, "an admin {verb} a user");
    Ok(visitor.redirect(&target))
}

async fn deactivate(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    act(state, req, path, body, Action::Deactivate).await
}

async fn reactivate(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    act(state, req, path, body, Action::Reactivate).await
}

async fn delete(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    act(state, req, path, body, Action::Delete).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_wildcards_are_literal() {
        assert_eq!(contains_pattern("ann"), "%ann%");
        assert_eq!(contains_pattern("a_b%c!d"), "%a!_b!%c!!d%");
    }
}
