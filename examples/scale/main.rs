//! Scale harness: runs the release binary's `status generate --upload` against a fake Uptime
//! Kuma with N synthetic monitors (fixed latency on every response) and moto holding M backup
//! objects, and measures wall time, peak RSS, requests and connections, and the critical-path
//! depth of the run, against the targets of issue 5. Run it with `scripts/bench`
//! (docs/benchmarks.md); `--help` lists the matrix options.

// The test support the harness shares (it uses only part of some).
#[allow(dead_code)]
#[path = "../../tests/support/http_server.rs"]
mod http_server;
#[allow(dead_code)]
#[path = "../../tests/support/moto.rs"]
mod moto;
#[path = "../../tests/support/s3_listing.rs"]
mod s3_listing;
#[path = "../../tests/support/synthetic_kuma.rs"]
mod synthetic_kuma;
#[allow(dead_code)]
#[path = "../../tests/support/tcp_proxy.rs"]
mod tcp_proxy;

mod backup_store;
mod child;
mod critical_path;
mod fake_kuma;
mod listing;
mod report;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;

use crate::backup_store::Layout;
use crate::fake_kuma::{FakeKuma, KumaServer};
use crate::report::{Cell, Row};
use crate::tcp_proxy::TcpProxy;

/// The API key the fake Kuma's /metrics accepts (a made-up one, in Kuma's `uk<id>_` format).
const API_KEY: &str = "uk1_scaleharnesskey";

#[derive(Parser, Debug)]
#[command(about = "Scale benchmark of `status generate --upload` (see docs/benchmarks.md)")]
struct Args {
    /// The binary to measure (build it with `cargo build --release`).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/status"))]
    binary: PathBuf,
    /// The subcommand measured (e.g. `kuma --json` to time the Kuma module alone).
    #[arg(long, default_value = "generate --upload")]
    run: String,
    /// Monitor counts N.
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
    monitors: Vec<u64>,
    /// Fixed latency added to every Kuma response, in ms.
    #[arg(long, value_delimiter = ',', default_value = "0,50")]
    latency_ms: Vec<u64>,
    /// Backup object counts M under the flat prefix `db/`.
    #[arg(long, value_delimiter = ',', default_value = "100,10000,100000")]
    objects: Vec<u64>,
    /// Backup object counts under the date-templated prefix `db/%Y/%m/%d/` (none: no values).
    #[arg(long, value_delimiter = ',', num_args = 0.., default_value = "100000")]
    dated_objects: Vec<u64>,
    /// Run each cell without and/or with `KUMA_API_KEY`.
    #[arg(long, value_delimiter = ',', default_value = "off,on")]
    api_key: Vec<KeyMode>,
    /// `KUMA_CONCURRENCY` values to sweep at the largest N, 50 ms and the smallest M
    /// (the matrix itself runs with the binary's default; none: no values).
    #[arg(long, value_delimiter = ',', num_args = 0.., default_value = "4,8,16,32,64")]
    sweep: Vec<usize>,
    /// Runs of each cell; the table shows the run with the median wall time (a busy moment of
    /// a shared machine shows up as one slow run, not as the result).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Runs of `status --version` for the startup time.
    #[arg(long, default_value_t = 200)]
    startup_runs: usize,
    /// Backup listing: key counts M of each layout, as `layout:M` (none: no values).
    #[arg(long, value_delimiter = ',', num_args = 0.., default_value = "flat:100000,flat:1000000,random:1000000,numbered:1000000,dated:1000000", value_parser = parse_listing)]
    listing: Vec<(listing::KeyLayout, usize)>,
    /// Backup listing: `BACKUP_LIST_CONCURRENCY` values; 1 (page after page) is the baseline.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    listing_concurrency: Vec<usize>,
    /// Backup listing: the stand-in's fixed latency per request, in ms.
    #[arg(long, default_value_t = 100)]
    listing_latency_ms: u64,
    /// Only the backup listing, not the `generate` matrix (no moto needed).
    #[arg(long)]
    only_listing: bool,
}

