//! `/projects/<uuid>/checks/`: My Checks, the page people look at every day — each
//! check's status (in words and shape, never colour alone), name, tags, ping URL to
//! copy, schedule and last ping — with "Add check" and a live status refresh.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use hc_core::access::{self, Standing};
use hc_core::checks::listing::{self, Filter, Listed};
use hc_core::db::DbConn;
use hc_core::models::{Check, Project, User};
use hc_core::status::Status;
use hc_core::{checks, time};
use hc_integrations::context::{ago_in_words, duration_in_words};
use serde::Serialize;

use super::{db, Form, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{code}/checks/", web::get().to(my_checks))
        .route("/projects/{code}/checks/add/", web::post().to(add_check))
        .route("/projects/{code}/checks/status/", web::get().to(statuses));
}

/// The project `code` names, if `user` may see it; a 404 page for everyone else,
/// including malformed codes, so a stranger learns nothing.
pub fn project_or_404(
    conn: &mut DbConn,
    user: &User,
    code: &str,
) -> Result<(Project, Standing), PageError> {
    if !crate::api::is_uuid(code) {
        return Err(PageError::NotFound);
    }
    access::project(conn, user, code)?.ok_or(PageError::NotFound)
}

/// The check `code` names, with its project and the user's standing there, if
/// `user` may see it; a 404 page otherwise (also for malformed codes).
pub fn check_or_404(
    conn: &mut DbConn,
    user: &User,
    code: &str,
) -> Result<(Check, Project, Standing), PageError> {
    if !crate::api::is_uuid(code) {
        return Err(PageError::NotFound);
    }
    let check = checks::find(conn, code)?.ok_or(PageError::NotFound)?;
    let project_id = check.project_id.ok_or(PageError::NotFound)?;
    let project: Project = {
        use diesel::prelude::*;
        hc_core::schema::projects::table
            .find(project_id)
            .select(Project::as_select())
            .first(conn)?
    };
    let standing = access::standing(conn, user, &project)?.ok_or(PageError::NotFound)?;
    Ok((check, project, standing))
}

#[derive(Serialize)]
struct Row {
    code: String,
    name: String,
    slug: String,
    tags: Vec<String>,
    status: &'static str,
    started: bool,
    ping_url: String,
    schedule: String,
    last_ping: String,
    last_duration: String,
    /// Codes of the integrations this check alerts (My Checks' toggles).
    channels: Vec<String>,
}

/// An integration of the project, as a column of toggles on My Checks.
#[derive(Serialize)]
struct ChannelHead {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct ChecksPage {
    project_code: String,
    project_name: String,
    can_write: bool,
    checks: Vec<Row>,
    n_down: usize,
    n_total: usize,
    tags: Vec<TagButton>,
    search: String,
    status_filter: String,
    sort: &'static str,
    sorts: &'static [&'static str],
    statuses: &'static [&'static str],
    filtered: bool,
    selected_tags: Vec<String>,
    show_slugs: bool,
    has_ping_key: bool,
    channels: Vec<ChannelHead>,
    /// This page with its query: where the row buttons come back to.
    here: String,
}

fn schedule_words(check: &Check) -> String {
    match check.kind.as_str() {
        "simple" => format!(
            "every {}, grace {}",
            duration_in_words(Duration::seconds(check.timeout)),
            duration_in_words(Duration::seconds(check.grace))
        ),
        _ => format!("{} ({})", check.schedule, check.tz),
    }
}

fn ping_url(state: &State, project: &Project, check: &Check) -> String {
    match (
        &project.ping_key,
        project.show_slugs && !check.slug.is_empty(),
    ) {
        (Some(key), true) => format!("{}{key}/{}", state.config.ping_endpoint, check.slug),
        _ => format!("{}{}", state.config.ping_endpoint, check.code),
    }
}

/// A check with its status worked out once, for the filters and the order.
struct Entry {
    check: Check,
    status: Status,
    started: bool,
}

