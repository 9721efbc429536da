//! Uptime badges (`/api/badge/{id}/uptime/{duration}`): which duration is which window on
//! each version, and the percentage in the SVG text.

use super::api::KumaVersion;

/// Badge duration of the 7-day figure on both versions: 168 hourly buckets, the server's own
/// 7-day number (2.x's `7d` is a different, daily window).
pub const BADGE_7D: &str = "168";

/// Badge duration of the 1-year figure, 2.x only: 365 daily buckets, the dashboard's 1-year
/// value (1.x reads `365d` as 365 hours and keeps no year of data).
pub const BADGE_1Y: &str = "365d";

impl KumaVersion {
    /// Badge duration whose window is the dashboard's 30-day figure: 2.x `30d` (30 daily
    /// buckets; its `720` differs by up to 0.05 points); 1.x `720` (it reads `30d` as 30 hours).
    pub fn badge_30d(self) -> &'static str {
        match self {
            KumaVersion::V1 => "720",
            KumaVersion::V2 => "30d",
        }
    }
}

/// What an uptime badge says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BadgeReading {
    /// The percentage as printed (four significant digits, e.g. `99.54`).
    Percent(f64),
    /// The grey `N/A` badge: the monitor is not on a published status page (or does not exist).
    NotAvailable,
    /// Neither the `<title>` nor the last `<text>` holds a number.
    NoNumber,
}

/// Reads the badge's `<title>` (`Uptime (168h): 99.41%`), falling back to its last `<text>`
/// element (the value half of the badge) when the title is missing or has no number.
pub fn read_uptime_badge(svg: &str) -> BadgeReading {
    let candidates = [
        element_text(svg, "title", false),
        element_text(svg, "text", true),
    ];
    let mut not_available = false;
    for text in candidates.into_iter().flatten() {
        if text.trim() == "N/A" {
            not_available = true;
        } else if let Some(percent) = last_percentage(text) {
            return BadgeReading::Percent(percent);
        }
    }
    if not_available {
        BadgeReading::NotAvailable
    } else {
        BadgeReading::NoNumber
    }
}

/// The text of the first (or last) `<tag ...>text</tag>` element.
fn element_text<'a>(svg: &'a str, tag: &str, last: bool) -> Option<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut found = None;
    let mut rest = svg;
    while let Some(start) = rest.find(&open) {
        let after_name = &rest[start + open.len()..];
        // `<title>` or `<text x=...>`, not `<textPath>`.
        if !after_name.starts_with(['>', ' ', '\t', '\n', '\r']) {
            rest = after_name;
            continue;
        }
        let body_start = after_name.find('>')? + 1;
        let body = &after_name[body_start..];
        let end = body.find(&close)?;
        found = Some(&body[..end]);
        if !last {
            break;
        }
        rest = &body[end..];
    }
    found
}

/// The number right before the last `%` in `text`, e.g. `99.41` in `Uptime (168h): 99.41%`.
fn last_percentage(text: &str) -> Option<f64> {
    let before = &text[..text.rfind('%')?];
    let digits_start = before
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    before[digits_start..].parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn badge(title: Option<&str>, texts: &[&str]) -> String {
        let title = title
            .map(|t| format!("<title>{t}</title>"))
            .unwrap_or_default();
        let texts: String = texts
            .iter()
            .map(|t| format!(r#"<text x="1" y="2" transform="scale(.1)">{t}</text>"#))
            .collect();
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" aria-label="x">{title}<g>{texts}</g></svg>"#
        )
    }

    #[test]
    fn reads_the_title() {
        let svg = badge(Some("Uptime (168h): 99.41%"), &["Uptime (168h)", "99.41%"]);
        assert_eq!(read_uptime_badge(&svg), BadgeReading::Percent(99.41));
        let svg = badge(Some("Uptime (24h): 100.0%"), &[]);
        assert_eq!(read_uptime_badge(&svg), BadgeReading::Percent(100.0));
    }

    #[test]
    fn falls_back_to_the_last_text() {
        let svg = badge(None, &["Uptime (720h)", "98.58%"]);
        assert_eq!(read_uptime_badge(&svg), BadgeReading::Percent(98.58));
        let svg = badge(Some("Uptime"), &["Uptime (720h)", "7%"]);
        assert_eq!(read_uptime_badge(&svg), BadgeReading::Percent(7.0));
    }

    #[test]
    fn grey_badges_are_not_available() {
        let svg = badge(Some("N/A"), &["N/A", "N/A"]);
        assert_eq!(read_uptime_badge(&svg), BadgeReading::NotAvailable);
        let svg = badge(None, &["N/A"]);
        assert_eq!(read_uptime_badge(&svg), BadgeReading::NotAvailable);
    }

    #[test]
    fn badges_without_a_number_say_so() {
        for svg in [
            badge(Some("Uptime (24h): pending"), &["Uptime", "pending"]),
            badge(Some("Uptime: %"), &[]),
            badge(None, &[]),
            "<html><body>Login</body></html>".to_string(),
            String::new(),
            "<svg><title>unterminated".to_string(),
        ] {
            assert_eq!(read_uptime_badge(&svg), BadgeReading::NoNumber, "{svg}");
        }
    }

    #[test]
    fn ignores_lookalike_elements() {
        let svg = r#"<svg><textPath>1%</textPath><titles>2%</titles><text>3.5%</text></svg>"#;
        assert_eq!(read_uptime_badge(svg), BadgeReading::Percent(3.5));
    }
}
