//! Soundcheck's web UI: the app shell, its pages and the server functions beside the components
//! that call them. Server-only code sits in `ssr` modules behind `#[cfg(feature = "ssr")]`.

mod assets;
pub mod auth;
mod layout;
pub mod live;
mod offline;
mod pages;
pub mod security;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

pub use crate::assets::AssetNames;
use crate::{
    layout::Layout,
    pages::{
        AdminPage, ArtistsPage, AuditPage, CataloguePage, DashboardPage, LoginPage, NotFound, RunPage,
        SourcesPage, TrackPage, UsersPage,
    },
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let assets = use_context::<AssetNames>().unwrap_or_default();
    // The policy names this render's nonce, which the hydration scripts below carry.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let nonce = leptos::nonce::use_nonce();
        let targets = use_context::<security::FormTargets>().unwrap_or_default();
        let policy = security::content_security_policy(nonce.as_deref(), &targets);
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0f1216" />
                <meta name="color-scheme" content="dark" />
                <link rel="stylesheet" href=assets.css_href() />
                <link rel="icon" href="/favicon.ico" sizes="any" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
                <script src="/register-sw.js" defer></script>
                // ECharts draws the dashboard's charts (charming drives it from the WASM); it
                // runs before the deferred hydration module.
                <script src=assets.echarts_src() defer></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: the marker tells tests (and CSS, if it
    // ever needs to) that the page is interactive.
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|page: String| format!("{page} · Soundcheck") />
        <Router>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("login") view=LoginPage />
                <ParentRoute path=StaticSegment("") view=Layout>
                    <Route path=StaticSegment("") view=DashboardPage />
                    <Route path=StaticSegment("sources") view=SourcesPage />
                    <Route path=StaticSegment("catalogue") view=CataloguePage />
                    <Route path=path!("catalogue/:isrc") view=TrackPage />
                    <Route path=StaticSegment("admin") view=AdminPage />
                    <Route path=path!("admin/artists") view=ArtistsPage />
                    <Route path=path!("admin/users") view=UsersPage />
                    <Route path=path!("admin/audit") view=AuditPage />
                    <Route path=path!("admin/runs/:id") view=RunPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
