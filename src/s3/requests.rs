//! The S3 requests this process sent, for the job's metrics: an interceptor on the one client
//! counts each operation once and each of its HTTP attempts.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_s3::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::error::BoxError;

/// S3 operations and HTTP attempts of this process. Process-wide: the backup check and the
/// upload each build their client deep in their own layer, and a process runs one command.
static OPERATIONS: AtomicU64 = AtomicU64::new(0);
static ATTEMPTS: AtomicU64 = AtomicU64::new(0);

/// The S3 requests this process sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// HTTP requests, retries included.
    pub requests: u64,
    /// Requests that repeated an operation (the SDK's standard retry mode).
    pub retries: u64,
}

pub fn requests_sent() -> RequestCounts {
    let operations = OPERATIONS.load(Ordering::Relaxed);
    let attempts = ATTEMPTS.load(Ordering::Relaxed);
    RequestCounts {
        requests: attempts,
        retries: attempts.saturating_sub(operations),
    }
}

/// Counts each operation once and each of its HTTP attempts.
#[derive(Debug)]
pub(super) struct CountRequests;

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "CountRequests"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        OPERATIONS.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ATTEMPTS.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}
