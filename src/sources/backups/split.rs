//! Where to split what is left of a key range, so its parts can be listed at the same time.
//!
//! S3 orders keys by their UTF-8 bytes, which is the order of their characters (`str` order in
//! Rust), and `StartAfter` is exclusive. A range is the keys `after < key <= through`: any
//! strictly increasing boundaries `b1 < b2 < ...` inside it cut it into `(after, b1]`,
//! `(b1, b2]`, ... with every key in exactly one part, whatever the keys are. The boundaries
//! only decide how even the parts are, so they are guesses: the next characters a key could
//! have after the part of the last key that the range's keys share (see [`boundaries`]).

use std::collections::BTreeSet;

/// The characters at which neighbouring keys were seen to differ: the digits of dated names,
/// the letters and digits of random ones. Extensions and fixed words do not get in, since
/// neighbouring keys never differ there.
#[derive(Debug, Default)]
pub struct Alphabet {
    chars: BTreeSet<char>,
    /// The depths (in characters) at which neighbouring keys were seen to differ.
    depths: BTreeSet<usize>,
    /// The greatest character seen at each depth, in any key.
    greatest: Vec<char>,
}

impl Alphabet {
    /// Learns from a page of keys in order.
    pub fn learn<'k>(&mut self, keys: impl IntoIterator<Item = &'k str>) {
        let mut previous: Option<&str> = None;
        for key in keys {
            for (depth, c) in key.chars().enumerate() {
                match self.greatest.get_mut(depth) {
                    Some(greatest) => *greatest = (*greatest).max(c),
                    None => self.greatest.push(c),
                }
            }
            if let Some(before) = previous {
                let mut pairs = before.chars().zip(key.chars()).enumerate();
                match pairs.find(|(_, (a, b))| a != b) {
                    Some((depth, (a, b))) => {
                        self.chars.extend([a, b]);
                        self.depths.insert(depth);
                    }
                    // `before` is a prefix of `key`: the first character after it varies.
                    None => {
                        let depth = before.chars().count();
                        if let Some(next) = key.chars().nth(depth) {
                            self.chars.insert(next);
                            self.depths.insert(depth);
                        }
                    }
                }
            }
            previous = Some(key);
        }
    }

    fn after(&self, char: char) -> impl Iterator<Item = char> + '_ {
        self.chars
            .range((std::ops::Bound::Excluded(char), std::ops::Bound::Unbounded))
            .copied()
    }
}

