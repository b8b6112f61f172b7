//! hc-web (and, where a test needs it, hc-ping) running in-process on a fresh
//! database with one project, and shortcuts for the API calls tests make.

use std::net::{SocketAddr, TcpListener};

use diesel::prelude::*;
use hc_core::accounts::{self, ProvisionedProject};
use hc_core::db::Pool;
use hc_core::models::Check;
use hc_core::schema::checks;
use hc_test::TestDb;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub struct App {
    pub addr: SocketAddr,
    pub pool: Pool,
    pub project: ProvisionedProject,
    pub client: reqwest::Client,
    pub config: hc_core::config::Config,
    shutdown: CancellationToken,
    _db: TestDb,
}

impl Drop for App {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl App {
    pub fn start() -> App {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[(&str, &str)]) -> App {
        let db = TestDb::new();
        let pool = db.migrated_pool();
        let project = accounts::create_project(
            &mut pool.get().unwrap(),
            "owner@example.org",
            "P",
            "test-secret",
        )
        .unwrap();
        let config = db.hc_config(extra);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        actix_web::rt::spawn(hc_web::run(
            config.clone(),
            pool.clone(),
            listener,
            shutdown.clone(),
        ));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        App {
            addr,
            pool,
            project,
            client,
            config,
            shutdown,
            _db: db,
        }
    }

    /// Another project, with its own keys.
    pub fn other_project(&self, owner: &str) -> ProvisionedProject {
        accounts::create_project(&mut self.conn(), owner, "Other", "test-secret").unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn conn(&self) -> hc_core::db::PooledConn {
        self.pool.get().unwrap()
    }

    pub fn rw(&self) -> &str {
        &self.project.api_key
    }

    pub fn ro(&self) -> &str {
        &self.project.api_key_readonly
    }

    pub fn reload(&self, code: &str) -> Check {
        checks::table
            .filter(checks::code.eq(code))
            .select(Check::as_select())
            .first(&mut self.conn())
            .unwrap()
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::from(request.send().await.unwrap()).await
    }

    /// A GET of a full URL, without a key.
    pub async fn fetch(&self, url: String) -> Reply {
        self.send(self.client.get(url)).await
    }

    pub async fn get(&self, path: &str, key: &str) -> Reply {
        self.send(self.client.get(self.url(path)).header("X-Api-Key", key))
            .await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .header("X-Api-Key", key)
                .body(body.to_string()),
        )
        .await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Reply {
        self.send(self.client.delete(self.url(path)).header("X-Api-Key", key))
            .await
    }

    /// Creates a check through the API (v3) and returns its JSON.
    pub async fn create(&self, body: Value) -> Value {
        let reply = self.post("/api/v3/checks/", self.rw(), &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
    pub body: String,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap().to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Reply {
            status,
            headers,
            bytes,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// The `{"error": ...}` message.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap().to_owned()
    }

    pub fn has_cors(&self) -> bool {
        self.header("access-control-allow-origin") == Some("*")
    }
}
