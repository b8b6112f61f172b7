//! The details page's buttons: edit name/slug/tags/description, filtering rules,
//! pause, resume, copy, remove, clear events and the per-integration toggles. Every
//! one checks the CSRF token first, then that the visitor may change the check.

use actix_web::{web, HttpResponse};
use hc_core::checks::copy::{self, Copied};
use hc_core::checks::events;
use hc_core::checks::fields::{FilterRules, NameForm};
use hc_core::checks::{self, By, Resumed};
use hc_core::models::Channel;
use hc_core::time;

use super::page::{show, Refused};
use super::writable;
use crate::ui::{db, Form, PageError, Posted};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/checks/{code}/name/", web::post().to(name))
        .route(
            "/checks/{code}/filtering_rules/",
            web::post().to(filtering_rules),
        )
        .route("/checks/{code}/pause/", web::post().to(pause))
        .route("/checks/{code}/resume/", web::post().to(resume))
        .route("/checks/{code}/remove/", web::post().to(remove))
        .route("/checks/{code}/clear_events/", web::post().to(clear_events))
        .route("/checks/{code}/copy/", web::post().to(copy))
        .route(
            "/checks/{code}/channels/{channel}/enabled",
            web::post().to(toggle_channel),
        );
}

fn details(code: &str) -> String {
    format!("/checks/{code}/details/")
}

/// Where a button comes back to: the page it was on (My Checks sends its own address
/// with its filters, as `next`), else `fallback`.
fn back_to(form: &Form, fallback: String) -> String {
    crate::ui::accounts::safe_next(form.get("next")).map_or(fallback, str::to_owned)
}

async fn name(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let code = code.into_inner();
    let cleaned = NameForm::clean(
        form.get("name"),
        form.get("slug"),
        form.get("tags"),
        form.get("desc"),
    );
    let target = code.clone();
    let refused = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let seen = writable(conn, &user, &target)?;
            let fields = match cleaned {
                Ok(fields) => fields,
                // Someone allowed to change it typed something wrong: show the form.
                Err(errors) => return Ok(Some(errors)),
            };
            let mut check =
                checks::lock(conn, By::Id(seen.check.id))?.ok_or(PageError::NotFound)?;
            fields.apply(&mut check);
            checks::save(conn, &check)?;
            Ok(None)
        })
    })
    .await?;
    match refused {
        None => Ok(visitor.redirect(&details(&code))),
        Some(errors) => {
            let typed = NameForm {
                name: form.get("name").to_owned(),
                slug: form.get("slug").to_owned(),
                tags: form.get("tags").to_owned(),
                desc: form.get("desc").to_owned(),
            };
            let refused = Refused {
                name: Some((typed, errors)),
                ..Refused::default()
            };
            show(&state, &visitor, code, false, refused).await
        }
    }
}

async fn filtering_rules(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let code = code.into_inner();
    let cleaned = FilterRules::clean(|name| form.has(name).then(|| form.get(name)));
    let target = code.clone();
    let refused = db(&state, move |conn| {
        conn.write_tx(|conn| {
            let seen = writable(conn, &user, &target)?;
            let rules = match cleaned {
                Ok(rules) => rules,
                Err(errors) => return Ok(Some(errors)),
            };
            let mut check =
                checks::lock(conn, By::Id(seen.check.id))?.ok_or(PageError::NotFound)?;
            rules.apply(&mut check);
            checks::save(conn, &check)?;
            Ok(None)
        })
    })
    .await?;
    match refused {
        None => Ok(visitor.redirect(&details(&code))),
        Some(errors) => {
            let ticked = |name: &str| form.has(name) && !form.get(name).is_empty();
            let typed = FilterRules {
                filter_subject: ticked("filter_subject"),
                filter_body: ticked("filter_body"),
                filter_http_body: ticked("filter_http_body"),
                filter_default_fail: ticked("filter_default_fail"),
                start_kw: form.get("start_kw").to_owned(),
                success_kw: form.get("success_kw").to_owned(),
                failure_kw: form.get("failure_kw").to_owned(),
                methods: form.get("methods").to_owned(),
                manual_resume: ticked("manual_resume"),
            };
            let refused = Refused {
                rules: Some((typed, errors)),
                ..Refused::default()
            };
            show(&state, &visitor, code, false, refused).await
        }
    }
}

