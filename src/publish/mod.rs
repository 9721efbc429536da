//! Publishing a document: the atomic write on the operator's disk, and the upload to the status
//! bucket (never over a newer document) with its verification and the public read-back. Below
//! the run's plumbing: deadlines, locks and the push ping are the caller's.

pub mod conditional;
pub mod outcome;
pub mod public_copy;
pub mod public_url;
pub mod upload;
pub mod write;
