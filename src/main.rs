use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use status::cli::Cli;
use status::logging;
use status::run::outcome::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match status::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            // One line for a person (`{:#}` joins the context chain), never a backtrace.
            if logging::is_initialised() {
                tracing::error!("{err:#}");
            } else {
                // Not eprintln!: it panics when stderr cannot be written (a full disk).
                let _ = writeln!(std::io::stderr(), "status: error: {err:#}");
            }
            Exit::for_error(&err).into()
        }
    }
}
