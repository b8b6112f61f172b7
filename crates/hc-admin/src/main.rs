//! `hc-admin`: the operator's commands. All the work is in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = hc_admin::Cli::parse();
    hc_core::telemetry::init();
    match hc_admin::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hc-admin: {e:#}");
            ExitCode::from(hc_admin::exit_code(&e))
        }
    }
}
