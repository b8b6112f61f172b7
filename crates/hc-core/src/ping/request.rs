//! The parts of a ping request that need care: the run id and the client address.

use std::net::IpAddr;

use ipnet::IpNet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RidError;

/// `?rid=`: the last value wins; present means it must be a UUID (any case), stored
/// lower-cased. An empty value is present, and invalid.
pub fn parse_rid(query: &str) -> Result<Option<String>, RidError> {
    let last = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "rid")
        .map(|(_, v)| v.into_owned())
        .last();
    match last {
        None => Ok(None),
        Some(value) => {
            let lower = value.to_ascii_lowercase();
            if super::path::is_uuid(&lower) {
                Ok(Some(lower))
            } else {
                Err(RidError)
            }
        }
    }
}

/// The client's address (spec §2.4 with hc's rule): `X-Forwarded-For` is believed only
/// when the direct peer is a trusted proxy. Its first element is taken; `a.b.c.d:port`
/// loses the port; IPv6 is stored compressed. What is not an address is not stored.
pub fn client_addr(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<String> {
    let candidate = match forwarded_for {
        Some(header) if is_trusted(peer, trusted) => {
            let first = header.split(',').next().unwrap_or_default().trim();
            parse_ip(first)
        }
        _ => peer,
    };
    candidate.map(|ip| ip.to_string())
}

/// Is the direct peer one of the proxies whose forwarding headers we believe?
pub fn is_trusted(peer: Option<IpAddr>, trusted: &[IpNet]) -> bool {
    peer.is_some_and(|p| trusted.iter().any(|net| net.contains(&unmap(p))))
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    // "1.2.3.4:5678", as some proxies write it; also "[2001:db8::1]:443".
    if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    None
}

/// An IPv4-mapped IPv6 peer (`::ffff:127.0.0.1`) matches IPv4 ranges.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}
