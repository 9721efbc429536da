//! Byte sizes as people write them: `BACKUP_MIN_SIZE=10MiB`, `STATUS_MAX_SIZE=1MiB`.

const UNITS: [(&str, u64); 9] = [
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
];

/// `1024`, `10MiB`, `5 MB`, `1.5GiB` (units are case-insensitive; KB/MB/... are powers of
/// 1000, KiB/MiB/... powers of 1024). `None` for anything else.
pub fn parse_size(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let multiplier = if unit.is_empty() {
        1
    } else {
        UNITS.iter().find(|(name, _)| *name == unit)?.1
    };
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(multiplier);
    }
    // A fraction (`1.5GiB`) is rounded to whole bytes; beyond 2^53 bytes f64 is not exact,
    // so such sizes must be written as whole numbers.
    let fraction = number.parse::<f64>().ok()?;
    let bytes = (fraction * multiplier as f64).round();
    (bytes.is_finite() && bytes < 2f64.powi(53)).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_bytes_and_units() {
        assert_eq!(parse_size("1"), Some(1));
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("2048"), Some(2048));
        assert_eq!(parse_size("10MiB"), Some(10 * 1024 * 1024));
        assert_eq!(parse_size("5MB"), Some(5_000_000));
        assert_eq!(parse_size("5 mb"), Some(5_000_000));
        assert_eq!(parse_size("1.5GiB"), Some(1_610_612_736));
        assert_eq!(parse_size("1 KiB"), Some(1024));
        assert_eq!(parse_size("7B"), Some(7));
    }

    #[test]
    fn refuses_what_is_not_a_size() {
        for raw in [
            "",
            "MiB",
            "ten",
            "10 MiBs",
            "-1",
            "1.2.3KB",
            "10 M",
            "99999999999TiB",
        ] {
            assert_eq!(parse_size(raw), None, "{raw:?}");
        }
    }
}
