//! The run's plumbing, above the sources, the document and publishing: the deadline and how
//! its phases share it, the signals that stop a run in order, the lock that keeps runs from
//! overlapping, the push ping, the job's metrics, and how a run ends (exit code, metrics, push,
//! summary line).

pub mod deadline;
pub mod interrupt;
pub mod lock;
pub mod metrics;
pub mod outcome;
pub mod push;
