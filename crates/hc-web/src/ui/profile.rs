//! `/accounts/profile/` and `/accounts/close/`: a person's own settings (password,
//! time zone, e-mail reports and reminders, theme) and closing the account.

mod close;
mod email;
mod prefs;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use hc_core::access::{self, Standing};
use hc_core::models::User;
use hc_core::profiles;
use hc_core::schema::{checks, users};
use hc_core::{keys, ratelimit, sessions, time};
use serde::Serialize;

use super::home::display_name;
use super::{db, Form, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts/profile/", web::get().to(index))
        .route("/accounts/profile/", web::post().to(index_post))
        .route(
            "/accounts/profile/notifications/",
            web::get().to(prefs::reports),
        )
        .route(
            "/accounts/profile/notifications/",
            web::post().to(prefs::reports_post),
        )
        .route(
            "/accounts/profile/appearance/",
            web::get().to(prefs::appearance),
        )
        .route(
            "/accounts/profile/appearance/",
            web::post().to(prefs::appearance_post),
        )
        .route(
            "/accounts/change_email/{token}/",
            web::get().to(email::confirm_page),
        )
        .route(
            "/accounts/change_email/{token}/",
            web::post().to(email::confirm),
        )
        .route("/accounts/close/", web::get().to(close::close))
        .route("/accounts/close/", web::post().to(close::close_post));
}

pub(super) fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Password checks share the login's per-address budget, so the forms below cannot
/// be used to guess a password faster than the login page allows.
pub(super) fn password_budget(
    conn: &mut hc_core::db::DbConn,
    email: &str,
) -> Result<(), PageError> {
    let key = format!("pw-{email}");
    if ratelimit::authorize(conn, &key, 20, Duration::days(1), time::now())? {
        Ok(())
    } else {
        Err(PageError::TooMany)
    }
}

#[derive(Serialize)]
struct ProjectRow {
    code: String,
    name: String,
    role: &'static str,
    owner: String,
    n_checks: i64,
}

#[derive(Serialize, Default)]
struct AccountErrors {
    new_email: String,
    email_password: String,
    current_password: String,
    password: String,
    password2: String,
    tz: String,
}

#[derive(Serialize)]
struct AccountPage {
    tab: &'static str,
    email: String,
    has_password: bool,
    owned: Vec<ProjectRow>,
    memberships: Vec<ProjectRow>,
    tz: String,
    zones: Vec<&'static str>,
    saved: String,
    errors: AccountErrors,
    new_email: String,
}

fn account_page(
    conn: &mut hc_core::db::DbConn,
    user: &User,
    saved: String,
    errors: AccountErrors,
    tz: Option<String>,
) -> Result<AccountPage, PageError> {
    let profile = profiles::profile(conn, user.id)?;
    let mine = access::projects_of(conn, user)?;
    let ids: Vec<i64> = mine.iter().map(|(p, _)| p.id).collect();
    let owner_ids: Vec<i64> = mine.iter().map(|(p, _)| p.owner_id).collect();
    let owners: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&owner_ids))
        .select((users::id, users::email))
        .load(conn)?
        .into_iter()
        .collect();
    let counts: HashMap<Option<i64>, i64> = checks::table
        .filter(checks::project_id.eq_any(ids.iter().map(|id| Some(*id))))
        .group_by(checks::project_id)
        .select((checks::project_id, diesel::dsl::count_star()))
        .load::<(Option<i64>, i64)>(conn)?
        .into_iter()
        .collect();
    let (mut owned, mut memberships) = (Vec::new(), Vec::new());
    for (project, standing) in mine {
        let owner = owners.get(&project.owner_id).cloned().unwrap_or_default();
        let row = ProjectRow {
            name: display_name(&project, &owner),
            code: project.code.clone(),
            role: standing.label(),
            owner,
            n_checks: counts.get(&Some(project.id)).copied().unwrap_or(0),
        };
        if standing == Standing::Owner {
            owned.push(row);
        } else {
            memberships.push(row);
        }
    }
    Ok(AccountPage {
        tab: "account",
        email: user.email.clone(),
        has_password: !user.password.is_empty(),
        owned,
        memberships,
        tz: tz.unwrap_or(profile.tz),
        zones: profiles::zone_names(),
        saved,
        errors,
        new_email: String::new(),
    })
}

