//! How quantities read on screen and in logs: ages, configured durations, byte sizes, wire
//! names. One formatter each, so the same 30-hour-old backup reads `30h` in every report and
//! log line.

use std::time::Duration;

use serde::Serialize;

/// An age for a person, exact to the second under a minute and to the two largest units above:
/// `45s`, `12m 5s`, `3h`, `30h 15m`, `2d`, `3d 2h`. Hours run to 48 so that ages read against
/// thresholds written in hours (`26h`, `50h`) compare at a glance.
pub fn format_age(age: Duration) -> String {
    let seconds = age.as_secs();
    let (big, big_unit, small, small_unit) = if seconds >= 48 * 3_600 {
        (seconds / 86_400, "d", seconds / 3_600 % 24, "h")
    } else if seconds >= 3_600 {
        (seconds / 3_600, "h", seconds / 60 % 60, "m")
    } else if seconds >= 60 {
        (seconds / 60, "m", seconds % 60, "s")
    } else {
        return format!("{seconds}s");
    };
    if small == 0 {
        format!("{big}{big_unit}")
    } else {
        format!("{big}{big_unit} {small}{small_unit}")
    }
}

/// A configured duration (a timeout, a threshold), in whole milliseconds: `2s`, `6s 666ms`,
/// never `6s 666ms 666us 666ns`.
pub fn format_duration(duration: Duration) -> String {
    let whole_ms = Duration::from_millis(duration.as_millis().min(u64::MAX as u128) as u64);
    humantime::format_duration(whole_ms).to_string()
}

/// `0 B`, `512 B`, `1.5 KiB`, `10.0 MiB`: binary units, one decimal.
pub fn format_size(bytes: u64) -> String {
    const BINARY: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for name in BINARY {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = name;
    }
    format!("{value:.1} {unit}")
}

/// The name a value has on the wire (`operational`, `success`), taken from its serde
/// representation, so logs, tables and status.json spell every status the same way.
pub fn wire_name(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_at_a_glance() {
        let age = |seconds| format_age(Duration::from_secs(seconds));
        assert_eq!(age(0), "0s");
        assert_eq!(age(59), "59s");
        assert_eq!(age(60), "1m");
        assert_eq!(age(12 * 60 + 5), "12m 5s");
        assert_eq!(age(3_600), "1h");
        assert_eq!(age(3 * 3600 + 5 * 60 + 9), "3h 5m");
        assert_eq!(age(30 * 3_600), "30h");
        assert_eq!(age(30 * 3_600 + 15 * 60), "30h 15m");
        assert_eq!(age(47 * 3_600 + 59 * 60 + 59), "47h 59m");
        assert_eq!(age(48 * 3_600), "2d");
        assert_eq!(age(74 * 3_600 + 59), "3d 2h");
    }

    #[test]
    fn durations_keep_whole_milliseconds() {
        assert_eq!(format_duration(Duration::from_secs(2)), "2s");
        assert_eq!(
            format_duration(Duration::from_nanos(6_666_666_666)),
            "6s 666ms"
        );
        assert_eq!(format_duration(Duration::from_secs(26 * 3600)), "1day 2h");
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(10 * 1024 * 1024), "10.0 MiB");
        assert_eq!(format_size(3 << 40), "3.0 TiB");
    }

    #[test]
    fn wire_names_come_from_serde() {
        #[derive(Serialize)]
        #[serde(rename_all = "snake_case")]
        enum Example {
            PartialOutage,
        }
        assert_eq!(wire_name(Example::PartialOutage), "partial_outage");
    }
}
