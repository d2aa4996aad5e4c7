//! Security headers on every response. Pages get their Content-Security-Policy from the page
//! shell, which knows the render's nonce; every other response (an error page, a redirect, a
//! file) gets the same policy without a nonce, so no inline script runs there.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// Whether the site is served over HTTPS (secure cookies), which turns HSTS on.
#[derive(Debug, Clone, Copy)]
pub struct HttpsOnly(pub bool);

pub async fn security_headers(State(https): State<HttpsOnly>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https.0 {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = app::security::content_security_policy(None);
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}
