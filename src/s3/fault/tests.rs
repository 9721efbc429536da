//! How S3 errors are told apart and described.

use super::*;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
use aws_sdk_s3::primitives::SdkBody;

type ListError = SdkError<ListObjectsV2Error, HttpResponse>;

const BACKUPS: BucketSetting<'static> = BucketSetting {
    setting: "BACKUP_BUCKET",
    name: "backups",
};

fn spaces(path_style: bool) -> SpacesSettings {
    SpacesSettings {
        endpoint: Some("https://nyc3.digitaloceanspaces.com".parse().unwrap()),
        region: "nyc3".into(),
        key: None,
        secret: None,
        path_style,
    }
}

/// An error answer: `code` as the SDK parsed it from `body`, with `content_type`.
fn answer(code: Option<&str>, status: u16, content_type: &str, body: &str) -> ListError {
    let mut meta = aws_sdk_s3::error::ErrorMetadata::builder();
    if let Some(code) = code {
        meta = meta.code(code).message("from the server");
    }
    let mut raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
    if !content_type.is_empty() {
        raw.headers_mut()
            .insert("content-type", content_type.to_string());
    }
    SdkError::service_error(ListObjectsV2Error::generic(meta.build()), raw)
}

fn xml(code: &str, status: u16) -> ListError {
    let body = format!("<Error><Code>{code}</Code></Error>");
    answer(Some(code), status, "application/xml", &body)
}

#[test]
fn answers_are_told_apart_by_code_status_and_body() {
    let of = |err: ListError| S3Fault::of(&err);
    assert_eq!(
        of(xml("NoSuchBucket", 404)),
        S3Fault::NoSuchBucket { status: 404 }
    );
    assert_eq!(
        of(xml("InvalidBucketName", 400)),
        S3Fault::InvalidBucketName { status: 400 }
    );
    for code in ["SignatureDoesNotMatch", "InvalidAccessKeyId", "NotSignedUp"] {
        assert_eq!(
            of(xml(code, 403)),
            S3Fault::BadKey {
                status: 403,
                code: code.into()
            }
        );
    }
    assert_eq!(
        of(xml("AccessDenied", 403)),
        S3Fault::AccessDenied { status: 403 }
    );
    // HEAD answers have no body, so no code: the status must do.
    assert_eq!(
        of(answer(None, 403, "", "")),
        S3Fault::AccessDenied { status: 403 }
    );
    assert_eq!(of(answer(Some("NotFound"), 404, "", "")), S3Fault::NotFound);
    assert_eq!(
        of(answer(Some("NotFound"), 404, "text/html", "")),
        S3Fault::NotFound
    );
    assert_eq!(
        of(xml("AuthorizationHeaderMalformed", 400)),
        S3Fault::WrongRegion {
            status: 400,
            code: "AuthorizationHeaderMalformed".into()
        }
    );
    assert_eq!(
        of(xml("SlowDown", 503)),
        S3Fault::Service {
            status: 503,
            code: Some("SlowDown".into()),
            message: Some("from the server".into())
        }
    );
    assert_eq!(
        of(answer(None, 500, "", "")),
        S3Fault::Service {
            status: 500,
            code: None,
            message: None
        }
    );
}

#[test]
fn answers_that_are_not_s3_are_told_by_their_body() {
    let of = |err: ListError| S3Fault::of(&err);
    let html = "<!DOCTYPE html><title>Welcome</title>";
    for (status, content_type) in [(200, "text/html; charset=utf-8"), (404, "")] {
        assert_eq!(
            of(answer(None, status, content_type, html)),
            S3Fault::NotS3 {
                status,
                what: "an HTML page".into()
            }
        );
    }
    // A virtual-host request routed to the service root: a bucket listing, not this
    // operation's answer (the SDK calls it "likely a bug in the SDK").
    let listing = "<ListAllMyBucketsResult></ListAllMyBucketsResult>";
    assert!(matches!(
        of(answer(None, 200, "application/xml", listing)),
        S3Fault::NotS3 { status: 200, .. }
    ));
    assert!(matches!(
        of(answer(None, 502, "text/plain", "Bad Gateway")),
        S3Fault::NotS3 { status: 502, .. }
    ));
}

