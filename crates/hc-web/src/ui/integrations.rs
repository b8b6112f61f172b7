//! The Integrations page (healthchecks' "Channels", spec §7.4) and everything hung
//! off it: the list with assignment, rename, test and remove; one add page per kind;
//! editing; e-mail address verification; Pushover's subscription flow; and the
//! OAuth buttons of Slack, Discord and Pushbullet.

mod add;
mod forms;
mod list;
mod manage;
mod oauth;
mod pushover;

use actix_web::web;
use diesel::prelude::*;
use hc_core::access::{self, Standing};
use hc_core::db::DbConn;
use hc_core::models::{Channel, Project, User};
use hc_core::schema::{channel_checks, channels, checks, users};

use super::PageError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{code}/integrations/", web::get().to(list::page))
        .route(
            "/projects/{code}/integrations/",
            web::post().to(list::assign),
        )
        .route("/projects/{code}/add_{kind}/", web::get().to(add::form))
        .route("/projects/{code}/add_{kind}/", web::post().to(add::save))
        .route(
            "/integrations/{code}/checks/",
            web::get().to(list::checks_dialog),
        )
        .route("/integrations/{code}/name/", web::post().to(manage::rename))
        .route("/integrations/{code}/test/", web::post().to(manage::test))
        .route(
            "/integrations/{code}/remove/",
            web::post().to(manage::remove),
        )
        .route("/integrations/{code}/edit/", web::get().to(add::edit_form))
        .route("/integrations/{code}/edit/", web::post().to(add::edit_save))
        .route(
            "/integrations/{code}/verify/{token}/",
            web::get().to(manage::verify),
        )
        .route(
            "/integrations/add_slack_btn/",
            web::get().to(oauth::slack_back),
        )
        .route(
            "/integrations/add_discord/",
            web::get().to(oauth::discord_back),
        )
        .route(
            "/integrations/add_pushbullet/",
            web::get().to(oauth::pushbullet_back),
        );
}

/// The channel `code` names with its project and the user's standing there; a 404
/// for strangers and malformed codes alike.
fn channel_or_404(
    conn: &mut DbConn,
    user: &User,
    code: &str,
) -> Result<(Channel, Project, Standing), PageError> {
    let channel = find_channel(conn, code)?.ok_or(PageError::NotFound)?;
    let project: Project = hc_core::schema::projects::table
        .find(channel.project_id)
        .select(Project::as_select())
        .first(conn)?;
    let standing = access::standing(conn, user, &project)?.ok_or(PageError::NotFound)?;
    Ok((channel, project, standing))
}

fn find_channel(conn: &mut DbConn, code: &str) -> Result<Option<Channel>, PageError> {
    if !crate::api::is_uuid(code) {
        return Ok(None);
    }
    Ok(channels::table
        .filter(channels::code.eq(code))
        .select(Channel::as_select())
        .first(conn)
        .optional()?)
}

/// The name a project goes by (its owner's address when it has none).
fn project_title(conn: &mut DbConn, project: &Project) -> Result<String, PageError> {
    let owner: String = users::table
        .find(project.owner_id)
        .select(users::email)
        .first(conn)?;
    Ok(super::home::display_name(project, &owner))
}

/// The read-only refusal, in words for this page.
fn read_only() -> PageError {
    PageError::Forbidden(
        "You have read-only access to this project, so you cannot change its integrations.".into(),
    )
}

/// Stores a new channel and attaches it to every check of its project, as
/// healthchecks does for integrations added on the web.
fn insert_channel(conn: &mut DbConn, channel: &Channel) -> Result<Channel, PageError> {
    diesel::insert_into(channels::table)
        .values(channel)
        .execute(conn)?;
    let saved: Channel = channels::table
        .filter(channels::code.eq(&channel.code))
        .select(Channel::as_select())
        .first(conn)?;
    let check_ids: Vec<i64> = checks::table
        .filter(checks::project_id.eq(saved.project_id))
        .select(checks::id)
        .load(conn)?;
    // One statement per row: diesel's multi-connection has no batch insert.
    for check_id in check_ids {
        diesel::insert_into(channel_checks::table)
            .values((
                channel_checks::channel_id.eq(saved.id),
                channel_checks::check_id.eq(check_id),
            ))
            .execute(conn)?;
    }
    Ok(saved)
}

/// A new channel of `kind` in `project`, not yet stored.
fn new_channel(project: &Project, kind: &str, name: &str, value: String) -> Channel {
    Channel {
        id: 0,
        code: hc_core::keys::new_uuid(),
        project_id: project.id,
        name: name.to_owned(),
        kind: kind.to_owned(),
        value,
        email_verified: kind != "email",
        disabled: false,
        last_notify: None,
        last_notify_duration: None,
        last_error: String::new(),
        created: hc_core::time::now().naive_utc(),
    }
}

/// The token in an e-mail channel's verification link.
fn verify_token(secret: &str, channel_code: &str) -> String {
    hc_core::keys::hmac_hex(secret, &format!("verify-email:{channel_code}"))
}

/// A query string's fields.
fn query(req: &actix_web::HttpRequest) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}
