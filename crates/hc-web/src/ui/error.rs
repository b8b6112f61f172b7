//! The dashboard's errors and the one place they become pages: each refusal gets its
//! status code and a readable page in the product's look, never a bare 500.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpResponse, ResponseError};
use serde::Serialize;

use crate::State;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No such page, or a project the visitor may not see (which must look the same).
    #[error("not found")]
    NotFound,
    /// Allowed to look but not to change (a read-only member), or not the owner.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    /// A form without the right CSRF token.
    #[error("the form was stale or forged")]
    Csrf,
    #[error("too many attempts")]
    TooMany,
    /// Anonymous visitor on a page that needs a login: redirect, coming back to `next`.
    #[error("login required")]
    Login { location: String },
    #[error(transparent)]
    Core(#[from] hc_core::Error),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("template error: {0}")]
    Template(#[from] tera::Error),
    #[error("{0}")]
    Internal(String),
}

impl PageError {
    pub fn forbidden() -> Self {
        PageError::Forbidden("You do not have permission to change this project.".into())
    }

    /// Title and explanation shown on the error page.
    fn words(&self) -> (&'static str, String) {
        match self {
            PageError::NotFound => (
                "Not found",
                "There is nothing here, or it is not yours to see. Check the address, or go back to your projects.".into(),
            ),
            PageError::Forbidden(why) => ("Not allowed", why.clone()),
            PageError::BadRequest(why) => ("Cannot do that", why.clone()),
            PageError::Csrf => (
                "The form expired",
                "This form was opened in another session or has expired. Go back, reload the page and try again.".into(),
            ),
            PageError::TooMany => (
                "Too many attempts",
                "Too many attempts, please try later.".into(),
            ),
            PageError::Login { .. } => ("Log in", "Please log in.".into()),
            PageError::Core(hc_core::Error::Invalid(why)) => ("Cannot do that", why.clone()),
            PageError::Core(hc_core::Error::NotFound) => (
                "Not found",
                "There is nothing here, or it is not yours to see.".into(),
            ),
            _ => (
                "Something went wrong",
                "hc could not finish this request. It has been logged; please try again in a moment.".into(),
            ),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NotFound | PageError::Core(hc_core::Error::NotFound) => {
                StatusCode::NOT_FOUND
            }
            PageError::Forbidden(_) | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::BadRequest(_) | PageError::Core(hc_core::Error::Invalid(_)) => {
                StatusCode::BAD_REQUEST
            }
            PageError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            PageError::Login { .. } => StatusCode::FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::Login { location } = self {
            return HttpResponse::Found()
                .insert_header((header::LOCATION, location.as_str()))
                .finish();
        }
        if self.status_code().is_server_error() {
            // The cause goes to the log, never to the client.
            tracing::error!(error = %self, "page failed");
        }
        // A plain fallback; [`render`] replaces it with the styled page.
        let (title, text) = self.words();
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(format!("{title}\n\n{text}\n"))
    }
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    site_name: &'a str,
    prefix: String,
    status: u16,
    title: &'a str,
    text: &'a str,
}

/// `ErrorHandlers` hook: dashboard errors get the styled error page; every other
/// answer (the API's JSON errors, Django-style 404s) passes through untouched.
pub fn render<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let Some(error) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
    else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let Some(state) = res.request().app_data::<web::Data<State>>().cloned() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let status = error.status_code();
    let (title, text) = error.words();
    let page = ErrorPage {
        site_name: &state.config.site_name,
        prefix: state.config.path_prefix(),
        status: status.as_u16(),
        title,
        text: &text,
    };
    let Ok(html) = state.templates.render("error.html", &page) else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let (req, _) = res.into_parts();
    let answer = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, answer).map_into_right_body(),
    ))
}
