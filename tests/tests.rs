//! The integration tests: one binary (so one build, one link and one moto server for the whole
//! suite), one module per subject, all sharing `support`.

mod support;

mod backups;
mod cli;
mod config_docs;
mod document_size;
mod env_file;
mod generate;
mod kuma;
mod layers;
mod log_writes;
mod safe_paths;
mod signals;
mod synthetic_kuma_shapes;
mod upload;
