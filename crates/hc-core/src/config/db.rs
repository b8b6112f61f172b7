//! Which database to use: `DATABASE_URL`, or healthchecks' `DB` and `DB_*` variables,
//! with SQLite in a per-user data directory when nothing is set.

use std::fmt;
use std::path::PathBuf;

use super::env::Env;
use super::{ConfigError, Secret};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbConfig {
    Sqlite {
        path: PathBuf,
        /// True when no database variable was set at all: the zero-set-up path, which
        /// creates its file and applies migrations by itself.
        is_default: bool,
    },
    /// A libpq connection string or URL (may hold a password, hence `Secret`).
    Postgres { conninfo: Secret, display: String },
    /// A `mysql://` URL.
    Mysql { url: Secret, display: String },
}

impl DbConfig {
    pub fn backend(&self) -> Backend {
        match self {
            DbConfig::Sqlite { .. } => Backend::Sqlite,
            DbConfig::Postgres { .. } => Backend::Postgres,
            DbConfig::Mysql { .. } => Backend::Mysql,
        }
    }

    /// Where the data lives, for logs and messages: never includes a password.
    pub fn describe(&self) -> String {
        match self {
            DbConfig::Sqlite { path, .. } => format!("sqlite {}", path.display()),
            DbConfig::Postgres { display, .. } => format!("postgres {display}"),
            DbConfig::Mysql { display, .. } => format!("mysql {display}"),
        }
    }

    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        DbConfig::Sqlite {
            path: path.into(),
            is_default: false,
        }
    }

    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        if let Some(url) = env.opt_string("DATABASE_URL") {
            let from_url = Self::from_url(&url)?;
            if let Some(db) = env.opt_string("DB") {
                let named = parse_backend(&db)?;
                if named != from_url.backend() {
                    return Err(ConfigError::invalid(
                        "DB",
                        format!(
                            "DB={db} disagrees with DATABASE_URL, which is a {} URL; unset one of them",
                            from_url.backend()
                        ),
                    ));
                }
            }
            return Ok(from_url);
        }
        let any_db_var = ["DB", "DB_NAME", "DB_HOST", "DB_PORT", "DB_USER"]
            .iter()
            .any(|v| env.opt_string(v).is_some());
        let backend = match env.opt_string("DB") {
            Some(db) => parse_backend(&db)?,
            None => Backend::Sqlite,
        };
        match backend {
            Backend::Sqlite => {
                let path = match env.opt_string("DB_NAME") {
                    Some(name) => PathBuf::from(name),
                    None => default_sqlite_path(env),
                };
                Ok(DbConfig::Sqlite {
                    path,
                    is_default: !any_db_var,
                })
            }
            Backend::Postgres => Self::postgres_from_parts(env),
            Backend::Mysql => Self::mysql_from_parts(env),
        }
    }

    /// `postgres://`, `postgresql://`, `mysql://`, `mariadb://`, `sqlite://PATH` or a
    /// bare file path ending in `.sqlite`/`.db`/`.sqlite3`.
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::invalid("DATABASE_URL", why.to_owned());
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(bad(
                    "sqlite:// needs a file path, e.g. sqlite:///var/lib/hc/hc.sqlite",
                ));
            }
            return Ok(DbConfig::sqlite(rest));
        }
        let Some((scheme, _)) = url.split_once("://") else {
            let is_file = [".sqlite", ".sqlite3", ".db"]
                .iter()
                .any(|ext| url.ends_with(ext));
            if is_file {
                return Ok(DbConfig::sqlite(url));
            }
            return Err(bad(
                "not a database URL; use postgres://USER:PASSWORD@HOST:PORT/NAME, mysql://USER:PASSWORD@HOST:PORT/NAME or sqlite:///path/to/hc.sqlite",
            ));
        };
        let parsed =
            url::Url::parse(url).map_err(|e| bad(&format!("cannot parse the URL ({e})")))?;
        let display = redacted(&parsed);
        match scheme {
            "postgres" | "postgresql" => Ok(DbConfig::Postgres {
                conninfo: Secret::new(url.to_owned()),
                display,
            }),
            "mysql" | "mariadb" => {
                let mut fixed = parsed.clone();
                // diesel's MySQL driver only knows the mysql:// scheme.
                if scheme == "mariadb" {
                    let rewritten = format!("mysql{}", &url[scheme.len()..]);
                    fixed = url::Url::parse(&rewritten)
                        .map_err(|e| bad(&format!("cannot parse the URL ({e})")))?;
                }
                Ok(DbConfig::Mysql {
                    url: Secret::new(fixed.to_string()),
                    display,
                })
            }
            other => Err(bad(&format!(
                "unknown database scheme {other:?}; use postgres://, mysql:// or sqlite://"
            ))),
        }
    }

    fn postgres_from_parts(env: &Env) -> Result<Self, ConfigError> {
        let name = env.string("DB_NAME", "hc");
        let user = env
            .opt_string("DB_USER")
            .unwrap_or_else(|| "postgres".into());
        let host = env.opt_string("DB_HOST");
        let port = port(env)?;
        let password = env.secret("DB_PASSWORD")?;
        let sslmode = env
            .opt_string("DB_SSLMODE")
            .unwrap_or_else(|| "prefer".into());
        const SSLMODES: [&str; 6] = [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ];
        if !SSLMODES.contains(&sslmode.as_str()) {
            return Err(ConfigError::invalid(
                "DB_SSLMODE",
                format!(
                    "unknown mode {sslmode:?}, use one of {}",
                    SSLMODES.join(", ")
                ),
            ));
        }
        let target = env
            .opt_string("DB_TARGET_SESSION_ATTRS")
            .unwrap_or_else(|| "read-write".into());
        // A libpq keyword string: no URL escaping to get wrong, and an empty host
        // means the local Unix socket, as with Django.
        let mut parts = vec![
            format!("dbname={}", quote_pg(&name)),
            format!("user={}", quote_pg(&user)),
            format!("sslmode={sslmode}"),
            format!("target_session_attrs={}", quote_pg(&target)),
        ];
        if let Some(host) = &host {
            parts.push(format!("host={}", quote_pg(host)));
        }
        if let Some(port) = port {
            parts.push(format!("port={port}"));
        }
        if let Some(password) = &password {
            parts.push(format!("password={}", quote_pg(password.expose())));
        }
        let display = format!(
            "{user}@{}:{}/{name}",
            host.as_deref().unwrap_or("(socket)"),
            port.map_or("5432".to_owned(), |p| p.to_string())
        );
        Ok(DbConfig::Postgres {
            conninfo: Secret::new(parts.join(" ")),
            display,
        })
    }

    fn mysql_from_parts(env: &Env) -> Result<Self, ConfigError> {
        let name = env.string("DB_NAME", "hc");
        let user = env.opt_string("DB_USER").unwrap_or_else(|| "root".into());
        let host = env
            .opt_string("DB_HOST")
            .unwrap_or_else(|| "localhost".into());
        let port = port(env)?;
        let password = env.secret("DB_PASSWORD")?;
        let mut url = url::Url::parse("mysql://localhost/")
            .map_err(|e| ConfigError::invalid("DB_HOST", e.to_string()))?;
        url.set_host(Some(&host)).map_err(|e| {
            ConfigError::invalid("DB_HOST", format!("{host:?} is not a host name ({e})"))
        })?;
        let _ = url.set_port(port);
        let _ = url.set_username(&user);
        if let Some(password) = &password {
            let _ = url.set_password(Some(password.expose()));
        }
        url.set_path(&name);
        let display = redacted(&url);
        Ok(DbConfig::Mysql {
            url: Secret::new(url.to_string()),
            display,
        })
    }
}