fn parse_listing(raw: &str) -> Result<(listing::KeyLayout, usize), String> {
    use clap::ValueEnum as _;
    let (layout, count) = raw
        .split_once(':')
        .ok_or_else(|| format!("{raw:?}: expected layout:M, e.g. flat:100000"))?;
    let layout = listing::KeyLayout::from_str(layout, true)?;
    let count = count
        .parse()
        .map_err(|_| format!("{count:?} is not a count"))?;
    Ok((layout, count))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum KeyMode {
    Off,
    On,
}

fn main() -> ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == child::MEASURE_FLAG)
    {
        return child::measure_child_main(std::env::args_os().skip(2));
    }
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("scale: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("scale: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(mut args: Args) -> anyhow::Result<()> {
    // Absolute: the binary runs in a directory of its own, where a relative path means nothing.
    args.binary = match std::fs::canonicalize(&args.binary) {
        Ok(binary) => binary,
        Err(_) => bail!(
            "{} does not exist: run `cargo build --release` first (scripts/bench does)",
            args.binary.display()
        ),
    };
    println!("{}", report::machine()?);
    if !args.only_listing {
        generate_matrix(&args).await?;
    }
    let latency = Duration::from_millis(args.listing_latency_ms);
    let mut rows = Vec::new();
    for &(layout, count) in &args.listing {
        eprintln!("scale: listing {count} objects ({layout:?})");
        let concurrencies = &args.listing_concurrency;
        rows.extend(listing::measure(&args.binary, layout, count, concurrencies, latency).await?);
    }
    if !rows.is_empty() {
        println!("{}", listing::table(&rows, latency));
    }
    Ok(())
}

/// `status generate --upload` over N monitors and M objects in moto (issue 5's matrix).
async fn generate_matrix(args: &Args) -> anyhow::Result<()> {
    let size = std::fs::metadata(&args.binary)?.len();
    let (median, slowest, floor_kib) = child::startup(&args.binary, args.startup_runs)?;
    println!(
        "{}",
        report::startup(
            &args.binary,
            size,
            args.startup_runs,
            median,
            slowest,
            floor_kib
        )
    );

    let cells = matrix(args);
    let mut rows = Vec::with_capacity(cells.len());
    let mut loads = Vec::new();
    let mut kumas: HashMap<u64, Arc<FakeKuma>> = HashMap::new();
    let mut store: Vec<(u64, Layout)> = cells.iter().map(|c| (c.objects, c.layout)).collect();
    store.dedup();
    for (objects, layout) in store {
        eprintln!("scale: loading {objects} objects ({layout:?}) into moto");
        let (moto, load) = tokio::task::block_in_place(|| backup_store::start(objects, layout))?;
        loads.push((objects, layout, load));
        // Counts and times the S3 requests (moto counts nothing itself).
        let proxy = TcpProxy::start(moto.addr());
        for cell in cells
            .iter()
            .filter(|c| (c.objects, c.layout) == (objects, layout))
        {
            let kuma = Arc::clone(kumas.entry(cell.monitors).or_insert_with(|| {
                Arc::new(FakeKuma::new(cell.monitors, API_KEY, chrono::Utc::now()))
            }));
            let mut runs = Vec::with_capacity(args.repeat);
            for _ in 0..args.repeat.max(1) {
                let row = measure(args, cell, Arc::clone(&kuma), &proxy).await?;
                eprintln!("scale: {}", row.summary());
                runs.push(row);
            }
            rows.push(Row::median(runs));
        }
    }
    println!("{}", report::loads(&loads));
    println!("{}", report::matrix(&rows));
    println!("{}", report::flat_memory(&rows));
    println!("{}", report::check_head(&rows));
    println!("{}", report::sweep(&rows));
    Ok(())
}

/// Every cell to run, grouped so each moto load serves all the cells that use it.
fn matrix(args: &Args) -> Vec<Cell> {
    let stores = args
        .objects
        .iter()
        .map(|&m| (m, Layout::Flat))
        .chain(args.dated_objects.iter().map(|&m| (m, Layout::Dated)));
    let mut cells = Vec::new();
    for (objects, layout) in stores {
        for &monitors in &args.monitors {
            for &latency in &args.latency_ms {
                for &key in &args.api_key {
                    cells.push(Cell {
                        monitors,
                        latency: Duration::from_millis(latency),
                        objects,
                        layout,
                        api_key: key == KeyMode::On,
                        concurrency: None,
                    });
                }
            }
        }
    }
    if let (Some(&monitors), Some(&objects)) =
        (args.monitors.iter().max(), args.objects.iter().min())
    {
        for &concurrency in &args.sweep {
            cells.push(Cell {
                monitors,
                latency: Duration::from_millis(50),
                objects,
                layout: Layout::Flat,
                api_key: false,
                concurrency: Some(concurrency),
            });
        }
    }
    // Stable: the matrix order within each store is kept.
    cells.sort_by_key(|c| (c.layout == Layout::Dated, c.objects));
    cells
}

async fn measure(
    args: &Args,
    cell: &Cell,
    kuma: Arc<FakeKuma>,
    proxy: &TcpProxy,
) -> anyhow::Result<Row> {
    let server = KumaServer::start(kuma, cell.latency);
    let workdir = tempfile::tempdir()?;
    let mut command = child::command(&args.binary)?;
    command
        .current_dir(workdir.path())
        .env_clear()
        .args(["--timeout", "300s"])
        .args(args.run.split_whitespace())
        .env("KUMA_URL", server.url())
        .env("KUMA_STATUS_PAGE", fake_kuma::SLUG)
        .env("SPACES_ENDPOINT", proxy.url())
        .env("SPACES_REGION", moto::REGION)
        .env("SPACES_KEY", moto::ACCESS_KEY)
        .env("SPACES_SECRET", moto::SECRET_KEY)
        .env("SPACES_PATH_STYLE", "true")
        .env("BACKUP_BUCKET", backup_store::BACKUP_BUCKET)
        .env("BACKUP_PREFIX", cell.layout.backup_prefix())
        .env("STATUS_BUCKET", backup_store::STATUS_BUCKET)
        .env("STATUS_OUTPUT", workdir.path().join("status.json"));
    if cell.api_key {
        command.env("KUMA_API_KEY", API_KEY);
    }
    if let Some(concurrency) = cell.concurrency {
        command.env("KUMA_CONCURRENCY", concurrency.to_string());
    }
    // Drop what an earlier cell left behind (nothing, unless it failed mid-way).
    proxy.take();
    let measured = tokio::task::spawn_blocking(move || child::run(&mut command))
        .await
        .context("the measuring thread failed")??;
    let kuma = server.traffic();
    let s3 = proxy.take();
    Ok(Row::new(cell.clone(), &measured, kuma, s3))
}
