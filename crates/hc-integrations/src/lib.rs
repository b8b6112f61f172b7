//! Where hc's messages go. E-mail comes first (alerts, login links, reports and the
//! operator's test message all use it); the chat, pager and webhook integrations
//! join it here, so that the dashboard, `sendalerts` and `hc-admin` share one copy.

pub mod alert;
pub mod email;
