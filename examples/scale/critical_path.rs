//! Critical-path depth of a run, from the observed start and end of every request: the longest
//! chain of requests in which each one started only after the one before it had ended. Requests
//! that overlapped in time cannot have depended on each other; requests that did not may have,
//! so the chain is an upper bound on the round trips the run had to wait for one after another.

use std::time::Instant;

/// One request as a server (or the proxy in front of it) saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    pub started: Instant,
    pub finished: Instant,
}

/// Length of the longest chain `a1, a2, ...` with `a(k).finished <= a(k+1).started`.
///
/// Sorted by end time, the depth of a request is one more than the deepest request that ended
/// by its start; a running prefix maximum over the end-sorted list answers that with a binary
/// search, so this is O(n log n) for the thousands of requests of a large run.
pub fn depth(exchanges: &[Exchange]) -> usize {
    let mut by_end: Vec<Exchange> = exchanges.to_vec();
    by_end.sort_by_key(|exchange| exchange.finished);
    // deepest_by_end[i]: the deepest chain ending at any of the first i+1 requests by end time.
    let mut deepest_by_end: Vec<usize> = Vec::with_capacity(by_end.len());
    // Process in start order so every request that could precede one already has its depth.
    let mut by_start: Vec<usize> = (0..by_end.len()).collect();
    by_start.sort_by_key(|&i| by_end[i].started);
    let mut depth_of = vec![0usize; by_end.len()];
    let mut filled = 0;
    for &i in &by_start {
        let started = by_end[i].started;
        // Every request that ended by this start began before it, so its depth is known.
        while filled < by_end.len() && by_end[filled].finished <= started {
            let best = deepest_by_end.last().copied().unwrap_or(0);
            deepest_by_end.push(best.max(depth_of[filled]));
            filled += 1;
        }
        depth_of[i] = 1 + deepest_by_end.last().copied().unwrap_or(0);
    }
    depth_of.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(base: Instant, from_ms: u64, to_ms: u64) -> Exchange {
        Exchange {
            started: base + Duration::from_millis(from_ms),
            finished: base + Duration::from_millis(to_ms),
        }
    }

    #[test]
    fn nothing_is_depth_zero() {
        assert_eq!(depth(&[]), 0);
    }

    #[test]
    fn overlapping_requests_are_one_step() {
        let t = Instant::now();
        assert_eq!(depth(&[at(t, 0, 50), at(t, 1, 51), at(t, 49, 99)]), 1);
    }

    #[test]
    fn back_to_back_requests_chain() {
        let t = Instant::now();
        // Touching ends count as one after the other (the client reacted at once).
        assert_eq!(depth(&[at(t, 0, 50), at(t, 50, 100), at(t, 100, 150)]), 3);
    }

    #[test]
    fn fan_out_under_a_bound_is_waves() {
        // Two requests in parallel, then badges eight at a time: 2 + ceil(20 / 8) waves.
        let t = Instant::now();
        let mut exchanges = vec![at(t, 0, 50), at(t, 0, 52)];
        for badge in 0..20u64 {
            let wave = badge / 8;
            let start = 52 + wave * 51 + badge % 8;
            exchanges.push(at(t, start, start + 50));
        }
        assert_eq!(depth(&exchanges), 4);
    }

    #[test]
    fn the_longest_chain_wins_over_the_most_requests() {
        let t = Instant::now();
        // A: one long request; B: three short ones in a row, all inside A.
        let exchanges = [
            at(t, 0, 300),
            at(t, 10, 20),
            at(t, 30, 40),
            at(t, 50, 60),
            at(t, 310, 320),
        ];
        assert_eq!(depth(&exchanges), 4);
    }
}
