//! The uptime badges of one read, fetched with at most KUMA_CONCURRENCY in flight.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::badge::{BadgeReading, read_uptime_badge};
use super::client::KumaHttp;
use super::failure::Endpoint;
use super::rules;

/// Badge values by (monitor, duration), and the warnings about badges, by monitor.
#[derive(Default)]
pub struct Badges {
    percent: HashMap<(u64, &'static str), f64>,
    pub warnings: Vec<(u64, String)>,
}

impl Badges {
    /// The checked percent of `monitor`'s badge for `duration`, when it was asked and usable.
    pub fn get(&self, monitor: u64, duration: &str) -> Option<f64> {
        self.percent.get(&(monitor, duration)).copied()
    }
}

/// Fetches every badge of `plan` (each monitor with the durations it needs).
pub async fn read(
    http: &KumaHttp,
    concurrency: usize,
    plan: &[(u64, Vec<&'static str>)],
) -> Badges {
    let limit = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    for (id, durations) in plan {
        for &duration in durations {
            let id = *id;
            let endpoint = Endpoint::UptimeBadge {
                monitor: id,
                duration,
            };
            let (http, limit) = (http.clone(), limit.clone());
            tasks.spawn(async move {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = limit.acquire_owned().await;
                let answer = http.badge(&endpoint).await;
                (id, duration, answer)
            });
        }
    }
    let mut badges = Badges::default();
    while let Some(joined) = tasks.join_next().await {
        // A badge task cannot panic (no unwrap in it); a join error would mean the runtime
        // is shutting down, and the deadline reports that.
        let Ok((id, duration, answer)) = joined else {
            continue;
        };
        let path = format!("badge /api/badge/{id}/uptime/{duration}");
        let problem = match answer.map(|svg| read_uptime_badge(&svg)) {
            Ok(BadgeReading::Percent(percent)) => match rules::checked_percent(percent) {
                Ok(percent) => {
                    badges.percent.insert((id, duration), percent);
                    continue;
                }
                Err(why) => format!("{path} says {why}"),
            },
            Ok(BadgeReading::NotAvailable) => {
                format!("{path} is N/A (the monitor is not public on a published status page)")
            }
            Ok(BadgeReading::NoNumber) => format!("{path} holds no percentage"),
            Err(err) => err.to_string(),
        };
        badges
            .warnings
            .push((id, format!("{problem}; that uptime is left empty")));
    }
    // Answers arrive in any order; warnings are said in a stable one.
    badges.warnings.sort();
    badges
}
