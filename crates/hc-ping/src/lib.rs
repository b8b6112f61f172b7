//! The ping receiver: a small actix-web server over the domain crate.

mod error;
mod health;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use hc_core::config::Config;
use hc_core::db::{self, OnStart, Pool};
use tokio_util::sync::CancellationToken;

pub use error::Error;

/// Shared state of the handlers.
pub struct State {
    pub config: Config,
    pub pool: Pool,
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
    let pool = connect(&config).await?;
    run(config, pool, listener, shutdown).await
}

/// Opens the pool off the async threads.
pub async fn connect(config: &Config) -> Result<Pool, Error> {
    let db_config = config.db.clone();
    let pool = web::block(move || db::connect(&db_config, 16, OnStart::RequireMigrated))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    Ok(pool)
}

/// Serves on an already bound listener (tests bind `127.0.0.1:0`).
pub async fn run(
    config: Config,
    pool: Pool,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let addr = listener.local_addr().map_err(Error::Io)?;
    tracing::info!(%addr, db = %config.db.describe(), "hc-ping is listening");
    let state = web::Data::new(State { config, pool });
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
    cfg.route("/health", web::get().to(health::health));
}
