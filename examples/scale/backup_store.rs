//! The backups the harness lists: M objects, one every 15 minutes, the newest an hour old,
//! under a flat or a date-templated prefix. They are loaded into moto's backend in-process
//! (tests/support/moto_server.py says why), outside the timed part.

use std::time::Duration;

use anyhow::Context;

use crate::moto::{Backups, Moto};

pub const BACKUP_BUCKET: &str = "backups";
pub const STATUS_BUCKET: &str = "status-site";
/// One backup every 15 minutes, going back as far as M objects reach.
const SPACING: Duration = Duration::from_secs(15 * 60);
/// The newest backup is an hour old: fresh (the warning threshold is 26 h).
const NEWEST_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `db/backup-<time>.sql.gz`, listed whole (`BACKUP_PREFIX=db/`).
    Flat,
    /// `db/%Y/%m/%d/backup-<time>.sql.gz` (`BACKUP_PREFIX=db/%Y/%m/%d/`).
    Dated,
}

impl Layout {
    pub fn backup_prefix(self) -> &'static str {
        match self {
            Layout::Flat => "db/",
            Layout::Dated => "db/%Y/%m/%d/",
        }
    }

    fn key_format(self) -> &'static str {
        match self {
            Layout::Flat => "db/backup-%Y%m%dT%H%M%S.sql.gz",
            Layout::Dated => "db/%Y/%m/%d/backup-%H%M%S.sql.gz",
        }
    }
}

/// A moto server of its own holding `objects` backups in `layout` and an empty status
/// bucket, and the time the load took.
pub fn start(objects: u64, layout: Layout) -> anyhow::Result<(Moto, Duration)> {
    let moto = Moto::start().map_err(anyhow::Error::msg)?;
    let backups = Backups {
        count: objects,
        newest: chrono::Utc::now() - NEWEST_AGE,
        spacing: SPACING,
        key_format: layout.key_format(),
        size: 1024,
    };
    let load = moto
        .load(BACKUP_BUCKET, &backups)
        .map_err(anyhow::Error::msg)
        .context("loading the backups")?;
    let empty = Backups {
        count: 0,
        ..backups
    };
    moto.load(STATUS_BUCKET, &empty)
        .map_err(anyhow::Error::msg)
        .context("creating the status bucket")?;
    Ok((moto, load))
}
