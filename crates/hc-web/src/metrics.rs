//! The Prometheus endpoint of a project (spec §11), enabled by `PROMETHEUS_ENABLED`:
//! read with the project's read-only API key, in the URL or as a bearer token.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::checks as ops;
use hc_core::metrics::{self, CheckMetric};
use hc_core::models::Check;

use crate::api::{authenticate, ApiError, Need};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/projects/{project}/metrics/{key}",
        web::get().to(with_key_in_path),
    )
    .route(
        "/projects/{project}/checks/metrics/{key}",
        web::get().to(with_key_in_path),
    )
    .route("/projects/{project}/metrics/", web::get().to(with_bearer));
}

async fn with_key_in_path(state: web::Data<State>, req: HttpRequest) -> HttpResponse {
    let key = req.match_info().query("key").to_owned();
    answer(state, key).await
}

async fn with_bearer(state: web::Data<State>, req: HttpRequest) -> HttpResponse {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(key) => answer(state, key.to_owned()).await,
        None => HttpResponse::Unauthorized().finish(),
    }
}

async fn answer(state: web::Data<State>, key: String) -> HttpResponse {
    if !state.config.integrations.prometheus_enabled {
        return hc_http::page(StatusCode::NOT_FOUND);
    }
    if key.chars().count() != 32 {
        return HttpResponse::BadRequest().finish();
    }
    let pool = state.pool.clone();
    let secret = state.config.secret_key.expose().to_owned();
    let loaded = web::block(move || -> Result<Option<Vec<Check>>, ApiError> {
        let mut conn = pool.get()?;
        // The project is the key's; the UUID in the path is not consulted, as in
        // healthchecks. Read-write keys are refused here.
        match authenticate(&mut conn, &key, Need::Read, &secret) {
            Ok(access) if access.read_only => {
                Ok(Some(ops::of_project(&mut conn, access.project.id)?))
            }
            Ok(_) | Err(ApiError::Unauthorized(_)) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await;
    let checks = match loaded {
        Ok(Ok(Some(checks))) => checks,
        Ok(Ok(None)) => return HttpResponse::Forbidden().finish(),
        Ok(Err(e)) => return e.response(),
        Err(e) => return ApiError::Internal(e.to_string()).response(),
    };
    let now = hc_core::time::now();
    let keys: Vec<String> = checks.iter().map(Check::unique_key).collect();
    let rows: Vec<CheckMetric> = checks
        .iter()
        .zip(&keys)
        .map(|(c, unique_key)| CheckMetric {
            name: &c.name,
            tags: &c.tags,
            unique_key,
            status: c.status_or_stored(now, false),
            started: c.last_start.is_some(),
        })
        .collect();
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(metrics::prometheus(&rows))
}
