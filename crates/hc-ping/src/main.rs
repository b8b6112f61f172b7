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
        hc_ping::serve(config, cli.bind, shutdown).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hc-ping: {e}");
            ExitCode::FAILURE
        }
    }
}