#[test]
fn failures_without_an_answer() {
    let of = |err: ListError| S3Fault::of(&err);
    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    assert_eq!(
        of(SdkError::dispatch_failure(
            aws_sdk_s3::error::ConnectorError::io(Box::new(refused))
        )),
        S3Fault::Unreachable("refused".into())
    );
    let lookup = std::io::Error::other("failed to lookup address information");
    assert_eq!(
        of(SdkError::dispatch_failure(
            aws_sdk_s3::error::ConnectorError::io(Box::new(lookup))
        )),
        S3Fault::Dns("failed to lookup address information".into())
    );
    assert_eq!(
        of(SdkError::timeout_error("operation timeout")),
        S3Fault::Timeout
    );
    let slow_chain = aws_sdk_s3::error::ConnectorError::other(
        "identity resolver timed out after 2s".into(),
        None,
    );
    assert_eq!(
        of(SdkError::dispatch_failure(slow_chain)),
        S3Fault::NoCredentials
    );
}

#[test]
fn every_message_names_a_setting_and_the_status_of_an_answer() {
    let spaces = spaces(false);
    let line = |fault: S3Fault| fault.describe(BACKUPS, &spaces);
    assert_eq!(
        line(S3Fault::NoSuchBucket { status: 404 }),
        "bucket backups does not exist (HTTP 404): check BACKUP_BUCKET, SPACES_ENDPOINT and SPACES_REGION"
    );
    assert_eq!(
        line(S3Fault::BadKey {
            status: 403,
            code: "SignatureDoesNotMatch".into()
        }),
        "https://nyc3.digitaloceanspaces.com refused the key pair for bucket backups (HTTP 403 SignatureDoesNotMatch): check SPACES_KEY and SPACES_SECRET (a key pair of the account that owns the bucket)"
    );
    assert_eq!(
        line(S3Fault::Dns("failed to lookup address information".into())),
        "cannot resolve backups.nyc3.digitaloceanspaces.com for bucket backups (failed to lookup address information; no HTTP answer): check SPACES_ENDPOINT and SPACES_PATH_STYLE (false: the bucket is sent as a subdomain of the endpoint; set it to true if the endpoint does not serve buckets that way)"
    );
    let not_s3 = line(S3Fault::NotS3 {
        status: 200,
        what: "an HTML page".into(),
    });
    assert!(
        not_s3.contains("HTTP 200")
            && not_s3.contains("SPACES_ENDPOINT")
            && not_s3.contains("SPACES_PATH_STYLE"),
        "{not_s3}"
    );
    let answered = [
        S3Fault::AccessDenied { status: 403 },
        S3Fault::InvalidBucketName { status: 400 },
        S3Fault::NotFound,
        S3Fault::WrongRegion {
            status: 301,
            code: "PermanentRedirect".into(),
        },
        S3Fault::Service {
            status: 500,
            code: Some("InternalError".into()),
            message: None,
        },
    ];
    for fault in answered {
        let text = line(fault);
        assert!(text.contains("(HTTP "), "{text}");
        assert!(text.contains("SPACES_") || text.contains("BACKUP_BUCKET"));
    }
    for fault in [
        S3Fault::Timeout,
        S3Fault::NoCredentials,
        S3Fault::Unreachable("refused".into()),
        S3Fault::Other("invalid endpoint".into()),
    ] {
        let text = line(fault);
        assert!(text.contains("SPACES_") && !text.contains('\n'), "{text}");
    }
}

#[test]
fn the_requested_host_follows_the_addressing_style() {
    assert_eq!(
        requested_host(&spaces(false), "b"),
        "b.nyc3.digitaloceanspaces.com"
    );
    assert_eq!(
        requested_host(&spaces(true), "b"),
        "nyc3.digitaloceanspaces.com"
    );
    let aws = SpacesSettings {
        endpoint: None,
        ..spaces(false)
    };
    assert_eq!(requested_host(&aws, "b"), "b.s3.nyc3.amazonaws.com");
}
