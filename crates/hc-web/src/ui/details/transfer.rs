//! `/checks/<uuid>/transfer/`: move a check to another project the visitor can
//! change. The page lists the choices; the post moves it (spec §7.3).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use hc_core::access;
use hc_core::checks::transfer::{self, Transferred};
use hc_core::schema::users;
use serde::Serialize;

use super::writable;
use crate::ui::home::display_name;
use crate::ui::{db, PageError, Posted, Visitor};
use crate::State;

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct TransferPage {
    code: String,
    name: String,
    project_code: String,
    project_name: String,
    choices: Vec<Choice>,
}

pub async fn choose(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let page = db(&state, move |conn| {
        let seen = writable(conn, &user, &code)?;
        let all = access::projects_of(conn, &user)?;
        let owner_ids: Vec<i64> = all.iter().map(|(p, _)| p.owner_id).collect();
        let owners: HashMap<i64, String> = users::table
            .filter(users::id.eq_any(owner_ids))
            .select((users::id, users::email))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        let name_of = |p: &hc_core::models::Project| {
            display_name(p, owners.get(&p.owner_id).map_or("", String::as_str))
        };
        let choices = all
            .iter()
            .filter(|(p, standing)| standing.can_write() && p.id != seen.project.id)
            .map(|(p, _)| Choice {
                code: p.code.clone(),
                name: name_of(p),
            })
            .collect();
        Ok(TransferPage {
            code: seen.check.code.clone(),
            name: seen.check.name.clone(),
            project_code: seen.project.code.clone(),
            project_name: name_of(&seen.project),
            choices,
        })
    })
    .await?;
    visitor.render(&state, "checks/details_transfer.html", &page)
}

pub async fn transfer(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let target_code = form.trimmed("project").to_owned();
    let code = code.into_inner();
    let moved = code.clone();
    db(&state, move |conn| {
        let seen = writable(conn, &user, &moved)?;
        // Unknown and foreign projects get the same answer, so nothing is learned.
        let target = if crate::api::is_uuid(&target_code) {
            access::project(conn, &user, &target_code)?
        } else {
            None
        };
        let Some((target, standing)) = target else {
            return Err(PageError::BadRequest(
                "Choose one of your projects to move the check to.".into(),
            ));
        };
        if !standing.can_write() {
            return Err(PageError::Forbidden(
                "You cannot add checks to that project: your role there is read-only.".into(),
            ));
        }
        match transfer::transfer(conn, seen.check.id, target.id)? {
            Transferred::Moved => Ok(()),
            Transferred::NoRoom => Err(PageError::BadRequest(
                "The owner of that project has reached their check limit.".into(),
            )),
            Transferred::Gone => Err(PageError::NotFound),
        }
    })
    .await?;
    Ok(visitor.redirect(&format!("/checks/{code}/details/")))
}
