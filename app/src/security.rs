//! The Content-Security-Policy of Soundcheck's pages, in one place for the page shell (which
//! knows the render's nonce) and the server (which adds it, without a nonce, to any other HTML).

/// The policy: only this origin's scripts, styles, images and connections; the hydration's
/// inline scripts only with the render's nonce; WebAssembly compiled from this origin's module
/// (`'wasm-unsafe-eval'`, which allows no JavaScript `eval`); no framing, no foreign form targets,
/// no `<base>`. ECharts draws on canvas and styles its tooltips through the DOM, which a policy
/// does not restrict.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    format!(
        "default-src 'self'; {scripts}; style-src 'self'; img-src 'self'; connect-src 'self'; \
         worker-src 'self'; manifest-src 'self'; object-src 'none'; frame-ancestors 'none'; \
         form-action 'self'; base-uri 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_allows_inline_scripts_and_nothing_else_is_loosened() {
        let with = content_security_policy(Some("abc123"));
        assert!(with.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{with}");
        let without = content_security_policy(None);
        for policy in [&with, &without] {
            assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
            for part in
                ["default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"]
            {
                assert!(policy.contains(part), "{part} missing from {policy}");
            }
        }
    }
}
