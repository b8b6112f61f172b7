//! A running receiver on a fresh database, and shortcuts to read what it stored.

use std::net::{SocketAddr, TcpListener};

use diesel::prelude::*;
use hc_core::accounts::{self, ProvisionedProject};
use hc_core::db::Pool;
use hc_core::models::{Check, Flip, Ping};
use hc_core::schema::{checks, flips, pings, projects};
use hc_test::TestDb;
use tokio_util::sync::CancellationToken;

pub struct App {
    pub addr: SocketAddr,
    pub pool: Pool,
    pub project: ProvisionedProject,
    pub client: reqwest::Client,
    shutdown: CancellationToken,
    _db: TestDb,
}

impl Drop for App {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl App {
    pub fn start(extra: &[(&str, &str)]) -> App {
        Self::start_with(extra, hc_ping::Options::default())
    }

    pub fn start_with(extra: &[(&str, &str)], options: hc_ping::Options) -> App {
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
        actix_web::rt::spawn(hc_ping::run(
            config,
            pool.clone(),
            listener,
            options,
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
            shutdown,
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Another receiver on the same database, with connections of its own, as a
    /// second `hc-ping` process would have; it stops when the guard is dropped.
    pub fn another_receiver(&self) -> (String, tokio_util::sync::DropGuard) {
        let pool = hc_core::db::connect(&self._db.config, 4, hc_core::db::OnStart::RequireMigrated)
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        actix_web::rt::spawn(hc_ping::run(
            self._db.hc_config(&[]),
            pool,
            listener,
            hc_ping::Options::default(),
            shutdown.clone(),
        ));
        (format!("http://{addr}"), shutdown.drop_guard())
    }

    pub fn conn(&self) -> hc_core::db::PooledConn {
        self.pool.get().unwrap()
    }

    /// A check in the test project, changed by `edit` before it is stored.
    pub fn check(&self, edit: impl FnOnce(&mut Check)) -> Check {
        let conn = &mut self.conn();
        let project_id: i64 = projects::table
            .filter(projects::code.eq(&self.project.uuid))
            .select(projects::id)
            .first(conn)
            .unwrap();
        let mut check = Check::new(Some(project_id), hc_core::time::now().naive_utc());
        edit(&mut check);
        diesel::insert_into(checks::table)
            .values(&check)
            .execute(conn)
            .unwrap();
        self.reload(&check.code)
    }

    pub fn reload(&self, code: &str) -> Check {
        checks::table
            .filter(checks::code.eq(code))
            .select(Check::as_select())
            .first(&mut self.conn())
            .unwrap()
    }

    pub fn pings(&self, check: &Check) -> Vec<Ping> {
        pings::table
            .filter(pings::check_id.eq(check.id))
            .order(pings::n.asc())
            .select(Ping::as_select())
            .load(&mut self.conn())
            .unwrap()
    }

    pub fn flips(&self, check: &Check) -> Vec<Flip> {
        flips::table
            .filter(flips::check_id.eq(check.id))
            .order(flips::id.asc())
            .select(Flip::as_select())
            .load(&mut self.conn())
            .unwrap()
    }

    pub fn all_pings(&self) -> i64 {
        pings::table.count().get_result(&mut self.conn()).unwrap()
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::from(request.send().await.unwrap()).await
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}
