//! An unknown name with one of our prefixes is most likely a misspelt setting: it is warned
//! about with the closest known name, never silently ignored. The known names are the settings
//! table's.

use super::table::{SETTINGS, find};

/// The prefixes of our settings: another name with one of them is most likely a typo.
const PREFIXES: &[&str] = &["STATUS_", "KUMA_", "SPACES_", "BACKUP_"];

/// For a name with one of our prefixes that is not a setting: the known setting closest to it
/// (fewest single-character edits). `None` for a known setting or a name that is not ours.
pub fn unknown_with_closest(name: &str) -> Option<&'static str> {
    let ours = PREFIXES.iter().any(|prefix| name.starts_with(prefix));
    if !ours || find(name).is_some() {
        return None;
    }
    SETTINGS
        .iter()
        .map(|setting| setting.name)
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
