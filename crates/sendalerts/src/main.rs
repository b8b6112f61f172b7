//! `sendalerts`: the notifier daemon. All the work is in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = sendalerts::Cli::parse();
    hc_core::telemetry::init();
    let config = match hc_core::config::Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("sendalerts: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sendalerts: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let shutdown = hc_core::shutdown::on_signals();
        sendalerts::serve(config, cli, shutdown).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sendalerts: {e}");
            ExitCode::FAILURE
        }
    }
}