impl Listed for Entry {
    fn name(&self) -> &str {
        &self.check.name
    }
    fn slug(&self) -> &str {
        &self.check.slug
    }
    fn code(&self) -> &str {
        &self.check.code
    }
    fn tags(&self) -> Vec<&str> {
        self.check.tags_list()
    }
    fn status(&self) -> Status {
        self.status
    }
    fn started(&self) -> bool {
        self.started
    }
    fn created(&self) -> chrono::NaiveDateTime {
        self.check.created
    }
    fn last_ping(&self) -> Option<chrono::NaiveDateTime> {
        self.check.last_ping
    }
}

fn entries(all: Vec<Check>) -> Vec<Entry> {
    let now = time::now();
    all.into_iter()
        .map(|check| {
            let shown = check.status_or_stored(now, true);
            let started = shown == Status::Started;
            // A running check is still judged by its schedule.
            let status = if started {
                check.status_or_stored(now, false)
            } else {
                shown
            };
            Entry {
                check,
                status,
                started,
            }
        })
        .collect()
}

fn row(state: &State, project: &Project, entry: Entry) -> Row {
    let now = time::now();
    let check = entry.check;
    Row {
        ping_url: ping_url(state, project, &check),
        schedule: schedule_words(&check),
        last_ping: match check.last_ping {
            Some(t) => ago_in_words(now - time::utc(t)),
            None => "Never".into(),
        },
        last_duration: check
            .last_duration
            .map(|us| duration_in_words(Duration::microseconds(us)))
            .unwrap_or_default(),
        tags: check.tags_list().into_iter().map(str::to_owned).collect(),
        status: entry.status.as_str(),
        started: entry.started,
        name: check.name,
        slug: check.slug,
        code: check.code,
        channels: Vec::new(),
    }
}

fn rows(state: &State, project: &Project, all: Vec<Check>) -> Vec<Row> {
    entries(all)
        .into_iter()
        .map(|e| row(state, project, e))
        .collect()
}

/// The filters and order asked for in the query string.
struct Query {
    filter: Filter,
    sort: Option<String>,
    urls: Option<bool>,
}

fn query(req: &HttpRequest) -> Query {
    let mut q = Query {
        filter: Filter::default(),
        sort: None,
        urls: None,
    };
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match &*k {
            "tag" if !v.is_empty() => q.filter.tags.push(v.into_owned()),
            "search" => q.filter.search = v.trim().chars().take(100).collect(),
            "status" if STATUSES.contains(&&*v) => q.filter.status = v.into_owned(),
            "sort" if listing::SORTS.contains(&&*v) => q.sort = Some(v.into_owned()),
            "urls" => q.urls = Some(v == "slug"),
            _ => {}
        }
    }
    q
}

const STATUSES: [&str; 6] = ["up", "grace", "down", "new", "paused", "started"];

#[derive(Serialize)]
struct TagButton {
    tag: String,
    count: usize,
    status: &'static str,
    active: bool,
    /// The query string that toggles this tag.
    href: String,
}

fn query_string(filter: &Filter) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for t in &filter.tags {
        q.append_pair("tag", t);
    }
    if !filter.search.is_empty() {
        q.append_pair("search", &filter.search);
    }
    if !filter.status.is_empty() {
        q.append_pair("status", &filter.status);
    }
    q.finish()
}

