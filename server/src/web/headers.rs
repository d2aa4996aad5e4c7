//! Security headers on every response. Pages get their Content-Security-Policy from the page
//! shell, which knows the render's nonce; every other response (an error page, a redirect, a
//! file) gets the same policy without a nonce, so no inline script runs there.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// What the headers depend on: HTTPS (secure cookies) turns HSTS on; the consent screens that
/// forms may lead to.
#[derive(Debug, Clone)]
pub struct HeaderPolicy {
    pub https: bool,
    pub form_targets: app::security::FormTargets,
}

pub async fn security_headers(State(policy): State<HeaderPolicy>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if policy.https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = app::security::content_security_policy(None, &policy.form_targets);
        if let Ok(value) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}
