//! `/checks/<uuid>/details/`: what a check is, how to ping it, its status in words,
//! schedule, integrations, recent events and three months of downtime, with the
//! forms that change it. Its live refresh is in [`super::live`].

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::checks;
use hc_core::checks::fields::{FieldErrors, FilterRules, NameForm};
use hc_core::models::Channel;
use hc_core::schema::users;
use hc_core::time;
use serde::Serialize;

use super::live::{load_live, month_rows, status_of, title, updated, Live, MonthRow};
use super::rows::{self, Row};
use super::words::{self, ScheduleWords};
use crate::ui::schedule::ScheduleFields;
use crate::ui::{db, Form, PageError, Visitor};
use crate::State;

#[derive(Serialize)]
struct ChannelRow {
    code: String,
    label: String,
    kind: String,
    on: bool,
    disabled: bool,
}

#[derive(Serialize)]
struct DetailsPage {
    code: String,
    name: String,
    title: String,
    /// The description's lines, shown with line breaks.
    desc: Vec<String>,
    slug: String,
    tags: Vec<String>,
    project_code: String,
    project_name: String,
    can_write: bool,
    status: &'static str,
    status_text: String,
    paused: bool,
    ping_url: String,
    slug_url: String,
    email: String,
    slug_email: String,
    schedule: ScheduleWords,
    /// What the schedule dialogs (`checks/schedule_dialogs.html`) read.
    check: ScheduleFields,
    channels: Vec<ChannelRow>,
    events: Vec<Row>,
    updated: String,
    downtimes: Vec<MonthRow>,
    copied: bool,
    n_pings: i64,
    zone: String,
    name_form: NameForm,
    name_errors: BTreeMap<&'static str, String>,
    rules: FilterRules,
    rules_errors: BTreeMap<&'static str, String>,
}

/// Values someone typed into a form that was refused, with the reasons.
#[derive(Default)]
pub(super) struct Refused {
    pub name: Option<(NameForm, FieldErrors)>,
    pub rules: Option<(FilterRules, FieldErrors)>,
}

/// Every field of a form with its message, "" for fields without one, so templates
/// can look any of them up.
fn error_map(
    fields: &[&'static str],
    errors: Option<&FieldErrors>,
) -> BTreeMap<&'static str, String> {
    fields
        .iter()
        .map(|f| (*f, errors.and_then(|e| e.get(f)).unwrap_or("").to_owned()))
        .collect()
}

const NAME_FIELDS: [&str; 4] = ["name", "slug", "tags", "desc"];
const RULES_FIELDS: [&str; 4] = ["start_kw", "success_kw", "failure_kw", "methods"];

pub async fn details(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let copied = Form::parse(req.query_string().as_bytes()).has("copied");
    show(
        &state,
        &visitor,
        code.into_inner(),
        copied,
        Refused::default(),
    )
    .await
}

/// Renders the details page; with refused form values it answers 400 and shows each
/// message next to its field, with the form open.
pub(super) async fn show(
    state: &web::Data<State>,
    visitor: &Visitor,
    code: String,
    copied: bool,
    refused: Refused,
) -> Result<HttpResponse, PageError> {
    let user = visitor.user()?.clone();
    let now = time::now();
    let (live, channels, assigned, owner_email) = db(state, move |conn| {
        let live = load_live(conn, &user, &code, now)?;
        let project = &live.seen.project;
        let channels = checks::channels_of_project(conn, project.id)?;
        let assigned = checks::channel_codes_of(conn, live.seen.check.id)?;
        let owner_email = if project.name.is_empty() {
            users::table
                .find(project.owner_id)
                .select(users::email)
                .first::<String>(conn)?
        } else {
            String::new()
        };
        Ok((live, channels, assigned, owner_email))
    })
    .await?;
    let (status, status_text) = status_of(&live, now);
    let Live {
        seen,
        zone,
        events,
        downtimes,
        ..
    } = &live;
    let (check, project) = (&seen.check, &seen.project);
    let endpoint = &state.config.ping_endpoint;
    let domain = &state.config.ping_email_domain;
    let slug_key = project.ping_key.as_ref().filter(|_| !check.slug.is_empty());
    let bad_request = refused.name.is_some() || refused.rules.is_some();
    let (name_form, name_errors) = match refused.name {
        Some((form, errors)) => (form, error_map(&NAME_FIELDS, Some(&errors))),
        None => (
            NameForm {
                name: check.name.clone(),
                slug: check.slug.clone(),
                tags: check.tags.clone(),
                desc: check.description.clone(),
            },
            error_map(&NAME_FIELDS, None),
        ),
    };
    let (rules, rules_errors) = match refused.rules {
        Some((rules, errors)) => (rules, error_map(&RULES_FIELDS, Some(&errors))),
        None => (FilterRules::of(check), error_map(&RULES_FIELDS, None)),
    };
    let page = DetailsPage {
        code: check.code.clone(),
        name: check.name.clone(),
        title: title(&check.name, status, &state.config.site_name),
        desc: check.description.lines().map(str::to_owned).collect(),
        slug: check.slug.clone(),
        tags: check.tags_list().into_iter().map(str::to_owned).collect(),
        project_code: project.code.clone(),
        project_name: crate::ui::home::display_name(project, &owner_email),
        can_write: seen.standing.can_write(),
        status: status.as_str(),
        status_text,
        paused: check.stored_status() == hc_core::status::StoredStatus::Paused,
        ping_url: format!("{endpoint}{}", check.code),
        slug_url: slug_key
            .map(|key| format!("{endpoint}{key}/{}", check.slug))
            .unwrap_or_default(),
        email: format!("{}@{domain}", check.code),
        slug_email: slug_key
            .map(|key| format!("{key}+{}@{domain}", check.slug))
            .unwrap_or_default(),
        schedule: words::schedule(check),
        check: ScheduleFields::from(check),
        channels: channel_rows(&channels, &assigned),
        events: rows::rows(events, zone),
        updated: updated(events),
        downtimes: month_rows(downtimes, zone),
        copied,
        n_pings: check.n_pings,
        zone: zone.clone(),
        name_form,
        name_errors,
        rules,
        rules_errors,
    };
    let code = if bad_request {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    visitor.render_status(state, code, "checks/details.html", &page)
}

fn channel_rows(channels: &[Channel], assigned: &[String]) -> Vec<ChannelRow> {
    channels
        .iter()
        .map(|c| ChannelRow {
            code: c.code.clone(),
            label: words::channel_label(c),
            kind: c.kind.clone(),
            on: assigned.contains(&c.code),
            disabled: c.disabled,
        })
        .collect()
}
