//! Which check and action a ping URL names, with healthchecks' route order (spec
//! §2.1): UUID forms first, then `<ping_key>/<slug>` forms; anything else is no route.

/// How the URL names the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Uuid(String),
    Slug { ping_key: String, slug: String },
}

/// The URL's own action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Success,
    Fail,
    Start,
    Log,
    /// `/<n>`: any run of digits; values over 255 are refused after the lookup, as
    /// healthchecks does (so this saturates rather than overflows).
    ExitStatus(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingPath {
    pub target: Target,
    pub endpoint: Endpoint,
}

/// Parses the part of the path after the ping prefix (`/ping/`). `None` means no
/// route matches (the plain 404 page).
pub fn parse_path(rest: &str) -> Option<PingPath> {
    let segments: Vec<&str> = rest.split('/').collect();
    let ping = |target, endpoint| Some(PingPath { target, endpoint });
    match segments.as_slice() {
        [code] if is_uuid(code) => ping(Target::Uuid((*code).to_owned()), Endpoint::Success),
        [code, suffix] if is_uuid(code) && (suffix.is_empty() || endpoint(suffix).is_some()) => {
            let endpoint = endpoint(suffix).unwrap_or(Endpoint::Success);
            ping(Target::Uuid((*code).to_owned()), endpoint)
        }
        [key, slug] if is_slug(key) && is_slug(slug) => {
            ping(slug_target(key, slug), Endpoint::Success)
        }
        [key, slug, suffix] if is_slug(key) && is_slug(slug) => {
            endpoint(suffix).and_then(|endpoint| ping(slug_target(key, slug), endpoint))
        }
        _ => None,
    }
}

fn slug_target(key: &str, slug: &str) -> Target {
    Target::Slug {
        ping_key: key.to_owned(),
        slug: slug.to_owned(),
    }
}

fn endpoint(suffix: &str) -> Option<Endpoint> {
    match suffix {
        "fail" => Some(Endpoint::Fail),
        "start" => Some(Endpoint::Start),
        "log" => Some(Endpoint::Log),
        digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(Endpoint::ExitStatus(digits.parse().unwrap_or(u64::MAX)))
        }
        _ => None,
    }
}

/// Django's `uuid` converter: lower-case canonical form only.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// Django's `slug` converter: `[-a-zA-Z0-9_]+`.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
