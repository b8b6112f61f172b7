//! Status badges (spec §5): `/badge/<project key>/<signature>[/<tag>].<fmt>` for a
//! project or one of its tags, `/b/<states>/<check badge key>.<fmt>` for one check.
//! No login: the signature (or the check's secret badge key) is the permission.

use std::time::SystemTime;

use actix_web::http::header::{self, HttpDate};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use diesel::prelude::*;
use hc_core::badge::{self, States, Tally};
use hc_core::models::Check;
use hc_core::schema::{checks, projects};
use percent_encoding::percent_decode_str;

use crate::{Error, State};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/badge/{tail:.*}").to(project_badge))
        .service(web::resource("/b/{tail:.*}").to(check_badge));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Svg,
    Json,
    Shields,
}

impl Format {
    fn parse(s: &str) -> Option<Format> {
        match s {
            "svg" => Some(Format::Svg),
            "json" => Some(Format::Json),
            "shields" => Some(Format::Shields),
            _ => None,
        }
    }
}

/// `name.fmt`, split at the last dot.
fn split_format(segment: &str) -> Option<(&str, &str)> {
    segment
        .rsplit_once('.')
        .filter(|(name, _)| !name.is_empty())
}

/// Where a badge request is going, once its path is understood.
enum Outcome {
    Badge {
        label: String,
        tally: Tally,
        format: Format,
    },
    /// A wrong signature or format: an empty 404 with the badge headers.
    Refused,
    /// No such route or check: the 404 page.
    NoPage,
}

async fn project_badge(state: web::Data<State>, req: HttpRequest) -> HttpResponse {
    answer(&req, project_outcome(state, &req).await)
}

async fn check_badge(state: web::Data<State>, req: HttpRequest) -> HttpResponse {
    answer(&req, check_outcome(state, &req).await)
}

async fn project_outcome(state: web::Data<State>, req: &HttpRequest) -> Result<Outcome, Error> {
    let tail = req.match_info().query("tail");
    let segments: Vec<&str> = tail.split('/').collect();
    let (badge_key, signature, tag, format) = match segments.as_slice() {
        [key, last] => match split_format(last) {
            Some((signature, format)) => (*key, signature, "*".to_owned(), format),
            None => return Ok(Outcome::NoPage),
        },
        [key, signature, last] => {
            let Some((quoted, format)) = split_format(last) else {
                return Ok(Outcome::NoPage);
            };
            // The router hands over the raw path: decode once as Django's router
            // does, then the tag's own second encoding.
            let once = percent_decode_str(quoted).decode_utf8_lossy();
            match badge::unquote_tag(&once) {
                Some(tag) => (*key, *signature, tag, format),
                None => return Ok(Outcome::NoPage),
            }
        }
        _ => return Ok(Outcome::NoPage),
    };
    let slug = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !slug(badge_key) || !slug(signature) || !slug(format) {
        return Ok(Outcome::NoPage);
    }
    let Some(format) = Format::parse(format) else {
        return Ok(Outcome::Refused);
    };
    let secret = state.config.secret_key.expose();
    let Some(states) = badge::check_signature(badge_key, &tag, secret, signature) else {
        return Ok(Outcome::Refused);
    };
    let pool = state.pool.clone();
    let key = badge_key.to_owned();
    let checks: Vec<Check> = web::block(move || -> Result<_, hc_core::Error> {
        let mut conn = pool.get()?;
        Ok(checks::table
            .inner_join(projects::table)
            .filter(projects::badge_key.eq(key))
            .order(checks::id)
            .select(Check::as_select())
            .load(&mut conn)?)
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))??;
    let now = hc_core::time::now();
    let statuses = checks
        .iter()
        .filter(|c| tag == "*" || c.tags_list().contains(&tag.as_str()))
        .map(|c| c.status_or_stored(now, false));
    let tally = badge::tally(statuses, states);
    let label = if tag == "*" {
        state.config.master_badge_label.clone()
    } else {
        tag
    };
    Ok(Outcome::Badge {
        label,
        tally,
        format,
    })
}

async fn check_outcome(state: web::Data<State>, req: &HttpRequest) -> Result<Outcome, Error> {
    let tail = req.match_info().query("tail");
    let Some((states, last)) = tail.split_once('/') else {
        return Ok(Outcome::NoPage);
    };
    let Some(states) = States::from_path(states) else {
        return Ok(Outcome::NoPage);
    };
    let Some((badge_key, format)) = split_format(last) else {
        return Ok(Outcome::NoPage);
    };
    if !crate::api::is_uuid(badge_key) {
        return Ok(Outcome::NoPage);
    }
    let Some(format) = Format::parse(format) else {
        return Ok(Outcome::Refused);
    };
    let pool = state.pool.clone();
    let key = badge_key.to_owned();
    let check: Option<Check> = web::block(move || -> Result<_, hc_core::Error> {
        let mut conn = pool.get()?;
        Ok(checks::table
            .filter(checks::badge_key.eq(key))
            .select(Check::as_select())
            .first(&mut conn)
            .optional()?)
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))??;
    let Some(check) = check else {
        return Ok(Outcome::NoPage);
    };
    let status = check.status_or_stored(hc_core::time::now(), false);
    let label = if check.name.is_empty() {
        check.code.clone()
    } else {
        check.name.clone()
    };
    Ok(Outcome::Badge {
        label,
        tally: badge::check_tally(status, states),
        format,
    })
}

fn answer(req: &HttpRequest, outcome: Result<Outcome, Error>) -> HttpResponse {
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(error = %e, "badge failed");
            return hc_http::page(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    if matches!(outcome, Outcome::NoPage) {
        return hc_http::page(StatusCode::NOT_FOUND);
    }
    let method = req.method();
    let mut builder = if *method == Method::OPTIONS {
        HttpResponse::NoContent()
    } else if *method != Method::GET {
        HttpResponse::MethodNotAllowed()
    } else {
        match outcome {
            Outcome::Badge { .. } => HttpResponse::Ok(),
            _ => HttpResponse::NotFound(),
        }
    };
    badge_headers(&mut builder);
    match outcome {
        Outcome::Badge {
            label,
            tally,
            format,
        } if *method == Method::GET => match format {
            Format::Svg => builder
                .content_type("image/svg+xml")
                .body(badge::svg(&label, tally.status)),
            Format::Json => builder
                .content_type("application/json")
                .body(badge::json(&tally)),
            Format::Shields => builder
                .content_type("application/json")
                .body(badge::shields(&label, &tally)),
        },
        _ => builder.finish(),
    }
}

fn badge_headers(builder: &mut HttpResponseBuilder) {
    builder
        .insert_header((header::CACHE_CONTROL, hc_core::compat::NEVER_CACHE))
        .insert_header((
            header::EXPIRES,
            HttpDate::from(SystemTime::now()).to_string(),
        ))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "X-Api-Key"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, OPTIONS"))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"));
}
