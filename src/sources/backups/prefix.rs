//! `BACKUP_PREFIX` with strftime fields (`db/%Y/%m/%d/`): the prefixes a time window touches,
//! so a bucket with years of dated folders is listed one or two folders deep, not whole.

use std::time::Duration;

use chrono::format::{Item, Numeric, StrftimeItems};
use chrono::{DateTime, TimeDelta, Utc};

/// The finest field a template may hold: prefixes are enumerated an hour apart.
const STEP: TimeDelta = TimeDelta::hours(1);

/// A key prefix as configured: fixed, or a template with strftime fields expanded in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrefix {
    template: String,
    /// The parsed template; `None` when it has no date fields.
    fields: Option<Vec<Item<'static>>>,
}

impl KeyPrefix {
    /// Parses `raw`; an error says what is wrong with the template.
    pub fn parse(raw: &str) -> Result<KeyPrefix, String> {
        if !raw.contains('%') {
            return Ok(KeyPrefix::fixed(raw));
        }
        let items = StrftimeItems::new(raw)
            .parse_to_owned()
            .map_err(|_| "is not a valid strftime template (e.g. db/%Y/%m/%d/)".to_string())?;
        if items.iter().any(is_finer_than_hours) {
            return Err(
                "has minute or second fields; the finest field a prefix may hold is the hour (%H)"
                    .into(),
            );
        }
        let has_fields = items
            .iter()
            .any(|item| matches!(item, Item::Numeric(..) | Item::Fixed(_)));
        if !has_fields {
            // Only `%%` escapes: a fixed prefix after all.
            let literal = Utc::now().format_with_items(items.iter()).to_string();
            return Ok(KeyPrefix::fixed(&literal));
        }
        Ok(KeyPrefix {
            template: raw.to_string(),
            fields: Some(items),
        })
    }

    pub fn fixed(prefix: &str) -> KeyPrefix {
        KeyPrefix {
            template: prefix.to_string(),
            fields: None,
        }
    }

    /// The prefix as configured.
    pub fn template(&self) -> &str {
        &self.template
    }

    pub fn is_dated(&self) -> bool {
        self.fields.is_some()
    }

    /// The distinct prefixes that objects made from `now - window` to `now` can live under,
    /// newest first. A fixed prefix is just itself. The work grows with `window` in hours
    /// (settings keep it within a year).
    pub fn expand(&self, now: DateTime<Utc>, window: Duration) -> Vec<String> {
        let Some(fields) = &self.fields else {
            return vec![self.template.clone()];
        };
        let oldest = TimeDelta::from_std(window)
            .ok()
            .and_then(|window| now.checked_sub_signed(window))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut prefixes: Vec<String> = Vec::new();
        let mut at = now;
        loop {
            let prefix = at.format_with_items(fields.iter()).to_string();
            if !prefixes.contains(&prefix) {
                prefixes.push(prefix);
            }
            if at <= oldest {
                return prefixes;
            }
            at = (at - STEP).max(oldest);
        }
    }
}

fn is_finer_than_hours(item: &Item<'_>) -> bool {
    matches!(
        item,
        Item::Numeric(
            Numeric::Minute | Numeric::Second | Numeric::Nanosecond | Numeric::Timestamp,
            _
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        rfc3339.parse().unwrap()
    }

    const HOURS_50: Duration = Duration::from_secs(50 * 3600);

    #[test]
    fn daily_folders_back_to_the_fail_threshold_newest_first() {
        let prefix = KeyPrefix::parse("db/%Y/%m/%d/").unwrap();
        assert!(prefix.is_dated());
        assert_eq!(
            prefix.expand(at("2025-03-10T12:00:00Z"), HOURS_50),
            ["db/2025/03/10/", "db/2025/03/09/", "db/2025/03/08/"]
        );
        // Just after midnight, 50 hours reach back into a fourth day; across a month and year.
        assert_eq!(
            prefix.expand(at("2025-01-01T00:30:00Z"), HOURS_50),
            [
                "db/2025/01/01/",
                "db/2024/12/31/",
                "db/2024/12/30/",
                "db/2024/12/29/"
            ]
        );
    }

    #[test]
    fn hourly_and_monthly_folders() {
        let hourly = KeyPrefix::parse("pg-%Y%m%d%H").unwrap();
        assert_eq!(
            hourly.expand(at("2025-03-10T02:15:00Z"), Duration::from_secs(2 * 3600)),
            ["pg-2025031002", "pg-2025031001", "pg-2025031000"]
        );
        let monthly = KeyPrefix::parse("backups/%Y-%m/").unwrap();
        assert_eq!(
            monthly.expand(at("2025-03-01T10:00:00Z"), HOURS_50),
            ["backups/2025-03/", "backups/2025-02/"]
        );
    }

    #[test]
    fn fixed_prefixes_expand_to_themselves() {
        let fixed = KeyPrefix::parse("db/").unwrap();
        assert!(!fixed.is_dated());
        assert_eq!(fixed.expand(at("2025-03-10T12:00:00Z"), HOURS_50), ["db/"]);
        let escaped = KeyPrefix::parse("100%%/").unwrap();
        assert!(!escaped.is_dated());
        assert_eq!(escaped.template(), "100%/");
    }

    #[test]
    fn refuses_bad_templates_and_fields_finer_than_hours() {
        assert!(KeyPrefix::parse("db/%Q/").is_err());
        assert!(KeyPrefix::parse("db/%Y/%m/%d/%H%M").is_err());
        assert!(KeyPrefix::parse("db/%s").is_err());
        assert!(KeyPrefix::parse("db/%Y/%m/%d/%H/").is_ok());
    }
}
