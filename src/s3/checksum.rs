//! Request checksums every S3-compatible service understands.
//!
//! Since early 2025 the SDK sends the checksum of an operation that requires one (PutBucketCors
//! here) as CRC32 in `x-amz-checksum-crc32`, announced by `x-amz-sdk-checksum-algorithm`, and
//! no longer sends `Content-MD5`. Services that predate those headers (several S3-compatible
//! ones do) refuse such a request. Operations with a required checksum therefore go through
//! [`content_md5_only`], which puts back `Content-MD5` and removes the flexible-checksum
//! headers. It must be attached per operation with `.customize().mutate_request(...)`: that
//! runs after the SDK added its headers and before the request is signed, where a client-wide
//! interceptor runs too early. The client never computes other checksums
//! (`RequestChecksumCalculation::WhenRequired`), and PutObject sets its own Content-MD5.

use aws_sdk_s3::config::http::HttpRequest;
use base64::Engine as _;
use md5::{Digest, Md5};

/// The base64 MD5 of `body`: the value of a `Content-MD5` header.
pub fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

/// Whether `name` (lower case) is one of the flexible-checksum headers.
pub fn is_flexible_checksum_header(name: &str) -> bool {
    name.starts_with("x-amz-checksum-")
        || name == "x-amz-sdk-checksum-algorithm"
        || name == "x-amz-trailer"
}

/// Replaces the SDK's flexible checksum of an in-memory request body with `Content-MD5`.
pub fn content_md5_only(request: &mut HttpRequest) {
    let flexible: Vec<String> = request
        .headers()
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| is_flexible_checksum_header(name))
        .collect();
    for name in flexible {
        request.headers_mut().remove(name);
    }
    // Every operation this is attached to sends a small XML document held in memory.
    if let Some(body) = request.body().bytes() {
        let md5 = content_md5(body);
        request.headers_mut().insert("content-md5", md5);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::primitives::SdkBody;

    #[test]
    fn flexible_checksum_headers_give_way_to_content_md5() {
        let mut request = HttpRequest::new(SdkBody::from("hello\n"));
        let headers = request.headers_mut();
        headers.insert("x-amz-sdk-checksum-algorithm", "CRC32");
        headers.insert("x-amz-checksum-crc32", "NhCmhg==");
        headers.insert("content-type", "application/xml");
        content_md5_only(&mut request);
        let mut names: Vec<&str> = request.headers().iter().map(|(name, _)| name).collect();
        names.sort_unstable();
        assert_eq!(names, ["content-md5", "content-type"]);
        assert_eq!(
            request.headers().get("content-md5"),
            Some("sZRqySSS0jR8YjW00mERhA==")
        );
    }
}
