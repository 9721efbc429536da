//! `status kuma` output for a person: a table of monitors and the platform lines.

use std::fmt::Write as _;
use std::time::Duration;

use crate::units::format_age;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{KumaReport, MonitorReport, MonitorState, Uptime};

/// Names longer than this are cut in the table (the JSON keeps them whole).
const NAME_WIDTH: usize = 32;

/// ID, NAME, GROUP, STATE, LAST BEAT come first; the uptime columns (right-aligned) follow.
const FIRST_UPTIME_COLUMN: usize = 5;

/// The table (id, name, group, state, age of last beat, uptimes) and the platform lines.
pub fn render(report: &KumaReport) -> String {
    let with_1y = report.monitors.iter().any(|m| m.uptime.last_1y.is_some());
    let mut header = vec![
        "ID",
        "NAME",
        "GROUP",
        "STATE",
        "LAST BEAT",
        "24H",
        "7D",
        "30D",
    ];
    if with_1y {
        header.push("1Y");
    }
    header.push("NOTE");
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for monitor in &report.monitors {
        rows.push(monitor_row(monitor, report, with_1y));
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|col| rows.iter().map(|row| row[col].width()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (col, cell) in row.iter().enumerate() {
            let pad = widths[col] - cell.width();
            // Numbers right-aligned, text left-aligned.
            if (FIRST_UPTIME_COLUMN..FIRST_UPTIME_COLUMN + uptime_columns(with_1y)).contains(&col) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if report.monitors.is_empty() {
        out.push_str("(no monitors on the status page)\n");
    }
    out.push('\n');
    render_platform(report, &mut out);
    out
}

fn uptime_columns(with_1y: bool) -> usize {
    if with_1y { 4 } else { 3 }
}

fn monitor_row(monitor: &MonitorReport, report: &KumaReport, with_1y: bool) -> Vec<String> {
    let age = monitor
        .last_beat_at
        .map(|at| (report.checked_at - at).to_std().unwrap_or(Duration::ZERO))
        .map_or_else(|| "-".into(), |age| format!("{} ago", format_age(age)));
    let mut notes = Vec::new();
    if monitor.critical {
        notes.push("critical");
    }
    if !monitor.counted {
        notes.push("not counted");
    }
    if !monitor.on_status_page {
        notes.push("not on the status page");
    }
    let mut row = vec![
        monitor.id.to_string(),
        cell_text(&monitor.name, NAME_WIDTH),
        cell_text(monitor.group.as_deref().unwrap_or("-"), NAME_WIDTH),
        state_word(monitor.state).to_string(),
        age,
        percent(monitor.uptime.last_24h),
        percent(monitor.uptime.last_7d),
        percent(monitor.uptime.last_30d),
    ];
    if with_1y {
        row.push(percent(monitor.uptime.last_1y));
    }
    row.push(notes.join(", "));
    row
}

fn render_platform(report: &KumaReport, out: &mut String) {
    let _ = write!(
        out,
        "Platform: {}  uptime {}",
        serde_plain(&report.platform_status),
        uptime_summary(&report.uptime)
    );
    let counted = report.monitors.iter().filter(|m| m.counted).count();
    let _ = writeln!(out, "  ({counted} monitors counted)");
    if report.maintenance.active {
        let titles: Vec<String> = report
            .maintenance
            .titles
            .iter()
            .map(|t| cell_text(t, 60))
            .collect();
        let _ = writeln!(out, "Maintenance: active: {}", titles.join("; "));
    } else {
        out.push_str("Maintenance: none\n");
    }
    for incident in &report.incidents {
        let _ = writeln!(
            out,
            "Incident ({}): {}",
            cell_text(&incident.style, 16),
            cell_text(&incident.title, 80)
        );
    }
    let retries = match report.retries {
        0 => String::new(),
        n => format!(" ({n} retried)"),
    };
    let _ = writeln!(
        out,
        "Uptime Kuma {}, {} requests{retries}, {} warnings",
        report.kuma_version,
        report.requests,
        report.warnings.len()
    );
}

fn uptime_summary(uptime: &Uptime) -> String {
    let mut parts = vec![
        format!("24h {}", percent(uptime.last_24h)),
        format!("7d {}", percent(uptime.last_7d)),
        format!("30d {}", percent(uptime.last_30d)),
    ];
    if uptime.last_1y.is_some() {
        parts.push(format!("1y {}", percent(uptime.last_1y)));
    }
    parts.join("  ")
}

/// The lowercase word serde gives an enum (`degraded`), one source of truth for the names.
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn state_word(state: MonitorState) -> String {
    serde_plain(&state)
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.2}%"))
}

/// Text safe for a terminal cell: control characters (an ANSI escape in a monitor name)
/// become `?`, and text wider than `width` columns (CJK and emoji take two) is cut with `…`.
fn cell_text(text: &str, width: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if clean.width() <= width {
        return clean;
    }
    let mut cut = String::new();
    let mut used = 1; // the ellipsis
    for c in clean.chars() {
        used += c.width().unwrap_or(0);
        if used > width {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kuma::{Incident, Maintenance, PlatformStatus};
    use chrono::{TimeZone, Utc};

    #[test]
    fn cells_are_cut_by_characters_and_never_carry_control_codes() {
        assert_eq!(cell_text("Zahlungs-API 💳", 32), "Zahlungs-API 💳");
        assert_eq!(cell_text("日本語のモニター名", 7), "日本語…");
        assert_eq!(cell_text("evil\x1b[31mred", 32), "evil?[31mred");
    }

    #[test]
    fn renders_every_monitor_and_the_platform() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 4, 6, 1).unwrap();
        let monitor = |id, name: &str, state, counted| MonitorReport {
            id,
            name: name.into(),
            group: Some("Core".into()),
            state,
            last_beat_at: Some(now - chrono::Duration::seconds(6)),
            uptime: Uptime {
                last_24h: Some(99.55977757182577),
                last_7d: Some(99.41),
                last_30d: None,
                last_1y: None,
            },
            counted,
            critical: id == 2,
            on_status_page: true,
        };
        let report = KumaReport {
            kuma_version: "2.x".into(),
            checked_at: now,
            platform_status: PlatformStatus::Degraded,
            uptime: Uptime {
                last_24h: Some(98.62),
                last_7d: Some(99.07),
                last_30d: Some(99.46),
                last_1y: None,
            },
            maintenance: Maintenance {
                active: true,
                titles: vec!["Search cluster upgrade".into()],
            },
            incidents: vec![Incident {
                title: "Investigating elevated errors".into(),
                style: "warning".into(),
                content: String::new(),
                created_at: None,
                updated_at: None,
            }],
            monitors: vec![
                monitor(1, "Web Frontend", MonitorState::Up, true),
                monitor(2, "支払い API", MonitorState::Down, true),
                monitor(5, "Legacy Reports", MonitorState::Stale, false),
            ],
            warnings: vec![],
            degraded: vec![],
            requests: 14,
            retries: 0,
        };
        let text = render(&report);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "ID  NAME            GROUP  STATE  LAST BEAT     24H      7D  30D  NOTE"
        );
        assert_eq!(
            lines[1],
            "1   Web Frontend    Core   up     6s ago     99.56%  99.41%    -"
        );
        assert_eq!(
            lines[2],
            "2   支払い API      Core   down   6s ago     99.56%  99.41%    -  critical"
        );
        assert!(lines[3].ends_with("not counted"), "{}", lines[3]);
        assert_eq!(
            lines[5],
            "Platform: degraded  uptime 24h 98.62%  7d 99.07%  30d 99.46%  (2 monitors counted)"
        );
        assert_eq!(lines[6], "Maintenance: active: Search cluster upgrade");
        assert_eq!(
            lines[7],
            "Incident (warning): Investigating elevated errors"
        );
        assert_eq!(lines[8], "Uptime Kuma 2.x, 14 requests, 0 warnings");
        let retried = KumaReport {
            requests: 15,
            retries: 1,
            ..report
        };
        assert!(
            render(&retried).ends_with("Uptime Kuma 2.x, 15 requests (1 retried), 0 warnings\n")
        );
    }
}
