//! The dashboard and management API: an actix-web server over the domain crate.

mod error;
mod pages;
mod status;
mod templates;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use hc_core::config::Config;
use hc_core::db::{self, OnStart, Pool};
use tokio_util::sync::CancellationToken;

pub use error::Error;
pub use templates::Templates;

/// Shared state of the handlers.
pub struct State {
    pub config: Config,
    pub pool: Pool,
    pub templates: Templates,
}

/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

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
    let state = web::Data::new(State {
        config,
        pool,
        templates,
    });
    let server = HttpServer::new(move || App::new().app_data(state.clone()).configure(routes))
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .listen(listener)
        .map_err(Error::Io)?
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        shutdown.cancelled().await;
        handle.stop(true).await;
    });
    server.await.map_err(Error::Io)
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::index));
    for version in ["v1", "v2", "v3"] {
        cfg.route(
            &format!("/api/{version}/status/"),
            web::route().to(status::status),
        );
    }
}
