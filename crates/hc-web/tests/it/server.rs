//! The server started in-process, as `main` starts it.

use std::net::{SocketAddr, TcpListener};
use std::process::Command;

use hc_test::TestDb;
use tokio_util::sync::CancellationToken;

struct Running {
    addr: SocketAddr,
    shutdown: CancellationToken,
    _db: TestDb,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn start(extra: &[(&str, &str)]) -> Running {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let config = db.hc_config(extra);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    actix_web::rt::spawn(hc_web::run(config, pool, listener, shutdown.clone()));
    Running {
        addr,
        shutdown,
        _db: db,
    }
}

#[actix_web::test]
async fn status_answers_ok_to_any_method_on_every_version() {
    let app = start(&[]);
    let client = reqwest::Client::new();
    for version in ["v1", "v2", "v3"] {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::POST,
            reqwest::Method::HEAD,
        ] {
            let url = format!("http://{}/api/{version}/status/", app.addr);
            let response = client.request(method.clone(), &url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{method} {url}");
            assert_eq!(
                response.headers()["content-type"],
                "text/html; charset=utf-8"
            );
            if method != reqwest::Method::HEAD {
                assert_eq!(response.text().await.unwrap(), "OK");
            }
        }
    }
}

#[actix_web::test]
async fn the_front_page_escapes_what_it_shows() {
    let app = start(&[("SITE_NAME", "<script>alert(1)</script>")]);
    let body = reqwest::get(format!("http://{}/", app.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "{body}"
    );
    assert!(!body.contains("<script>"));
}

#[test]
fn every_template_parses() {
    let templates = hc_web::Templates::load().unwrap();
    let names = templates.names();
    fn files(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| if p.is_dir() { files(&p) } else { 1 })
            .sum()
    }
    let on_disk = files(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../templates"
    )));
    assert!(names.contains(&"projects/index.html") && names.contains(&"base.html"));
    assert_eq!(names.len(), on_disk, "every file in templates/ is loaded");
}

#[test]
fn help_and_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_hc-web"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--bind"));
    let out = Command::new(env!("CARGO_BIN_EXE_hc-web"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("hc-web {}", env!("CARGO_PKG_VERSION"))
    );
}
