//! The dashboard. The KPI cards and charts are not built yet: until they are, it says what the
//! warehouse holds (or how to get data in), never figures it does not have.

use leptos::prelude::*;
use leptos_meta::Title;
use model::SourceStatus;

use super::sources::{source_statuses, thousands};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let statuses = Resource::new_blocking(|| (), |_| source_statuses());
    view! {
        <Title text="Dashboard" />
        <h1>"Dashboard"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let loaded: Vec<SourceStatus> = statuses
                    .await
                    .map(|list| list.into_iter().filter(|s| s.files_loaded > 0).collect())
                    .unwrap_or_default();
                if loaded.is_empty() { view! { <NoData /> }.into_any() } else { view! { <Loaded sources=loaded /> }.into_any() }
            })}
        </Suspense>
    }
}

#[component]
fn NoData() -> impl IntoView {
    view! {
        <section class="empty-state" data-testid="dashboard-empty">
            <h2>"No data yet"</h2>
            <p>
                "Soundcheck shows your streams, royalties, ad spend and audience here once "
                "exports or API sources have been imported."
            </p>
            <p>"To load data from the command line:"</p>
            <pre class="code">"soundcheck import path/to/export.csv"</pre>
        </section>
    }
}

#[component]
fn Loaded(sources: Vec<SourceStatus>) -> impl IntoView {
    let items = sources
        .into_iter()
        .map(|s| {
            let latest = s.latest_data_day.map(|d| format!(", data up to {d}")).unwrap_or_default();
            view! {
                <li>
                    <strong>{s.source.display_name()}</strong>
                    {format!(": {} values{latest}", thousands(s.values))}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="dashboard-loaded">
            <h2>"Your data is in"</h2>
            <ul class="plain-list">{items}</ul>
            <p class="muted">
                "The KPI cards and charts are not part of this version yet; "
                <a href="/sources">"Sources & runs"</a>
                " shows what each source holds."
            </p>
        </section>
    }
}
