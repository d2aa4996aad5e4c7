//! The offline banner: says when the page shows kept data rather than live data.
//!
//! The service worker serves a kept copy of a page when the network is gone and marks it with
//! `<html data-snapshot-at="…">` (when that copy was fetched). A page that loaded live and then
//! lost the network says so too, with the time it loaded. When the network returns, a kept copy
//! is replaced by a fresh load; a live page just drops the banner (its live connection catches up).
//!
//! A kept copy reloads only once the server has answered a request that no cache can serve: the
//! `online` event can come a moment before requests get through, and a reload in that moment lands
//! on the kept copy again, with no further `online` event to retry it. A kept copy shown while the
//! browser says it is online (the server was down, or that race) asks again with a growing delay.

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
    let probing = std::rc::Rc::new(std::cell::Cell::new(false));
    if is_snapshot && window().navigator().on_line() {
        reload_when_reachable(probing.clone(), 0);
    }
    let online = window_event_listener(leptos::ev::online, move |_| {
        if is_snapshot {
            reload_when_reachable(probing.clone(), 0);
        } else {
            banner.set(None);
        }
    });
    // The banner lives as long as the page.
    std::mem::forget((offline, online));
}

/// Asks the server's liveness probe (which the service worker never answers from a cache) and
/// reloads the page once it answers; until then asks again after 0.5 s, 1 s, 2 s … up to 30 s.
/// Only one such loop runs per page.
#[cfg(feature = "hydrate")]
fn reload_when_reachable(probing: std::rc::Rc<std::cell::Cell<bool>>, attempt: u32) {
    use wasm_bindgen::{JsCast, closure::Closure};

    if attempt == 0 && probing.replace(true) {
        return;
    }
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        let _ = window().location().reload();
        return;
    };
    // A unique query keeps the browser's HTTP cache out of it too.
    let url = format!("/healthz?at={}", js_sys::Date::now());
    if xhr.open("GET", &url).is_err() {
        let _ = window().location().reload();
        return;
    }
    xhr.set_timeout(5_000);
    let answered = xhr.clone();
    // `loadend` follows success, failure, abort and time-out alike: exactly one of the two below.
    let on_end = Closure::once_into_js(move || {
        if answered.status().unwrap_or(0) == 200 {
            let _ = window().location().reload();
        } else {
            let delay = (500.0 * 2f64.powi(attempt.min(6) as i32)).min(30_000.0);
            let again = Closure::once_into_js(move || reload_when_reachable(probing, attempt + 1));
            let _ = window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(again.unchecked_ref(), delay as i32);
        }
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    if xhr.send().is_err() {
        let _ = window().location().reload();
    }
}
