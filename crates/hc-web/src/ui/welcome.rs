//! The Welcome page (spec §7.5): what hc does, for a visitor who is not logged in,
//! with a demo check of their own to `curl` right away and watch turn green, and a
//! way to sign up that keeps it (see [`hc_core::demo`]).

use actix_web::{web, HttpResponse};
use hc_core::{demo, sessions, time};
use hc_integrations::context::ago_in_words;
use serde::Serialize;

use super::{db, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/welcome/status/", web::get().to(status));
}

#[derive(Serialize)]
struct Snippet {
    id: &'static str,
    label: &'static str,
    code: String,
}

#[derive(Serialize)]
struct WelcomePage {
    ping_url: String,
    email: String,
    status: &'static str,
    last_ping: String,
    snippets: Vec<Snippet>,
    signup_open: bool,
}

fn snippets(url: &str) -> Vec<Snippet> {
    vec![
        Snippet {
            id: "crontab",
            label: "Crontab",
            code: format!("# m h dom mon dow command\n8 6 * * * /home/user/backup.sh && curl -fsS -m 10 --retry 5 -o /dev/null {url}"),
        },
        Snippet {
            id: "bash",
            label: "Bash",
            code: format!("# using curl (10 second timeout, retry up to 5 times):\ncurl -m 10 --retry 5 {url}\n\n# using wget (10 second timeout, retry up to 5 times):\nwget {url} -T 10 -t 5 -O /dev/null"),
        },
        Snippet {
            id: "python",
            label: "Python",
            code: format!("import urllib.request\n\nurllib.request.urlopen(\"{url}\", timeout=10)"),
        },
        Snippet {
            id: "node",
            label: "Node.js",
            code: format!(
                "const {module} = require(\"{module}\");\n{module}.get(\"{url}\").on(\"error\", (err) => {{\n  console.log(\"Ping failed: \" + err);\n}});",
                module = if url.starts_with("https:") { "https" } else { "http" }
            ),
        },
        Snippet {
            id: "php",
            label: "PHP",
            code: format!("file_get_contents('{url}');"),
        },
        Snippet {
            id: "powershell",
            label: "PowerShell",
            code: format!("# inserted in a scheduled task's script:\nInvoke-RestMethod {url}"),
        },
        Snippet {
            id: "browser",
            label: "Browser",
            code: format!("Open {url} in a new tab: any visit counts as a ping."),
        },
    ]
}

fn last_ping_words(check: &hc_core::models::Check) -> String {
    match check.last_ping {
        Some(t) => ago_in_words(time::now() - time::utc(t)),
        None => "Never".into(),
    }
}

/// `/` for someone who is not logged in. The demo check is made on the first visit
/// and kept in an anonymous session, so reloading shows the same one.
pub async fn page(
    state: web::Data<State>,
    mut visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    let data = visitor.session_data.clone();
    let key = visitor.session_key.clone();
    let (check, new_key) = db(&state, move |conn| {
        if let Some(check) = demo::of_session(conn, &data)? {
            return Ok((check, None));
        }
        conn.write_tx(|conn| {
            let now = time::now();
            let check = demo::create(conn, now)?;
            let remembered = demo::remember(&data, &check.code);
            match &key {
                Some(key) => {
                    sessions::set_data(conn, key, &remembered)?;
                    Ok((check, None))
                }
                None => Ok((check, Some(sessions::start(conn, None, &remembered, now)?))),
            }
        })
    })
    .await?;
    if let Some(key) = new_key {
        visitor.session_started(&key);
    }
    let ping_url = format!("{}{}", state.config.ping_endpoint, check.code);
    let page = WelcomePage {
        snippets: snippets(&ping_url),
        email: format!("{}@{}", check.code, state.config.ping_email_domain),
        status: check.status_or_stored(time::now(), false).as_str(),
        last_ping: last_ping_words(&check),
        ping_url,
        signup_open: state.config.registration_open && state.config.email.enabled(),
    };
    visitor.render(&state, "welcome.html", &page)
}

/// The demo check's status, polled by the Welcome page: `{"status", "last_ping"}`.
async fn status(
    state: web::Data<State>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let data = visitor.session_data.clone();
    let check = db(&state, move |conn| Ok(demo::of_session(conn, &data)?)).await?;
    let check = check.ok_or(PageError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "status": check.status_or_stored(time::now(), false).as_str(),
            "last_ping": last_ping_words(&check),
        })))
}
