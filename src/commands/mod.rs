//! One module per subcommand, each wiring the layers below for its job; `settings` assembles
//! the settings each module owns. The top of the library: nothing below imports it.

pub mod backups;
pub mod bucket_setup;
pub mod check;
pub mod completions;
pub mod config;
pub mod generate;
pub mod kuma;
pub mod settings;
pub mod upload;

use crate::cli::{Cli, Command};
use crate::run::outcome::Exit;

/// Runs the command line's subcommand to its exit code.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    // These need no valid settings, so a broken .env cannot stop them.
    match &cli.command {
        Command::Completions(args) => return completions::print_completions(args.shell),
        Command::Man => return completions::print_man(),
        // Shows the settings even when one is invalid (it says which, and exits 2).
        Command::Config(args) => return config::command(&cli, args),
        _ => {}
    }
    let settings = settings::Settings::load(&cli)?;
    crate::logging::init(&settings.logging);
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
            Command::Completions(_) | Command::Man | Command::Config(_) => {
                unreachable!("handled before settings")
            }
        }
    })
}
