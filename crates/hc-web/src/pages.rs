//! Server-rendered pages. One `Serialize` struct per page.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::{Error, State};

#[derive(Serialize)]
struct IndexPage<'a> {
    site_name: &'a str,
    site_root: &'a str,
    ping_endpoint: &'a str,
}

/// The front page. The dashboard itself arrives with the accounts and checks pages.
pub async fn index(state: web::Data<State>) -> Result<HttpResponse, Error> {
    let page = IndexPage {
        site_name: &state.config.site_name,
        site_root: &state.config.site_root,
        ping_endpoint: &state.config.ping_endpoint,
    };
    let html = state.templates.render("index.html", &page)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}
