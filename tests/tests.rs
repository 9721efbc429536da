//! The integration tests: one binary (so one build, one link and one moto server for the whole
//! suite), one module per subject, all sharing `support`.

mod support;

mod backup_listing;
mod backups;
mod backups_future;
mod cli;
mod container;
mod document_size;
mod env_file;
mod generate;
mod kuma;
mod kuma_urls;
mod layers;
mod log_writes;
mod logging;
mod monitoring;
mod overrides;
mod public_copy;
mod publishers;
mod run_guards;
mod s3_errors;
mod s3_requests;
mod safe_paths;
mod settings;
mod signals;
mod synthetic_kuma_shapes;
mod upload;
