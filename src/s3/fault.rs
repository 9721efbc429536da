//! S3 errors told apart and described in the terms an operator acts on: what failed, the HTTP
//! status (when an answer came), and the setting to fix.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

use super::SpacesSettings;

/// The bucket a request was about, and the setting that names it (`BACKUP_BUCKET` or
/// `STATUS_BUCKET`), so an error can say which one to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketSetting<'a> {
    pub setting: &'static str,
    pub name: &'a str,
}

/// What went wrong with an S3 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum S3Fault {
    /// The key pair was refused: unknown key, wrong secret, or an account without the service.
    BadKey {
        status: u16,
        code: String,
    },
    /// The key is valid but may not do this (`AccessDenied`, or a 403 without a body).
    AccessDenied {
        status: u16,
    },
    NoSuchBucket {
        status: u16,
    },
    InvalidBucketName {
        status: u16,
    },
    /// A HEAD request's 404 (no body, so no code): the bucket or the object is not there.
    NotFound,
    /// The request was signed for another region than the bucket's, or sent to the wrong place.
    WrongRegion {
        status: u16,
        code: String,
    },
    /// An answer that is not S3's: an HTML page, or XML that is not this operation's answer
    /// (a virtual-host request routed to the wrong place, say). `what` describes the body.
    NotS3 {
        status: u16,
        what: String,
    },
    /// Any other S3 error answer: the status, the code (if any) and the message.
    Service {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    NoCredentials,
    /// The host name did not resolve; the cause is the resolver's.
    Dns(String),
    /// Connection refused, reset, TLS failure: the innermost cause.
    Unreachable(String),
    Timeout,
    /// The request could not be made at all (an invalid endpoint, say): the innermost cause.
    Other(String),
}

const KEY_CODES: &[&str] = &[
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "NotSignedUp",
    "InvalidToken",
    "ExpiredToken",
    "AccountProblem",
];
const REGION_CODES: &[&str] = &[
    "AuthorizationHeaderMalformed",
    "PermanentRedirect",
    "IllegalLocationConstraintException",
];

impl S3Fault {
    pub fn of<E>(err: &SdkError<E, HttpResponse>) -> S3Fault
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match err {
            SdkError::TimeoutError(_) => S3Fault::Timeout,
            SdkError::DispatchFailure(failure) if failure.is_timeout() => S3Fault::Timeout,
            SdkError::DispatchFailure(failure) if failure.is_io() => {
                if chain_mentions(err, &["dns error", "failed to lookup address"]) {
                    S3Fault::Dns(innermost_cause(err))
                } else {
                    S3Fault::Unreachable(innermost_cause(err))
                }
            }
            SdkError::ServiceError(_) | SdkError::ResponseError(_) => match err.raw_response() {
                Some(raw) => Self::of_answer(err, raw),
                None => S3Fault::Other(innermost_cause(err)),
            },
            _ if chain_mentions(err, &["credentials", "identity resolver"]) => {
                S3Fault::NoCredentials
            }
            _ => S3Fault::Other(innermost_cause(err)),
        }
    }

    /// An answer came, but not the one asked for.
    fn of_answer<E>(err: &SdkError<E, HttpResponse>, raw: &HttpResponse) -> S3Fault
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let status = raw.status().as_u16();
        let body = raw.body().bytes().unwrap_or_default();
        let content_type = raw.headers().get("content-type").unwrap_or_default();
        // S3 answers every error with an XML body naming a Code, except to HEAD (no body).
        // Anything else, and any error on a 2xx answer (its body could not be read as the
        // operation's result), did not come from S3.
        if is_html(content_type, body) {
            return S3Fault::NotS3 {
                status,
                what: "an HTML page".into(),
            };
        }
        if (200..300).contains(&status) {
            return S3Fault::NotS3 {
                status,
                what: "a body that is not this operation's S3 answer".into(),
            };
        }
        let code = err.code().filter(|code| !code.is_empty());
        if code.is_none() && !body.is_empty() {
            return S3Fault::NotS3 {
                status,
                what: "a body without an S3 error code".into(),
            };
        }
        match (code, status) {
            (Some(code), _) if KEY_CODES.contains(&code) => S3Fault::BadKey {
                status,
                code: code.to_string(),
            },
            (Some("AccessDenied"), _) | (None, 403) => S3Fault::AccessDenied { status },
            (Some("NoSuchBucket"), _) => S3Fault::NoSuchBucket { status },
            (Some("InvalidBucketName"), _) => S3Fault::InvalidBucketName { status },
            (Some("NotFound"), 404) | (None, 404) => S3Fault::NotFound,
            (Some(code), _) if REGION_CODES.contains(&code) => S3Fault::WrongRegion {
                status,
                code: code.to_string(),
            },
            (code, _) => S3Fault::Service {
                status,
                code: code.map(str::to_string),
                message: err.message().map(str::to_string),
            },
        }
    }

    /// One line: what failed, with the HTTP status, and the setting to fix.
    pub fn describe(&self, bucket: BucketSetting<'_>, spaces: &SpacesSettings) -> String {
        let BucketSetting { setting, name } = bucket;
        let endpoint = spaces.describe_endpoint();
        match self {
            S3Fault::BadKey { status, code } => format!(
                "{endpoint} refused the key pair for bucket {name} (HTTP {status} {code}): check SPACES_KEY and SPACES_SECRET (a key pair of the account that owns the bucket)"
            ),
            S3Fault::AccessDenied { status } => format!(
                "access denied to bucket {name} (HTTP {status}): check SPACES_KEY/SPACES_SECRET and the key's permissions on the bucket ({setting})"
            ),
            S3Fault::NoSuchBucket { status } => format!(
                "bucket {name} does not exist (HTTP {status}): check {setting}, SPACES_ENDPOINT and SPACES_REGION"
            ),
            S3Fault::InvalidBucketName { status } => format!(
                "{name:?} is not a valid bucket name (HTTP {status} InvalidBucketName): check {setting} (the bucket's name only: no s3:// or slashes)"
            ),
            S3Fault::NotFound => format!(
                "bucket {name} does not exist or lacks the object (HTTP 404): check {setting}, SPACES_ENDPOINT and SPACES_REGION"
            ),
            S3Fault::WrongRegion { status, code } => format!(
                "bucket {name} is not in region {} at {endpoint} (HTTP {status} {code}): check SPACES_REGION and SPACES_ENDPOINT",
                spaces.region
            ),
            S3Fault::NotS3 { status, what } => format!(
                "{endpoint} answered HTTP {status} with {what} for bucket {name}, not S3: check that SPACES_ENDPOINT is the S3 API endpoint (not a CDN, website or bucket URL) and SPACES_PATH_STYLE ({})",
                path_style_words(spaces)
            ),
            S3Fault::Service {
                status,
                code,
                message,
            } => {
                let detail = match (code, message) {
                    (Some(code), Some(message)) => format!(" {code}: {message}"),
                    (Some(code), None) => format!(" {code}"),
                    (None, _) => String::new(),
                };
                format!(
                    "S3 request for bucket {name} failed (HTTP {status}{detail}): if it persists, check SPACES_ENDPOINT ({endpoint}) and {setting}"
                )
            }
            S3Fault::NoCredentials => format!(
                "no S3 credentials for bucket {name}: set SPACES_KEY and SPACES_SECRET (or the standard AWS credential settings)"
            ),
            S3Fault::Dns(cause) => format!(
                "cannot resolve {} for bucket {name} ({cause}; no HTTP answer): check SPACES_ENDPOINT and SPACES_PATH_STYLE ({})",
                requested_host(spaces, name),
                path_style_words(spaces)
            ),
            S3Fault::Unreachable(cause) => format!(
                "cannot reach {endpoint} for bucket {name} ({cause}; no HTTP answer): check SPACES_ENDPOINT and the network"
            ),
            S3Fault::Timeout => format!(
                "S3 request for bucket {name} timed out (no HTTP answer): check SPACES_ENDPOINT ({endpoint}) and the network"
            ),
            S3Fault::Other(cause) => format!(
                "S3 request for bucket {name} could not be made ({cause}): check SPACES_ENDPOINT and SPACES_REGION"
            ),
        }
    }
}

