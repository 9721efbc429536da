use std::process::ExitCode;

use clap::Parser;

use status::cli::{Cli, Command};
use status::exit::Exit;
use status::{backups, bucket_setup, check, generate, kuma, logging, settings, upload};

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
    // These print from the CLI definition alone: no settings, so a broken .env cannot stop them.
    match &cli.command {
        Command::Completions(args) => {
            status::cli::print_completions(args.shell)?;
            return Ok(Exit::Success);
        }
        Command::Man => {
            status::cli::print_man()?;
            return Ok(Exit::Success);
        }
        _ => {}
    }
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
            Command::Generate(args) => generate::command(&settings, &args).await,
            Command::Upload(args) => upload::command(&settings, &args).await,
            Command::Check => check::command(&settings).await,
            Command::BucketSetup(args) => bucket_setup::command(&settings, &args).await,
            // Cannot happen: both returned above, before the settings were loaded.
            Command::Completions(_) | Command::Man => unreachable!("handled before settings"),
        }
    })
}
