//! A small, strict parser of the Prometheus text exposition format (0.0.4), and the Uptime
//! Kuma 2.x series read from it. No maintained parser crate fits (prometheus-parse is
//! unmaintained); the format is small and line-based.
//!
//! Only `monitor_id` and `window` label values are ever kept from Kuma's series, and
//! `monitor_name` only to tell which page monitors 1.x lists: the others (`monitor_url`,
//! `monitor_hostname`, ...) may name internal hosts.

use std::collections::{HashMap, HashSet};
use std::fmt;

/// One sample line: `name{label="value",...} value [timestamp]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Where and why a document is not valid exposition format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses every sample of `text`; comments (`# HELP`, `# TYPE`) and blank lines are skipped.
/// Any malformed line is an error: a half-understood document must not yield numbers.
pub fn parse(text: &str) -> Result<Vec<Sample>, ParseError> {
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let sample = parse_sample(line).map_err(|message| ParseError {
            line: index + 1,
            message,
        })?;
        samples.push(sample);
    }
    Ok(samples)
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("expected a metric name".into());
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = parse_labels(after_brace, &mut labels)?;
    }
    if rest.trim().is_empty() {
        return Err(format!("{name} has no value"));
    }
    if !rest.starts_with([' ', '\t']) {
        return Err(format!("expected a space before the value of {name}"));
    }
    let mut fields = rest.split_ascii_whitespace();
    let value = fields
        .next()
        .ok_or_else(|| format!("{name} has no value"))
        .and_then(parse_value)?;
    if let Some(timestamp) = fields.next()
        && timestamp.parse::<i64>().is_err()
    {
        return Err(format!("{timestamp:?} is not a timestamp"));
    }
    if let Some(extra) = fields.next() {
        return Err(format!("unexpected {extra:?} after the value"));
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

/// Parses `a="1",b="2"}` into `labels`; returns what follows the closing brace.
fn parse_labels<'a>(
    mut rest: &'a str,
    labels: &mut Vec<(String, String)>,
) -> Result<&'a str, String> {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok(after);
        }
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .ok_or("unterminated labels")?;
        let name = &rest[..name_end];
        if name.is_empty() {
            return Err(format!("expected a label name at {:?}", truncate(rest)));
        }
        rest = rest[name_end..].trim_start();
        rest = rest
            .strip_prefix('=')
            .ok_or_else(|| format!("expected '=' after label {name}"))?
            .trim_start();
        rest = rest
            .strip_prefix('"')
            .ok_or_else(|| format!("expected '\"' to open the value of label {name}"))?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err(format!("unterminated value of label {name}")),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    _ => return Err(format!("bad escape in the value of label {name}")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        labels.push((name.to_string(), value));
        rest = rest[end + 1..].trim_start();
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma;
        } else if !rest.starts_with('}') {
            return Err(format!("expected ',' or '}}' after label {name}"));
        }
    }
}

fn parse_value(raw: &str) -> Result<f64, String> {
    match raw {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        // Rust also accepts `inf`/`infinity` in any case; the format does not.
        _ if raw
            .chars()
            .any(|c| c.is_ascii_alphabetic() && !matches!(c, 'e' | 'E')) =>
        {
            Err(format!("{raw:?} is not a number"))
        }
        _ => raw
            .parse::<f64>()
            .map_err(|_| format!("{raw:?} is not a number")),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(20).collect()
}

/// What Uptime Kuma 2.x's /metrics says about one monitor. Values are raw: the rules check them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonitorSeries {
    /// `monitor_status`: 0 down, 1 up, 2 pending, 3 maintenance.
    pub status: Option<f64>,
    /// `monitor_uptime_ratio{window="1d"}`: only updated at the monitor's own beats.
    pub ratio_1d: Option<f64>,
    /// `window="30d"`: 30 daily buckets, the dashboard's 30-day figure.
    pub ratio_30d: Option<f64>,
    /// `window="365d"`: the dashboard's 1-year figure.
    pub ratio_365d: Option<f64>,
}

/// The per-monitor series of Kuma 2.x, by monitor id. Samples without a numeric `monitor_id`
/// (1.x has none) are skipped.
pub fn kuma_monitor_series(samples: &[Sample]) -> HashMap<u64, MonitorSeries> {
    let mut by_id: HashMap<u64, MonitorSeries> = HashMap::new();
    for sample in samples {
        let wanted = matches!(
            sample.name.as_str(),
            "monitor_status" | "monitor_uptime_ratio"
        );
        let Some(id) = sample
            .label("monitor_id")
            .filter(|_| wanted)
            .and_then(|id| id.parse::<u64>().ok())
        else {
            continue;
        };
        let mut series = by_id.get(&id).copied().unwrap_or_default();
        if let Some(slot) = series_slot(&mut series, sample) {
            *slot = Some(sample.value);
            by_id.insert(id, series);
        }
    }
    by_id
}

/// The monitors /metrics lists: every one with a series of any `monitor_*` metric. Kuma drops
/// a monitor's series when it is paused and adds them at its first beat after start, so a page
/// monitor missing here is paused. 2.x labels them with `monitor_id`; 1.x only with
/// `monitor_name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listed {
    pub ids: HashSet<u64>,
    pub names: HashSet<String>,
}

impl Listed {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.names.is_empty()
    }
}