async fn my_checks(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let asked = query(&req);
    let (sort, urls) = (asked.sort.clone(), asked.urls);
    let (project, standing, all, owner_email, sort) = db(&state, move |conn| {
        use diesel::prelude::*;
        use hc_core::schema::{profiles, projects};
        let (mut project, standing) = project_or_404(conn, &user, &code)?;
        // The order is remembered in the profile, the URL style in the project.
        let sort = match sort {
            Some(sort) => {
                diesel::update(profiles::table.filter(profiles::user_id.eq(user.id)))
                    .set(profiles::sort.eq(&sort))
                    .execute(conn)?;
                sort
            }
            None => profiles::table
                .filter(profiles::user_id.eq(user.id))
                .select(profiles::sort)
                .first::<String>(conn)
                .optional()?
                .unwrap_or_default(),
        };
        if let Some(slugs) = urls {
            if slugs != project.show_slugs && standing.can_write() {
                diesel::update(projects::table.find(project.id))
                    .set(projects::show_slugs.eq(slugs))
                    .execute(conn)?;
                project.show_slugs = slugs;
            }
        }
        let all = checks::of_project(conn, project.id)?;
        let owner_email = super::home::owner_email(conn, &project)?;
        let channels = checks::channels_of_project(conn, project.id)?;
        let assigned = checks::channel_codes(conn, project.id)?;
        Ok((
            project,
            standing,
            (all, channels, assigned),
            owner_email,
            sort,
        ))
    })
    .await?;
    let (all, channels, mut assigned) = all;
    let n_total = all.len();
    let mut all = entries(all);
    let n_down = all.iter().filter(|e| e.status == Status::Down).count();
    let tags = listing::tag_summary(&all)
        .into_iter()
        .map(|t| {
            let active = asked.filter.tags.contains(&t.tag);
            let mut toggled = asked.filter.clone();
            if active {
                toggled.tags.retain(|x| *x != t.tag);
            } else {
                toggled.tags.push(t.tag.clone());
            }
            TagButton {
                href: query_string(&toggled),
                tag: t.tag,
                count: t.count,
                status: t.status,
                active,
            }
        })
        .collect();
    all.retain(|e| asked.filter.matches(e));
    listing::sort(&mut all, &sort);
    let checks: Vec<Row> = all
        .into_iter()
        .map(|e| {
            let id = e.check.id;
            Row {
                channels: assigned.remove(&id).unwrap_or_default(),
                ..row(&state, &project, e)
            }
        })
        .collect();
    let here = match req.query_string() {
        "" => format!("/projects/{}/checks/", project.code),
        q => format!("/projects/{}/checks/?{q}", project.code),
    };
    let page = ChecksPage {
        project_name: super::home::display_name(&project, &owner_email),
        project_code: project.code.clone(),
        can_write: standing.can_write(),
        n_down,
        n_total,
        checks,
        tags,
        search: asked.filter.search.clone(),
        status_filter: asked.filter.status.clone(),
        sort: listing::sort_or_default(&sort),
        sorts: &listing::SORTS,
        statuses: &STATUSES,
        filtered: !asked.filter.is_empty(),
        selected_tags: asked.filter.tags.clone(),
        show_slugs: project.show_slugs,
        has_ping_key: project.ping_key.is_some(),
        channels: channels
            .iter()
            .map(|c| ChannelHead {
                code: c.code.clone(),
                name: hc_integrations::catalogue::display_name(c),
            })
            .collect(),
        here,
    };
    visitor.render(&state, "checks/my_checks.html", &page)
}

async fn add_check(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    visitor.check_csrf(&req, &Form::parse(&body))?;
    let project_code = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let (project, standing) = project_or_404(conn, &user, &code)?;
            if !standing.can_write() {
                return Err(PageError::forbidden());
            }
            if !checks::owner_has_room(conn, project.owner_id)? {
                return Err(PageError::BadRequest(
                    "The project owner's account has reached its check limit.".into(),
                ));
            }
            // A new check alerts through every integration of the project.
            let check =
                checks::insert(conn, &Check::new(Some(project.id), time::now().naive_utc()))?;
            let channel_ids: Vec<i64> = checks::channels_of_project(conn, project.id)?
                .into_iter()
                .map(|c| c.id)
                .collect();
            checks::set_channels(conn, check.id, &channel_ids)?;
            Ok(project.code)
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/projects/{project_code}/checks/")))
}

/// Live refresh: `{"details": [{"code", "status", "started", "last_ping"}], "title"}`.
async fn statuses(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let Some(user) = visitor.user.clone() else {
        return Err(PageError::Forbidden("Log in to see this project.".into()));
    };
    let (project, all) = db(&state, move |conn| {
        let (project, _) = project_or_404(conn, &user, &code)?;
        let all = checks::of_project(conn, project.id)?;
        Ok((project, all))
    })
    .await?;
    let rows = rows(&state, &project, all);
    let n_down = rows.iter().filter(|r| r.status == "down").count();
    let details: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code, "status": r.status, "started": r.started, "last_ping": r.last_ping,
            })
        })
        .collect();
    let title = if n_down > 0 {
        format!("{n_down} down – {}", state.config.site_name)
    } else {
        state.config.site_name.clone()
    };
    Ok(visitor
        .finish(HttpResponse::Ok())
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({"details": details, "title": title})))
}
