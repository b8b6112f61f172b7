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
    _receiver: Receiver,
    _db: TestDb,
}

/// A receiver running on a thread of its own, as in its own process. Dropping it
/// stops it and waits until `hc_ping::run` has returned, its writer threads joined:
/// a test process that exits while a writer still holds a PostgreSQL connection can
/// crash in libpq's clean-up after the test passed.
pub struct Receiver {
    shutdown: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start(
        config: hc_core::config::Config,
        pool: Pool,
        listener: TcpListener,
        options: hc_ping::Options,
    ) -> Receiver {
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new()
                .block_on(hc_ping::run(config, pool, listener, options, stop))
                .unwrap();
        });
        Receiver {
            shutdown,
            thread: Some(thread),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
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
        let receiver = Receiver::start(config, pool.clone(), listener, options);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        App {
            addr,
            pool,
            project,
            client,
            _receiver: receiver,
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Another receiver on the same database, with connections of its own, as a
    /// second `hc-ping` process would have; it stops when the `Receiver` is dropped.
    pub fn another_receiver(&self) -> (String, Receiver) {
        let pool = hc_core::db::connect(&self._db.config, 4, hc_core::db::OnStart::RequireMigrated)
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let receiver = Receiver::start(
            self._db.hc_config(&[]),
            pool,
            listener,
            hc_ping::Options::default(),
        );
        (format!("http://{addr}"), receiver)
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
