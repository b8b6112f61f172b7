//! `hc-web`: the dashboard and the management API. All the work is in the library.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;

/// hc's dashboard and management API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address and port to listen on.
    #[arg(long, env = "HC_WEB_BIND", default_value = "127.0.0.1:8000")]
    bind: SocketAddr,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    hc_core::telemetry::init();
    let config = match hc_core::config::Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("hc-web: {e}");
            return ExitCode::from(2);
        }
    };
    let result = actix_web::rt::System::new().block_on(async move {
        let shutdown = hc_core::shutdown::on_signals();
        hc_web::serve(config, cli.bind, shutdown).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hc-web: {e}");
            ExitCode::FAILURE
        }
    }
}
