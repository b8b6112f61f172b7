//! One module per channel kind: what it is configured with and the exact request it
//! makes. E-mail lives in [`crate::email`] and [`crate::alert`].

pub mod email_alert;
pub mod gotify;
pub mod matrix;
pub mod msteams;
pub mod ntfy;
pub mod opsgenie;
pub mod pagerduty;
pub mod pushbullet;
pub mod pushover;
pub mod rocketchat;
pub mod signal;
pub mod slack;
pub mod telegram;
pub mod victorops;
pub mod webhook;
pub mod zulip;
