//! One module per channel kind: what it is configured with and the exact request it
//! makes. E-mail lives in [`crate::email`] and [`crate::alert`].

pub mod slack;
pub mod webhook;
