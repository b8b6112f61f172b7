//! `/accounts/profile/notifications/` and `/accounts/profile/appearance/`: e-mail
//! reports, reminders while checks are down, and the theme.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use hc_core::{profiles, time};
use serde::Serialize;

use super::query_value;
use crate::ui::{db, Form, PageError, Visitor};
use crate::State;

/// One radio button: the value posted and the words beside it.
#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

const REPORT_CHOICES: [Choice; 4] = [
    Choice {
        value: "off",
        label: "Off",
    },
    Choice {
        value: "daily",
        label: "Daily",
    },
    Choice {
        value: "weekly",
        label: "Weekly, on Mondays",
    },
    Choice {
        value: "monthly",
        label: "Monthly, on the 1st",
    },
];

const NAG_CHOICES: [Choice; 3] = [
    Choice {
        value: "0",
        label: "Off",
    },
    Choice {
        value: "3600",
        label: "Hourly",
    },
    Choice {
        value: "86400",
        label: "Daily",
    },
];

const THEME_CHOICES: [Choice; 3] = [
    Choice {
        value: "",
        label: "Light",
    },
    Choice {
        value: "dark",
        label: "Dark",
    },
    Choice {
        value: "system",
        label: "Same as the system",
    },
];

#[derive(Serialize)]
struct ReportsPage {
    tab: &'static str,
    report_choices: &'static [Choice],
    nag_choices: &'static [Choice],
    reports: String,
    nag_period: String,
    saved: bool,
    reports_error: String,
    nag_error: String,
}

pub(super) async fn reports(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let user_id = visitor.user()?.id;
    let profile = db(&state, move |conn| Ok(profiles::profile(conn, user_id)?)).await?;
    let page = ReportsPage {
        tab: "notifications",
        report_choices: &REPORT_CHOICES,
        nag_choices: &NAG_CHOICES,
        reports: profile.reports,
        nag_period: profile.nag_period.to_string(),
        saved: query_value(&req, "saved").is_some(),
        reports_error: String::new(),
        nag_error: String::new(),
    };
    visitor.render(&state, "profile/notifications.html", &page)
}

pub(super) async fn reports_post(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let user_id = visitor.user()?.id;
    let reports = profiles::parse_reports(form.get("reports"));
    let nag_period = profiles::parse_nag_period(form.get("nag_period"));
    match (reports, nag_period) {
        (Ok(reports), Ok(nag_period)) => {
            db(&state, move |conn| {
                Ok(profiles::set_reports(
                    conn,
                    user_id,
                    reports,
                    nag_period,
                    time::now(),
                )?)
            })
            .await?;
            Ok(visitor.redirect("/accounts/profile/notifications/?saved=1"))
        }
        (reports, nag_period) => {
            let message = |r: Result<(), hc_core::Error>| match r {
                Err(e) => e.to_string(),
                Ok(()) => String::new(),
            };
            let page = ReportsPage {
                tab: "notifications",
                report_choices: &REPORT_CHOICES,
                nag_choices: &NAG_CHOICES,
                reports: form.get("reports").chars().take(20).collect(),
                nag_period: form.get("nag_period").chars().take(20).collect(),
                saved: false,
                reports_error: message(reports.map(|_| ())),
                nag_error: message(nag_period.map(|_| ())),
            };
            visitor.render_status(
                &state,
                StatusCode::BAD_REQUEST,
                "profile/notifications.html",
                &page,
            )
        }
    }
}

#[derive(Serialize)]
struct AppearancePage {
    tab: &'static str,
    themes: &'static [Choice],
    theme: String,
    saved: bool,
    error: String,
}

pub(super) async fn appearance(
    state: web::Data<State>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    visitor.user()?;
    let page = AppearancePage {
        tab: "appearance",
        themes: &THEME_CHOICES,
        theme: visitor.theme.clone(),
        saved: query_value(&req, "saved").is_some(),
        error: String::new(),
    };
    visitor.render(&state, "profile/appearance.html", &page)
}

pub(super) async fn appearance_post(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let visitor = Visitor::load(&state, &req).await?;
    let form = Form::parse(&body);
    visitor.check_csrf(&req, &form)?;
    let user_id = visitor.user()?.id;
    let theme = form.get("theme").to_owned();
    let saved = db(&state, move |conn| {
        match profiles::set_theme(conn, user_id, &theme) {
            Ok(()) => Ok(Ok(())),
            Err(hc_core::Error::Invalid(message)) => Ok(Err(message)),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    match saved {
        Ok(()) => Ok(visitor.redirect("/accounts/profile/appearance/?saved=1")),
        Err(error) => {
            let page = AppearancePage {
                tab: "appearance",
                themes: &THEME_CHOICES,
                theme: visitor.theme.clone(),
                saved: false,
                error,
            };
            visitor.render_status(
                &state,
                StatusCode::BAD_REQUEST,
                "profile/appearance.html",
                &page,
            )
        }
    }
}
