//! `hc-ping`: receives the pings of cron jobs. All the work is in the library.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;

/// hc's ping receiver: answers /ping/<uuid> and friends and stores each ping.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address and port to listen on.
    #[arg(long, env = "HC_PING_BIND", default_value = "127.0.0.1:8001")]
    bind: SocketAddr,
    /// Seconds a client gets to send its request body (slow clients get 408).
    #[arg(long, env = "HC_PING_BODY_TIMEOUT", default_value_t = 30)]
    body_timeout: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    hc_core::telemetry::init();
    let config = match hc_core::config::Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("hc-ping: {e}");
            return ExitCode::from(2);
        }
    };
    let result = actix_web::rt::System::new().block_on(async move {
        let shutdown = hc_core::shutdown::on_signals();
        let options = hc_ping::Options {
            body_timeout: std::time::Duration::from_secs(cli.body_timeout),
        };
        hc_ping::serve(config, cli.bind, options, shutdown).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hc-ping: {e}");
            ExitCode::FAILURE
        }
    }
}