/// Up to `wanted` boundaries strictly between `last` (the last key listed in the range, which
/// lies under `prefix`) and `through` (the range's upper bound, `None`: the end of the prefix),
/// in increasing order.
///
/// The keys left in the range share the first `shared` characters of `last`, where `shared` is
/// the common length of `last` and `through` (at least the prefix). Below that the key space
/// branches: at each depth `d` from `shared` on, the keys after `last` continue with a
/// character greater than `last`'s at `d` (or, past its end, with any character). The
/// shallowest depth that has candidates is used, since its branches hold the most keys: the
/// next character after `last`'s (which finds the next branch whatever alphabet the keys use)
/// and the learnt characters above it, spread evenly when there are more than `wanted`.
///
/// Below `shared`, only depths where neighbouring keys were seen to differ are tried first, so
/// that fixed parts of names (a host name, the century of a date) cost nothing. When none of
/// them has a candidate left (`last` ends a run of the greatest characters seen there, as
/// `db/001999` does: pages of 1,000 numbered keys never show the thousands changing), the
/// learnt characters are tried at the other depths too, shallowest first.
pub fn boundaries(
    prefix: &str,
    last: &str,
    through: Option<&str>,
    alphabet: &Alphabet,
    wanted: usize,
) -> Vec<String> {
    if wanted == 0 {
        return Vec::new();
    }
    let chars: Vec<char> = last.chars().collect();
    let prefix_len = prefix.chars().count();
    let shared = through
        .map_or(prefix_len, |through| common_length(last, through))
        .max(prefix_len)
        .min(chars.len());
    let cuts_at = |depth: usize, unproven: bool| -> Vec<String> {
        let base: String = chars[..depth].iter().collect();
        let proven = alphabet.depths.contains(&depth);
        // Where the range's keys part from `last`, any character may follow (the range's bound
        // limits them); below it, only characters seen at that depth, or (`unproven`) any
        // learnt character.
        let greatest = match depth == shared || unproven {
            true => char::MAX,
            false => alphabet.greatest.get(depth).copied().unwrap_or('\0'),
        };
        let learnt = |here: char| {
            alphabet
                .after(here)
                .filter(move |&c| (proven || unproven) && c <= greatest)
        };
        let next: Vec<char> = match chars.get(depth) {
            Some(&here) if depth == shared => successor(here)
                .into_iter()
                .chain(learnt(here).filter(|&c| Some(c) != successor(here)))
                .collect(),
            Some(&here) => learnt(here).collect(),
            // `last` ends here: longer keys continue it with any character.
            None => learnt('\0').collect(),
        };
        next.into_iter()
            .map(|c| format!("{base}{c}"))
            .filter(|b| through.is_none_or(|through| b.as_str() < through))
            .collect()
    };
    let seen = (shared..=chars.len()).map(|depth| cuts_at(depth, false));
    let guessed = (shared..chars.len())
        .filter(|depth| !alphabet.depths.contains(depth))
        .map(|depth| cuts_at(depth, true));
    seen.chain(guessed)
        .find(|candidates| !candidates.is_empty())
        .map_or_else(Vec::new, |candidates| spread(candidates, wanted))
}

