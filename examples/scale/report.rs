//! The numbers of each run, the targets of issue 5 they are checked against, and the markdown
//! the harness prints (docs/benchmarks.md is this output).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::backup_store::Layout;
use crate::child::Measured;
use crate::critical_path::{self, Exchange};
use crate::fake_kuma::KumaTraffic;
use crate::tcp_proxy::ProxiedRequest;

const MIB: f64 = 1024.0 * 1024.0;
/// Issue 5: peak RSS at N = 1000, M = 100,000.
const RSS_LIMIT_KIB: u64 = 40 * 1024;
/// Issue 5: `status --version` starts and exits in under 5 ms.
const STARTUP_LIMIT: Duration = Duration::from_millis(5);
/// Issue 5: with a date-templated prefix, at most 2 list requests.
const DATED_LIST_LIMIT: usize = 2;

#[derive(Debug, Clone)]
pub struct Cell {
    pub monitors: u64,
    pub latency: Duration,
    pub objects: u64,
    pub layout: Layout,
    pub api_key: bool,
    /// `KUMA_CONCURRENCY`; `None`: the binary's default.
    pub concurrency: Option<usize>,
}

impl Cell {
    /// Issue 5: at most 2 + 2N requests to Kuma without an API key, 3 + N with one.
    fn kuma_request_limit(&self) -> usize {
        let n = self.monitors as usize;
        if self.api_key { 3 + n } else { 2 + 2 * n }
    }
}

pub struct Row {
    pub cell: Cell,
    exit_code: Option<i32>,
    /// The binary's first error line, when it did not exit 0.
    error: Option<String>,
    wall: Duration,
    rss_kib: u64,
    depth: usize,
    kuma_requests: usize,
    kuma_connections: usize,
    kuma_refused: usize,
    kuma_peak_in_flight: usize,
    s3_requests: usize,
    s3_lists: usize,
    /// The slowest S3 request, and all S3 requests together: moto scans and sorts every key
    /// of the bucket on each list request, and the pages of a listing follow one another.
    s3_slowest: Duration,
    s3_total: Duration,
    /// The HeadObject before the upload (is a newer document published?), when there was one.
    check_head: Option<Duration>,
}

impl Row {
    pub fn new(cell: Cell, measured: &Measured, kuma: KumaTraffic, s3: Vec<ProxiedRequest>) -> Row {
        let exchanges: Vec<Exchange> = kuma
            .exchanges
            .iter()
            .copied()
            .chain(s3.iter().map(|r| Exchange {
                started: r.started,
                finished: r.finished,
            }))
            .collect();
        let s3_durations = s3.iter().map(|r| r.finished.duration_since(r.started));
        let error = (measured.exit_code != Some(0)).then(|| {
            measured
                .stderr
                .lines()
                .find(|line| line.contains("ERROR") || line.contains("error"))
                .or_else(|| measured.stderr.lines().last())
                .unwrap_or("")
                .to_string()
        });
        // The first HeadObject of the status object comes before its PutObject; the second
        // verifies what was stored.
        let status_object = format!("/{}/", crate::backup_store::STATUS_BUCKET);
        let check_head = s3
            .iter()
            .find(|r| r.method == "HEAD" && r.target.starts_with(&status_object))
            .map(|r| r.finished.duration_since(r.started));
        Row {
            check_head,
            exit_code: measured.exit_code,
            error,
            wall: measured.wall,
            rss_kib: measured.max_rss_kib,
            depth: critical_path::depth(&exchanges),
            kuma_requests: kuma.exchanges.len(),
            kuma_connections: kuma.connections,
            kuma_refused: kuma.refused,
            kuma_peak_in_flight: kuma.peak_in_flight,
            s3_requests: s3.len(),
            s3_lists: s3
                .iter()
                .filter(|r| r.method == "GET" && r.target.contains("list-type=2"))
                .count(),
            s3_slowest: s3_durations.clone().max().unwrap_or_default(),
            s3_total: s3_durations.sum(),
            cell,
        }
    }

    /// Of several runs of one cell, the one with the median wall time.
    pub fn median(mut runs: Vec<Row>) -> Row {
        runs.sort_by_key(|row| row.wall);
        runs.swap_remove(runs.len() / 2)
    }

