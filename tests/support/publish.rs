//! Settings and checks shared by the publishing tests (`generate`, `upload`, `check`).

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::http_server::{Reply, TestServer};
use super::kuma_fixtures::{KumaFixture, KumaVersion};
use super::moto::Moto;
use super::schema::valid_document;

/// The Kuma fixture server with heartbeats as fresh as at capture time.
pub fn fresh_kuma() -> TestServer {
    KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .start()
}

/// The document the run wrote to `dir/status.json`, checked against the schema.
pub fn written(dir: &Path) -> Value {
    valid_document(&std::fs::read(dir.join("status.json")).unwrap())
}

/// `time` as status.json writes times: RFC 3339 UTC with `Z`, whole seconds.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Uptime Kuma settings for a fixture server (status page `main`).
pub fn kuma_env(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("KUMA_URL", server.url()),
        ("KUMA_STATUS_PAGE", "main".to_string()),
    ]
}

/// Spaces settings and `STATUS_BUCKET` for publishing to `bucket` on moto.
pub fn status_bucket_env(moto: &Moto, bucket: &str) -> Vec<(&'static str, String)> {
    let mut env = moto.env();
    env.push(("STATUS_BUCKET", bucket.to_string()));
    env
}

/// GET of an object's URL on moto without any credentials: the status code and the body, as a
/// browser on the marketing site would see them.
pub async fn anonymous_get(moto: &Moto, bucket: &str, key: &str) -> (u16, Vec<u8>) {
    let url = format!("{}/{bucket}/{key}", moto.endpoint());
    let response = reqwest::get(&url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// The object `bucket/key` as stored in moto, read with credentials.
pub async fn stored_object(moto: &Moto, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let object = moto
        .client()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await;
    match object {
        Ok(object) => Some(object.body.collect().await.unwrap().into_bytes().to_vec()),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => None,
        Err(err) => panic!("GetObject {bucket}/{key}: {err:?}"),
    }
}

/// A push monitor that records what each run tells it; it answers as Kuma does.
pub fn push_receiver() -> TestServer {
    TestServer::start(|_| Reply::json(200, &serde_json::json!({"ok": true})))
}

/// `KUMA_PUSH_URL` for `receiver`, with the query Kuma's own Push URL carries (replaced by the
/// run's result).
pub fn push_env(receiver: &TestServer) -> (&'static str, String) {
    (
        "KUMA_PUSH_URL",
        format!("{}/api/push/t0ken?status=up&msg=OK&ping=", receiver.url()),
    )
}

/// The query of the one push the run sent (the receiver saw nothing else), as sent.
pub fn pushed_query(receiver: &TestServer) -> String {
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1, "one push per run: {requests:?}");
    requests[0].query().unwrap_or_default().to_string()
}

/// The `status` and `msg` of the one push the run sent (the receiver saw nothing else).
pub fn pushed(receiver: &TestServer) -> (String, String) {
    let query = pushed_query(receiver);
    let url = reqwest::Url::parse(&format!("http://push.test/?{query}")).unwrap();
    let pair = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {query}"))
    };
    (pair("status"), pair("msg"))
}
