//! The pure work that grows with the number of monitors N: decoding the heartbeat list (and
//! its time strings), reading badge SVGs, parsing Prometheus text, and the status rules; and
//! with the number of backups M: keeping the running newest two of a listing. The Kuma inputs
//! are the synthetic 2.5.3 bodies the scale harness serves (tests/support).
//!
//! `cargo bench --bench hotspots` measures; `cargo test --all-targets` runs each benchmark
//! once (criterion's test mode), so keep the setup cheap.

#[path = "../tests/support/synthetic_kuma.rs"]
mod synthetic_kuma;

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use status::sources::backups::BackupObject;
use status::sources::backups::newest::NewestTwo;
use status::sources::kuma::api::{Heartbeats, parse_kuma_time};
use status::sources::kuma::badge::read_uptime_badge;
use status::sources::kuma::windows::Window;
use status::sources::kuma::{
    MonitorReport, MonitorState, Uptime, UptimeAggregate, metrics, platform, rules,
};
use synthetic_kuma::BadgeWindow;

const MONITORS: [u64; 3] = [10, 100, 1000];

fn capture_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 4, 6, 1).unwrap()
}

/// Bytes off the wire to the newest beat and 24 h value per monitor, as `kuma::fetch` does it.
fn heartbeat_list(c: &mut Criterion) {
    let mut group = c.benchmark_group("heartbeat_list");
    for n in MONITORS {
        let body = synthetic_kuma::heartbeats(n, synthetic_kuma::BEATS_PER_MONITOR, capture_time());
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &body, |b, body| {
            b.iter(|| Heartbeats::from_slice(body.as_bytes()).unwrap())
        });
    }
    group.finish();
}

fn kuma_time(c: &mut Criterion) {
    let mut group = c.benchmark_group("kuma_time");
    group.bench_function("with_millis", |b| {
        b.iter(|| parse_kuma_time(black_box("2026-11-26 04:05:58.693")))
    });
    group.bench_function("whole_seconds", |b| {
        b.iter(|| parse_kuma_time(black_box("2026-11-26 03:20:35")))
    });
    group.finish();
}

fn badge_svg(c: &mut Criterion) {
    let mut group = c.benchmark_group("badge_svg");
    let uptime = synthetic_kuma::uptime_badge(3, BadgeWindow::Hours168);
    group.bench_function("uptime", |b| {
        b.iter(|| read_uptime_badge(black_box(&uptime)))
    });
    let grey = synthetic_kuma::BADGE_NOT_AVAILABLE;
    group.bench_function("not_available", |b| {
        b.iter(|| read_uptime_badge(black_box(grey)))
    });
    group.finish();
}

/// /metrics text to the per-monitor series.
fn prometheus_text(c: &mut Criterion) {
    let mut group = c.benchmark_group("prometheus_text");
    for n in MONITORS {
        let text = synthetic_kuma::metrics(n);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| metrics::kuma_monitor_series(&metrics::parse(text).unwrap()))
        });
    }
    group.finish();
}

fn monitors(n: u64) -> Vec<MonitorReport> {
    let now = capture_time();
    (1..=n)
        .map(|id| {
            let state = match synthetic_kuma::monitor_status(id) {
                0 => MonitorState::Down,
                2 => MonitorState::Pending,
                _ => MonitorState::Up,
            };
            MonitorReport {
                id,
                name: format!("Service {id}"),
                group: None,
                state,
                last_beat_at: Some(now),
                uptime: Uptime {
                    last_24h: Some(synthetic_kuma::uptime_ratio_24h(id) * 100.0),
                    last_7d: Some(synthetic_kuma::badge_percent(id, BadgeWindow::Hours168)),
                    last_30d: Some(synthetic_kuma::badge_percent(id, BadgeWindow::Days30)),
                    last_1y: None,
                },
                counted: true,
                critical: id == 1,
                on_status_page: true,
            }
        })
        .collect()
}

/// Per monitor: its state from the newest beat; per run: platform status and uptime.
fn status_rules(c: &mut Criterion) {
    let mut group = c.benchmark_group("status_rules");
    let now = capture_time();
    let stale_after = Duration::from_secs(30 * 60);
    group.bench_function("monitor_state", |b| {
        b.iter(|| rules::monitor_state(black_box(Some((1, now))), now, stale_after))
    });
    for n in MONITORS {
        let reports = monitors(n);
        group.bench_with_input(BenchmarkId::new("platform", n), &reports, |b, reports| {
            b.iter(|| {
                (
                    platform::platform_status(reports),
                    platform::platform_uptime(reports, UptimeAggregate::Mean, &Window::ALL[..3]),
                )
            })
        });
    }
    group.finish();
}

/// A listing of M objects streaming past the running newest two, oldest key first (each
/// object is the newest so far: the most work per object).
fn backup_newest(c: &mut Criterion) {
    let mut group = c.benchmark_group("backup_newest");
    let start = capture_time();
    for m in [100u64, 10_000, 100_000] {
        let listing: Vec<BackupObject> = (0..m)
            .map(|i| BackupObject {
                key: format!("db/backup-{i:06}.sql.gz"),
                last_modified: start + chrono::Duration::minutes(15 * i as i64),
                size: 1024,
            })
            .collect();
        group.throughput(Throughput::Elements(m));
        group.bench_with_input(BenchmarkId::from_parameter(m), &listing, |b, listing| {
            b.iter_batched(
                || listing.clone(),
                |listing| {
                    let mut newest = NewestTwo::trusting_until(DateTime::<Utc>::MAX_UTC);
                    for object in listing {
                        newest.offer(object);
                    }
                    newest.finish()
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(
    hotspots,
    heartbeat_list,
    kuma_time,
    badge_svg,
    prometheus_text,
    status_rules,
    backup_newest
);
criterion_main!(hotspots);
