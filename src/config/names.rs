//! The names of every setting, in one place: an unknown name with one of our prefixes is a
//! typo to warn about (`STATUS_TIMOUT`: did you mean `STATUS_TIMEOUT`?), never silently
//! ignored. `tests/config_docs.rs` checks this list against `.env.example`.

/// Every setting `status` reads.
pub const SETTINGS: &[&str] = &[
    "STATUS_TIMEOUT",
    "STATUS_LOG_FORMAT",
    "STATUS_ENV_FILE",
    "KUMA_URL",
    "KUMA_STATUS_PAGE",
    "KUMA_API_KEY",
    "KUMA_MONITOR_IDS",
    "KUMA_CRITICAL_IDS",
    "KUMA_CONCURRENCY",
    "KUMA_REQUEST_TIMEOUT",
    "KUMA_STALE_AFTER",
    "KUMA_CA_CERT",
    "KUMA_UPTIME_AGGREGATE",
    "SPACES_ENDPOINT",
    "SPACES_REGION",
    "SPACES_KEY",
    "SPACES_SECRET",
    "SPACES_PATH_STYLE",
    "BACKUP_BUCKET",
    "BACKUP_PREFIX",
    "BACKUP_DIR",
    "BACKUP_MATCH",
    "BACKUP_WARN_AFTER",
    "BACKUP_FAIL_AFTER",
    "BACKUP_MIN_SIZE",
    "STATUS_OUTPUT",
    "STATUS_PUBLISH_COMPONENTS",
    "STATUS_OVERRIDE_FILE",
    "STATUS_REQUIRE",
    "STATUS_BUCKET",
    "STATUS_KEY",
    "STATUS_CACHE_CONTROL",
    "STATUS_ACL",
    "STATUS_PUBLIC_URL",
    "STATUS_MAX_AGE",
    "STATUS_MAX_SIZE",
    "STATUS_LOCK_FILE",
    "KUMA_PUSH_URL",
];

/// The prefixes of our settings: another name with one of them is most likely a typo.
const PREFIXES: &[&str] = &["STATUS_", "KUMA_", "SPACES_", "BACKUP_"];

/// For a name with one of our prefixes that is not a setting: the known setting closest to it
/// (fewest single-character edits). `None` for a known setting or a name that is not ours.
pub fn unknown_with_closest(name: &str) -> Option<&'static str> {
    let ours = PREFIXES.iter().any(|prefix| name.starts_with(prefix));
    if !ours || SETTINGS.contains(&name) {
        return None;
    }
    SETTINGS
        .iter()
        .copied()
        .min_by_key(|known| edit_distance(name, known))
}

/// Levenshtein distance: insertions, deletions and substitutions of one character each.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_point_at_the_setting_meant() {
        assert_eq!(
            unknown_with_closest("STATUS_TIMOUT"),
            Some("STATUS_TIMEOUT")
        );
        assert_eq!(
            unknown_with_closest("KUMA_STATUSPAGE"),
            Some("KUMA_STATUS_PAGE")
        );
        assert_eq!(
            unknown_with_closest("BACKUP_BUCKETS"),
            Some("BACKUP_BUCKET")
        );
        assert_eq!(unknown_with_closest("STATUS_TIMEOUT"), None);
        assert_eq!(unknown_with_closest("RUST_LOG"), None);
        assert_eq!(unknown_with_closest("HOME"), None);
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("STATUS_KEY", "STATUS_KEY"), 0);
    }
}
