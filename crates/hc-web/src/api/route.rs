//! The management API's URL patterns (spec §4.2), matched by hand so that the
//! answers for near misses are healthchecks' ones: a missing trailing slash is a 301,
//! an upper-case UUID or an extra slash is the 404 page.

use actix_web::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
    V3,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V2 => "v2",
            Version::V3 => "v3",
        }
    }

    /// v1 and v2 set the slug from the name on create and update; v3 never does.
    pub fn derives_slug(self) -> bool {
        self != Version::V3
    }

    /// Only v1 reports an open run as status `started`.
    pub fn reports_started(self) -> bool {
        self == Version::V1
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Checks,
    Check(String),
    CheckByKey(String),
    Pause(String),
    Resume(String),
    Pings(String),
    PingBody(String, u64),
    Flips(String),
    FlipsByKey(String),
    Channels,
    Badges,
    Status,
    Metrics,
}

impl Endpoint {
    /// The methods the endpoint answers, besides OPTIONS; `None` = every method.
    pub fn methods(&self) -> Option<&'static [Method]> {
        const GET: &[Method] = &[Method::GET];
        const POST: &[Method] = &[Method::POST];
        match self {
            Endpoint::Checks => Some(&[Method::GET, Method::POST]),
            Endpoint::Check(_) => Some(&[Method::GET, Method::POST, Method::DELETE]),
            Endpoint::Pause(_) | Endpoint::Resume(_) => Some(POST),
            Endpoint::CheckByKey(_)
            | Endpoint::Pings(_)
            | Endpoint::PingBody(..)
            | Endpoint::Flips(_)
            | Endpoint::FlipsByKey(_)
            | Endpoint::Channels
            | Endpoint::Badges => Some(GET),
            Endpoint::Status | Endpoint::Metrics => None,
        }
    }

    /// `Access-Control-Allow-Methods` for the endpoint.
    pub fn allow_methods(&self) -> String {
        let mut names: Vec<&str> = self
            .methods()
            .unwrap_or_default()
            .iter()
            .map(Method::as_str)
            .collect();
        names.push("OPTIONS");
        names.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Api(Version, Endpoint),
    /// The path matches once a `/` is appended: Django's `APPEND_SLASH` redirect.
    AddSlash,
    NotFound,
}

/// Matches a path below `/api/`, e.g. `v3/checks/`.
pub fn parse(path: &str) -> Route {
    if let Some(route) = api(path) {
        return route;
    }
    if api(&format!("{path}/")).is_some() {
        return Route::AddSlash;
    }
    Route::NotFound
}

fn api(path: &str) -> Option<Route> {
    let (version, rest) = path.split_once('/')?;
    let version = match version {
        "v1" => Version::V1,
        "v2" => Version::V2,
        "v3" => Version::V3,
        _ => return None,
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let endpoint = match segments.as_slice() {
        ["checks", ""] => Endpoint::Checks,
        ["checks", id] if is_uuid(id) => Endpoint::Check((*id).to_owned()),
        ["checks", key] if is_sha1(key) => Endpoint::CheckByKey((*key).to_owned()),
        ["checks", id, "pause"] if is_uuid(id) => Endpoint::Pause((*id).to_owned()),
        ["checks", id, "resume"] if is_uuid(id) => Endpoint::Resume((*id).to_owned()),
        ["checks", id, "pings", ""] if is_uuid(id) => Endpoint::Pings((*id).to_owned()),
        ["checks", id, "pings", n, "body"] if is_uuid(id) && is_int(n) => {
            // Digits beyond u64 name no ping: the 404 page, as for any unknown number.
            Endpoint::PingBody((*id).to_owned(), n.parse().unwrap_or(u64::MAX))
        }
        ["checks", id, "flips", ""] if is_uuid(id) => Endpoint::Flips((*id).to_owned()),
        ["checks", key, "flips", ""] if is_sha1(key) => Endpoint::FlipsByKey((*key).to_owned()),
        ["channels", ""] => Endpoint::Channels,
        ["badges", ""] => Endpoint::Badges,
        ["status", ""] => Endpoint::Status,
        ["metrics", ""] => Endpoint::Metrics,
        _ => return None,
    };
    Some(Route::Api(version, endpoint))
}

/// Django's `uuid` converter: lower-case canonical form only.
pub fn is_uuid(s: &str) -> bool {
    let groups = [8, 4, 4, 4, 12];
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == groups.len()
        && parts.iter().zip(groups).all(|(part, len)| {
            part.len() == len
                && part
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// healthchecks' `sha1` converter, `[A-z0-9]{40}`: the ASCII range `A..z` also admits
/// `[ \ ] ^ _` and the backtick.
fn is_sha1(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'z').contains(&b))
}

fn is_int(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "7918b17b-a745-4db1-8575-9d2e07c97f79";
    const KEY: &str = "d73e7eb91c4be6bac182ec88027cd1f8588117e9";

    fn api(v: Version, e: Endpoint) -> Route {
        Route::Api(v, e)
    }

    #[test]
    fn endpoints() {
        assert_eq!(parse("v3/checks/"), api(Version::V3, Endpoint::Checks));
        assert_eq!(parse("v1/checks/"), api(Version::V1, Endpoint::Checks));
        assert_eq!(
            parse(&format!("v2/checks/{UUID}")),
            api(Version::V2, Endpoint::Check(UUID.into()))
        );
        assert_eq!(
            parse(&format!("v3/checks/{KEY}")),
            api(Version::V3, Endpoint::CheckByKey(KEY.into()))
        );
        assert_eq!(
            parse(&format!("v3/checks/{UUID}/pings/12/body")),
            api(Version::V3, Endpoint::PingBody(UUID.into(), 12))
        );
        assert_eq!(
            parse(&format!("v3/checks/{KEY}/flips/")),
            api(Version::V3, Endpoint::FlipsByKey(KEY.into()))
        );
        assert_eq!(parse("v1/status/"), api(Version::V1, Endpoint::Status));
    }

    #[test]
    fn near_misses() {
        assert_eq!(parse("v3/checks"), Route::AddSlash);
        assert_eq!(parse(&format!("v3/checks/{UUID}/flips")), Route::AddSlash);
        assert_eq!(parse("v3/metrics"), Route::AddSlash);
        assert_eq!(parse(&format!("v3/checks/{UUID}/")), Route::NotFound);
        assert_eq!(
            parse(&format!("v3/checks/{}", UUID.to_uppercase())),
            Route::NotFound
        );
        assert_eq!(parse("v4/checks/"), Route::NotFound);
        assert_eq!(
            parse(&format!("v3/checks/{UUID}/pings/-1/body")),
            Route::NotFound
        );
        assert_eq!(parse(&format!("v3/checks/{UUID}/pause/")), Route::NotFound);
        assert_eq!(
            parse(&format!(
                "v3/checks/{UUID}/pings/99999999999999999999999/body"
            )),
            api(Version::V3, Endpoint::PingBody(UUID.into(), u64::MAX))
        );
    }

    #[test]
    fn cors_methods() {
        assert_eq!(
            Endpoint::Check(UUID.into()).allow_methods(),
            "GET, POST, DELETE, OPTIONS"
        );
        assert_eq!(Endpoint::Badges.allow_methods(), "GET, OPTIONS");
    }
}
