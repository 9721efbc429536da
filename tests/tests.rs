//! The integration tests: one binary (so one build, one link and one moto server for the whole
//! suite), one module per subject, all sharing `support`.

mod support;

mod backups;
mod cli;
mod config_docs;
mod generate;
mod kuma;
mod layers;
mod monitoring;
mod publishers;
mod synthetic_kuma_shapes;
mod upload;
