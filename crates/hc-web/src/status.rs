//! `/api/v{1,2,3}/status/`: healthchecks' liveness endpoint. Any method, no key;
//! 200 `OK` once the database has answered `SELECT 1`.

use actix_web::{web, HttpResponse, ResponseError};
use diesel::connection::SimpleConnection;

use crate::{Error, State};

pub async fn status(state: web::Data<State>) -> HttpResponse {
    let pool = state.pool.clone();
    let checked = web::block(move || -> Result<(), hc_core::Error> {
        pool.get()?.batch_execute("SELECT 1")?;
        Ok(())
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))
    .and_then(|r| r.map_err(Error::from));
    match checked {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body("OK"),
        Err(e) => e.error_response(),
    }
}
