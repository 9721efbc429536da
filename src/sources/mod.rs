//! The two sources of a status document. Each reads its own system and judges what it read
//! with pure rules; neither imports the other, the document or anything above.

pub mod backups;
pub mod kuma;
