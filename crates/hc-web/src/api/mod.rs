//! The management API, v1 to v3 (spec §4), answered as healthchecks answers it: one
//! dispatcher matches the path, applies the CORS and method rules, and hands the
//! request to its handler; [`ApiError`] is the one table of error answers.

mod auth;
mod checks;
mod json;
mod project;
mod route;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::db::DbConn;

use crate::State;

pub use auth::{authenticate, Need};
pub use route::{is_uuid, Version};
use route::{Endpoint, Route};

/// Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`: larger request bodies are refused.
const MAX_BODY: usize = 2_621_440;

/// Every answer other than a success, in one place.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `{"error": ...}`.
    #[error("{0}")]
    BadRequest(String),
    /// 400 with an empty body (invalid flip filters).
    #[error("bad request")]
    BadRequestEmpty,
    /// 401 `{"error": ...}`.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403 with an empty body: another project's check, or over the check limit.
    #[error("forbidden")]
    Forbidden,
    /// 404 with an empty body: no such check in the key's project (unique keys).
    #[error("not found")]
    NotFoundEmpty,
    /// Django's 404 page, without CORS headers (an `Http404` raised in the view).
    #[error("not found")]
    NotFoundPage,
    /// 409 `check is not paused`.
    #[error("check is not paused")]
    NotPaused,
    #[error(transparent)]
    Core(#[from] hc_core::Error),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// Whether the answer carries the CORS headers: everything but what healthchecks'
    /// framework produces outside the view (the 404 and 500 pages).
    fn has_cors(&self) -> bool {
        !matches!(
            self,
            ApiError::NotFoundPage | ApiError::Core(_) | ApiError::Query(_) | ApiError::Internal(_)
        )
    }

    pub(crate) fn response(&self) -> HttpResponse {
        let json_error = |status: StatusCode, message: &str| {
            HttpResponse::build(status)
                .content_type("application/json")
                .body(hc_core::compat::python_json(
                    &serde_json::json!({ "error": message }),
                ))
        };
        match self {
            ApiError::BadRequest(message) => json_error(StatusCode::BAD_REQUEST, message),
            ApiError::Unauthorized(message) => json_error(StatusCode::UNAUTHORIZED, message),
            ApiError::BadRequestEmpty => HttpResponse::BadRequest().finish(),
            ApiError::Forbidden => HttpResponse::Forbidden().finish(),
            ApiError::NotFoundEmpty => HttpResponse::NotFound().finish(),
            ApiError::NotFoundPage => hc_http::page(StatusCode::NOT_FOUND),
            ApiError::NotPaused => HttpResponse::Conflict()
                .content_type("text/html; charset=utf-8")
                .body("check is not paused"),
            ApiError::Core(_) | ApiError::Query(_) | ApiError::Internal(_) => {
                // The cause goes to the log, never to the client.
                tracing::error!(error = %self, "API request failed");
                hc_http::page(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::Core(e.into())
    }
}

/// What a handler gets: the state, the version, the request and (for POST) the body.
pub struct Call {
    pub state: web::Data<State>,
    pub version: Version,
    pub req: HttpRequest,
    pub body: Vec<u8>,
}

impl Call {
    /// Runs `f` with a database connection on the blocking pool.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.state.pool.clone();
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    }

    pub fn secret(&self) -> String {
        self.state.config.secret_key.expose().to_owned()
    }

    /// The presented key and the secret to check it with, for requests whose body
    /// is not read (GET, DELETE): the key comes from `X-Api-Key` only.
    pub fn key_without_body(&self, need: Need) -> (String, String) {
        (
            auth::presented_key(self, need, &serde_json::Map::new()),
            self.secret(),
        )
    }

    pub fn json(&self, status: StatusCode, value: &impl serde::Serialize) -> HttpResponse {
        HttpResponse::build(status)
            .content_type("application/json")
            .body(hc_core::compat::python_json(value))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/{tail:.*}").to(dispatch));
}

async fn dispatch(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let tail = req.match_info().query("tail").to_owned();
    let (version, endpoint) = match route::parse(&tail) {
        Route::Api(version, endpoint) => (version, endpoint),
        Route::AddSlash => return add_slash(&req),
        Route::NotFound => return hc_http::page(StatusCode::NOT_FOUND),
    };
    let method = req.method().clone();
    match endpoint {
        Endpoint::Status => return crate::status::status(state).await,
        Endpoint::Metrics => return project::operator_metrics(&state, &req).await,
        _ => {}
    }
    let allowed = endpoint.methods().unwrap_or_default();
    let response = if method == Method::OPTIONS {
        HttpResponse::NoContent().finish()
    } else if !allowed.contains(&method) {
        HttpResponse::MethodNotAllowed().finish()
    } else {
        let body = if method == Method::POST {
            match hc_http::read_body(&req, payload, MAX_BODY, None, hc_http::BODY_TIMEOUT).await {
                Ok(body) => body,
                Err(hc_http::BodyError::TooLarge) => {
                    return with_cors(
                        ApiError::BadRequest(format!(
                            "request body is too large (the limit is {MAX_BODY} bytes)"
                        ))
                        .response(),
                        &endpoint,
                    )
                }
                Err(_) => return hc_http::page(StatusCode::BAD_REQUEST),
            }
        } else {
            Vec::new()
        };
        let call = Call {
            state,
            version,
            req,
            body,
        };
        match handle(&call, &endpoint).await {
            Ok(response) => response,
            Err(e) if !e.has_cors() => return e.response(),
            Err(e) => e.response(),
        }
    };
    with_cors(response, &endpoint)
}

async fn handle(call: &Call, endpoint: &Endpoint) -> Result<HttpResponse, ApiError> {
    let method = call.req.method();
    match endpoint {
        Endpoint::Checks if method == Method::GET => checks::list(call).await,
        Endpoint::Checks => checks::create(call).await,
        Endpoint::Check(code) if method == Method::GET => checks::get(call, code).await,
        Endpoint::Check(code) if method == Method::POST => checks::update(call, code).await,
        Endpoint::Check(code) => checks::delete(call, code).await,
        Endpoint::CheckByKey(key) => checks::get_by_key(call, key).await,
        Endpoint::Pause(code) => checks::pause(call, code).await,
        Endpoint::Resume(code) => checks::resume(call, code).await,
        Endpoint::Pings(code) => checks::pings(call, code).await,
        Endpoint::PingBody(code, n) => checks::ping_body(call, code, *n).await,
        Endpoint::Flips(code) => checks::flips(call, checks::Lookup::Code(code)).await,
        Endpoint::FlipsByKey(key) => checks::flips(call, checks::Lookup::UniqueKey(key)).await,
        Endpoint::Channels => project::channels(call).await,
        Endpoint::Badges => project::badges(call).await,
        Endpoint::Status | Endpoint::Metrics => Err(ApiError::NotFoundPage),
    }
}

fn with_cors(mut response: HttpResponse, endpoint: &Endpoint) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("X-Api-Key"),
    );
    if let Ok(methods) = HeaderValue::from_str(&endpoint.allow_methods()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    }
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}

/// Django's `APPEND_SLASH`: a permanent redirect to the path with a slash, query kept.
fn add_slash(req: &HttpRequest) -> HttpResponse {
    let query = req.query_string();
    let location = if query.is_empty() {
        format!("{}/", req.path())
    } else {
        format!("{}/?{query}", req.path())
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .finish()
}
