//! Every HTTP request an integration makes goes through here: a 30-second limit per
//! request, at most 3 redirects, bounded reading of answers, healthchecks' error
//! words, and no connection to private, loopback or link-local addresses (checked
//! after DNS resolution and on every redirect) unless the operator allows them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Policy;
use reqwest::{Method, StatusCode};

use crate::failure::Failure;

/// healthchecks' per-request limit.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// Most of an answer kept for error messages.
const MAX_ANSWER: usize = 64 * 1024;
const PRIVATE_REFUSED: &str = "Connections to private IP addresses are not allowed";

/// An HTTP client for integrations.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

/// What a provider answered (its body cut to 64 KiB).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
}

/// A request body.
pub enum Body {
    None,
    /// Sent with `Content-Type: application/json`.
    Json(serde_json::Value),
    /// Sent url-encoded.
    Form(Vec<(String, String)>),
    /// Sent as is; the caller sets the content type, if any.
    Raw(Vec<u8>),
}

impl Outbound {
    pub fn new(allow_private: bool) -> Result<Outbound, Failure> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent("healthchecks.io")
            .dns_resolver(Arc::new(Guarded { allow_private }))
            .redirect(Policy::custom(move |attempt| {
                if attempt.previous().len() >= 3 {
                    attempt.error(TooManyRedirects)
                } else if !allow_private
                    && attempt
                        .url()
                        .host_str()
                        .and_then(literal_ip)
                        .is_some_and(is_private)
                {
                    attempt.error(PrivateAddress)
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| Failure::retry(format!("cannot set up HTTP: {e}")))?;
        Ok(Outbound {
            client,
            allow_private,
        })
    }

    /// Posts `payload` as JSON to `url`, a webhook URL a person pasted (the channel's
    /// value): the whole send of the kinds that need nothing more. `label` names the
    /// service in the error for an empty URL.
    pub async fn post_json_to_hook(
        &self,
        url: &str,
        label: &str,
        payload: serde_json::Value,
    ) -> Result<(), Failure> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Failure::fail(format!("Empty {label} webhook URL")));
        }
        self.send(Method::POST, url, &[], Body::Json(payload))
            .await?
            .ok()
    }

    /// Sends one request. Only 200, 201, 202 and 204 count as delivered; other
    /// answers come back as [`Answer`]s for the kind to judge, network failures as
    /// [`Failure`]s.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        body: Body,
    ) -> Result<Answer, Failure> {
        let parsed =
            reqwest::Url::parse(url).map_err(|_| Failure::fail(format!("Invalid URL: {url}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Failure::fail("Only http and https URLs are allowed"));
        }
        if !self.allow_private
            && parsed
                .host_str()
                .and_then(literal_ip)
                .is_some_and(is_private)
        {
            return Err(Failure::fail(PRIVATE_REFUSED));
        }
        let mut request = self.client.request(method, parsed);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request = match body {
            Body::None => request,
            Body::Json(value) => request.json(&value),
            Body::Form(fields) => request.form(&fields),
            Body::Raw(bytes) => request.body(bytes),
        };
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            let room = MAX_ANSWER.saturating_sub(body.len()).min(chunk.len());
            body.extend_from_slice(chunk.get(..room).unwrap_or_default());
            if body.len() >= MAX_ANSWER {
                break;
            }
        }
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

impl Answer {
    pub fn delivered(&self) -> bool {
        matches!(self.status.as_u16(), 200 | 201 | 202 | 204)
    }

    /// healthchecks' "Received status code N", retried later for 5xx and 429.
    pub fn failure(&self) -> Failure {
        let message = format!("Received status code {}", self.status.as_u16());
        if self.status.is_server_error() || self.status == StatusCode::TOO_MANY_REQUESTS {
            Failure::retry(message)
        } else {
            Failure::fail(message)
        }
    }

    /// Ok when delivered, else the generic failure.
    pub fn ok(self) -> Result<(), Failure> {
        if self.delivered() {
            Ok(())
        } else {
            Err(self.failure())
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{PRIVATE_REFUSED}")]
struct PrivateAddress;

#[derive(Debug, thiserror::Error)]
#[error("Too many redirects")]
struct TooManyRedirects;

#[derive(Debug, thiserror::Error)]
#[error("Could not resolve host")]
struct Unresolved;

/// A resolver that drops private addresses unless they are allowed.
struct Guarded {
    allow_private: bool,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await
                .map_err(|_| Box::new(Unresolved) as Box<dyn std::error::Error + Send + Sync>)?
                .collect();
            if found.is_empty() {
                return Err(Box::new(Unresolved) as Box<dyn std::error::Error + Send + Sync>);
            }
            let usable: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !is_private(a.ip()))
                .collect();
            if usable.is_empty() {
                return Err(Box::new(PrivateAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(usable.into_iter()) as Addrs)
        })
    }
}

/// The host of a URL as an address, when it is written as one.
fn literal_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Addresses no integration should reach on a shared server: loopback, private
/// ranges, link-local, unspecified, carrier-grade NAT, and their IPv6 forms.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// A network failure in healthchecks' words; timeouts and broken connections are
/// worth another try later, refusals by policy are not.
fn classify(e: reqwest::Error) -> Failure {
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(err) = source {
        if err.is::<PrivateAddress>() {
            return Failure::fail(PRIVATE_REFUSED);
        }
        if err.is::<TooManyRedirects>() {
            return Failure::fail("Too many redirects");
        }
        if err.is::<Unresolved>() {
            return Failure::retry("Could not resolve host");
        }
        source = err.source();
    }
    if e.is_timeout() {
        Failure::retry("Connection timed out")
    } else if e.is_redirect() {
        Failure::fail("Too many redirects")
    } else {
        Failure::retry("Connection failed")
    }
}

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn private_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
        ] {
            assert!(
                is_private(
                    private
                        .parse()
                        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into())
                ),
                "{private}"
            );
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "2606:4700:4700::1111",
            "172.32.0.1",
            "100.128.0.1",
        ] {
            assert!(
                !is_private(
                    public
                        .parse()
                        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into())
                ),
                "{public}"
            );
        }
    }
}
