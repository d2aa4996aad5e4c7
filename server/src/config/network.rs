//! Where Soundcheck is reached from: its public origin (behind a proxy) and the proxies whose
//! `X-Forwarded-For` is believed.

use std::{fmt, net::IpAddr, str::FromStr};

use http::uri::{Authority, Uri};
use ipnet::IpNet;

/// A web origin: scheme, host and port (the default port of the scheme when none is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

impl Origin {
    /// The origin of an absolute http(s) URL (`Origin` and `Referer` headers, `public_url`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let uri: Uri = text.trim().parse().map_err(|e| format!("not a URL: {e}"))?;
        let scheme = uri.scheme_str().map(str::to_ascii_lowercase).ok_or("the URL has no scheme")?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("the scheme must be http or https, not {scheme}"));
        }
        let authority = uri.authority().ok_or("the URL has no host")?;
        if authority.as_str().contains('@') {
            return Err("the URL must not carry a user name or password".into());
        }
        let host = authority.host().to_ascii_lowercase();
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        let port = authority.port_u16().or_else(|| default_port(&scheme)).ok_or("the URL has no port")?;
        Ok(Self { scheme, host, port })
    }

    /// Whether a request that names `authority` as its host (the `Host` header) was addressed to
    /// this origin. A host without a port came on the default port of the scheme the client used,
    /// which the server cannot see: it matches an origin on its scheme's default port.
    pub fn is_addressed_as(&self, authority: &str) -> bool {
        let Ok(authority) = Authority::from_str(authority.trim()) else {
            return false;
        };
        if !authority.host().eq_ignore_ascii_case(&self.host) {
            return false;
        }
        match authority.port_u16() {
            Some(port) => port == self.port,
            None => default_port(&self.scheme) == Some(self.port),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match default_port(&self.scheme) {
            Some(p) if p == self.port => write!(f, "{}://{}", self.scheme, self.host),
            _ => write!(f, "{}://{}:{}", self.scheme, self.host, self.port),
        }
    }
}

/// Addresses (single ones or networks) of the reverse proxies in front of Soundcheck. Only a
/// request from one of them may say, in `X-Forwarded-For`, whom it forwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a list such as `127.0.0.1, 10.0.0.0/8, ::1`.
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => item.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
                    format!("{item:?} is neither an IP address nor a network like 10.0.0.0/8")
                })?,
            };
            nets.push(net);
        }
        Ok(Self(nets))
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client a request comes from: the peer, unless the peer is a trusted proxy; then the
    /// nearest address in `X-Forwarded-For` that is not itself a trusted proxy (the addresses
    /// further left were written by the client and prove nothing).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = forwarded_for.iter().rev().flat_map(|header| header.rsplit(',')).map(str::trim);
        for hop in hops {
            let Ok(addr) = hop.parse::<IpAddr>() else {
                break;
            };
            client = addr;
            if !self.contains(addr) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        let o = Origin::parse("https://Music.Example.com/").expect("origin");
        assert_eq!(o, Origin::parse("https://music.example.com:443").expect("origin"));
        assert_ne!(o, Origin::parse("http://music.example.com").expect("origin"));
        assert_ne!(o, Origin::parse("https://evil.music.example.com").expect("origin"));
        assert_eq!(o.to_string(), "https://music.example.com");
        assert_eq!(
            Origin::parse("http://127.0.0.1:3000/x?y").expect("o").to_string(),
            "http://127.0.0.1:3000"
        );
        for bad in ["null", "ftp://x", "/path", "http://user@host", ""] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_host_header_matches_its_origin_only() {
        let local = Origin::parse("http://127.0.0.1:3000").expect("origin");
        assert!(local.is_addressed_as("127.0.0.1:3000"));
        assert!(!local.is_addressed_as("127.0.0.1:3001"));
        assert!(!local.is_addressed_as("evil.localhost:3000"));
        let public = Origin::parse("https://music.example.com").expect("origin");
        assert!(public.is_addressed_as("MUSIC.example.com"));
        assert!(!public.is_addressed_as("music.example.com:8443"));
        let v6 = Origin::parse("http://[::1]:3000").expect("origin");
        assert!(v6.is_addressed_as("[::1]:3000"));
        assert!(!local.is_addressed_as("not a host/"));
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_proxies_only() {
        let proxies = TrustedProxies::parse(["127.0.0.1", "10.0.0.0/8"]).expect("proxies");
        let peer = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
        assert_eq!(
            proxies.client(peer, &["198.51.100.1"]),
            peer,
            "an untrusted peer cannot claim another address"
        );
        let proxy = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert_eq!(
            proxies.client(proxy, &["6.6.6.6, 198.51.100.7, 10.1.2.3"]),
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)),
            "the nearest untrusted hop, not the client's own claim"
        );
        assert_eq!(proxies.client(proxy, &[]), proxy);
        assert_eq!(proxies.client(proxy, &["garbage"]), proxy);
        let mapped = IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        assert!(proxies.contains(mapped));
        assert!(!proxies.contains(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert!(TrustedProxies::parse(["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(["proxy.local"]).is_err());
    }
}