fn parse_backend(value: &str) -> Result<Backend, ConfigError> {
    match value {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        "mysql" | "mariadb" => Ok(Backend::Mysql),
        other => Err(ConfigError::invalid(
            "DB",
            format!("unknown database backend {other:?}, use sqlite, postgres or mysql"),
        )),
    }
}

fn port(env: &Env) -> Result<Option<u16>, ConfigError> {
    match env.opt_string("DB_PORT") {
        None => Ok(None),
        Some(p) => p.parse::<u16>().map(Some).map_err(|_| {
            ConfigError::invalid("DB_PORT", format!("{p:?} is not a port number (1-65535)"))
        }),
    }
}

/// `$XDG_DATA_HOME/hc/hc.sqlite`, else `~/.local/share/hc/hc.sqlite`, else `./hc.sqlite`:
/// one place that every hc process of a user finds, wherever it is started from.
fn default_sqlite_path(env: &Env) -> PathBuf {
    if let Some(xdg) = env.opt_string("XDG_DATA_HOME") {
        return PathBuf::from(xdg).join("hc").join("hc.sqlite");
    }
    if let Some(home) = env.opt_string("HOME") {
        return PathBuf::from(home).join(".local/share/hc/hc.sqlite");
    }
    PathBuf::from("hc.sqlite")
}

