//! The dashboard: server-rendered pages for people (accounts, projects, profile, the
//! admin area). Every handler starts from a [`Visitor`], reads and writes through
//! [`db`], and fails with a [`PageError`] that becomes a readable page.

mod accounts;
mod admin;
mod assets;
mod checks;
pub mod error;
mod form;
mod home;
mod profile;
mod projects;
pub mod mail;
mod visitor;

use actix_web::web;

pub use error::PageError;
pub use form::Form;
pub use visitor::{db, Visitor};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{path:.*}", web::get().to(assets::serve));
    home::configure(cfg);
    accounts::configure(cfg);
    projects::configure(cfg);
    checks::configure(cfg);
    profile::configure(cfg);
    admin::configure(cfg);
}
