//! Requests that change something, and live connections, must come from Soundcheck's own pages.
//!
//! The session cookie is `SameSite=Lax`, which a page on a sibling subdomain or another port of
//! the same host still counts as "same site": without this check such a page could post to the
//! admin's server functions with the admin's cookie. The check reads `Origin` (every browser
//! sends it on POST and on WebSocket handshakes), else `Sec-Fetch-Site`, else `Referer`. A
//! request with none of them is a program's, not a page's: it may pass only when no session
//! cookie would act for it.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::config::Origin;

/// The session cookie's name, shared with the session layer.
pub const SESSION_COOKIE: &str = "soundcheck_session";

/// What a request must match: the configured public origin, or else the host it was sent to.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    pub public: Option<Origin>,
}

impl OriginPolicy {
    fn needs_check(method: &Method, path: &str) -> bool {
        !method.is_safe() || path == "/live"
    }

    /// `Ok` when the request may go on; otherwise why it is refused.
    pub fn check(
        &self,
        method: &Method,
        path: &str,
        host: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<(), String> {
        if !Self::needs_check(method, path) {
            return Ok(());
        }
        if let Some(value) = headers.get(header::ORIGIN) {
            let text = value.to_str().unwrap_or("(not text)");
            return self.own(text, host).map_err(|why| format!("Origin {text:?} {why}"));
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            return match site.to_str().unwrap_or_default() {
                "same-origin" | "none" => Ok(()),
                other => Err(format!("Sec-Fetch-Site is {other:?}")),
            };
        }
        if let Some(value) = headers.get(header::REFERER) {
            let text = value.to_str().unwrap_or("(not text)");
            return self.own(text, host).map_err(|why| format!("Referer {text:?} {why}"));
        }
        if carries_session_cookie(headers) {
            return Err("no Origin, Sec-Fetch-Site or Referer came with a session cookie".into());
        }
        Ok(())
    }

    fn own(&self, url: &str, host: Option<&str>) -> Result<(), String> {
        let origin = Origin::parse(url).map_err(|e| format!("is not an origin ({e})"))?;
        let own = match &self.public {
            Some(public) => *public == origin,
            None => host.is_some_and(|host| origin.is_addressed_as(host)),
        };
        if own { Ok(()) } else { Err("is not Soundcheck's own origin".into()) }
    }
}

fn carries_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.trim_start().split('=').next() == Some(SESSION_COOKIE))
}

/// Refuses, with 403 and before any session is read, what `OriginPolicy::check` refuses.
pub async fn same_origin_only(State(policy): State<OriginPolicy>, req: Request, next: Next) -> Response {
    // HTTP/1 names the host in its header; HTTP/2 in the request's authority.
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match policy.check(req.method(), req.uri().path(), host.as_deref(), req.headers()) {
        Ok(()) => next.run(req).await,
        Err(why) => {
            tracing::warn!(method = %req.method(), path = req.uri().path(), reason = %why, "cross-origin request refused");
            (
                StatusCode::FORBIDDEN,
                format!("refused: this request did not come from Soundcheck's own pages ({why})"),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).expect("value"));
        }
        map
    }

    const HOST: Option<&str> = Some("127.0.0.1:3000");

    #[test]
    fn safe_methods_pass_except_the_live_upgrade() {
        let p = OriginPolicy::default();
        let foreign = headers(&[("origin", "http://evil.localhost:8080")]);
        assert!(p.check(&Method::GET, "/admin", HOST, &foreign).is_ok());
        assert!(p.check(&Method::GET, "/live", HOST, &foreign).is_err());
        assert!(p.check(&Method::POST, "/api/admin/user-add", HOST, &foreign).is_err());
    }

    #[test]
    fn the_origin_must_be_the_host_the_request_was_sent_to() {
        let p = OriginPolicy::default();
        let post = |h: &[(&'static str, &str)]| p.check(&Method::POST, "/auth/login", HOST, &headers(h));
        assert!(post(&[("origin", "http://127.0.0.1:3000")]).is_ok());
        assert!(post(&[("origin", "http://127.0.0.1:3001")]).is_err(), "another port");
        assert!(post(&[("origin", "null")]).is_err());
        // Origin wins over the headers after it.
        assert!(post(&[("origin", "http://evil.example"), ("sec-fetch-site", "same-origin")]).is_err());
        assert!(post(&[("sec-fetch-site", "same-origin")]).is_ok());
        assert!(post(&[("sec-fetch-site", "same-site")]).is_err(), "a sibling subdomain is not this origin");
        assert!(post(&[("referer", "http://127.0.0.1:3000/admin")]).is_ok());
        assert!(post(&[("referer", "http://evil.example/")]).is_err());
    }

    #[test]
    fn a_request_without_origin_headers_passes_only_without_a_session_cookie() {
        let p = OriginPolicy::default();
        assert!(p.check(&Method::POST, "/auth/login", HOST, &headers(&[])).is_ok());
        assert!(p.check(&Method::POST, "/auth/login", HOST, &headers(&[("cookie", "theme=dark")])).is_ok());
        let with_session = headers(&[("cookie", "theme=dark; soundcheck_session=abc")]);
        assert!(p.check(&Method::POST, "/api/admin/user-add", HOST, &with_session).is_err());
    }

    #[test]
    fn behind_a_proxy_the_public_url_is_the_origin() {
        let p = OriginPolicy { public: Some(Origin::parse("https://music.example.com").expect("origin")) };
        let post = |origin: &str| {
            p.check(&Method::POST, "/auth/logout", Some("10.0.0.5:3000"), &headers(&[("origin", origin)]))
        };
        assert!(post("https://music.example.com").is_ok());
        assert!(post("http://music.example.com").is_err());
        assert!(post("http://10.0.0.5:3000").is_err(), "the proxy's upstream address is not the site");
    }
}