async fn pause(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let code = code.into_inner();
    let target = code.clone();
    db(&state, move |conn| {
        let seen = writable(conn, &user, &target)?;
        checks::pause(conn, seen.check.id, time::now())?.ok_or(PageError::NotFound)?;
        Ok(())
    })
    .await?;
    Ok(visitor.redirect(&back_to(&form, details(&code))))
}

async fn resume(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let code = code.into_inner();
    let target = code.clone();
    db(&state, move |conn| {
        let seen = writable(conn, &user, &target)?;
        match checks::resume(conn, seen.check.id, time::now())? {
            Resumed::Resumed(_) => Ok(()),
            Resumed::NotPaused => Err(PageError::BadRequest(
                "This check is not paused, so there is nothing to resume.".into(),
            )),
            Resumed::Gone => Err(PageError::NotFound),
        }
    })
    .await?;
    Ok(visitor.redirect(&back_to(&form, details(&code))))
}

async fn remove(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let project_code = db(&state, move |conn| {
        let seen = writable(conn, &user, &code)?;
        checks::delete(conn, seen.check.id)?;
        Ok(seen.project.code)
    })
    .await?;
    Ok(visitor.redirect(&back_to(&form, format!("/projects/{project_code}/checks/"))))
}

async fn clear_events(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { visitor, user, .. } = posted;
    let code = code.into_inner();
    let target = code.clone();
    db(&state, move |conn| {
        let seen = writable(conn, &user, &target)?;
        events::clear(conn, seen.check.id)?.ok_or(PageError::NotFound)?;
        Ok(())
    })
    .await?;
    Ok(visitor.redirect(&details(&code)))
}

async fn copy(
    state: web::Data<State>,
    code: web::Path<String>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { visitor, user, .. } = posted;
    let copied = db(&state, move |conn| {
        let seen = writable(conn, &user, &code)?;
        match copy::copy(conn, seen.check.id, time::now())? {
            Copied::Copied(check) => Ok(check.code),
            Copied::OverLimit => Err(PageError::BadRequest(
                "The project owner's account has reached its check limit, so the check cannot be copied."
                    .into(),
            )),
            Copied::Gone => Err(PageError::NotFound),
        }
    })
    .await?;
    Ok(visitor.redirect(&format!("/checks/{copied}/details/?copied=1")))
}

/// `state=on` attaches the integration to the check; anything else detaches it.
async fn toggle_channel(
    state: web::Data<State>,
    path: web::Path<(String, String)>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted {
        visitor,
        user,
        form,
    } = posted;
    let (code, channel_code) = path.into_inner();
    let on = form.get("state") == "on";
    let target = code.clone();
    db(&state, move |conn| {
        conn.write_tx(|conn| {
            let seen = writable(conn, &user, &target)?;
            let channels = checks::channels_of_project(conn, seen.project.id)?;
            let Some(channel) = channels.iter().find(|c| c.code == channel_code) else {
                return Err(PageError::BadRequest(
                    "That integration does not belong to this check's project.".into(),
                ));
            };
            let assigned = checks::channel_codes_of(conn, seen.check.id)?;
            let ids: Vec<i64> = channels
                .iter()
                .filter(|c: &&Channel| {
                    if c.id == channel.id {
                        on
                    } else {
                        assigned.contains(&c.code)
                    }
                })
                .map(|c| c.id)
                .collect();
            checks::set_channels(conn, seen.check.id, &ids)?;
            Ok(())
        })
    })
    .await?;
    Ok(visitor.redirect(&back_to(&form, details(&code))))
}
