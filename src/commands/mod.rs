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

use std::time::Instant;

use crate::cli::{Cli, Command};
use crate::run::deadline::Budget;
use crate::run::interrupt::Interrupt;
use crate::run::metrics::RunRecord;
use crate::run::outcome::{Exit, Reporter, RunEnd, RunFailure, log_summary};

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
    let started = Instant::now();
    let loaded = settings::Settings::load(&cli);
    crate::logging::init(&loaded.logging);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let settings = match loaded.settings {
        Ok(settings) => settings,
        Err(errors) => {
            // Every invalid setting, one line each in the configured log format, then the
            // summary line every run ends with.
            for error in &errors {
                tracing::error!("{error}");
            }
            let summary = format!(
                "configuration: {} error(s) above; nothing done",
                errors.len()
            );
            log_summary(&summary, started.elapsed(), Exit::Config);
            return Ok(Exit::Config);
        }
    };
    one_malloc_arena();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let interrupt = Interrupt::listen()?;
        match cli.command {
            // The publishing commands end a signalled run in order (run::interrupt)...
            Command::Generate(args) => generate::command(&settings, &args, &interrupt).await,
            Command::Upload(args) => upload::command(&settings, &args, &interrupt).await,
            // ...the others, which publish nothing, simply stop.
            Command::Kuma(args) => {
                stop_on_signal(&interrupt, kuma::command(&settings, &args)).await
            }
            Command::Backups(args) => {
                stop_on_signal(&interrupt, backups::command(&settings, &args)).await
            }
            Command::Check => stop_on_signal(&interrupt, check::command(&settings)).await,
            Command::BucketSetup(args) => {
                stop_on_signal(&interrupt, bucket_setup::command(&settings, &args)).await
            }
            // Cannot happen: both returned above, before the settings were loaded.
            Command::Completions(_) | Command::Man | Command::Config(_) => {
                unreachable!("handled before settings")
            }
        }
    })
}

/// Runs a command that publishes nothing; a signal stops it with the signal's exit code.
async fn stop_on_signal(
    interrupt: &Interrupt,
    command: impl Future<Output = anyhow::Result<Exit>>,
) -> anyhow::Result<Exit> {
    interrupt.run(command).await?
}

/// Runs a publishing command (`generate`, `upload`) and ends it the one way
/// ([`Reporter::run`]): the push monitor and the metrics file `settings` name are told how it
/// ended. `work` gets the HTTP client for the public read-back and the run's metrics record.
async fn publishing_run(
    settings: &settings::Settings,
    budget: Budget,
    interrupt: &Interrupt,
    work: impl AsyncFnOnce(&reqwest::Client, &RunRecord) -> Result<RunEnd, RunFailure>,
) -> anyhow::Result<Exit> {
    let web = settings.web_client()?;
    let record = RunRecord::default();
    let metrics = settings.publish.metrics_file();
    let reporter = Reporter {
        web: &web,
        push_url: settings.publish.push_url.as_ref(),
        budget,
        interrupt,
        metrics: metrics.as_ref().map(|file| (file, &record)),
    };
    Ok(reporter.run(async |web| work(web, &record).await).await)
}

/// One malloc arena for the whole process. glibc gives a thread that meets contention an arena
/// of its own, and memory freed in one arena is not reused by another, so the runtime's threads
/// spread the backup listing's pages over several: 0.7 to 0.9 MiB more peak RSS at sixteen list
/// requests in flight (docs/benchmarks.md). A run of a few thousand requests on two threads
/// does not feel the shared lock (the same listing took as long).
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter, and this runs before the runtime starts
    // any thread. Its result (0 when the value is refused) changes nothing but the memory use.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
