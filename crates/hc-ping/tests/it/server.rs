//! The server started in-process, as `main` starts it.

use std::net::TcpListener;

use hc_test::TestDb;
use tokio_util::sync::CancellationToken;

#[actix_web::test]
async fn health_answers_ok_and_shutdown_stops_the_server() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let config = db.hc_config(&[]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let server = actix_web::rt::spawn(hc_ping::run(
        config,
        pool,
        listener,
        hc_ping::Options::default(),
        shutdown.clone(),
    ));

    let response = reqwest::get(format!("http://{addr}/health")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "OK");

    shutdown.cancel();
    server.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("http://{addr}/health")).await.is_err(),
        "the port is closed"
    );
}
