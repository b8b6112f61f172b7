//! `GET /health` for load balancers: 200 `OK` when the database answers, else 503.

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::State;

pub async fn health(state: web::Data<State>) -> HttpResponse {
    let pool = state.pool.clone();
    let ok = web::block(move || -> Result<(), hc_core::Error> {
        let mut conn = pool.get()?;
        conn.batch_execute("SELECT 1")?;
        Ok(())
    })
    .await;
    match ok {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("OK"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable")
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("unavailable")
        }
    }
}
