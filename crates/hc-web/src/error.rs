//! The ping receiver's errors, and the one place they become HTTP answers.

use std::net::SocketAddr;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error(transparent)]
    Io(std::io::Error),
    #[error(transparent)]
    Core(#[from] hc_core::Error),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("template error: {0}")]
    Template(#[from] tera::Error),
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        // The cause goes to the log, never to the client.
        tracing::error!(error = %self, "request failed");
        hc_http::page(self.status_code())
    }
}
