//! `/admin/`: the operators' area (superusers only; everyone else gets a 404, so it
//! cannot even be found): users, projects, checks by UUID, integrations, recent
//! notifications and e-mail. Every page runs a fixed number of queries whatever it
//! lists, counting with grouped queries rather than one per row.

mod delivery;
mod lists;
mod users;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use hc_core::schema::{channels, checks, emails, notifications, projects, users as users_t};
use serde::Serialize;

use super::{db, PageError, Visitor};
use crate::State;

/// Rows per page of the long lists.
const PAGE_SIZE: i64 = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/", web::get().to(overview))
        .route("/admin/login/", web::get().to(login));
    users::configure(cfg);
    lists::configure(cfg);
    delivery::configure(cfg);
}

/// A time as the admin pages show it (always UTC), or "never".
fn when(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Where a long list is: `?page=` counts from 1; anything unreadable is page 1.
#[derive(Serialize)]
struct Pager {
    page: i64,
    total: i64,
    previous: Option<i64>,
    next: Option<i64>,
    /// The list's path and query without `page`, ready for `page=N` to be appended.
    url: String,
}

impl Pager {
    fn requested(req: &HttpRequest) -> i64 {
        query_value(req, "page")
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| (1..=1_000_000).contains(p))
            .unwrap_or(1)
    }

    fn offset(page: i64) -> i64 {
        (page - 1) * PAGE_SIZE
    }

    fn new(page: i64, total: i64, url: String) -> Pager {
        Pager {
            page,
            total,
            previous: (page > 1).then_some(page - 1),
            next: (page * PAGE_SIZE < total).then_some(page + 1),
            url,
        }
    }
}

/// `/admin/login/` is the normal login page, coming back to the admin area.
async fn login(state: web::Data<State>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    Ok(visitor.redirect("/accounts/login/?next=%2Fadmin%2F"))
}

#[derive(Serialize)]
struct Overview {
    tab: &'static str,
    users: i64,
    inactive_users: i64,
    superusers: i64,
    projects: i64,
    checks: i64,
    checks_down: i64,
    channels: i64,
    channels_failing: i64,
    notifications_failed: i64,
    emails_queued: i64,
    emails_failed: i64,
}

async fn overview(state: web::Data<State>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.superuser()?;
    let page = db(&state, |conn| {
        Ok(Overview {
            tab: "overview",
            users: users_t::table.select(count_star()).first(conn)?,
            inactive_users: users_t::table
                .filter(users_t::is_active.eq(false))
                .select(count_star())
                .first(conn)?,
            superusers: users_t::table
                .filter(users_t::is_superuser.eq(true))
                .select(count_star())
                .first(conn)?,
            projects: projects::table.select(count_star()).first(conn)?,
            checks: checks::table.select(count_star()).first(conn)?,
            checks_down: checks::table
                .filter(checks::status.eq("down"))
                .select(count_star())
                .first(conn)?,
            channels: channels::table.select(count_star()).first(conn)?,
            channels_failing: channels::table
                .filter(channels::last_error.ne(""))
                .select(count_star())
                .first(conn)?,
            notifications_failed: notifications::table
                .filter(notifications::error.ne(""))
                .select(count_star())
                .first(conn)?,
            emails_queued: emails::table
                .filter(emails::status.eq("queued"))
                .select(count_star())
                .first(conn)?,
            emails_failed: emails::table
                .filter(emails::status.eq("failed"))
                .select(count_star())
                .first(conn)?,
        })
    })
    .await?;
    visitor.render(&state, "admin/index.html", &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_on_only_while_there_is_more() {
        let first = Pager::new(1, 250, String::new());
        assert_eq!((first.previous, first.next), (None, Some(2)));
        let last = Pager::new(3, 250, String::new());
        assert_eq!((last.previous, last.next), (Some(2), None));
        let exact = Pager::new(1, 100, String::new());
        assert_eq!(exact.next, None);
        assert_eq!(Pager::offset(3), 200);
    }
}
