//! The ping receiver: a small actix-web server over the domain crate. Requests are
//! parsed here; pings are stored by the group-commit [`writer`].

mod error;
mod handler;
mod health;
mod heartbeat;
mod pg_batch;
mod store;
mod writer;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use hc_core::config::{Backend, Config};
use hc_core::db::{self, OnStart, Pool};
use tokio_util::sync::CancellationToken;

pub use error::Error;
use writer::Writer;

/// Tuning of the receiver (the defaults suit production).
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a client gets to send its request body.
    pub body_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            body_timeout: hc_http::BODY_TIMEOUT,
        }
    }
}

/// Shared state of the handlers.
pub struct State {
    pub config: Config,
    pub pool: Pool,
    options: Options,
    writer: Writer,
    /// The path of `PING_ENDPOINT`, e.g. `/ping/`.
    ping_prefix: String,
}

/// Connects to the database (refusing one with pending migrations) and serves on
/// `bind` until `shutdown` is cancelled.
pub async fn serve(
    config: Config,
    bind: SocketAddr,
    options: Options,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let listener = TcpListener::bind(bind).map_err(|e| Error::Bind(bind, e))?;
    let pool = connect(&config).await?;
    run(config, pool, listener, options, shutdown).await
}

/// Opens the pool off the async threads.
pub async fn connect(config: &Config) -> Result<Pool, Error> {
    let db_config = config.db.clone();
    let pool = web::block(move || db::connect(&db_config, 16, OnStart::RequireMigrated))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    Ok(pool)
}

/// Serves on an already bound listener (tests bind `127.0.0.1:0`). Returns once the
/// server has stopped and every ping it answered is stored.
pub async fn run(
    config: Config,
    pool: Pool,
    listener: TcpListener,
    options: Options,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let addr = listener.local_addr().map_err(Error::Io)?;
    // SQLite has one writer at a time anyway; servers take several batches at once.
    let writers = if config.db.backend() == Backend::Sqlite {
        1
    } else {
        2
    };
    let (writer, writer_threads) = Writer::start(pool.clone(), writers);
    let stop_threads = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let checkpointer = (config.db.backend() == Backend::Sqlite)
        .then(|| writer::start_checkpointer(pool.clone(), stop_threads.clone()))
        .flatten();
    let heartbeat = heartbeat::start(pool.clone(), stop_threads.clone());
    let ping_prefix = url::Url::parse(&config.ping_endpoint)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| "/ping/".to_owned());
    tracing::info!(%addr, db = %config.db.describe(), prefix = %ping_prefix, "hc-ping is listening");
    let state = web::Data::new(State {
        config,
        pool,
        options,
        writer,
        ping_prefix,
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(hc_http::security_headers())
            .route("/health", web::get().to(health::health))
            .default_service(web::to(handler::ping))
    })
    .disable_signals()
    .shutdown_timeout(hc_http::SHUTDOWN_GRACE.as_secs())
    .backlog(4096)
    .listen(listener)
    .map_err(Error::Io)?
    .run();
    hc_http::run_until(server, shutdown)
        .await
        .map_err(Error::Io)?;
    // The server has dropped its state, and with it the queue: the writers finish
    // what is queued and stop.
    for thread in writer_threads {
        let _ = web::block(move || thread.join()).await;
    }
    stop_threads.store(true, std::sync::atomic::Ordering::Relaxed);
    for thread in [checkpointer, heartbeat].into_iter().flatten() {
        let _ = web::block(move || thread.join()).await;
    }
    Ok(())
}