pub fn listed_monitors(samples: &[Sample]) -> Listed {
    let mut listed = Listed::default();
    for sample in samples.iter().filter(|s| s.name.starts_with("monitor_")) {
        if let Some(id) = sample.label("monitor_id").and_then(|id| id.parse().ok()) {
            listed.ids.insert(id);
        }
        if let Some(name) = sample.label("monitor_name") {
            listed.names.insert(name.to_string());
        }
    }
    listed
}

/// Where `sample` goes in a monitor's series, if it is one we read.
fn series_slot<'a>(series: &'a mut MonitorSeries, sample: &Sample) -> Option<&'a mut Option<f64>> {
    match (sample.name.as_str(), sample.label("window")) {
        ("monitor_status", _) => Some(&mut series.status),
        ("monitor_uptime_ratio", Some("1d")) => Some(&mut series.ratio_1d),
        ("monitor_uptime_ratio", Some("30d")) => Some(&mut series.ratio_30d),
        ("monitor_uptime_ratio", Some("365d")) => Some(&mut series.ratio_365d),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_samples_labels_and_special_values() {
        let text = "# HELP up Whether up\n# TYPE up gauge\n\
            up 1\n\
            monitor_status{monitor_id=\"1\",monitor_name=\"Web \\\"A\\\"\\\\x\\nB\"} 3\n\
            \n\
            bucket{le=\"+Inf\",} 12 1700000000000\n\
            lag  2.5e-3\n\
            nan_gauge NaN\r\n\
            neg -Inf\n\
            zero{} -0\n";
        let samples = parse(text).unwrap();
        assert_eq!(samples.len(), 7);
        assert_eq!(
            samples[0],
            Sample {
                name: "up".into(),
                labels: vec![],
                value: 1.0
            }
        );
        assert_eq!(samples[1].label("monitor_name"), Some("Web \"A\"\\x\nB"));
        assert_eq!(samples[1].value, 3.0);
        assert_eq!(samples[2].label("le"), Some("+Inf"));
        assert_eq!(samples[3].value, 0.0025);
        assert!(samples[4].value.is_nan());
        assert_eq!(samples[5].value, f64::NEG_INFINITY);
        assert!(samples[6].labels.is_empty());
    }

    #[test]
    fn rejects_malformed_lines_with_their_number() {
        for (text, expected) in [
            ("ok 1\nbad", "line 2: bad has no value"),
            ("x{a=\"1\" 2", "line 1: expected ',' or '}' after label a"),
            (
                "x{a=1} 2",
                "line 1: expected '\"' to open the value of label a",
            ),
            ("x{a} 2", "line 1: expected '=' after label a"),
            ("x{a=\"1} 2", "line 1: unterminated value of label a"),
            (
                "x{a=\"\\t\"} 2",
                "line 1: bad escape in the value of label a",
            ),
            ("x 1 2 3", "line 1: unexpected \"3\" after the value"),
            ("x 1 soon", "line 1: \"soon\" is not a timestamp"),
            ("x one", "line 1: \"one\" is not a number"),
            ("x inf", "line 1: \"inf\" is not a number"),
            (
                "x{a=\"1\"}2",
                "line 1: expected a space before the value of x",
            ),
            ("{a=\"1\"} 2", "line 1: expected a metric name"),
            ("<!DOCTYPE html>", "line 1: expected a metric name"),
        ] {
            assert_eq!(parse(text).unwrap_err().to_string(), expected, "{text:?}");
        }
    }

    #[test]
    fn reads_kuma_series_by_monitor_id() {
        let samples = parse(
            "monitor_status{monitor_id=\"1\",monitor_url=\"http://internal\"} 1\n\
             monitor_uptime_ratio{monitor_id=\"1\",window=\"1d\"} 0.5\n\
             monitor_uptime_ratio{monitor_id=\"1\",window=\"30d\"} 0.75\n\
             monitor_uptime_ratio{monitor_id=\"1\",window=\"365d\"} 1\n\
             monitor_uptime_ratio{monitor_id=\"1\",window=\"7d\"} 0.1\n\
             monitor_uptime_ratio{monitor_id=\"2\",window=\"30d\"} NaN\n\
             monitor_status{monitor_name=\"1.x has no id\"} 0\n\
             monitor_status{monitor_id=\"null\"} 0\n\
             monitor_response_time{monitor_id=\"3\"} 12\n",
        )
        .unwrap();
        let series = kuma_monitor_series(&samples);
        assert_eq!(series.len(), 2);
        assert_eq!(
            series[&1],
            MonitorSeries {
                status: Some(1.0),
                ratio_1d: Some(0.5),
                ratio_30d: Some(0.75),
                ratio_365d: Some(1.0)
            }
        );
        assert!(series[&2].ratio_30d.unwrap().is_nan());
        assert_eq!(series[&2].status, None);
        // Any monitor metric lists a monitor, by id (2.x) and by name (1.x); others do not.
        let listed = listed_monitors(&samples);
        assert_eq!(listed.ids, HashSet::from([1, 2, 3]));
        assert_eq!(listed.names, HashSet::from(["1.x has no id".to_string()]));
        let other = parse("process_cpu_seconds_total{monitor_id=\"9\"} 1\n").unwrap();
        assert!(listed_monitors(&other).is_empty());
    }
}
