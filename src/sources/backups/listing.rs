//! Listing every key under one prefix, with disjoint key ranges listed at the same time.
//!
//! The pages of one ListObjectsV2 listing follow one another (each starts after the last key
//! of the one before), so a listing of M keys costs M / 1,000 round trips in a row. Keys are
//! sorted and a listing can start after any string (`StartAfter`), so ranges of the key space
//! can be listed at once. A range is the keys `after < key <= through`. It starts as the whole
//! prefix; when a range's page is full and requests are free, what is left of it is split at
//! guessed boundaries ([`super::split`]), each part listed on its own. Every key belongs to
//! exactly one range, so the listing sees each key once, whatever the keys are.
//!
//! Splitting is paid for by pages already listed: a new part costs at most one request more
//! than a sequential listing (its last page, or one page that finds it empty), and parts are
//! only made while their number stays within half the full pages listed. So a listing never
//! sends more than 1.5 times the requests of a sequential one (plus one), and a small listing
//! is not split at all.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use super::split::{Alphabet, boundaries};

/// Keys per page: the most ListObjectsV2 returns.
pub const PAGE_KEYS: i32 = 1000;

/// One object as a listing page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    pub key: String,
    pub last_modified: Option<DateTime<Utc>>,
    pub size: i64,
}

/// One answer to a list request: keys in order, and whether more follow.
#[derive(Debug)]
pub struct Page {
    pub objects: Vec<ListedObject>,
    pub truncated: bool,
}

/// What the listing needs from an object store: the keys under one prefix after a key.
pub trait KeyLister: Clone + Send + Sync + 'static {
    type Error: Send + 'static;

    /// Up to `max_keys` keys under the lister's prefix that sort after `start_after` (all of
    /// them when `None`), in order.
    fn page(
        &self,
        start_after: Option<&str>,
        max_keys: i32,
    ) -> impl Future<Output = Result<Page, Self::Error>> + Send + 'static;
}

/// How far a listing got. Shared with whoever waits for it, so the counts survive the listing
/// being stopped by a deadline.
#[derive(Debug, Default)]
pub struct ListProgress {
    objects_scanned: AtomicU64,
    list_requests: AtomicU64,
    /// The last key of the latest page: an example of the bucket's key names.
    last_key: Mutex<Option<String>>,
}

impl ListProgress {
    pub fn objects_scanned(&self) -> u64 {
        self.objects_scanned.load(Ordering::Relaxed)
    }

    /// List requests sent (answered or not).
    pub fn list_requests(&self) -> u64 {
        self.list_requests.load(Ordering::Relaxed)
    }

    pub fn last_key(&self) -> Option<String> {
        self.last_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn saw_page(&self, objects: u64, last: Option<&str>) {
        self.objects_scanned.fetch_add(objects, Ordering::Relaxed);
        if let Some(last) = last {
            let mut key = self
                .last_key
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            last.clone_into(key.get_or_insert_with(String::new));
        }
    }
}

/// Why a listing stopped.
#[derive(Debug)]
pub enum ListError<E> {
    /// The object store refused or failed a request.
    Store(E),
    /// A page broke the order the ranges rely on (keys not increasing, or a page that says
    /// more keys follow but holds none): listing in parts would not be exact.
    Disorder(String),
    /// A request was cancelled under the listing (the runtime shutting down after the run's
    /// deadline): the listing is incomplete, never taken as an answer.
    Cancelled,
}

impl<E: fmt::Display> fmt::Display for ListError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListError::Store(err) => err.fmt(f),
            ListError::Disorder(why) => write!(f, "the server listed keys out of order: {why}"),
            ListError::Cancelled => f.write_str("the listing was cancelled"),
        }
    }
}

/// A part of the key space: keys `after < key <= through` (`None`: no bound on that side).
#[derive(Debug, Clone)]
struct Range {
    after: Option<String>,
    through: Option<String>,
}

