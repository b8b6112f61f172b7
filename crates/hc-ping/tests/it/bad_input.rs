//! Hostile and broken clients get a clear 4xx, and everyone else keeps being served.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::support::App;

fn raw_request(app: &App, head: &str) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream
}

fn read_status(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn a_client_that_trickles_its_body_gets_408_and_others_are_served() {
    let app = App::start_with(
        &[],
        hc_ping::Options {
            body_timeout: Duration::from_millis(800),
        },
    );
    let check = app.check(|_| {});
    let head = format!(
        "POST /ping/{} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
        check.code
    );
    let slow = std::thread::spawn({
        let mut stream = raw_request(&app, &head);
        move || {
            for _ in 0..5 {
                let _ = stream.write_all(b"x");
                std::thread::sleep(Duration::from_millis(300));
            }
            read_status(&mut stream)
        }
    });
    // Meanwhile, a normal client is answered at once.
    let started = Instant::now();
    assert_eq!(app.get(&format!("/ping/{}", check.code)).await.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "served while the slow client trickles"
    );
    let status = actix_web::rt::task::spawn_blocking(move || slow.join().unwrap())
        .await
        .unwrap();
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    assert_eq!(
        app.reload(&check.code).n_pings,
        1,
        "the trickled ping was not stored"
    );
}

#[actix_web::test]
async fn a_50_mb_chunked_body_is_refused_without_being_kept() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let chunk = vec![b'a'; 1 << 20];
    let stream =
        futures_util::stream::iter((0..50).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let response = app
        .client
        .post(app.url(&format!("/ping/{}", check.code)))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    // Either the 400 page, or the connection closed while we were still sending.
    if let Ok(response) = response {
        assert_eq!(response.status(), 400);
    }
    assert_eq!(app.reload(&check.code).n_pings, 0);
    assert_eq!(
        app.get(&format!("/ping/{}", check.code)).await.status,
        200,
        "still serving"
    );
}

#[actix_web::test]
async fn a_declared_oversized_body_is_refused_before_it_is_sent() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let head = format!(
        "POST /ping/{} HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n",
        check.code
    );
    let mut stream = raw_request(&app, &head);
    let status = actix_web::rt::task::spawn_blocking(move || read_status(&mut stream))
        .await
        .unwrap();
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
}

#[actix_web::test]
async fn a_burst_of_connections_is_served() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let url = app.url(&format!("/ping/{}", check.code));
    // Many clients at once, each on its own connection.
    let clients: Vec<reqwest::Client> = (0..20)
        .map(|_| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap()
        })
        .collect();
    let replies = join_all((0..2000).map(|i| clients[i % clients.len()].get(&url).send())).await;
    let ok = replies
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|r| r.status() == 200))
        .count();
    assert_eq!(ok, 2000);
    assert_eq!(app.reload(&check.code).n_pings, 2000);
}

#[actix_web::test]
async fn garbage_requests_get_4xx_not_5xx() {
    let app = App::start(&[]);
    for head in [
        "GET /ping/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /ping/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "BREW /ping/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /ping/00000000-0000-4000-8000-000000000000?rid=%FF%FE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ] {
        let mut stream = raw_request(&app, head);
        let status = actix_web::rt::task::spawn_blocking(move || read_status(&mut stream)).await.unwrap();
        let code: u16 = status.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        assert!((400..500).contains(&code), "{head:?} -> {status}");
    }
}
