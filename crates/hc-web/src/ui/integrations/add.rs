//! `/projects/<uuid>/add_<kind>/` and `/integrations/<uuid>/edit/`: one form per
//! kind (fields in [`super::forms`]), saved channels attached to every check of the
//! project, and e-mail addresses other than the user's own verified by a link.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::models::{Channel, Project, User};
use hc_core::schema::channels;
use hc_integrations::catalogue::{self, Kind};
use serde::Serialize;

use super::forms::{self, Errors, FieldView};
use super::{channel_or_404, insert_channel, new_channel, project_title, read_only, verify_token};
use crate::ui::checks::project_or_404;
use crate::ui::{db, mail, PageError, Posted, Visitor};
use crate::State;

#[derive(Serialize)]
pub(super) struct FormPage {
    project_code: String,
    project_name: String,
    kind: &'static str,
    slug: &'static str,
    label: &'static str,
    blurb: &'static str,
    /// Where the form posts.
    action: String,
    editing: bool,
    fields: Vec<FieldView>,
    /// Set-up notes that name the site's own accounts.
    telegram_bot: String,
    matrix_user: String,
    metrics_base: String,
    /// Pushover: the priority choices.
    pub(super) priorities: Vec<forms::Choice>,
    pub(super) priorities_up: Vec<forms::Choice>,
    /// Slack, Discord, Pushbullet: the OAuth button's label, when set up.
    pub(super) oauth_button: &'static str,
    pub(super) error: String,
}

impl FormPage {
    fn new(state: &State, kind: &'static Kind, project: &Project, project_name: String) -> Self {
        let i = &state.config.integrations;
        FormPage {
            project_code: project.code.clone(),
            project_name,
            kind: kind.kind,
            slug: kind.slug,
            label: kind.label,
            blurb: kind.blurb,
            action: format!("/projects/{}/add_{}/", project.code, kind.slug),
            editing: false,
            fields: Vec::new(),
            telegram_bot: i.telegram_bot_name.clone(),
            matrix_user: i.matrix_user_id.clone().unwrap_or_default(),
            metrics_base: format!(
                "{}/projects/{}/metrics/",
                state.config.site_root, project.code
            ),
            priorities: Vec::new(),
            priorities_up: Vec::new(),
            oauth_button: "",
            error: String::new(),
        }
    }
}

/// The kind an add URL names, if this site offers it. Others get healthchecks'
/// answer for a switched-off kind: a 404 with an empty body.
fn offered(state: &State, slug: &str) -> Option<&'static Kind> {
    catalogue::by_slug(slug).filter(|kind| catalogue::enabled(&state.config, kind.kind))
}

/// The project of an add page, for someone who may change it.
fn writable_project(
    conn: &mut DbConn,
    user: &User,
    code: &str,
) -> Result<(Project, String), PageError> {
    let (project, standing) = project_or_404(conn, user, code)?;
    if !standing.can_write() {
        return Err(read_only());
    }
    let title = project_title(conn, &project)?;
    Ok((project, title))
}

pub async fn form(
    state: web::Data<State>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (code, slug) = path.into_inner();
    let Some(kind) = offered(&state, &slug) else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let visitor = Visitor::load(&state, &req).await?;
    if kind.kind == "po" {
        return super::pushover::page(state, req, visitor, code).await;
    }
    if super::oauth::button(&state.config, kind.kind).is_some() {
        return super::oauth::page(state, visitor, kind, code).await;
    }
    let user = visitor.user()?.clone();
    let (project, title, choices) = db(&state, move |conn| {
        let (project, title) = writable_project(conn, &user, &code)?;
        let choices = group_choices(conn, kind.kind, project.id)?;
        Ok((project, title, choices))
    })
    .await?;
    let mut page = FormPage::new(&state, kind, &project, title);
    if let Some(specs) = forms::specs(kind.kind) {
        let defaults = forms::defaults(kind.kind);
        page.fields = forms::views(&specs, &defaults, &Errors::new());
        forms::local::show_choices(&mut page.fields, &choices, &defaults);
    }
    visitor.render(&state, "integrations/add.html", &page)
}

