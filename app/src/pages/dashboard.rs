//! The dashboard. Until the warehouse holds imported data it says so, and how to get data in.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <h1>"Dashboard"</h1>
        <section class="empty-state" data-testid="dashboard-empty">
            <h2>"No data yet"</h2>
            <p>
                "Soundcheck shows your streams, royalties, ad spend and audience here once "
                "exports or API sources have been imported."
            </p>
            <p>"To load data from the command line:"</p>
            <pre class="code">"soundcheck import path/to/export.csv"</pre>
            <p class="muted">
                "The KPI cards and charts appear as soon as the first import has been processed."
            </p>
        </section>
    }
}
