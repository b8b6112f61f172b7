//! `/projects/…`: making a project, and its settings page (spec §7.2) — name, API
//! and ping keys, the Prometheus URL, the team, leaving and removing the project.
//!
//! Every change to the settings is one POST to the settings URL with an `action`
//! field (`rename`, `create_key`/`revoke_key` with `key_type`, `invite`,
//! `remove_member` with `email`, `leave`); removing the project has its own URL,
//! as in healthchecks. Access follows spec §1.4: no access is a 404, a change the
//! visitor's role does not allow is a 403.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::access::{self, Standing};
use hc_core::db::DbConn;
use hc_core::logins::{self, Purpose};
use hc_core::models::{Project, Role, User};
use hc_core::projects::{self as ops, Contents, KeyType};
use hc_core::{accounts, time};
use serde::Serialize;

use super::home::display_name;
use super::{db, mail, Form, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/add/", web::post().to(add))
        .route("/projects/{code}/settings/", web::get().to(settings))
        .route("/projects/{code}/settings/", web::post().to(change))
        .route("/projects/{code}/remove/", web::post().to(remove));
}

#[derive(Serialize, Default)]
struct AddPage {
    name: String,
    error: String,
}

async fn add(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let user = visitor.user()?.clone();
    let name = form.get("name").to_owned();
    let typed = name.clone();
    let created = db(&state, move |conn| match ops::create(conn, &user, &name) {
        Ok(project) => Ok(Ok(project)),
        Err(hc_core::Error::Invalid(why)) => Ok(Err(why)),
        Err(e) => Err(e.into()),
    })
    .await?;
    match created {
        Ok(project) => {
            tracing::info!(project.code = %project.code, "project created");
            Ok(visitor.redirect(&format!("/projects/{}/checks/", project.code)))
        }
        Err(error) => visitor.render_status(
            &state,
            StatusCode::BAD_REQUEST,
            "projects/add.html",
            &AddPage { name: typed, error },
        ),
    }
}

/// One key's row on the page.
#[derive(Serialize)]
struct KeyRow {
    /// The form value, `api_key`, `api_key_readonly` or `ping_key`.
    kind: &'static str,
    title: &'static str,
    help: &'static str,
    /// The masked form of an existing key.
    masked: Option<String>,
    /// The key in full, right after it was made; never again.
    shown: Option<String>,
}

#[derive(Serialize)]
struct TeamRow {
    email: String,
    role: &'static str,
    role_label: &'static str,
    is_you: bool,
}

/// What a POST leaves to show on the page it answers with.
#[derive(Serialize, Default)]
struct Outcome {
    notice: String,
    /// What the rename field holds: the name, or what was typed when refused.
    name_value: Option<String>,
    name_error: String,
    invite_email: String,
    invite_role: String,
    invite_error: String,
    /// A key just made, shown once: `(kind, full key)`.
    #[serde(skip)]
    new_key: Option<(KeyType, String)>,
}

#[derive(Serialize)]
struct SettingsPage {
    code: String,
    /// The name as stored (may be empty), for the rename form.
    name: String,
    /// The name to show: the name, or the owner's address.
    title: String,
    owner_email: String,
    /// The visitor's standing: `owner`, `superuser`, `manager`, `member`, `read-only`.
    role: &'static str,
    can_write: bool,
    can_manage: bool,
    is_owner: bool,
    /// A member (not the owner) may leave.
    can_leave: bool,
    /// Read-only members do not see keys at all.
    show_keys: bool,
    keys: Vec<KeyRow>,
    has_readonly_key: bool,
    prometheus_enabled: bool,
    /// The Prometheus URL with a read-only key just made.
    metrics_url: Option<String>,
    /// The URL up to the key, to show what it looks like.
    metrics_base: String,
    team: Vec<TeamRow>,
    contents: Contents,
    name_max: usize,
    #[serde(flatten)]
    outcome: Outcome,
}

fn key_words(kind: KeyType) -> (&'static str, &'static str) {
    match kind {
        KeyType::ReadWrite => (
            "API key (read-write)",
            "For the management API: lists, creates, changes and removes checks.",
        ),
        KeyType::ReadOnly => (
            "API key (read-only)",
            "Reads checks and their status, without changing anything; also opens the Prometheus endpoint.",
        ),
        KeyType::Ping => (
            "Ping key",
            "For ping URLs by slug: /ping/<ping key>/<check slug>.",
        ),
    }
}

fn role_words(role: Role) -> &'static str {
    match role {
        Role::ReadOnly => "Read-only",
        Role::Member => "Member",
        Role::Manager => "Manager",
    }
}

/// The project and the visitor's standing in it, or 404 for no access at all.
fn find(conn: &mut DbConn, user: &User, code: &str) -> Result<(Project, Standing), PageError> {
    access::project(conn, user, code)?.ok_or(PageError::NotFound)
}

