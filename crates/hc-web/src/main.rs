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
    hc_http::main("hc-web", |config, shutdown| {
        hc_web::serve(config, cli.bind, shutdown)
    })
}
