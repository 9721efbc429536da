//! The run's plumbing, above the sources, the document and publishing: the deadline and how
//! its phases share it, the signals that stop a run in order, the lock that keeps runs from
//! overlapping, the push ping, and how a run ends (exit code, push, summary line).

pub mod deadline;
pub mod interrupt;
pub mod lock;
pub mod outcome;
pub mod push;
