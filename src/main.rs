use std::process::ExitCode;

use clap::Parser;

use status::cli::{Cli, Command};
use status::exit::Exit;
use status::{backups, kuma, logging, settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            // One line for a person (`{:#}` joins the context chain), never a backtrace.
            if logging::is_initialised() {
                tracing::error!("{err:#}");
            } else {
                eprintln!("status: error: {err:#}");
            }
            Exit::for_error(&err).into()
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Exit> {
    let settings = settings::Settings::load(&cli)?;
    logging::init(&settings.logging);
    settings.warn_about_env_file_permissions();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Kuma(args) => kuma::command(&settings, &args).await,
            Command::Backups(args) => backups::command(&settings, &args).await,
        }
    })
}
