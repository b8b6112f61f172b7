//! Where hc's messages go: e-mail (alerts, login links, reports and the operator's
//! test message), webhooks and the chat and pager services. The dashboard,
//! `sendalerts` and `hc-admin` share this one copy.

pub mod alert;
pub mod catalogue;
pub mod chat;
pub mod context;
pub mod email;
pub mod failure;
pub mod kinds;
pub mod outbound;
pub mod outbox;
pub mod trial;

pub use alert::{send, Senders};
pub use context::Alert;
pub use failure::{Failure, Then};
