//! The Content-Security-Policy of Soundcheck's pages, in one place for the page shell (which
//! knows the render's nonce) and the server (which adds it, without a nonce, to any other HTML).

/// Origins that a form may lead to besides this one: the OAuth consent screens that "Connect"
/// redirects to (a form's redirects are held to `form-action` too). Provided by the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormTargets(pub Vec<String>);

/// The policy: only this origin's scripts, styles, images and connections; the hydration's
/// inline scripts only with the render's nonce; WebAssembly compiled from this origin's module
/// (`'wasm-unsafe-eval'`, which allows no JavaScript `eval`); no framing, forms only to this
/// origin and the consent screens in `form_targets`, no `<base>`. Style *attributes* are allowed
/// inline (`style-src-attr`) because ECharts sizes and places its elements and tooltips with
/// them; a style attribute cannot load or run anything, while `<style>` elements stay limited to
/// this origin's stylesheet.
pub fn content_security_policy(nonce: Option<&str>, form_targets: &FormTargets) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    let mut forms = String::from("'self'");
    for target in &form_targets.0 {
        forms.push(' ');
        forms.push_str(target);
    }
    format!(
        "default-src 'self'; {scripts}; style-src 'self'; style-src-attr 'unsafe-inline'; \
         img-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
         object-src 'none'; frame-ancestors 'none'; form-action {forms}; base-uri 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_allows_inline_scripts_and_nothing_else_is_loosened() {
        let targets = FormTargets(vec!["https://accounts.google.com".into()]);
        let with = content_security_policy(Some("abc123"), &targets);
        assert!(with.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{with}");
        assert!(with.contains("form-action 'self' https://accounts.google.com;"), "{with}");
        let without = content_security_policy(None, &FormTargets::default());
        assert!(without.contains("form-action 'self';"), "{without}");
        for policy in [&with, &without] {
            let inline = policy.matches("'unsafe-inline'").count();
            assert_eq!(inline, 1, "only style attributes may be inline: {policy}");
            assert!(
                policy.contains("style-src-attr 'unsafe-inline'") && !policy.contains("'unsafe-eval'"),
                "{policy}"
            );
            for part in
                ["default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"]
            {
                assert!(policy.contains(part), "{part} missing from {policy}");
            }
        }
    }
}