fn quote_pg(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn redacted(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    let host = shown.host_str().unwrap_or("(socket)").to_owned();
    let port = shown.port().map(|p| format!(":{p}")).unwrap_or_default();
    let user = shown.username().to_owned();
    format!("{user}@{host}{port}{}", shown.path())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<DbConfig, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = Env::new(|k| vars.get(k).cloned());
        DbConfig::from_env(&env)
    }

    #[test]
    fn nothing_set_means_sqlite_in_the_data_dir() {
        let db = from(&[("HOME", "/home/ann")]).unwrap();
        assert_eq!(
            db,
            DbConfig::Sqlite {
                path: "/home/ann/.local/share/hc/hc.sqlite".into(),
                is_default: true
            }
        );
        let db = from(&[("XDG_DATA_HOME", "/data")]).unwrap();
        assert_eq!(db.describe(), "sqlite /data/hc/hc.sqlite");
    }

    #[test]
    fn db_name_selects_a_sqlite_file_that_is_not_the_default() {
        let db = from(&[("DB", "sqlite"), ("DB_NAME", "/tmp/x.sqlite")]).unwrap();
        assert_eq!(db, DbConfig::sqlite("/tmp/x.sqlite"));
    }

    #[test]
    fn postgres_from_parts_is_a_keyword_string() {
        let db = from(&[
            ("DB", "postgres"),
            ("DB_HOST", "127.0.0.1"),
            ("DB_PORT", "5432"),
            ("DB_PASSWORD", "p'w"),
        ])
        .unwrap();
        let DbConfig::Postgres { conninfo, display } = &db else {
            panic!("{db:?}")
        };
        assert_eq!(
            conninfo.expose(),
            "dbname='hc' user='postgres' sslmode=prefer target_session_attrs='read-write' host='127.0.0.1' port=5432 password='p\\'w'"
        );
        assert_eq!(display, "postgres@127.0.0.1:5432/hc");
        assert!(
            !format!("{db:?}").contains("p'w"),
            "password leaked into Debug"
        );
    }

    #[test]
    fn mysql_from_parts_is_an_escaped_url() {
        let db = from(&[
            ("DB", "mariadb"),
            ("DB_HOST", "127.0.0.1"),
            ("DB_PASSWORD", "a@b/c"),
        ])
        .unwrap();
        let DbConfig::Mysql { url, display } = &db else {
            panic!("{db:?}")
        };
        assert_eq!(url.expose(), "mysql://root:a%40b%2Fc@127.0.0.1/hc");
        assert_eq!(display, "root@127.0.0.1/hc");
    }

    #[test]
    fn database_url_wins_and_must_agree_with_db() {
        let db = from(&[("DATABASE_URL", "postgres://u:secret@h:1/n")]).unwrap();
        assert_eq!(db.backend(), Backend::Postgres);
        assert_eq!(db.describe(), "postgres u@h:1/n");
        let db = from(&[("DATABASE_URL", "mariadb://u@h/n")]).unwrap();
        let DbConfig::Mysql { url, .. } = db else {
            panic!()
        };
        assert_eq!(url.expose(), "mysql://u@h/n");
        let err = from(&[("DATABASE_URL", "postgres://h/n"), ("DB", "mysql")]).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("DB: DB=mysql disagrees with DATABASE_URL"));
    }

    #[test]
    fn unknown_backends_and_bad_urls_name_the_variable() {
        let err = from(&[("DB", "oracle")]).unwrap_err().to_string();
        assert_eq!(
            err,
            "DB: unknown database backend \"oracle\", use sqlite, postgres or mysql"
        );
        let err = from(&[("DATABASE_URL", "redis://x")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("DATABASE_URL: unknown database scheme \"redis\""),
            "{err}"
        );
        let err = from(&[("DATABASE_URL", "hello")]).unwrap_err().to_string();
        assert!(err.starts_with("DATABASE_URL: not a database URL"), "{err}");
        let err = from(&[("DB", "postgres"), ("DB_PORT", "99999")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("DB_PORT: "), "{err}");
        let err = from(&[("DB", "postgres"), ("DB_SSLMODE", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("DB_SSLMODE: unknown mode"), "{err}");
    }
}
