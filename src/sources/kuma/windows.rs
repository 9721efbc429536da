//! Which source each uptime window of a monitor comes from (pure):
//! - 24 h: the heartbeat list's `<id>_24`, equal to the dashboard; else /metrics `1d` (it only
//!   moves at the monitor's own beats, so it is the fallback);
//! - 7 d: badge `168`, the only source;
//! - 30 d: /metrics `30d` (full precision); else the version's 30-day badge;
//! - 1 y (2.x with an API key): /metrics `365d`; else badge `365d`, fetched only for monitors
//!   that count (it completes the platform's mean; a push monitor on 2.5.3 has no ratio).

use serde_json::Value;

use super::api::KumaVersion;
use super::badge::{BADGE_1Y, BADGE_7D};
use super::metrics::MonitorSeries;
use super::{Uptime, rules};

/// A window of the published uptime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Window {
    Day,
    Week,
    Month,
    Year,
}

impl Window {
    pub const ALL: [Window; 4] = [Window::Day, Window::Week, Window::Month, Window::Year];

    pub fn label(self) -> &'static str {
        match self {
            Window::Day => "24h",
            Window::Week => "7d",
            Window::Month => "30d",
            Window::Year => "1y",
        }
    }
}

impl Uptime {
    pub fn window(&self, window: Window) -> Option<f64> {
        match window {
            Window::Day => self.last_24h,
            Window::Week => self.last_7d,
            Window::Month => self.last_30d,
            Window::Year => self.last_1y,
        }
    }
}

/// The windows a read publishes: 24 h, 7 d and 30 d always; 1 y on 2.x with an API key (the
/// only case with a source for every monitor). A window outside these is not a failure when
/// it is empty.
pub fn published_windows(version: KumaVersion, has_api_key: bool) -> Vec<Window> {
    let mut windows = vec![Window::Day, Window::Week, Window::Month];
    if version == KumaVersion::V2 && has_api_key {
        windows.push(Window::Year);
    }
    windows
}

/// A ratio from /metrics that passes the rules.
fn valid(ratio: Option<f64>) -> bool {
    ratio.is_some_and(|ratio| rules::ratio_to_percent(ratio).is_ok())
}

/// The badge durations one page monitor needs: 7 days always; the version's 30 days unless
/// /metrics gave a valid 30-day ratio; `365d` when its 1-year value is wanted (`fill_1y`: the
/// year is published and the monitor counts) and /metrics gave no valid one.
pub fn badges_needed(
    version: KumaVersion,
    series: &MonitorSeries,
    fill_1y: bool,
) -> Vec<&'static str> {
    let mut durations = vec![BADGE_7D];
    if !valid(series.ratio_30d) {
        durations.push(version.badge_30d());
    }
    if fill_1y && version == KumaVersion::V2 && !valid(series.ratio_365d) {
        durations.push(BADGE_1Y);
    }
    durations
}

/// What the sources said about one monitor: the raw heartbeat-list value and /metrics series
/// (checked here), and the badge percents already checked (`None`: not asked, or unusable).
#[derive(Debug, Clone, Copy, Default)]
pub struct Readings<'a> {
    pub heartbeat_24h: Option<&'a Value>,
    pub series: MonitorSeries,
    pub badge_7d: Option<f64>,
    pub badge_30d: Option<f64>,
    pub badge_1y: Option<f64>,
}

/// A monitor's uptime per window, and why any value read was rejected (one line each, without
/// the monitor's name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picked {
    pub uptime: Uptime,
    pub rejected: Vec<String>,
}

pub fn pick(readings: &Readings) -> Picked {
    let mut rejected = Vec::new();
    let series = readings.series;
    let last_24h = match readings.heartbeat_24h {
        Some(raw) => match rules::ratio_value_to_percent(raw) {
            Ok(percent) => Some(percent),
            Err(why) => {
                // Not filled from /metrics `1d`: a heartbeat list that says something wrong
                // about the day is not outvoted by a value that trails it.
                rejected.push(format!(
                    "24h uptime {why} in the heartbeat list; it is left empty"
                ));
                None
            }
        },
        None => from_metrics(series.ratio_1d, "1d", &mut rejected),
    };
    let last_30d = from_metrics(series.ratio_30d, "30d", &mut rejected).or(readings.badge_30d);
    let last_1y = from_metrics(series.ratio_365d, "365d", &mut rejected).or(readings.badge_1y);
    Picked {
        uptime: Uptime {
            last_24h,
            last_7d: readings.badge_7d,
            last_30d,
            last_1y,
        },
        rejected,
    }
}

