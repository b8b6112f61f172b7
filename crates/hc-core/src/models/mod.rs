//! Rows of hc's tables, one module per family. Each struct reads and writes its whole
//! row; `id` is left to the database on insert and rows are found again by their
//! unique keys (hc does not rely on `RETURNING`, which MySQL lacks).

mod account;
mod check;
mod notify;

pub use account::{LoginToken, Member, Profile, Project, Role, Session, User};
pub use check::{Check, Flip, Ping};
pub use notify::{Channel, ChannelCheck, Email, Notification, TokenBucket};
