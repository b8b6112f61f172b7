//! `/projects/<uuid>/badges/`: the Badges page. Pick all checks, a tag or one check,
//! a format and two or three states; the page shows the badge and its URL to copy.
//! Badge URLs are public but signed (see [`hc_core::badge`]).

use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::badge::{self, States};
use hc_core::checks;
use serde::Serialize;

use super::checks::project_or_404;
use super::{db, PageError, Visitor};
use crate::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{code}/badges/", web::get().to(page));
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct BadgesPage {
    project_code: String,
    project_name: String,
    targets: Vec<Choice>,
    target: String,
    format: &'static str,
    states: u8,
    url: String,
    /// An image to show: the SVG form of the chosen badge.
    preview: String,
    markdown: String,
}

const FORMATS: [&str; 3] = ["svg", "json", "shields"];

async fn page(
    state: web::Data<State>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let (project, all, owner_email) = db(&state, move |conn| {
        let (project, _) = project_or_404(conn, &user, &code)?;
        let all = checks::of_project(conn, project.id)?;
        let owner_email = super::home::owner_email(conn, &project)?;
        Ok((project, all, owner_email))
    })
    .await?;
    let mut target = "all".to_owned();
    let mut format = "svg";
    let mut states = States::Three;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match &*k {
            "target" => target = v.into_owned(),
            "fmt" => format = FORMATS.iter().find(|f| **f == v).copied().unwrap_or("svg"),
            "states" => {
                states = if v == "2" { States::Two } else { States::Three };
            }
            _ => {}
        }
    }
    let mut tags: Vec<&str> = all.iter().flat_map(|c| c.tags_list()).collect();
    tags.sort_unstable();
    tags.dedup();
    let mut targets = vec![Choice {
        value: "all".into(),
        label: "All checks".into(),
    }];
    targets.extend(tags.iter().map(|t| Choice {
        value: format!("tag:{t}"),
        label: format!("Tag: {t}"),
    }));
    targets.extend(all.iter().map(|c| Choice {
        value: format!("check:{}", c.code),
        label: format!(
            "Check: {}",
            if c.name.is_empty() { &c.code } else { &c.name }
        ),
    }));
    // An unknown choice (a removed tag, another project's check) falls back to all.
    if !targets.iter().any(|t| t.value == target) {
        target = "all".into();
    }
    let site_root = &state.config.site_root;
    let secret = state.config.secret_key.expose();
    let url_for = |format: &str| match target.split_once(':') {
        Some(("tag", tag)) => {
            badge::project_badge_url(site_root, &project.badge_key, tag, secret, states, format)
        }
        Some(("check", code)) => all
            .iter()
            .find(|c| c.code == code)
            .map(|c| badge::check_badge_url(site_root, &c.badge_key, states, format))
            .unwrap_or_default(),
        _ => badge::project_badge_url(site_root, &project.badge_key, "*", secret, states, format),
    };
    let url = url_for(format);
    let svg = url_for("svg");
    // The preview is loaded from this server, whatever address SITE_ROOT names
    // (behind a proxy, or in a test, the two differ); the URLs to copy keep it.
    let preview = match svg.strip_prefix(site_root.as_str()) {
        Some(path) => visitor.path(path),
        None => svg.clone(),
    };
    let page = BadgesPage {
        project_name: super::home::display_name(&project, &owner_email),
        project_code: project.code.clone(),
        markdown: format!("![{}]({svg})", state.config.site_name),
        targets,
        target: target.clone(),
        format,
        states: match states {
            States::Two => 2,
            States::Three => 3,
        },
        url,
        preview,
    };
    visitor.render(&state, "checks/badges.html", &page)
}