fn owner_email(conn: &mut DbConn, project: &Project) -> Result<String, PageError> {
    use diesel::prelude::*;
    use hc_core::schema::users;
    Ok(users::table
        .find(project.owner_id)
        .select(users::email)
        .first(conn)?)
}

fn page(
    state: &State,
    conn: &mut DbConn,
    user: &User,
    project: &Project,
    standing: Standing,
    mut outcome: Outcome,
) -> Result<SettingsPage, PageError> {
    if outcome.name_value.is_none() {
        outcome.name_value = Some(project.name.clone());
    }
    let owner_email = owner_email(conn, project)?;
    let metrics_base = format!(
        "{}/projects/{}/metrics/",
        state.config.site_root, project.code
    );
    let keys = KeyType::ALL
        .into_iter()
        .map(|kind| {
            let (title, help) = key_words(kind);
            let shown = match &outcome.new_key {
                Some((made, key)) if *made == kind => Some(key.clone()),
                _ => None,
            };
            KeyRow {
                kind: kind.code(),
                title,
                help,
                masked: ops::masked(kind, kind.stored(project)),
                shown,
            }
        })
        .collect();
    let metrics_url = match &outcome.new_key {
        Some((KeyType::ReadOnly, key)) => Some(format!("{metrics_base}{key}")),
        _ => None,
    };
    let team = ops::team(conn, project.id)?
        .into_iter()
        .map(|m| TeamRow {
            is_you: m.user.id == user.id,
            email: m.user.email,
            role: m.role.code(),
            role_label: role_words(m.role),
        })
        .collect();
    Ok(SettingsPage {
        code: project.code.clone(),
        name: project.name.clone(),
        title: display_name(project, &owner_email),
        owner_email,
        role: standing.label(),
        can_write: standing.can_write(),
        can_manage: standing.can_manage(),
        is_owner: standing.is_owner(),
        can_leave: matches!(standing, Standing::Member(_)),
        show_keys: standing.can_write(),
        keys,
        has_readonly_key: !project.api_key_readonly.is_empty(),
        prometheus_enabled: state.config.integrations.prometheus_enabled,
        metrics_url,
        metrics_base,
        team,
        contents: ops::contents(conn, project.id)?,
        name_max: ops::NAME_MAX,
        outcome,
    })
}

async fn settings(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let code = path.into_inner();
    let st = state.clone();
    let page = db(&state, move |conn| {
        let (project, standing) = find(conn, &user, &code)?;
        page(&st, conn, &user, &project, standing, Outcome::default())
    })
    .await?;
    visitor.render(&state, "projects/settings.html", &page)
}

/// What a settings POST answers with.
enum Answer {
    Page(StatusCode, Box<SettingsPage>),
    Home,
}

async fn change(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let user = visitor.user()?.clone();
    let code = path.into_inner();
    let st = state.clone();
    let mailed = form.get("action") == "invite";
    let answer = db(&state, move |conn| {
        let (project, standing) = find(conn, &user, &code)?;
        act(&st, conn, &user, project, standing, &form)
    })
    .await?;
    if mailed {
        mail::wake(&state);
    }
    match answer {
        Answer::Page(status, page) => {
            visitor.render_status(&state, status, "projects/settings.html", &page)
        }
        Answer::Home => Ok(visitor.redirect("/")),
    }
}