/// A /metrics ratio as a percent; a rejected one is said in `rejected`.
fn from_metrics(ratio: Option<f64>, window: &str, rejected: &mut Vec<String>) -> Option<f64> {
    match rules::ratio_to_percent(ratio?) {
        Ok(percent) => Some(percent),
        Err(why) => {
            rejected.push(format!(
                "/metrics {window} uptime ratio {why}; it is not used"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn series(ratio_1d: f64, ratio_30d: f64, ratio_365d: f64) -> MonitorSeries {
        MonitorSeries {
            status: Some(1.0),
            ratio_1d: Some(ratio_1d),
            ratio_30d: Some(ratio_30d),
            ratio_365d: Some(ratio_365d),
        }
    }

    #[test]
    fn the_year_is_published_on_2x_with_a_key_only() {
        use Window::*;
        assert_eq!(
            published_windows(KumaVersion::V2, true),
            vec![Day, Week, Month, Year]
        );
        assert_eq!(
            published_windows(KumaVersion::V2, false),
            vec![Day, Week, Month]
        );
        assert_eq!(
            published_windows(KumaVersion::V1, true),
            vec![Day, Week, Month]
        );
        assert_eq!(Window::ALL.map(Window::label), ["24h", "7d", "30d", "1y"]);
    }

    #[test]
    fn badges_fill_what_metrics_does_not_give() {
        let none = MonitorSeries::default();
        let full = series(0.99, 0.98, 0.97);
        let v2 = KumaVersion::V2;
        assert_eq!(badges_needed(v2, &none, false), vec!["168", "30d"]);
        assert_eq!(
            badges_needed(KumaVersion::V1, &none, false),
            vec!["168", "720"]
        );
        assert_eq!(badges_needed(v2, &none, true), vec!["168", "30d", "365d"]);
        assert_eq!(badges_needed(v2, &full, true), vec!["168"]);
        // A push monitor on 2.5.3: monitor_status, no ratio.
        let push = MonitorSeries {
            status: Some(1.0),
            ..MonitorSeries::default()
        };
        assert_eq!(badges_needed(v2, &push, true), vec!["168", "30d", "365d"]);
        // A rejected ratio is no ratio.
        let bad = series(0.99, f64::NAN, 1.5);
        assert_eq!(badges_needed(v2, &bad, true), vec!["168", "30d", "365d"]);
        // 1.x has no 1-year badge.
        assert_eq!(
            badges_needed(KumaVersion::V1, &none, true),
            vec!["168", "720"]
        );
    }

    #[test]
    fn heartbeats_win_24h_and_metrics_win_30d_and_1y() {
        let raw = json!(0.995);
        let picked = pick(&Readings {
            heartbeat_24h: Some(&raw),
            series: series(0.5, 0.98, 0.97),
            badge_7d: Some(99.41),
            badge_30d: Some(11.0),
            badge_1y: Some(12.0),
        });
        assert_eq!(
            picked.uptime,
            Uptime {
                last_24h: Some(0.995 * 100.0),
                last_7d: Some(99.41),
                last_30d: Some(0.98 * 100.0),
                last_1y: Some(0.97 * 100.0),
            }
        );
        assert!(picked.rejected.is_empty());
    }

    #[test]
    fn each_window_falls_back_before_it_gives_up() {
        // No heartbeat value: /metrics 1d; no ratios: the badges.
        let picked = pick(&Readings {
            heartbeat_24h: None,
            series: MonitorSeries {
                ratio_1d: Some(1.0),
                ..MonitorSeries::default()
            },
            badge_7d: None,
            badge_30d: Some(99.29),
            badge_1y: Some(99.48),
        });
        assert_eq!(
            picked.uptime,
            Uptime {
                last_24h: Some(100.0),
                last_7d: None,
                last_30d: Some(99.29),
                last_1y: Some(99.48),
            }
        );
        // Nothing at all: nothing invented.
        assert_eq!(pick(&Readings::default()), Picked::default());
    }

    #[test]
    fn rejected_values_are_said_and_never_used() {
        let raw = json!("0.95");
        let picked = pick(&Readings {
            heartbeat_24h: Some(&raw),
            series: series(0.9, 1.5, f64::NAN),
            badge_7d: None,
            badge_30d: Some(99.29),
            badge_1y: None,
        });
        assert_eq!(
            picked.uptime,
            Uptime {
                last_24h: None,
                last_7d: None,
                last_30d: Some(99.29),
                last_1y: None,
            }
        );
        assert_eq!(
            picked.rejected,
            vec![
                "24h uptime \"0.95\" is not a number in the heartbeat list; it is left empty",
                "/metrics 30d uptime ratio 1.5 is outside 0..1; it is not used",
                "/metrics 365d uptime ratio NaN is outside 0..1; it is not used",
            ]
        );
    }
}
