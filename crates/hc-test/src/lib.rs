//! A fresh, empty database for each test, on the backend the run is for:
//! `HC_TEST_DB=sqlite` (default; a temporary file), `postgres` or `mysql` (a new
//! database `hc_t_<random>` on the local server, dropped afterwards). Server
//! addresses come from `HC_TEST_PG_URL` and `HC_TEST_MYSQL_URL`, defaulting to the
//! servers of the development machine.

#![expect(
    clippy::expect_used,
    reason = "test support: a broken test database should stop the test loudly"
)]

mod http_sink;

pub use http_sink::{HttpSink, Recorded, Reply};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use hc_core::config::{Backend, DbConfig, Secret};

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_MYSQL: &str = "mysql://root@127.0.0.1:3306/test";

/// The backend this test run is for.
pub fn backend() -> Backend {
    match std::env::var("HC_TEST_DB").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("mysql") | Ok("mariadb") => Backend::Mysql,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("HC_TEST_DB={other:?}: use sqlite, postgres or mysql"),
    }
}

/// An empty database that disappears with this value. Nothing is migrated yet.
pub struct TestDb {
    pub config: DbConfig,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
    Mysql { admin_url: String, name: String },
}

impl TestDb {
    pub fn new() -> Self {
        Self::on(backend())
    }

    pub fn on(backend: Backend) -> Self {
        let name = format!("hc_t_{:016x}", rand::random::<u64>());
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                TestDb {
                    config: DbConfig::sqlite(dir.path().join("hc.sqlite")),
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = no_gssapi(
                    &std::env::var("HC_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG.into()),
                );
                let mut admin = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let url = no_gssapi(&replace_db_name(&admin_url, &name));
                TestDb {
                    config: DbConfig::Postgres {
                        conninfo: Secret::new(url),
                        display: format!("test database {name}"),
                    },
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            Backend::Mysql => {
                let admin_url =
                    std::env::var("HC_TEST_MYSQL_URL").unwrap_or_else(|_| DEFAULT_MYSQL.into());
                let mut admin = diesel::MysqlConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach MySQL/MariaDB at {admin_url}: {e}"));
                admin
                    .batch_execute(&format!(
                        "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                    ))
                    .expect("create test database");
                let url = replace_db_name(&admin_url, &name);
                TestDb {
                    config: DbConfig::Mysql {
                        url: Secret::new(url),
                        display: format!("test database {name}"),
                    },
                    cleanup: Cleanup::Mysql { admin_url, name },
                }
            }
        }
    }

    /// Environment variables that point an hc process at this database.
    pub fn env(&self) -> Vec<(String, String)> {
        let url = match &self.config {
            DbConfig::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            DbConfig::Postgres { conninfo, .. } => conninfo.expose().to_owned(),
            DbConfig::Mysql { url, .. } => url.expose().to_owned(),
        };
        vec![("DATABASE_URL".into(), url)]
    }
}

impl TestDb {
    /// A configuration for this database, with a fixed test secret and `extra`
    /// variables on top.
    pub fn hc_config(&self, extra: &[(&str, &str)]) -> hc_core::config::Config {
        let mut vars: Vec<(String, String)> = vec![("SECRET_KEY".into(), "test-secret".into())];
        vars.extend(self.env());
        vars.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let env = hc_core::config::Env::new(|name| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        hc_core::config::Config::from(&env).expect("a valid test configuration")
    }

    /// Applies the migrations and returns a pool.
    pub fn migrated_pool(&self) -> hc_core::db::Pool {
        hc_core::db::connect(&self.config, 8, hc_core::db::OnStart::Migrate)
            .expect("migrate the test database")
    }
}

/// A port that was free a moment ago, for starting a binary that binds by itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Waits until something accepts connections on `port` (or panics after `timeout`).
pub fn wait_for_port(port: u16, timeout: std::time::Duration) {
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < timeout,
            "nothing listens on port {port} after {timeout:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Default for TestDb {
    fn default() -> Self {
        Self::new()
    }
}

/// `url` with libpq's GSSAPI off. Test processes end while background threads
/// (ping writers, mail senders) may still hold connections, and libpq's Kerberos
/// clean-up at exit then crashes a process whose tests passed; nothing here uses
/// Kerberos.
fn no_gssapi(url: &str) -> String {
    if url.contains("gssencmode=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}gssencmode=disable")
}

fn replace_db_name(url: &str, name: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let (prefix, _) = base.rsplit_once('/').expect("a database URL with a path");
    format!("{prefix}/{name}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Best effort: a failed drop leaves a uniquely named database behind, which
        // never disturbs another run.
        match &self.cleanup {
            Cleanup::Sqlite(_) => {}
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
            Cleanup::Mysql { admin_url, name } => {
                if let Ok(mut admin) = diesel::MysqlConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
                }
            }
        }
    }
}

/// A real SMTP server on loopback (Python's aiosmtpd, `pip install aiosmtpd`) that
/// keeps what it receives in a maildir, for tests that send e-mail.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_port();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd (pip install aiosmtpd)");
        wait_for_port(port, std::time::Duration::from_secs(20));
        SmtpSink { port, dir, child }
    }

    /// Every message received so far, headers and body, with quoted-printable
    /// encoding undone so tests can look for the words a person reads.
    pub fn messages(&self) -> Vec<String> {
        self.raw_messages()
            .iter()
            .map(|m| decode_quoted_printable(m))
            .collect()
    }

    /// Every message received so far, as it arrived.
    pub fn raw_messages(&self) -> Vec<String> {
        let new = self.dir.path().join("mail").join("new");
        let mut out: Vec<String> = std::fs::read_dir(new)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Undoes quoted-printable: soft line breaks and `=XX` escapes (UTF-8 kept whole).
pub fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_database_urls_turn_gssapi_off_once() {
        let admin = no_gssapi("postgres://postgres@127.0.0.1:5432/postgres");
        assert_eq!(
            admin,
            "postgres://postgres@127.0.0.1:5432/postgres?gssencmode=disable"
        );
        assert_eq!(
            no_gssapi(&replace_db_name(&admin, "hc_test_1")),
            "postgres://postgres@127.0.0.1:5432/hc_test_1?gssencmode=disable"
        );
        assert_eq!(
            no_gssapi("postgres://h/db?sslmode=disable"),
            "postgres://h/db?sslmode=disable&gssencmode=disable"
        );
        assert_eq!(
            no_gssapi("postgres://h/db?gssencmode=prefer"),
            "postgres://h/db?gssencmode=prefer"
        );
    }
}
