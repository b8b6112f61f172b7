//! The dashboard and management API: an actix-web server over the domain crate.

mod api;
mod badges;
mod error;
mod metrics;
mod status;
mod templates;
mod ui;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::middleware::ErrorHandlers;
use actix_web::{web, App, HttpServer};
use hc_core::config::Config;
use hc_core::db::{self, OnStart, Pool};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use error::Error;
pub use templates::Templates;

/// Shared state of the handlers.
pub struct State {
    pub config: Config,
    pub pool: Pool,
    pub templates: Templates,
    /// Wakes the mail worker when a page has queued a message.
    pub outbox: Arc<Notify>,
}

/// Connects to the database (refusing one with pending migrations) and serves on
/// `bind` until `shutdown` is cancelled.
pub async fn serve(
    config: Config,
    bind: SocketAddr,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let listener = TcpListener::bind(bind).map_err(|e| Error::Bind(bind, e))?;
    let db_config = config.db.clone();
    let pool = web::block(move || db::connect(&db_config, 16, OnStart::RequireMigrated))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    run(config, pool, listener, shutdown).await
}

/// Serves on an already bound listener (tests bind `127.0.0.1:0`).
pub async fn run(
    config: Config,
    pool: Pool,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let addr = listener.local_addr().map_err(Error::Io)?;
    let templates = Templates::load()?;
    tracing::info!(%addr, db = %config.db.describe(), site_root = %config.site_root, "hc-web is listening");
    // With SITE_ROOT at a sub-path (https://example.org/hc), every route lives below
    // it, as healthchecks' do.
    let prefix = config.path_prefix();
    let outbox = Arc::new(Notify::new());
    ui::mail::spawn_worker(&config, pool.clone(), outbox.clone(), shutdown.clone());
    ui::mail::spawn_housekeeping(pool.clone(), shutdown.clone());
    let state = web::Data::new(State {
        config,
        pool,
        templates,
        outbox,
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(hc_http::security_headers())
            .wrap(ErrorHandlers::new().default_handler(ui::error::render))
            .service(web::scope(&prefix).configure(routes))
    })
    .disable_signals()
    .shutdown_timeout(hc_http::SHUTDOWN_GRACE.as_secs())
    .listen(listener)
    .map_err(Error::Io)?
    .run();
    hc_http::run_until(server, shutdown)
        .await
        .map_err(Error::Io)
}

fn routes(cfg: &mut web::ServiceConfig) {
    api::configure(cfg);
    badges::configure(cfg);
    metrics::configure(cfg);
    ui::configure(cfg);
}
