//! The backup listing at scale: `status backups` against an S3 stand-in that models Spaces
//! (`tests/support/s3_listing.rs`: ListObjectsV2 pages from a sorted in-memory key set, each
//! after a fixed latency), with `BACKUP_LIST_CONCURRENCY` 1 (page after page, the baseline)
//! and the default, on the same server. Targets of issue 12: a million flat keys within the
//! sources' 20 s at 100 ms a request, 100,000 under 3 s, at most 1.5 times the requests of the
//! sequential listing, peak RSS within 2 MiB of it.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};

use crate::child;
use crate::critical_path::{self, Exchange};
use crate::http_server::{Request, TestServer};
use crate::s3_listing::{Listed, ListingBucket};

const BUCKET: &str = "backups";
const SOURCE_BUDGET: Duration = Duration::from_secs(20);
const SMALL_TARGET: Duration = Duration::from_secs(3);
const RSS_SLACK_KIB: u64 = 2 * 1024;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLayout {
    /// `db/<host>-<%Y%m%dT%H%M%S>Z.sql.gz`: 3 hosts, one backup every 15 minutes, over years.
    Flat,
    /// `db/<20 random letters and digits>.sql.gz`.
    Random,
    /// `db/<7-digit sequence number>.sql.gz`, numbered in order: pages of 1,000 keys never
    /// show the higher digits change between neighbours.
    Numbered,
    /// `db/%Y/%m/%d/backup-%H%M%S.sql.gz`, listed with that dated prefix.
    Dated,
}

impl KeyLayout {
    fn prefix(self) -> &'static str {
        match self {
            KeyLayout::Dated => "db/%Y/%m/%d/",
            _ => "db/",
        }
    }

    /// `count` objects, the newest an hour old.
    fn objects(self, count: usize) -> Vec<Listed> {
        let newest = Utc::now() - TimeDelta::hours(1);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..count)
            .map(|i| {
                let per_host = if self == KeyLayout::Flat { 3 } else { 1 };
                let made: DateTime<Utc> = newest - TimeDelta::minutes(15 * (i / per_host) as i64);
                let key = match self {
                    KeyLayout::Flat => {
                        let host = ["api", "shop", "web"][i % 3];
                        format!("db/{host}-{}Z.sql.gz", made.format("%Y%m%dT%H%M%S"))
                    }
                    KeyLayout::Random => {
                        let name: String = (0..20)
                            .map(|_| {
                                // xorshift64: the same "random" names on every run.
                                state ^= state << 13;
                                state ^= state >> 7;
                                state ^= state << 17;
                                char::from(alphabet[(state % 62) as usize])
                            })
                            .collect();
                        format!("db/{name}.sql.gz")
                    }
                    KeyLayout::Numbered => format!("db/{:07}.sql.gz", count - 1 - i),
                    KeyLayout::Dated => made.format("db/%Y/%m/%d/backup-%H%M%S.sql.gz").to_string(),
                };
                (key, made, 1_048_576)
            })
            .collect()
    }
}

pub struct ListingRow {
    layout: KeyLayout,
    objects: usize,
    concurrency: usize,
    wall: Duration,
    rss_kib: u64,
    exit_code: Option<i32>,
    requests: usize,
    peak_in_flight: usize,
    depth: usize,
    /// `objects_scanned` as the binary logged it.
    scanned: Option<u64>,
}