pub async fn save(
    state: web::Data<State>,
    path: web::Path<(String, String)>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let (code, slug) = path.into_inner();
    let Some(kind) = offered(&state, &slug) else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    if kind.kind == "po" {
        return super::pushover::subscribe(state, visitor, user, code, form).await;
    }
    if super::oauth::button(&state.config, kind.kind).is_some() {
        return super::oauth::start(state, visitor, user, kind, code).await;
    }
    let Some(specs) = forms::specs(kind.kind) else {
        // Prometheus has nothing to save.
        return Err(PageError::NotFound);
    };
    let values = forms::read(&specs, &form, None);
    let built = forms::build(kind.kind, &specs, &values);
    let state2 = state.clone();
    let user2 = user.clone();
    let saved = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let (project, title) = writable_project(conn, &user2, &code)?;
            let choices = group_choices(conn, kind.kind, project.id)?;
            let built = match built.and_then(|b| forms::local::keep_offered(kind.kind, b, &choices))
            {
                Ok(built) => built,
                Err(errors) => return Ok(Err((project, title, errors, choices))),
            };
            let mut channel = new_channel(&project, kind.kind, &built.name, built.value);
            let confirm = built
                .address
                .as_deref()
                .filter(|a| needs_verification(&state2, &user2, a));
            channel.email_verified = confirm.is_none();
            let channel = insert_channel(conn, &channel)?;
            if let Some(address) = confirm {
                queue_verification(&state2, conn, &channel, address, &title)?;
            }
            Ok(Ok((project.code, confirm.is_some())))
        })
    })
    .await?;
    match saved {
        Ok((project_code, confirm)) => {
            tracing::info!(channel.kind = kind.kind, "integration added");
            if confirm {
                mail::wake(&state);
            }
            let done = if confirm {
                "added_unconfirmed"
            } else {
                "added"
            };
            Ok(visitor.redirect(&format!(
                "/projects/{project_code}/integrations/?done={done}"
            )))
        }
        Err((project, title, errors, choices)) => {
            let mut page = FormPage::new(&state, kind, &project, title);
            page.fields = forms::views(&specs, &values, &errors);
            forms::local::show_choices(&mut page.fields, &choices, &values);
            page.error = "Please correct the fields marked below.".into();
            visitor.render_status(
                &state,
                StatusCode::BAD_REQUEST,
                "integrations/add.html",
                &page,
            )
        }
    }
}

/// The integrations a group's form offers; none for other kinds.
fn group_choices(
    conn: &mut DbConn,
    kind: &str,
    project_id: i64,
) -> Result<Vec<(String, String)>, PageError> {
    if kind != "group" {
        return Ok(Vec::new());
    }
    Ok(forms::local::choices(conn, project_id)?)
}

/// E-mail verification applies to addresses other than the user's own, when the
/// site asks for it (`EMAIL_USE_VERIFICATION`).
fn needs_verification(state: &State, user: &User, address: &str) -> bool {
    state.config.email.use_verification && !address.eq_ignore_ascii_case(&user.email)
}

#[derive(Serialize)]
struct VerifyEmail<'a> {
    site_name: &'a str,
    project_name: &'a str,
    link: String,
}

fn queue_verification(
    state: &State,
    conn: &mut DbConn,
    channel: &Channel,
    address: &str,
    project_name: &str,
) -> Result<(), PageError> {
    let link = format!(
        "{}/integrations/{}/verify/{}/",
        state.config.site_root,
        channel.code,
        verify_token(state.config.secret_key.expose(), &channel.code)
    );
    let context = VerifyEmail {
        site_name: &state.config.site_name,
        project_name,
        link,
    };
    mail::queue(
        state,
        conn,
        address,
        &format!("Verify email address on {}", state.config.site_name),
        "verify_email",
        &context,
    )
}

/// The channel of an edit page, for someone who may change it, if its kind can be
/// edited.
fn editable_channel(
    conn: &mut DbConn,
    user: &User,
    code: &str,
) -> Result<(Channel, Project, String, &'static Kind), PageError> {
    let (channel, project, standing) = channel_or_404(conn, user, code)?;
    if !standing.can_write() {
        return Err(read_only());
    }
    let kind = catalogue::by_kind(&channel.kind)
        .filter(|k| forms::editable(k.kind))
        .ok_or(PageError::NotFound)?;
    let title = project_title(conn, &project)?;
    Ok((channel, project, title, kind))
}

