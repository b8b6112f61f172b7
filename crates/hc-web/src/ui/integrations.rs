//! Placeholder: filled in by the work on this module.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