    /// Issue 5: with latency L, wall <= 1.25 x (depth x L) + 100 ms.
    fn wall_bound(&self) -> Option<Duration> {
        (!self.cell.latency.is_zero()).then(|| {
            self.cell.latency.mul_f64(1.25 * self.depth as f64) + Duration::from_millis(100)
        })
    }

    /// The depth counts round trips of the fixed latency; without one, Kuma's answers take
    /// no measurable time and the chain says nothing.
    fn depth_shown(&self) -> String {
        if self.cell.latency.is_zero() {
            "-".into()
        } else {
            self.depth.to_string()
        }
    }

    /// The targets this run missed (empty: all met).
    fn missed(&self) -> Vec<String> {
        let mut missed = Vec::new();
        if self.exit_code != Some(0) {
            missed.push(format!(
                "exit {:?}: {}",
                self.exit_code,
                self.error.as_deref().unwrap_or("")
            ));
        }
        if let Some(bound) = self.wall_bound()
            && self.wall > bound
        {
            missed.push(format!("wall > {} ms", bound.as_millis()));
        }
        if self.kuma_requests > self.cell.kuma_request_limit() {
            missed.push(format!(
                "Kuma requests > {}",
                self.cell.kuma_request_limit()
            ));
        }
        if self.kuma_refused > 0 {
            missed.push(format!("{} Kuma requests answered 4xx", self.kuma_refused));
        }
        if self.cell.layout == Layout::Dated && self.s3_lists > DATED_LIST_LIMIT {
            missed.push(format!("list requests > {DATED_LIST_LIMIT}"));
        }
        if self.rss_kib > RSS_LIMIT_KIB {
            missed.push("RSS > 40 MiB".into());
        }
        missed
    }

