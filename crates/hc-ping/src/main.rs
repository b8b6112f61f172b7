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
    let options = hc_ping::Options {
        body_timeout: std::time::Duration::from_secs(cli.body_timeout),
    };
    hc_http::main("hc-ping", |config, shutdown| {
        hc_ping::serve(config, cli.bind, options, shutdown)
    })
}