/// How many leading characters `a` and `b` share.
fn common_length(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// The next Unicode scalar value (surrogates are not characters).
fn successor(c: char) -> Option<char> {
    match c {
        '\u{D7FF}' => Some('\u{E000}'),
        _ => char::from_u32(c as u32 + 1),
    }
}

/// `wanted` of `candidates` (sorted), evenly spaced; all of them when there are no more.
fn spread(candidates: Vec<String>, wanted: usize) -> Vec<String> {
    let count = candidates.len();
    if count <= wanted {
        return candidates;
    }
    // The first part also holds the rest of `last`'s own branch: count + 1 branches in
    // wanted + 1 parts. The index grows strictly with i because count > wanted.
    let mut candidates: Vec<Option<String>> = candidates.into_iter().map(Some).collect();
    (1..=wanted)
        .filter_map(|i| candidates[i * (count + 1) / (wanted + 1) - 1].take())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alphabet(keys: &[&str]) -> Alphabet {
        let mut alphabet = Alphabet::default();
        alphabet.learn(keys.iter().copied());
        alphabet
    }

    #[test]
    fn the_alphabet_holds_only_characters_where_neighbours_differ() {
        let learnt = alphabet(&[
            "db/web-20250101T0000.sql.gz",
            "db/web-20250101T0015.sql.gz",
            "db/web-20250101T0030.sql.gz",
            "db/web-20250102T0000.sql.gz",
            "db/web-20250102T0000.sql.gz.log",
        ]);
        let chars: String = learnt.chars.iter().collect();
        assert_eq!(chars, ".0123");
    }

    #[test]
    fn a_flat_listing_splits_at_the_next_host_first() {
        let learnt = alphabet(&["db/api-20250101T0000", "db/api-20250101T0015"]);
        // Digits are learnt, but none follows 'a' at the shallowest depth: only its successor.
        let cut = boundaries("db/", "db/api-20250111T0200", None, &learnt, 4);
        assert_eq!(cut, ["db/b"]);
    }

    #[test]
    fn within_a_bound_it_goes_deeper_and_spreads_over_learnt_characters() {
        let learnt = alphabet(&["db/a0", "db/a1", "db/a3", "db/a5", "db/a7"]);
        // Shares "db/" with the bound "db/b": nothing below 'b' at depth 3, so depth 4, where
        // keys were seen to differ, up to the greatest character seen there.
        let cut = boundaries("db/", "db/a1", Some("db/b"), &learnt, 2);
        assert_eq!(cut, ["db/a3", "db/a5"]);
        let all = boundaries("db/", "db/a1", Some("db/b"), &learnt, 10);
        assert_eq!(all, ["db/a3", "db/a5", "db/a7"]);
    }

    #[test]
    fn fixed_parts_of_names_cost_nothing() {
        let learnt = alphabet(&[
            "db/api-20251230",
            "db/api-20251231",
            "db/api-20260101",
            "db/api-20260102",
        ]);
        // The host name and the century never differ between neighbours: the cut is in the
        // year, the shallowest depth seen to vary, at a year seen there.
        assert_eq!(
            boundaries("db/", "db/api-20251231", Some("db/b"), &learnt, 3),
            ["db/api-2026"]
        );
        // No later year or month was seen: the day, the next depth seen to vary.
        assert_eq!(
            boundaries("db/", "db/api-20260101", Some("db/b"), &learnt, 3),
            ["db/api-20260102"]
        );
    }

    #[test]
    fn numbered_keys_are_cut_where_no_page_showed_them_differ() {
        let page: Vec<String> = (1000..2000).map(|n| format!("db/{n:06}")).collect();
        let learnt = alphabet(&page.iter().map(String::as_str).collect::<Vec<_>>());
        // Neighbours differ only in the last three digits, and "db/001999" holds the greatest
        // digit at each of them: the shallowest other depth under the bound is guessed at.
        assert_eq!(
            boundaries("db/", "db/001999", Some("db/1"), &learnt, 4),
            ["db/02", "db/04", "db/06", "db/08"]
        );
        // Where a depth that was seen to vary still has room, it is used, as before.
        assert_eq!(
            boundaries("db/", "db/001499", Some("db/1"), &learnt, 2),
            ["db/0016", "db/0018"]
        );
    }

    #[test]
    fn boundaries_stay_strictly_inside_the_range() {
        let learnt = alphabet(&["k0", "k5", "k9", "ka", "kz"]);
        for (last, through) in [
            ("k5", Some("k9")),
            ("k5", Some("k6")),
            ("k5", Some("k5\u{0}")),
            ("k", Some("k0")),
            ("k\u{D7FF}", None),
            ("k\u{10FFFF}", None),
        ] {
            let cut = boundaries("k", last, through, &learnt, 8);
            for pair in cut.windows(2) {
                assert!(pair[0] < pair[1], "{cut:?}");
            }
            for boundary in &cut {
                assert!(boundary.as_str() > last, "{boundary:?} after {last:?}");
                assert!(
                    through.is_none_or(|t| boundary.as_str() < t),
                    "{boundary:?}"
                );
                assert!(boundary.starts_with('k'));
            }
        }
        // Nothing fits between "k5" and "k6" at depth 1, and no key was seen to continue "k5".
        assert!(boundaries("k", "k5", Some("k6"), &learnt, 2).is_empty());
        let mut longer = learnt;
        longer.learn(["k50", "k5a"]);
        assert_eq!(
            boundaries("k", "k5", Some("k6"), &longer, 2),
            ["k50", "k59"]
        );
    }

    #[test]
    fn a_key_that_is_a_prefix_of_others_splits_among_its_continuations() {
        let learnt = alphabet(&["db/x", "db/x1", "db/x2", "db/x3"]);
        assert_eq!(
            boundaries("db/", "db/x", Some("db/y"), &learnt, 2),
            ["db/x1", "db/x2"]
        );
    }

    #[test]
    fn spread_picks_evenly() {
        let letters: Vec<String> = ('a'..='o').map(String::from).collect();
        assert_eq!(spread(letters.clone(), 3), ["d", "h", "l"]);
        assert_eq!(spread(letters.clone(), 1), ["h"]);
        assert_eq!(spread(letters[..2].to_vec(), 5), ["a", "b"]);
    }
}
