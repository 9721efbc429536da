//! The running newest backup and the one before it, kept while a listing streams past: a
//! bucket of any size costs two objects of memory.

use super::BackupObject;

#[derive(Debug, Default)]
pub struct NewestTwo {
    newest: Option<BackupObject>,
    previous: Option<BackupObject>,
}

impl NewestTwo {
    /// Considers one candidate. Newer means a later LastModified; equal times (many servers
    /// keep whole seconds) go to the greater key, so the result never depends on list order.
    pub fn offer(&mut self, candidate: BackupObject) {
        let newer = |than: &BackupObject| {
            (candidate.last_modified, &candidate.key) > (than.last_modified, &than.key)
        };
        if self.newest.as_ref().is_none_or(newer) {
            self.previous = self.newest.replace(candidate);
        } else if self.previous.as_ref().is_none_or(newer) {
            self.previous = Some(candidate);
        }
    }

    /// How many backups are held: 0, 1 or 2.
    pub fn found(&self) -> usize {
        usize::from(self.newest.is_some()) + usize::from(self.previous.is_some())
    }

    pub fn into_pair(self) -> (Option<BackupObject>, Option<BackupObject>) {
        (self.newest, self.previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(key: &str, second: i64) -> BackupObject {
        BackupObject {
            key: key.into(),
            last_modified: chrono::DateTime::from_timestamp(1_700_000_000 + second, 0).unwrap(),
            size: 1,
        }
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
        let mut tracker = NewestTwo::default();
        for candidate in objects {
            tracker.offer(candidate);
        }
        assert_eq!(keys(&tracker), (Some("d"), Some("c")));
    }

    #[test]
    fn later_time_beats_greater_key_and_ties_go_to_the_greater_key() {
        let mut tracker = NewestTwo::default();
        tracker.offer(object("z-older", 1));
        tracker.offer(object("a-newer", 2));
        assert_eq!(keys(&tracker), (Some("a-newer"), Some("z-older")));

        for order in [
            ["db/1", "db/2", "db/3"],
            ["db/3", "db/1", "db/2"],
            ["db/2", "db/3", "db/1"],
        ] {
            let mut tracker = NewestTwo::default();
            for key in order {
                tracker.offer(object(key, 5));
            }
            assert_eq!(keys(&tracker), (Some("db/3"), Some("db/2")), "{order:?}");
        }
    }

    #[test]
    fn empty_and_single() {
        let mut tracker = NewestTwo::default();
        assert_eq!(keys(&tracker), (None, None));
        tracker.offer(object("only", 1));
        assert_eq!(keys(&tracker), (Some("only"), None));
    }
}
