//! The baseline: an actix-web server that answers "OK" without touching a database,
//! with the same worker count as hc-ping.

use actix_web::{web, App, HttpResponse, HttpServer};

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".into());
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new().default_service(web::to(|| async { HttpResponse::Ok().body("OK") }))
        })
        .backlog(4096)
        .bind(bind)?
        .run()
        .await
    })
}
