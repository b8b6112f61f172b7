//! Why a notification was not delivered, and what to do about it.

/// What happens after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Worth another try later (timeouts, broken connections, 5xx, 429).
    Retry,
    /// Final for this notification (most 4xx answers, refusals by policy).
    Fail,
    /// The channel can never work as configured (the provider says the
    /// destination is gone): it is disabled, as healthchecks does.
    Disable,
}

/// A failed send: the message recorded on the notification and channel, in words an
/// operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub message: String,
    pub then: Then,
}

impl Failure {
    pub fn retry(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            then: Then::Retry,
        }
    }

    pub fn fail(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            then: Then::Fail,
        }
    }

    pub fn disable(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            then: Then::Disable,
        }
    }
}
