//! Changing one's e-mail address: the new address gets a link (signed, 15 minutes);
//! opening it while logged in makes the change, so nobody can move an account to an
//! address they cannot read.

use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::profiles::{self, EmailChangeRefused};
use hc_core::{accounts, keys, time};
use serde::Serialize;

use super::{password_budget, AccountErrors, Outcome};
use crate::ui::{db, mail, Form, PageError, Visitor};
use crate::State;

#[derive(Serialize)]
struct Mail<'a> {
    site_name: &'a str,
    link: String,
    old_email: &'a str,
}

/// The profile form's `action=email`: checks the address (and password), and mails
/// the link to the new address.
pub(super) async fn request(
    state: &web::Data<State>,
    user: &hc_core::models::User,
    form: &Form,
) -> Result<Outcome, PageError> {
    let typed = form.trimmed("new_email").to_owned();
    let password = form.get("email_password").to_owned();
    let user = user.clone();
    let state2 = state.clone();
    let outcome = db(state, move |conn| {
        let mut errors = AccountErrors::default();
        let echo = if typed.len() <= 254 {
            typed.clone()
        } else {
            String::new()
        };
        if !user.password.is_empty() {
            password_budget(conn, &user.email)?;
            if !keys::verify_password(&password, &user.password) {
                errors.email_password = "The current password is not correct.".into();
            }
        }
        let email = match accounts::normalize_email(&typed) {
            Ok(email) if email == user.email => {
                errors.new_email = "That is already your address.".into();
                None
            }
            Ok(email) => {
                if accounts::find_user_by_email(conn, &email)?.is_some() {
                    errors.new_email = "Another account uses that address.".into();
                    None
                } else {
                    Some(email)
                }
            }
            Err(_) => {
                errors.new_email = "Enter a valid e-mail address, like name@example.org.".into();
                None
            }
        };
        let (Some(email), true) = (email, errors.email_password.is_empty()) else {
            return Ok(Outcome::BadEmail(errors, echo));
        };
        let token = profiles::email_change_token(
            state2.config.secret_key.expose(),
            user.id,
            &email,
            time::now(),
        );
        let context = Mail {
            site_name: &state2.config.site_name,
            link: format!("{}/accounts/change_email/{token}/", state2.config.site_root),
            old_email: &user.email,
        };
        mail::queue(
            &state2,
            conn,
            &email,
            &format!("Confirm your new address for {}", state2.config.site_name),
            "change_email",
            &context,
        )?;
        Ok(Outcome::Saved("email_sent"))
    })
    .await?;
    mail::wake(state);
    Ok(outcome)
}

#[derive(Serialize)]
struct ConfirmPage {
    action: String,
    error: &'static str,
}

/// GET of the link: a button, so that mail scanners cannot make the change.
pub(super) async fn confirm_page(
    state: web::Data<State>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.user()?;
    let page = ConfirmPage {
        action: visitor.path(&format!(
            "/accounts/change_email/{}/",
            percent_encoding::utf8_percent_encode(&token, percent_encoding::NON_ALPHANUMERIC)
        )),
        error: "",
    };
    visitor.render(&state, "profile/change_email.html", &page)
}

pub(super) async fn confirm(
    state: web::Data<State>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.check_csrf(&req, &Form::parse(&body))?;
    let user_id = visitor.user()?.id;
    let secret = state.config.secret_key.expose().to_owned();
    let token = token.into_inner();
    let outcome = db(&state, move |conn| {
        Ok(profiles::change_email(
            conn,
            &secret,
            user_id,
            &token,
            time::now(),
        )?)
    })
    .await?;
    match outcome {
        Ok(_) => {
            tracing::info!(user.id = user_id, "e-mail address changed");
            Ok(visitor.redirect("/accounts/profile/?saved=email"))
        }
        Err(why) => {
            let page = ConfirmPage {
                action: String::new(),
                error: match why {
                    EmailChangeRefused::Expired => "This link has expired: links work for 15 minutes. Ask for a new one on your account page.",
                    EmailChangeRefused::Taken => "Another account uses that address by now.",
                    EmailChangeRefused::Invalid => "This link is not valid for your account. Make sure you are logged in as the person who asked for it.",
                },
            };
            visitor.render_status(
                &state,
                actix_web::http::StatusCode::BAD_REQUEST,
                "profile/change_email.html",
                &page,
            )
        }
    }
}
