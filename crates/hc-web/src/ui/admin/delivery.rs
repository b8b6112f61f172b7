//! The admin area's view of what hc sends: integrations with their last errors,
//! recent notifications and recent e-mail (never its body, which may hold login
//! links).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use hc_core::models::Project;
use hc_core::schema::{channels, checks, emails, notifications, projects, users};
use serde::Serialize;

use super::{query_value, when, Pager, PAGE_SIZE};
use crate::ui::home::display_name;
use crate::ui::{db, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/channels/", web::get().to(channels_list))
        .route("/admin/notifications/", web::get().to(notifications_list))
        .route("/admin/emails/", web::get().to(emails_list));
}

/// How many of the newest notifications and e-mails are shown.
const RECENT: i64 = 100;

#[derive(Serialize)]
struct ChannelRow {
    kind: String,
    name: String,
    project_code: String,
    project: String,
    owner_id: i64,
    owner: String,
    disabled: bool,
    last_notify: String,
    last_error: String,
}

#[derive(Serialize)]
struct ChannelsPage {
    tab: &'static str,
    failing_only: bool,
    channels: Vec<ChannelRow>,
    pager: Pager,
}

type ChannelJoin = (
    (String, String, bool, Option<NaiveDateTime>, String),
    Project,
    String,
);

async fn channels_list(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.superuser()?;
    let page = Pager::requested(&req);
    let failing_only = query_value(&req, "failing").is_some();
    let (rows, total) = db(&state, move |conn| {
        let total: i64 = if failing_only {
            channels::table
                .filter(channels::last_error.ne(""))
                .select(count_star())
                .first(conn)?
        } else {
            channels::table.select(count_star()).first(conn)?
        };
        let columns = (
            (
                channels::kind,
                channels::name,
                channels::disabled,
                channels::last_notify,
                channels::last_error,
            ),
            Project::as_select(),
            users::email,
        );
        let base = channels::table
            .inner_join(projects::table.inner_join(users::table))
            .order(channels::id.desc())
            .limit(PAGE_SIZE)
            .offset(Pager::offset(page));
        let found: Vec<ChannelJoin> = if failing_only {
            base.filter(channels::last_error.ne(""))
                .select(columns)
                .load(conn)?
        } else {
            base.select(columns).load(conn)?
        };
        let rows = found
            .into_iter()
            .map(
                |((kind, name, disabled, last_notify, last_error), p, owner)| ChannelRow {
                    kind,
                    name,
                    project: display_name(&p, &owner),
                    project_code: p.code,
                    owner_id: p.owner_id,
                    owner,
                    disabled,
                    last_notify: when(last_notify),
                    last_error,
                },
            )
            .collect::<Vec<_>>();
        Ok((rows, total))
    })
    .await?;
    let page = ChannelsPage {
        tab: "channels",
        failing_only,
        channels: rows,
        pager: Pager::new(
            page,
            total,
            if failing_only {
                "/admin/channels/?failing=1&".into()
            } else {
                "/admin/channels/?".into()
            },
        ),
    };
    visitor.render(&state, "admin/channels.html", &page)
}

#[derive(Serialize)]
struct NotificationRow {
    created: String,
    kind: String,
    project_code: String,
    project: String,
    check: String,
    check_status: String,
    status: String,
    attempts: i32,
    error: String,
}

#[derive(Serialize)]
struct NotificationsPage {
    tab: &'static str,
    failed_only: bool,
    notifications: Vec<NotificationRow>,
}

type NotificationJoin = (
    (NaiveDateTime, String, String, i32, String),
    String,
    Project,
    String,
    Option<String>,
);

async fn notifications_list(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.superuser()?;
    let failed_only = query_value(&req, "failed").is_some();
    let rows = db(&state, move |conn| {
        let columns = (
            (
                notifications::created,
                notifications::check_status,
                notifications::status,
                notifications::attempts,
                notifications::error,
            ),
            channels::kind,
            Project::as_select(),
            users::email,
            checks::name.nullable(),
        );
        let base = notifications::table
            .inner_join(channels::table.inner_join(projects::table.inner_join(users::table)))
            .left_join(checks::table.on(notifications::check_id.eq(checks::id.nullable())))
            .order(notifications::id.desc())
            .limit(RECENT);
        let found: Vec<NotificationJoin> = if failed_only {
            base.filter(notifications::error.ne(""))
                .select(columns)
                .load(conn)?
        } else {
            base.select(columns).load(conn)?
        };
        Ok(found
            .into_iter()
            .map(
                |((created, check_status, status, attempts, error), kind, p, owner, check)| {
                    NotificationRow {
                        created: when(Some(created)),
                        kind,
                        project: display_name(&p, &owner),
                        project_code: p.code,
                        check: check.unwrap_or_else(|| "(test notification)".into()),
                        check_status,
                        status,
                        attempts,
                        error,
                    }
                },
            )
            .collect::<Vec<_>>())
    })
    .await?;
    let page = NotificationsPage {
        tab: "notifications",
        failed_only,
        notifications: rows,
    };
    visitor.render(&state, "admin/notifications.html", &page)
}

#[derive(Serialize)]
struct EmailRow {
    to: String,
    subject: String,
    status: String,
    attempts: i32,
    error: String,
    created: String,
    sent: String,
}

#[derive(Serialize)]
struct EmailsPage {
    tab: &'static str,
    emails: Vec<EmailRow>,
}

type EmailColumns = (
    String,
    String,
    String,
    i32,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

async fn emails_list(state: web::Data<State>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.superuser()?;
    let rows = db(&state, |conn| {
        // The bodies are never selected: they may hold login links.
        let found: Vec<EmailColumns> = emails::table
            .order(emails::id.desc())
            .limit(RECENT)
            .select((
                emails::to_email,
                emails::subject,
                emails::status,
                emails::attempts,
                emails::error,
                emails::created,
                emails::sent,
            ))
            .load(conn)?;
        Ok(found
            .into_iter()
            .map(
                |(to, subject, status, attempts, error, created, sent)| EmailRow {
                    to,
                    subject,
                    status,
                    attempts,
                    error,
                    created: when(Some(created)),
                    sent: when(sent),
                },
            )
            .collect::<Vec<_>>())
    })
    .await?;
    visitor.render(
        &state,
        "admin/emails.html",
        &EmailsPage {
            tab: "emails",
            emails: rows,
        },
    )
}