/// Lists every key under `prefix` through `lister`, `concurrency` requests at a time (1: one
/// page after another, as a plain listing does), handing each object to `visit` exactly once,
/// in no particular order. Counts go to `progress` as pages arrive.
pub async fn list_all<L: KeyLister>(
    lister: &L,
    prefix: &str,
    concurrency: usize,
    progress: &ListProgress,
    mut visit: impl FnMut(ListedObject),
) -> Result<(), ListError<L::Error>> {
    let mut plan = Plan::new(prefix, concurrency.max(1));
    let mut requests = JoinSet::new();
    loop {
        while requests.len() < plan.concurrency
            && let Some(range) = plan.queue.pop_front()
        {
            let page = lister.page(range.after.as_deref(), PAGE_KEYS);
            progress.list_requests.fetch_add(1, Ordering::Relaxed);
            requests.spawn(async move { (range, page.await) });
        }
        let Some(joined) = requests.join_next().await else {
            return Ok(());
        };
        let (range, page) = match joined {
            Ok(answer) => answer,
            // A request task ends early by panicking (pass the panic on) or by being cancelled
            // when the runtime shuts down after the deadline.
            Err(join_error) if join_error.is_panic() => {
                std::panic::resume_unwind(join_error.into_panic())
            }
            Err(_) => return Err(ListError::Cancelled),
        };
        let page = page.map_err(ListError::Store)?;
        let in_range = plan.answered(range, &page)?;
        let mut objects = page.objects;
        objects.truncate(in_range);
        progress.saw_page(in_range as u64, objects.last().map(|o| o.key.as_str()));
        objects.into_iter().for_each(&mut visit);
    }
}

/// The ranges still to list and what splitting has cost so far.
struct Plan {
    prefix: String,
    concurrency: usize,
    queue: VecDeque<Range>,
    /// Ranges not finished (queued or being listed).
    open: usize,
    /// Ranges made so far, the whole prefix included.
    made: u64,
    /// Pages that were full of the range's keys and said more follow.
    full_pages: u64,
    alphabet: Alphabet,
}

impl Plan {
    fn new(prefix: &str, concurrency: usize) -> Plan {
        Plan {
            prefix: prefix.to_string(),
            concurrency,
            queue: VecDeque::from([Range {
                after: None,
                through: None,
            }]),
            open: 1,
            made: 1,
            full_pages: 0,
            alphabet: Alphabet::default(),
        }
    }

    /// Takes in the page answered for `range`: queues what is left of the range, split when
    /// that pays, and returns how many of the page's objects belong to the range.
    fn answered<E>(&mut self, range: Range, page: &Page) -> Result<usize, ListError<E>> {
        let keys = || page.objects.iter().map(|o| o.key.as_str());
        check_order(range.after.as_deref(), keys())?;
        self.alphabet.learn(keys());
        let in_range = match &range.through {
            Some(through) => page
                .objects
                .partition_point(|o| o.key.as_str() <= through.as_str()),
            None => page.objects.len(),
        };
        if in_range < page.objects.len() || !page.truncated {
            self.open -= 1;
            return Ok(in_range);
        }
        let Some(last) = page.objects.last() else {
            return Err(ListError::Disorder(
                "a page said more keys follow but held none".into(),
            ));
        };
        self.full_pages += 1;
        let mut cuts = Vec::new();
        if self.concurrency > 1 {
            let affordable = (self.full_pages / 2).saturating_sub(self.made - 1);
            let idle = self.concurrency.saturating_sub(self.open) as u64;
            let wanted = affordable.min(idle) as usize;
            cuts = boundaries(
                &self.prefix,
                &last.key,
                range.through.as_deref(),
                &self.alphabet,
                wanted,
            );
        }
        self.made += cuts.len() as u64;
        self.open += cuts.len();
        let mut after = last.key.clone();
        for cut in cuts {
            self.queue.push_back(Range {
                after: Some(std::mem::replace(&mut after, cut.clone())),
                through: Some(cut),
            });
        }
        self.queue.push_back(Range {
            after: Some(after),
            through: range.through,
        });
        Ok(in_range)
    }
}

/// Keys must increase strictly and come after the range's start.
fn check_order<'k, E>(
    after: Option<&str>,
    keys: impl Iterator<Item = &'k str>,
) -> Result<(), ListError<E>> {
    let mut previous = after;
    for key in keys {
        if previous.is_some_and(|previous| key <= previous) {
            return Err(ListError::Disorder(format!(
                "{key:?} came after {:?}",
                previous.unwrap_or_default()
            )));
        }
        previous = Some(key);
    }
    Ok(())
}

#[cfg(test)]
#[path = "listing_tests.rs"]
mod tests;
