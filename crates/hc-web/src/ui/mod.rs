//! The dashboard: server-rendered pages for people (accounts, projects, profile, the
//! admin area). Every handler starts from a [`Visitor`], reads and writes through
//! [`db`], and fails with a [`PageError`] that becomes a readable page.

mod accounts;
mod admin;
mod assets;
mod badges;
mod checks;
mod details;
pub mod error;
mod form;
mod home;
mod integrations;
pub mod mail;
mod profile;
mod projects;
mod schedule;
mod unsubscribe;
mod visitor;
pub(crate) mod welcome;

use actix_web::web;

pub use error::PageError;
pub use form::{Form, Posted};
pub use visitor::{db, Visitor};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{path:.*}", web::get().to(assets::serve));
    home::configure(cfg);
    accounts::configure(cfg);
    projects::configure(cfg);
    checks::configure(cfg);
    badges::configure(cfg);
    details::configure(cfg);
    schedule::configure(cfg);
    integrations::configure(cfg);
    welcome::configure(cfg);
    profile::configure(cfg);
    admin::configure(cfg);
    unsubscribe::configure(cfg);
}
