//! The ping URLs: every method, every form of spec §2.1, answered with healthchecks'
//! status codes, bodies and headers.

use std::time::SystemTime;

use actix_web::http::header::{self, HttpDate};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use hc_core::compat;
use hc_core::ping::{self, PingPath, Target};
use hc_http::{read_body, BodyError};

use crate::store::{Answer, Request};
use crate::State;

/// Bodies larger than this (or than `PING_BODY_LIMIT`, if larger) are refused: Django's
/// `DATA_UPLOAD_MAX_MEMORY_SIZE`.
const MAX_REQUEST_BODY: usize = 2_621_440;

pub async fn ping(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(path) = req
        .path()
        .strip_prefix(state.ping_prefix.as_str())
        .and_then(ping::parse_path)
    else {
        return hc_http::page(StatusCode::NOT_FOUND);
    };
    if let Target::Slug { slug, .. } = &path.target {
        if slug.bytes().any(|b| b.is_ascii_uppercase()) {
            return text(HttpResponse::BadRequest(), "invalid url format");
        }
    }
    let limit = state.config.ping_body_limit;
    let cap = MAX_REQUEST_BODY.max(limit.unwrap_or(0));
    let body = match read_body(&req, payload, cap, limit, state.options.body_timeout).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return hc_http::page(StatusCode::BAD_REQUEST),
        Err(BodyError::Timeout) => return text(HttpResponse::RequestTimeout(), "request timeout"),
        Err(BodyError::Broken) => return hc_http::page(StatusCode::BAD_REQUEST),
    };
    let request = describe(&state, &req, path, body);
    match state.writer.store(request).await {
        Ok(answer) => respond(answer, limit),
        Err(reason) => {
            tracing::error!(error = %reason, "ping not stored");
            // Not stored, and said so: clients retry on 5xx.
            let mut response = HttpResponse::ServiceUnavailable();
            response.insert_header((header::RETRY_AFTER, "5"));
            text(response, "database unavailable")
        }
    }
}

fn describe(state: &State, req: &HttpRequest, path: PingPath, body: Vec<u8>) -> Request {
    let query = req.query_string();
    let create = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "create")
        .last()
        .is_some_and(|(_, v)| v == "1");
    let peer = req.peer_addr().map(|a| a.ip());
    let trusted = &state.config.trusted_proxies;
    let header_text = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let scheme = match header_text("X-Forwarded-Proto") {
        Some(proto) if ping::is_trusted(peer, trusted) => proto.chars().take(10).collect(),
        _ => "http".to_owned(),
    };
    Request {
        path,
        create,
        rid: ping::parse_rid(query),
        method: req.method().as_str().chars().take(10).collect(),
        scheme,
        remote_addr: ping::client_addr(peer, header_text("X-Forwarded-For").as_deref(), trusted),
        ua: header_text("User-Agent")
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
        body,
    }
}

fn respond(answer: Answer, limit: Option<usize>) -> HttpResponse {
    let success = |mut builder: HttpResponseBuilder, body: &'static str| {
        builder.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
        if let Some(limit) = limit {
            builder.insert_header(("Ping-Body-Limit", limit.to_string()));
        }
        never_cache(&mut builder);
        text(builder, body)
    };
    let refused = |mut builder: HttpResponseBuilder, body: &'static str, cacheable: bool| {
        if !cacheable {
            never_cache(&mut builder);
        }
        text(builder, body)
    };
    match answer {
        Answer::Ok => success(HttpResponse::Ok(), "OK"),
        Answer::Created => success(HttpResponse::Created(), "Created"),
        // The UUID handler's refusals carry never-cache headers; the slug handler's
        // own do not (spec §2.2, §2.3).
        Answer::NotFound => refused(HttpResponse::NotFound(), "not found", false),
        Answer::SlugNotFound => refused(HttpResponse::NotFound(), "not found", true),
        Answer::Ambiguous => refused(HttpResponse::Conflict(), "ambiguous slug", true),
        Answer::InvalidUrlFormat => {
            refused(HttpResponse::BadRequest(), "invalid url format", false)
        }
        Answer::InvalidUuid => refused(HttpResponse::BadRequest(), "invalid uuid format", false),
    }
}

fn never_cache(builder: &mut HttpResponseBuilder) {
    builder.insert_header((header::CACHE_CONTROL, compat::NEVER_CACHE));
    builder.insert_header((
        header::EXPIRES,
        HttpDate::from(SystemTime::now()).to_string(),
    ));
}

fn text(mut builder: HttpResponseBuilder, body: &'static str) -> HttpResponse {
    builder.content_type("text/html; charset=utf-8").body(body)
}
