//! What `hc-ping` and `hc-web` share as HTTP servers: the process's `main` (config,
//! logs, signals, exit codes), running a server until shutdown, reading request bodies
//! within bounds, and the pages and headers healthchecks' framework adds to every
//! answer.

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use hc_core::config::Config;
use tokio_util::sync::CancellationToken;

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The body of a binary's `main`: reads the configuration (exit 2 on a bad one, with
/// one line naming the variable), sets up logs and signals, runs `serve`, and turns
/// its error into one line and exit status 1.
pub fn main<F, Fut, E>(name: &str, serve: F) -> ExitCode
where
    F: FnOnce(Config, CancellationToken) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    hc_core::telemetry::init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    let result = actix_web::rt::System::new().block_on(async move {
        let shutdown = hc_core::shutdown::on_signals();
        serve(config, shutdown).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `server` until `shutdown` is cancelled, then lets it finish the requests it
/// accepted (the server must be built with `.disable_signals()`).
pub async fn run_until(server: Server, shutdown: CancellationToken) -> std::io::Result<()> {
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        shutdown.cancelled().await;
        handle.stop(true).await;
    });
    server.await
}

/// Django's security headers, for `App::wrap`.
pub fn security_headers() -> DefaultHeaders {
    hc_core::compat::SECURITY_HEADERS
        .into_iter()
        .fold(DefaultHeaders::new(), |headers, header| headers.add(header))
}

/// Django's error page for `status`, as healthchecks answers unmatched URLs, refused
/// requests and failures.
pub fn page(status: StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(hc_core::compat::error_page(status.as_u16()))
}

/// How long a client may take to send a request body, unless a service says otherwise.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    Timeout,
    Broken,
}

/// Reads a request body, keeping the first `keep` bytes (all when `None`) and refusing
/// bodies over `cap` bytes or slower than `timeout`; memory never holds more than
/// what is kept.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    cap: usize,
    keep: Option<usize>,
    timeout: Duration,
) -> Result<Vec<u8>, BodyError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(BodyError::TooLarge);
    }
    let read = async {
        let mut kept = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyError::Broken)?;
            total = total.saturating_add(chunk.len());
            if total > cap {
                return Err(BodyError::TooLarge);
            }
            let room = keep.map_or(usize::MAX, |k| k.saturating_sub(kept.len()));
            kept.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        }
        Ok(kept)
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::Timeout))
}