/// Carries out one settings action, checking the role it needs.
fn act(
    state: &State,
    conn: &mut DbConn,
    user: &User,
    mut project: Project,
    standing: Standing,
    form: &Form,
) -> Result<Answer, PageError> {
    let mut outcome = Outcome::default();
    let mut status = StatusCode::OK;
    let key_type = || {
        KeyType::from_code(form.get("key_type"))
            .ok_or_else(|| PageError::BadRequest("Unknown key type.".into()))
    };
    match form.get("action") {
        "rename" => {
            if !standing.can_write() {
                return Err(PageError::forbidden());
            }
            match ops::rename(conn, project.id, form.get("name")) {
                Ok(name) => {
                    project.name = name;
                    outcome.notice = "The project was renamed.".into();
                }
                Err(hc_core::Error::Invalid(why)) => {
                    status = StatusCode::BAD_REQUEST;
                    outcome.name_error = why;
                    outcome.name_value = Some(form.get("name").to_owned());
                }
                Err(e) => return Err(e.into()),
            }
        }
        "create_key" => {
            let kind = key_type()?;
            if !standing.can_manage() {
                return Err(manager_only());
            }
            let key = ops::create_key(conn, project.id, kind, state.config.secret_key.expose())?;
            tracing::info!(project.code = %project.code, key = kind.code(), "key created");
            project = reload(conn, project.id)?;
            outcome.new_key = Some((kind, key));
        }
        "revoke_key" => {
            let kind = key_type()?;
            if !standing.can_manage() {
                return Err(manager_only());
            }
            ops::revoke_key(conn, project.id, kind)?;
            tracing::info!(project.code = %project.code, key = kind.code(), "key revoked");
            project = reload(conn, project.id)?;
            outcome.notice = format!("The {} was revoked.", key_words(kind).0);
        }
        "invite" => {
            if !standing.can_manage() {
                return Err(manager_only());
            }
            status = invite(state, conn, user, &project, form, &mut outcome)?;
        }
        "remove_member" => {
            if !standing.can_manage() {
                return Err(manager_only());
            }
            let email = form.trimmed("email");
            if !ops::remove_member(conn, project.id, email)? {
                return Err(PageError::BadRequest(
                    "That address is not a member of this project.".into(),
                ));
            }
            outcome.notice = format!("{} was removed from the team.", email.to_lowercase());
        }
        "leave" => {
            if !matches!(standing, Standing::Member(_)) {
                return Err(PageError::BadRequest(
                    "Only members can leave a project; its owner can remove it instead.".into(),
                ));
            }
            ops::leave(conn, project.id, user.id)?;
            return Ok(Answer::Home);
        }
        _ => return Err(PageError::BadRequest("Unknown action.".into())),
    }
    let page = page(state, conn, user, &project, standing, outcome)?;
    Ok(Answer::Page(status, Box::new(page)))
}

fn manager_only() -> PageError {
    PageError::Forbidden(
        "Only the project's owner and managers can manage API keys and the team.".into(),
    )
}

fn reload(conn: &mut DbConn, id: i64) -> Result<Project, PageError> {
    use diesel::prelude::*;
    use hc_core::schema::projects;
    Ok(projects::table
        .find(id)
        .select(Project::as_select())
        .first(conn)?)
}

#[derive(Serialize)]
struct InviteMail<'a> {
    site_name: &'a str,
    inviter: &'a str,
    project: &'a str,
    role: &'a str,
    login_url: String,
    valid_hours: i64,
}

/// Adds the member and queues their invitation in one transaction, so no one is
/// added without a mail, nor mailed without being added.
fn invite(
    state: &State,
    conn: &mut DbConn,
    inviter: &User,
    project: &Project,
    form: &Form,
    outcome: &mut Outcome,
) -> Result<StatusCode, PageError> {
    let email = form.trimmed("email").to_owned();
    let role_code = form.get("role");
    outcome.invite_email = email.clone();
    outcome.invite_role = role_code.to_owned();
    let Some(role) = Role::from_code(role_code) else {
        outcome.invite_error = "Please choose a role.".into();
        return Ok(StatusCode::BAD_REQUEST);
    };
    let now = time::now();
    let owner = owner_email(conn, project)?;
    let title = display_name(project, &owner);
    let refused = conn.write_tx(|conn| -> Result<_, PageError> {
        let invitee = match ops::invite(conn, project, inviter, &email, role, now)? {
            Ok(user) => user,
            Err(refused) => return Ok(Some(refused)),
        };
        let token = logins::issue(conn, &invitee, Purpose::Login, now)?;
        let context = InviteMail {
            site_name: &state.config.site_name,
            inviter: &inviter.email,
            project: &title,
            role: role_words(role),
            login_url: format!(
                "{}/accounts/check_token/{}/{}/",
                state.config.site_root, invitee.username, token
            ),
            valid_hours: Purpose::Login.lifetime().num_hours(),
        };
        let subject = format!(
            "You have been invited to join {title} on {}",
            state.config.site_name
        );
        mail::queue(state, conn, &invitee.email, &subject, "invite", &context)?;
        Ok(None)
    })?;
    Ok(match refused {
        None => {
            tracing::info!(project.code = %project.code, "team member invited");
            // The e-mail address was valid, so it is in its normal form now.
            let shown = accounts::normalize_email(&email).unwrap_or(email);
            outcome.notice = format!("Invitation sent to {shown}.");
            outcome.invite_email.clear();
            outcome.invite_role.clear();
            StatusCode::OK
        }
        Some(refused) => {
            outcome.invite_error = refused.message();
            if refused == ops::InviteRefused::TooMany {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::BAD_REQUEST
            }
        }
    })
}

async fn remove(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let user = visitor.user()?.clone();
    let code = path.into_inner();
    db(&state, move |conn| {
        let (project, standing) = find(conn, &user, &code)?;
        if !standing.is_owner() {
            return Err(PageError::Forbidden(
                "Only the project's owner can remove it.".into(),
            ));
        }
        ops::delete(conn, project.id)?;
        tracing::info!(project.code = %project.code, "project removed");
        Ok(())
    })
    .await?;
    Ok(visitor.redirect("/"))
}
