//! One module per channel kind: what it is configured with and the exact request it
//! makes. E-mail lives in [`crate::email`] and [`crate::alert`].

pub mod apprise;
pub mod email_alert;
pub mod github;
pub mod googlechat;
pub mod gotify;
pub mod group;
pub mod matrix;
pub mod msteams;
pub mod ntfy;
pub mod opsgenie;
pub mod pagerduty;
pub mod pagertree;
pub mod pushbullet;
pub mod pushover;
pub mod rocketchat;
pub mod shell;
pub mod signal;
pub mod slack;
pub mod spike;
pub mod telegram;
pub mod trello;
pub mod twilio;
pub mod victorops;
pub mod webhook;
pub mod zulip;