    /// One progress line for stderr.
    pub fn summary(&self) -> String {
        format!(
            "N={} latency={}ms M={} {:?} key={} concurrency={:?}: exit {:?}, {} ms, depth {}, {:.1} MiB, {} Kuma requests, {} S3 requests",
            self.cell.monitors,
            self.cell.latency.as_millis(),
            self.cell.objects,
            self.cell.layout,
            self.cell.api_key,
            self.cell.concurrency,
            self.exit_code,
            self.wall.as_millis(),
            self.depth,
            self.rss_kib as f64 / 1024.0,
            self.kuma_requests,
            self.s3_requests,
        )
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The machine the numbers come from.
pub fn machine() -> anyhow::Result<String> {
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    Ok(format!(
        "Machine: {cores} CPUs ({cpu}), {:.1} GiB memory, Linux {}, run at {}.\n",
        memory_kib as f64 / 1024.0 / 1024.0,
        read("/proc/sys/kernel/osrelease").trim(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
    ))
}

fn check(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

pub fn startup(
    binary: &Path,
    size: u64,
    runs: usize,
    median: Duration,
    slowest: Duration,
    floor_kib: u64,
) -> String {
    format!(
        "Binary: `{}`, {size} bytes ({:.2} MiB).\n\n\
         `status --version`: median {:.2} ms over {runs} runs (slowest {:.2} ms); target < 5 ms: {}. \
         Its peak RSS, {:.1} MiB, is the floor of every RSS reading below.\n",
        binary
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(binary)
            .display(),
        size as f64 / MIB,
        median.as_secs_f64() * 1000.0,
        slowest.as_secs_f64() * 1000.0,
        check(median < STARTUP_LIMIT),
        floor_kib as f64 / 1024.0,
    )
}

pub fn loads(loads: &[(u64, Layout, Duration)]) -> String {
    let mut out = String::from("moto preload (outside the timed part):");
    for (objects, layout, took) in loads {
        write!(
            out,
            " {objects} objects {:?} in {:.1} s;",
            layout,
            took.as_secs_f64()
        )
        .unwrap();
    }
    out.push('\n');
    out
}

fn ms(duration: Duration) -> String {
    duration.as_millis().to_string()
}

/// The targets column: `all met`, or the targets missed.
pub fn targets(missed: &[String]) -> String {
    match missed.is_empty() {
        true => "all met".to_string(),
        false => missed.join("; "),
    }
}

/// The columns that name a cell: N, latency, M, prefix, API key.
fn cell_columns(cell: &Cell) -> String {
    format!(
        "{} | {} ms | {} | {} | {}",
        cell.monitors,
        cell.latency.as_millis(),
        cell.objects,
        cell.layout.backup_prefix(),
        if cell.api_key { "yes" } else { "no" },
    )
}

pub fn matrix(rows: &[Row]) -> String {
    let mut out = String::from(
        "| N | latency | M | prefix | API key | wall ms | depth | bound ms | peak RSS MiB | Kuma requests (limit) | Kuma conns | S3 requests | S3 lists | slowest S3 ms | all S3 ms | targets |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows.iter().filter(|r| r.cell.concurrency.is_none()) {
        writeln!(
            out,
            "| {} | {} | {} | {} | {:.1} | {} ({}) | {} | {} | {} | {} | {} | {} |",
            cell_columns(&row.cell),
            ms(row.wall),
            row.depth_shown(),
            row.wall_bound().map(ms).unwrap_or_else(|| "-".into()),
            row.rss_kib as f64 / 1024.0,
            row.kuma_requests,
            row.cell.kuma_request_limit(),
            row.kuma_connections,
            row.s3_requests,
            row.s3_lists,
            ms(row.s3_slowest),
            ms(row.s3_total),
            targets(&row.missed()),
        )
        .unwrap();
    }
    out
}

/// Peak RSS of the same Kuma work as M grows (flat prefix): flat means the listing is not kept.
pub fn flat_memory(rows: &[Row]) -> String {
    let flat: Vec<&Row> = rows
        .iter()
        .filter(|r| r.cell.concurrency.is_none() && r.cell.layout == Layout::Flat)
        .collect();
    let mut objects: Vec<u64> = flat.iter().map(|r| r.cell.objects).collect();
    objects.sort();
    objects.dedup();
    let mut out =
        String::from("Peak RSS (MiB) as M grows, flat prefix:\n\n| N | latency | API key |");
    for m in &objects {
        write!(out, " M = {m} |").unwrap();
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"---|".repeat(objects.len()));
    out.push('\n');
    let mut seen = Vec::new();
    for row in &flat {
        let key = (row.cell.monitors, row.cell.latency, row.cell.api_key);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        write!(
            out,
            "| {} | {} ms | {} |",
            key.0,
            key.1.as_millis(),
            if key.2 { "yes" } else { "no" }
        )
        .unwrap();
        for m in &objects {
            match flat.iter().find(|r| {
                (r.cell.monitors, r.cell.latency, r.cell.api_key) == key && r.cell.objects == *m
            }) {
                Some(r) => write!(out, " {:.1} |", r.rss_kib as f64 / 1024.0).unwrap(),
                None => out.push_str(" - |"),
            }
        }
        out.push('\n');
    }
    out
}

/// What the HeadObject before each upload costs: one request, and its share of the wall time.
pub fn check_head(rows: &[Row]) -> String {
    let mut out = String::from(
        "The HeadObject before the upload (never replace a newer document):\n\n\
         | N | latency | M | prefix | API key | wall ms | S3 requests | HeadObject ms | share of wall |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows.iter().filter(|r| r.cell.concurrency.is_none()) {
        let (head, share) = match row.check_head {
            Some(head) => (
                format!("{:.1}", head.as_secs_f64() * 1000.0),
                format!(
                    "{:.1} %",
                    100.0 * head.as_secs_f64() / row.wall.as_secs_f64()
                ),
            ),
            None => ("-".into(), "-".into()),
        };
        writeln!(
            out,
            "| {} | {} | {} | {head} | {share} |",
            cell_columns(&row.cell),
            ms(row.wall),
            row.s3_requests,
        )
        .unwrap();
    }
    out
}

pub fn sweep(rows: &[Row]) -> String {
    let mut out = String::from(
        "KUMA_CONCURRENCY sweep (no API key):\n\n\
         | KUMA_CONCURRENCY | N | latency | wall ms | depth | bound ms | Kuma requests | Kuma conns | Kuma peak in flight | peak RSS MiB | targets |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows.iter().filter(|r| r.cell.concurrency.is_some()) {
        writeln!(
            out,
            "| {} | {} | {} ms | {} | {} | {} | {} | {} | {} | {:.1} | {} |",
            row.cell.concurrency.unwrap_or_default(),
            row.cell.monitors,
            row.cell.latency.as_millis(),
            ms(row.wall),
            row.depth_shown(),
            row.wall_bound().map(ms).unwrap_or_else(|| "-".into()),
            row.kuma_requests,
            row.kuma_connections,
            row.kuma_peak_in_flight,
            row.rss_kib as f64 / 1024.0,
            targets(&row.missed()),
        )
        .unwrap();
    }
    out
}
