//! The offline banner: says when the page shows kept data rather than live data.
//!
//! The service worker serves a kept copy of a page when the network is gone and marks it with
//! `<html data-snapshot-at="…">` (when that copy was fetched). A page that loaded live and then
//! lost the network says so too, with the time it loaded. When the network returns, a kept copy
//! is replaced by a fresh load; a live page just drops the banner (its live connection catches up).

use leptos::prelude::*;

#[component]
pub fn OfflineBanner() -> impl IntoView {
    // Set only in the browser, after hydration, so the server's HTML and the first render agree.
    let banner = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| watch(banner));
    move || {
        banner.get().map(|text| {
            view! {
                <div class="offline-banner" role="status" data-testid="offline-banner">
                    {text}
                </div>
            }
        })
    }
}

#[cfg(feature = "hydrate")]
fn watch(banner: RwSignal<Option<String>>) {
    use wasm_bindgen::JsValue;

    let local =
        |date: &js_sys::Date| -> String { date.to_locale_string("default", &JsValue::UNDEFINED).into() };
    let text = |since: &str| {
        format!("Offline — data as of {since}. Figures will update when the connection returns.")
    };
    let snapshot = document()
        .document_element()
        .and_then(|root| root.get_attribute("data-snapshot-at"))
        .filter(|s| !s.is_empty());
    let loaded_at = local(&js_sys::Date::new_0());
    let kept_since = snapshot.map(|at| local(&js_sys::Date::new(&JsValue::from_str(&at))));
    let is_snapshot = kept_since.is_some();
    if let Some(since) = &kept_since {
        banner.set(Some(text(since)));
    } else if !window().navigator().on_line() {
        banner.set(Some(text(&loaded_at)));
    }
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        banner.set(Some(text(kept_since.as_deref().unwrap_or(&loaded_at))));
    });
    let online = window_event_listener(leptos::ev::online, move |_| {
        if is_snapshot {
            let _ = window().location().reload();
        } else {
            banner.set(None);
        }
    });
    // The banner lives as long as the page.
    std::mem::forget((offline, online));
}
