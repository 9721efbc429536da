//! `status backups` and the shared S3 client, over a real moto S3 server (tests/support/moto.rs).

mod support;

use support::moto::Moto;

#[tokio::test]
async fn s3_client_reads_a_bucket_on_the_test_server() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("client").await;
    moto.put_object(&bucket, "db/a.sql.gz", b"dump".to_vec())
        .await;
    let client = status::s3::client(&moto.spaces()).await.unwrap();
    let listing = client
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = listing.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["db/a.sql.gz"]);
}

#[tokio::test]
async fn s3_errors_name_the_bucket_and_the_fix() {
    let moto = Moto::shared();
    let client = status::s3::client(&moto.spaces()).await.unwrap();
    let err = client
        .list_objects_v2()
        .bucket("no-such-bucket")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        status::s3::describe_error(&err, "no-such-bucket"),
        "bucket no-such-bucket does not exist: check the bucket name, SPACES_ENDPOINT and SPACES_REGION"
    );

    let mut unreachable = moto.spaces();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    unreachable.endpoint = Some(format!("http://127.0.0.1:{closed_port}").parse().unwrap());
    let client = status::s3::client(&unreachable).await.unwrap();
    let err = client
        .list_objects_v2()
        .bucket("backups")
        .send()
        .await
        .unwrap_err();
    let message = status::s3::describe_error(&err, "backups");
    assert!(
        message.starts_with("cannot reach the S3 endpoint for bucket backups (")
            && message.ends_with("): check SPACES_ENDPOINT and the network"),
        "{message}"
    );
}