fn edit_page(
    state: &State,
    kind: &'static Kind,
    channel: &Channel,
    project: &Project,
    title: String,
    fields: Vec<FieldView>,
) -> FormPage {
    let mut page = FormPage::new(state, kind, project, title);
    page.action = format!("/integrations/{}/edit/", channel.code);
    page.editing = true;
    page.fields = fields;
    page
}

pub async fn edit_form(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let (channel, project, title, kind, choices) = db(&state, move |conn| {
        let (channel, project, title, kind) = editable_channel(conn, &user, &code)?;
        let choices = group_choices(conn, kind.kind, project.id)?;
        Ok((channel, project, title, kind, choices))
    })
    .await?;
    let specs = forms::specs(kind.kind).ok_or(PageError::NotFound)?;
    let old = forms::decode(kind.kind, &channel.name, &channel.value);
    let shown = forms::shown(&specs, &old, Some(&old));
    let mut fields = forms::views(&specs, &shown, &Errors::new());
    forms::local::show_choices(&mut fields, &choices, &shown);
    let page = edit_page(&state, kind, &channel, &project, title, fields);
    visitor.render(&state, "integrations/add.html", &page)
}

pub async fn edit_save(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let state2 = state.clone();
    let saved = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let (channel, project, title, kind) = editable_channel(conn, &user, &code)?;
            let specs = forms::specs(kind.kind).ok_or(PageError::NotFound)?;
            let old = forms::decode(kind.kind, &channel.name, &channel.value);
            let values = forms::read(&specs, &form, Some(&old));
            let choices = group_choices(conn, kind.kind, project.id)?;
            let built = forms::build(kind.kind, &specs, &values)
                .and_then(|b| forms::local::keep_offered(kind.kind, b, &choices));
            let built = match built {
                Ok(built) => built,
                Err(errors) => {
                    let shown = forms::shown(&specs, &values, Some(&old));
                    let mut fields = forms::views(&specs, &shown, &errors);
                    forms::local::show_choices(&mut fields, &choices, &shown);
                    return Ok(Err(edit_page(
                        &state2, kind, &channel, &project, title, fields,
                    )));
                }
            };
            let old_address = old.get("value").cloned().unwrap_or_default();
            // A changed address is confirmed again; an unchanged one keeps its state.
            let confirm = built.address.as_deref().filter(|a| {
                !a.eq_ignore_ascii_case(&old_address) && needs_verification(&state2, &user, a)
            });
            let verified = match (&built.address, confirm) {
                (_, Some(_)) => false,
                (Some(a), None) if a.eq_ignore_ascii_case(&old_address) => channel.email_verified,
                _ => true,
            };
            diesel::update(channels::table.find(channel.id))
                .set((
                    channels::name.eq(&built.name),
                    channels::value.eq(&built.value),
                    channels::email_verified.eq(verified),
                ))
                .execute(conn)?;
            if let Some(address) = confirm {
                queue_verification(&state2, conn, &channel, address, &title)?;
            }
            Ok(Ok((project.code, confirm.is_some())))
        })
    })
    .await?;
    match saved {
        Ok((project_code, confirm)) => {
            if confirm {
                mail::wake(&state);
            }
            let done = if confirm {
                "saved_unconfirmed"
            } else {
                "saved"
            };
            Ok(visitor.redirect(&format!(
                "/projects/{project_code}/integrations/?done={done}"
            )))
        }
        Err(mut page) => {
            page.error = "Please correct the fields marked below.".into();
            visitor.render_status(
                &state,
                StatusCode::BAD_REQUEST,
                "integrations/add.html",
                &page,
            )
        }
    }
}

/// A kind's page without fields (Pushover's subscription page uses it).
pub(super) fn page_for(
    state: &State,
    kind: &'static Kind,
    project: &Project,
    project_name: String,
) -> FormPage {
    FormPage::new(state, kind, project, project_name)
}