/// What `SPACES_PATH_STYLE` currently does, for messages about where requests went.
fn path_style_words(spaces: &SpacesSettings) -> &'static str {
    if spaces.path_style {
        "true: the bucket is sent in the path"
    } else {
        "false: the bucket is sent as a subdomain of the endpoint; set it to true if the endpoint does not serve buckets that way"
    }
}

/// The host a request for `bucket` is sent to: the endpoint's, with the bucket as a subdomain
/// unless `SPACES_PATH_STYLE` is set.
pub fn requested_host(spaces: &SpacesSettings, bucket: &str) -> String {
    let host = match &spaces.endpoint {
        Some(url) => url.host_str().unwrap_or_default().to_string(),
        None => format!("s3.{}.amazonaws.com", spaces.region),
    };
    if spaces.path_style {
        host
    } else {
        format!("{bucket}.{host}")
    }
}

/// Whether the body is a web page. An empty body is no page, whatever its Content-Type says
/// (moto answers HEAD with text/html).
fn is_html(content_type: &str, body: &[u8]) -> bool {
    if body.is_empty() {
        return false;
    }
    if content_type.to_ascii_lowercase().starts_with("text/html") {
        return true;
    }
    let start: Vec<u8> = body
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .take(14)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// One line naming the bucket's setting, the HTTP status and the likely fix, for any S3
/// operation's error.
pub fn describe_error<E>(
    err: &SdkError<E, HttpResponse>,
    bucket: BucketSetting<'_>,
    spaces: &SpacesSettings,
) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    S3Fault::of(err).describe(bucket, spaces)
}

/// The deepest error in the source chain (e.g. `Connection refused (os error 111)`): the SDK's
/// outer layers only say "dispatch failure".
fn innermost_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// Whether any error in the chain says one of `words`. By text, because the errors that tell
/// (a credential load that ran out of time, a DNS failure) are private types of the SDK and
/// its connector.
fn chain_mentions(err: &(dyn std::error::Error + 'static), words: &[&str]) -> bool {
    let mut cause = Some(err);
    while let Some(current) = cause {
        let text = current.to_string().to_ascii_lowercase();
        if words.iter().any(|word| text.contains(word)) {
            return true;
        }
        cause = current.source();
    }
    false
}

#[cfg(test)]
mod tests;