async fn index(state: web::Data<State>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let saved = query_value(&req, "saved").unwrap_or_default();
    let page = db(&state, move |conn| {
        account_page(conn, &user, saved, AccountErrors::default(), None)
    })
    .await?;
    visitor.render(&state, "profile/account.html", &page)
}

/// What a posted account form changed, or the errors to show beside its fields.
enum Outcome {
    Saved(&'static str),
    Invalid(AccountErrors, Option<String>),
    /// The change-of-address form, refused; the address typed is shown again.
    BadEmail(AccountErrors, String),
}

async fn index_post(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let user = visitor.user()?.clone();
    let keep = visitor.session_key.clone();
    let outcome = match form.get("action") {
        "password" => {
            let current = form.get("current_password").to_owned();
            let new = form.get("password").to_owned();
            let repeated = form.get("password2").to_owned();
            let user = user.clone();
            db(&state, move |conn| {
                change_password(conn, &user, &current, &new, &repeated, keep.as_deref())
            })
            .await?
        }
        "tz" => {
            let tz = form.trimmed("tz").to_owned();
            let user_id = user.id;
            db(&state, move |conn| {
                Ok(match profiles::set_tz(conn, user_id, &tz) {
                    Ok(()) => Outcome::Saved("tz"),
                    Err(hc_core::Error::Invalid(message)) => Outcome::Invalid(
                        AccountErrors {
                            tz: message,
                            ..AccountErrors::default()
                        },
                        Some(tz),
                    ),
                    Err(e) => return Err(e.into()),
                })
            })
            .await?
        }
        "email" => email::request(&state, &user, &form).await?,
        _ => return Err(PageError::BadRequest("Unknown form action.".into())),
    };
    match outcome {
        Outcome::Saved(what) => Ok(visitor.redirect(&format!("/accounts/profile/?saved={what}"))),
        Outcome::BadEmail(errors, typed) => {
            let page = db(&state, move |conn| {
                let mut page = account_page(conn, &user, String::new(), errors, None)?;
                page.new_email = typed;
                Ok(page)
            })
            .await?;
            visitor.render_status(
                &state,
                StatusCode::BAD_REQUEST,
                "profile/account.html",
                &page,
            )
        }
        Outcome::Invalid(errors, tz) => {
            // Show the refused zone as posted only when it is short enough to echo.
            let tz = tz.filter(|t| t.len() <= 100);
            let page = db(&state, move |conn| {
                account_page(conn, &user, String::new(), errors, tz)
            })
            .await?;
            visitor.render_status(
                &state,
                StatusCode::BAD_REQUEST,
                "profile/account.html",
                &page,
            )
        }
    }
}

/// Sets or changes the password. With one set, the current one must be given. Every
/// other session of the user ends (someone who learnt the old password is logged
/// out); the session that made the change stays.
fn change_password(
    conn: &mut hc_core::db::DbConn,
    user: &User,
    current: &str,
    new: &str,
    repeated: &str,
    keep: Option<&str>,
) -> Result<Outcome, PageError> {
    let mut errors = AccountErrors::default();
    if !user.password.is_empty() {
        password_budget(conn, &user.email)?;
        if !keys::verify_password(current, &user.password) {
            errors.current_password = "The current password is not correct.".into();
        }
    }
    if let Err(hc_core::Error::Invalid(message)) = profiles::check_password(new) {
        errors.password = message;
    } else if new != repeated {
        errors.password2 = "The two passwords do not match.".into();
    }
    if !(errors.current_password.is_empty()
        && errors.password.is_empty()
        && errors.password2.is_empty())
    {
        return Ok(Outcome::Invalid(errors, None));
    }
    conn.write_tx(|conn| {
        profiles::set_password(conn, user.id, new)?;
        sessions::end_all(conn, user.id, keep)?;
        Ok::<_, PageError>(())
    })?;
    tracing::info!(user.id = user.id, "password changed; other sessions ended");
    Ok(Outcome::Saved("password"))
}
