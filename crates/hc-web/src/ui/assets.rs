//! `static/`: the stylesheet, scripts and icons, served by hc-web itself (embedded
//! in release builds) so that no page ever loads anything from another site.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../static/"]
struct Files;

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

pub async fn serve(path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    match Files::get(&path) {
        Some(file) => HttpResponse::Ok()
            .content_type(content_type(&path))
            // Short enough that an upgrade shows within minutes without versioned names.
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .body(file.data.into_owned()),
        None => hc_http::page(actix_web::http::StatusCode::NOT_FOUND),
    }
}
