//! The running newest backup and the one before it, kept while a listing streams past: a
//! bucket of any size costs two objects of memory. A backup dated past the trusted limit (now
//! plus `BACKUP_CLOCK_SKEW`) is only counted, with the furthest time: a clock that is wrong
//! somewhere must not make a stopped backup job look fresh.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::BackupObject;

/// Backups dated too far ahead to be trusted: how many, and the furthest date among them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FutureBackups {
    pub count: u64,
    pub furthest: Option<DateTime<Utc>>,
}

impl FutureBackups {
    fn add(&mut self, time: DateTime<Utc>) {
        self.count += 1;
        self.furthest = self.furthest.max(Some(time));
    }
}

#[derive(Debug)]
pub struct NewestTwo {
    trusted_until: DateTime<Utc>,
    newest: Option<BackupObject>,
    previous: Option<BackupObject>,
    future: FutureBackups,
}

impl NewestTwo {
    /// Trusts backups dated up to `trusted_until` (inclusive): now plus the allowed clock skew.
    pub fn trusting_until(trusted_until: DateTime<Utc>) -> NewestTwo {
        NewestTwo {
            trusted_until,
            newest: None,
            previous: None,
            future: FutureBackups::default(),
        }
    }

    /// Considers one candidate. Newer means a later LastModified; equal times (many servers
    /// keep whole seconds) go to the greater key, so the result never depends on list order.
    pub fn offer(&mut self, candidate: BackupObject) {
        if candidate.last_modified > self.trusted_until {
            self.future.add(candidate.last_modified);
            return;
        }
        let newer = |than: &BackupObject| {
            (candidate.last_modified, &candidate.key) > (than.last_modified, &than.key)
        };
        if self.newest.as_ref().is_none_or(newer) {
            self.previous = self.newest.replace(candidate);
        } else if self.previous.as_ref().is_none_or(newer) {
            self.previous = Some(candidate);
        }
    }

    /// How many trusted backups are held: 0, 1 or 2.
    pub fn found(&self) -> usize {
        usize::from(self.newest.is_some()) + usize::from(self.previous.is_some())
    }

    /// The newest trusted backup, the one before it, and those from the future.
    pub fn finish(self) -> (Option<BackupObject>, Option<BackupObject>, FutureBackups) {
        (self.newest, self.previous, self.future)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_700_000_000;

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(START + second, 0).unwrap()
    }

    fn object(key: &str, second: i64) -> BackupObject {
        BackupObject {
            key: key.into(),
            last_modified: at(second),
            size: 1,
        }
    }

    /// A tracker that trusts every time these tests use, unless they say otherwise.
    fn trusting_all() -> NewestTwo {
        NewestTwo::trusting_until(at(1_000_000))
    }

    fn keys(tracker: &NewestTwo) -> (Option<&str>, Option<&str>) {
        (
            tracker.newest.as_ref().map(|o| o.key.as_str()),
            tracker.previous.as_ref().map(|o| o.key.as_str()),
        )
    }

    #[test]
    fn keeps_the_two_latest_in_any_order() {
        let objects = [
            object("b", 2),
            object("d", 4),
            object("a", 1),
            object("c", 3),
        ];
        let mut tracker = trusting_all();
        for candidate in objects {
            tracker.offer(candidate);
        }
        assert_eq!(keys(&tracker), (Some("d"), Some("c")));
    }

    #[test]
    fn later_time_beats_greater_key_and_ties_go_to_the_greater_key() {
        let mut tracker = trusting_all();
        tracker.offer(object("z-older", 1));
        tracker.offer(object("a-newer", 2));
        assert_eq!(keys(&tracker), (Some("a-newer"), Some("z-older")));

        for order in [
            ["db/1", "db/2", "db/3"],
            ["db/3", "db/1", "db/2"],
            ["db/2", "db/3", "db/1"],
        ] {
            let mut tracker = trusting_all();
            for key in order {
                tracker.offer(object(key, 5));
            }
            assert_eq!(keys(&tracker), (Some("db/3"), Some("db/2")), "{order:?}");
        }
    }

    #[test]
    fn empty_and_single() {
        let mut tracker = trusting_all();
        assert_eq!(keys(&tracker), (None, None));
        tracker.offer(object("only", 1));
        assert_eq!(keys(&tracker), (Some("only"), None));
    }

    #[test]
    fn backups_past_the_trusted_limit_are_counted_never_kept() {
        // Trusted up to second 100 inclusive: 100 is kept, 101 and later only counted.
        let mut tracker = NewestTwo::trusting_until(at(100));
        for candidate in [
            object("future-far", 30 * 86_400),
            object("old", 10),
            object("at-the-limit", 100),
            object("future-near", 101),
            object("older", 5),
        ] {
            tracker.offer(candidate);
        }
        assert_eq!(keys(&tracker), (Some("at-the-limit"), Some("old")));
        assert_eq!(tracker.found(), 2);
        let (_, _, future) = tracker.finish();
        assert_eq!(
            future,
            FutureBackups {
                count: 2,
                furthest: Some(at(30 * 86_400)),
            }
        );
    }

    #[test]
    fn only_future_backups_leave_nothing_trusted() {
        let mut tracker = NewestTwo::trusting_until(at(0));
        tracker.offer(object("a", 60));
        tracker.offer(object("b", 30));
        assert_eq!(tracker.found(), 0);
        let (newest, previous, future) = tracker.finish();
        assert_eq!((newest, previous), (None, None));
        assert_eq!(future.count, 2);
        assert_eq!(future.furthest, Some(at(60)));
    }
}
