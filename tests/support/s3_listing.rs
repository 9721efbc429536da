//! An S3 stand-in that answers only ListObjectsV2, from a sorted in-memory key set, as a
//! remote object store does: every page after a fixed latency. moto is the S3 of the tests;
//! this is for what moto cannot do: answer a page in a fixed time (moto takes about a second
//! a page at 100,000 keys), so a listing's shape (requests, concurrency, round trips in a row)
//! can be measured (the scale harness) and a deadline can end a listing mid-way (the tests).
//!
//! ```ignore
//! let bucket = Arc::new(ListingBucket::new("backups", keys));  // (key, LastModified, size)
//! let server = TestServer::start(move |request| bucket.answer(request).latency(latency));
//! ```
//!
//! It reads `prefix`, `start-after`, `max-keys` and `continuation-token` (an opaque token: here
//! the last key sent), and ignores the signature.

use chrono::{DateTime, SecondsFormat, Utc};

use super::http_server::{Reply, Request};

/// One object: key, LastModified, size.
pub type Listed = (String, DateTime<Utc>, u64);

pub struct ListingBucket {
    name: String,
    /// Sorted by key (UTF-8 bytes, as S3 sorts).
    objects: Vec<Listed>,
}

impl ListingBucket {
    pub fn new(name: &str, mut objects: Vec<Listed>) -> ListingBucket {
        objects.sort_by(|a, b| a.0.cmp(&b.0));
        objects.dedup_by(|a, b| a.0 == b.0);
        ListingBucket {
            name: name.to_string(),
            objects,
        }
    }

    /// The answer to `request`: a ListObjectsV2 page, or 404 for anything else.
    pub fn answer(&self, request: &Request) -> Reply {
        let query = parse_query(request.query.as_deref().unwrap_or(""));
        let param = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let bucket = request.path.trim_start_matches('/').trim_end_matches('/');
        if request.method != "GET" || bucket != self.name || param("list-type") != Some("2") {
            return Reply::text(
                404,
                "application/xml",
                "<Error><Code>NoSuchKey</Code></Error>",
            );
        }
        let prefix = param("prefix").unwrap_or("");
        let after = param("continuation-token").or(param("start-after"));
        let max_keys = param("max-keys")
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(1000)
            .min(1000);
        let from = match after {
            Some(after) => self.objects.partition_point(|o| o.0.as_str() <= after),
            None => 0,
        }
        .max(self.objects.partition_point(|o| o.0.as_str() < prefix));
        let mut under = self.objects[from..]
            .iter()
            .take_while(|o| o.0.starts_with(prefix));
        let page: Vec<&Listed> = under.by_ref().take(max_keys).collect();
        let truncated = under.next().is_some();
        Reply::text(
            200,
            "application/xml",
            self.page_xml(prefix, max_keys, &page, truncated),
        )
    }

    fn page_xml(&self, prefix: &str, max_keys: usize, page: &[&Listed], truncated: bool) -> String {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{max_keys}</MaxKeys>\
             <IsTruncated>{truncated}</IsTruncated>",
            escape(&self.name),
            escape(prefix),
            page.len(),
        );
        if let (true, Some(last)) = (truncated, page.last()) {
            xml.push_str(&format!(
                "<NextContinuationToken>{}</NextContinuationToken>",
                escape(&last.0)
            ));
        }
        for (key, modified, size) in page {
            xml.push_str(&format!(
                "<Contents><Key>{}</Key><LastModified>{}</LastModified>\
                 <ETag>&quot;0&quot;</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>",
                escape(key),
                modified.to_rfc3339_opts(SecondsFormat::Millis, true),
            ));
        }
        xml.push_str("</ListBucketResult>");
        xml
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `a=1&b=x%2Fy` into pairs, percent-decoded (`+` is a space, as in forms).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
