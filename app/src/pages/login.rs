//! The sign-in page. A plain HTML form posted to `/auth/login`, so it works before (and without)
//! the WASM bundle; the server answers with a redirect.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::safe_next;

fn message(code: &str, retry: Option<String>) -> Option<(&'static str, String)> {
    match code {
        "invalid" => Some(("error", "Wrong user name or password.".to_string())),
        "throttled" => {
            let wait = retry.and_then(|r| r.parse::<u64>().ok()).unwrap_or(60);
            Some(("error", format!("Too many failed sign-in attempts. Try again in {wait} seconds.")))
        }
        "missing" => Some(("error", "Enter your user name and password.".to_string())),
        "signed_out" => Some(("info", "You are signed out.".to_string())),
        _ => None,
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        q.get("error").or_else(|| q.get("notice")).and_then(|code| message(&code, q.get("retry"))).map(
            |(kind, text)| {
                view! {
                    <p class=format!("notice {kind}") role="alert" data-testid="login-message">
                        {text}
                    </p>
                }
            },
        )
    };
    let next = move || safe_next(query.read().get("next"));

    view! {
        <Title text="Sign in" />
        <main class="login-page" id="main">
            <form class="login-card" method="post" action="/auth/login">
                <h1 class="login-title">
                    <span class="brand-mark" aria-hidden="true">"◉"</span>
                    " Soundcheck"
                </h1>
                <p class="muted">"Sign in to see your numbers."</p>
                {notice}
                <label for="username">"User name"</label>
                <input
                    id="username"
                    name="username"
                    type="text"
                    autocomplete="username"
                    autocapitalize="none"
                    spellcheck="false"
                    required
                    autofocus
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <input type="hidden" name="next" value=next />
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_message_names_the_wait() {
        let (_, text) = message("throttled", Some("42".into())).expect("known code");
        assert!(text.contains("42 seconds"), "{text}");
        assert!(message("whatever", None).is_none());
    }
}
