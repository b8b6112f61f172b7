//! `/accounts/close/`: deleting one's own account, after saying exactly what goes
//! and having the address (and password, when there is one) typed again.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::keys;
use hc_core::profiles::{self, Holdings};
use serde::Serialize;

use super::password_budget;
use crate::ui::{db, Form, PageError, Visitor};
use crate::State;

#[derive(Serialize)]
struct ClosePage {
    email: String,
    has_password: bool,
    holdings: Holdings,
    typed: String,
    email_error: String,
    password_error: String,
}

pub(super) async fn close(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user = visitor.user()?.clone();
    let user_id = user.id;
    let holdings = db(&state, move |conn| Ok(profiles::holdings(conn, user_id)?)).await?;
    let page = ClosePage {
        email: user.email,
        has_password: !user.password.is_empty(),
        holdings,
        typed: String::new(),
        email_error: String::new(),
        password_error: String::new(),
    };
    visitor.render(&state, "profile/close.html", &page)
}

pub(super) async fn close_post(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let mut visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let user = visitor.user()?.clone();
    let typed = form.trimmed("email").to_lowercase();
    let password = form.get("password").to_owned();
    let (typed2, user2) = (typed.clone(), user.clone());
    let outcome = db(&state, move |conn| {
        let mut page = ClosePage {
            email: user2.email.clone(),
            has_password: !user2.password.is_empty(),
            holdings: Holdings::default(),
            typed: typed2.chars().take(254).collect(),
            email_error: String::new(),
            password_error: String::new(),
        };
        if typed2 != user2.email {
            page.email_error = "This is not the address of your account.".into();
        }
        if page.has_password {
            password_budget(conn, &user2.email)?;
            if !keys::verify_password(&password, &user2.password) {
                page.password_error = "The password is not correct.".into();
            }
        }
        if !page.email_error.is_empty() || !page.password_error.is_empty() {
            page.holdings = profiles::holdings(conn, user2.id)?;
            return Ok(Err(page));
        }
        Ok(Ok(profiles::delete_user(conn, user2.id)?))
    })
    .await?;
    match outcome {
        Ok(gone) => {
            tracing::info!(
                user.id = user.id,
                projects = gone.projects,
                checks = gone.checks,
                "account closed"
            );
            visitor.logged_out();
            Ok(visitor.redirect("/accounts/login/?account-closed=1"))
        }
        Err(page) => {
            visitor.render_status(&state, StatusCode::BAD_REQUEST, "profile/close.html", &page)
        }
    }
}
