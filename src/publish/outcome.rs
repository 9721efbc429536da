//! How an upload ended, for the summary line, the exit code and the metrics: published (and
//! what the checks found), left alone under a newer document, or stored but not verified.

use std::fmt;

use super::public_copy::PublicCopy;
use crate::document::Timestamp;

/// How an upload ended: published, or left alone because the bucket holds a newer document.
#[derive(Debug)]
pub enum Upload {
    Published(Published),
    NewerPublished(NewerPublished),
}

impl Upload {
    /// Why the run is degraded: nobody can read the public copy.
    pub fn degraded(&self) -> Option<&str> {
        match self {
            Upload::Published(published) => published.degraded(),
            Upload::NewerPublished(_) => None,
        }
    }
}

impl fmt::Display for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upload::Published(published) => published.fmt(f),
            Upload::NewerPublished(newer) => newer.fmt(f),
        }
    }
}

/// Another run published a newer document: this one was not uploaded (and that is no failure).
#[derive(Debug)]
pub struct NewerPublished {
    pub(super) location: String,
    pub(super) published: Timestamp,
}

impl fmt::Display for NewerPublished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not uploaded: a newer document is already published by another run ({}, updated_at {})",
            self.location, self.published
        )
    }
}

/// What one upload did, for the summary line.
#[derive(Debug)]
pub struct Published {
    pub(super) location: String,
    pub(super) bytes: usize,
    pub(super) etag: String,
    /// What the public address served; `None` when it is not read back.
    pub(super) public: Option<PublicCopy>,
}

impl Published {
    /// Why the run is degraded: nobody can read the public copy.
    pub fn degraded(&self) -> Option<&str> {
        self.public.as_ref().and_then(PublicCopy::degraded)
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether the public address answered with a document; `None` when it is not read back.
    pub fn public_copy_readable(&self) -> Option<bool> {
        self.public
            .as_ref()
            .map(|public| public.degraded().is_none())
    }
}

impl fmt::Display for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "uploaded {} ({} bytes, ETag {})",
            self.location, self.bytes, self.etag
        )?;
        match &self.public {
            None => Ok(()),
            Some(public) => write!(f, "; {public}"),
        }
    }
}

/// The bucket stored the new object (PutObject succeeded), but checking it failed or did not
/// finish: the object is live, so the run must say it published, and still fail.
#[derive(Debug)]
pub struct Unverified {
    pub reason: String,
}

impl fmt::Display for Unverified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "published, but verification failed: {}", self.reason)
    }
}

impl std::error::Error for Unverified {}