/// Runs `status backups` once per concurrency over `count` objects laid out as `layout`.
pub async fn measure(
    binary: &Path,
    layout: KeyLayout,
    count: usize,
    concurrencies: &[usize],
    latency: Duration,
) -> anyhow::Result<Vec<ListingRow>> {
    let bucket = Arc::new(ListingBucket::new(BUCKET, layout.objects(count)));
    let mut rows = Vec::new();
    for &concurrency in concurrencies {
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let (log, answers) = (Arc::clone(&exchanges), Arc::clone(&bucket));
        let server = TestServer::start(move |request: &Request| {
            let started = Instant::now();
            log.lock().unwrap().push(Exchange {
                started,
                finished: started + latency,
            });
            answers.answer(request).latency(latency)
        });
        let workdir = tempfile::tempdir()?;
        let mut command = child::command(binary)?;
        command
            .current_dir(workdir.path())
            .env_clear()
            .args(["--timeout", "300s", "-v", "backups"])
            .env("SPACES_ENDPOINT", server.url())
            .env("SPACES_REGION", "us-east-1")
            .env("SPACES_KEY", "scale-harness")
            .env("SPACES_SECRET", "scale-harness")
            .env("SPACES_PATH_STYLE", "true")
            .env("BACKUP_BUCKET", BUCKET)
            .env("BACKUP_PREFIX", layout.prefix())
            .env("BACKUP_LIST_CONCURRENCY", concurrency.to_string());
        let measured = tokio::task::spawn_blocking(move || child::run(&mut command))
            .await
            .context("the measuring thread failed")??;
        let exchanges = exchanges.lock().unwrap().clone();
        let row = ListingRow {
            layout,
            objects: count,
            concurrency,
            wall: measured.wall,
            rss_kib: measured.max_rss_kib,
            exit_code: measured.exit_code,
            requests: exchanges.len(),
            peak_in_flight: server.peak_in_flight(),
            depth: critical_path::depth(&exchanges),
            scanned: logged_count(&measured.stderr, "objects_scanned="),
        };
        eprintln!(
            "scale: listing {layout:?} M={count} concurrency={concurrency}: exit {:?}, {} ms, {} requests, depth {}, {:.1} MiB",
            row.exit_code,
            row.wall.as_millis(),
            row.requests,
            row.depth,
            row.rss_kib as f64 / 1024.0
        );
        rows.push(row);
    }
    Ok(rows)
}

/// `objects_scanned=123` in the binary's debug line "listed backups".
fn logged_count(stderr: &str, field: &str) -> Option<u64> {
    let line = stderr
        .lines()
        .find(|line| line.contains("listed backups"))?;
    let rest = &line[line.find(field)? + field.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The markdown table, each row checked against the baseline (concurrency 1) of its layout
/// and size.
pub fn table(rows: &[ListingRow], latency: Duration) -> String {
    let mut out = format!(
        "Backup listing, {} ms a request (`status backups`):\n\n\
         | layout | M | BACKUP_LIST_CONCURRENCY | wall ms | requests | x sequential | peak in flight | depth | peak RSS MiB | objects scanned | targets |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
        latency.as_millis()
    );
    for row in rows {
        let baseline = rows
            .iter()
            .find(|r| (r.layout, r.objects, r.concurrency) == (row.layout, row.objects, 1));
        let mut missed = Vec::new();
        if row.exit_code != Some(0) {
            missed.push(format!("exit {:?}", row.exit_code));
        }
        let counted = row.layout == KeyLayout::Dated || row.scanned == Some(row.objects as u64);
        if !counted {
            missed.push("objects scanned != M".into());
        }
        let ratio = baseline.map(|b| row.requests as f64 / b.requests.max(1) as f64);
        if row.concurrency > 1 {
            if ratio.is_some_and(|ratio| ratio > 1.5) {
                missed.push("requests > 1.5x".into());
            }
            if baseline.is_some_and(|b| row.rss_kib > b.rss_kib + RSS_SLACK_KIB) {
                missed.push("RSS > sequential + 2 MiB".into());
            }
            if row.layout == KeyLayout::Flat && row.objects >= 1_000_000 && row.wall > SOURCE_BUDGET
            {
                missed.push("wall > 20 s".into());
            }
            if row.layout == KeyLayout::Flat && row.objects <= 100_000 && row.wall > SMALL_TARGET {
                missed.push("wall > 3 s".into());
            }
        }
        writeln!(
            out,
            "| {:?} (`{}`) | {} | {} | {} | {} | {} | {} | {} | {:.1} | {} | {} |",
            row.layout,
            row.layout.prefix(),
            row.objects,
            row.concurrency,
            row.wall.as_millis(),
            row.requests,
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
            row.peak_in_flight,
            row.depth,
            row.rss_kib as f64 / 1024.0,
            row.scanned.map_or("-".into(), |n| n.to_string()),
            crate::report::targets(&missed),
        )
        .unwrap();
    }
    out
}
