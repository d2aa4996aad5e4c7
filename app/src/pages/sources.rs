//! Sources & runs: what Soundcheck can ingest, and (once imports run) how each source is doing.

use leptos::prelude::*;
use leptos_meta::Title;
use model::{SourceId, SourceKind};

#[component]
pub fn SourcesPage() -> impl IntoView {
    let rows = SourceId::ALL
        .into_iter()
        .map(|source| {
            let how = match source.kind() {
                SourceKind::ExportOnly => "Export files",
                SourceKind::ExportAndApi => "Export files or API",
            };
            view! {
                <tr>
                    <th scope="row">{source.display_name()}</th>
                    <td><code>{source.as_str()}</code></td>
                    <td>{source.provides()}</td>
                    <td>{how}</td>
                    <td class="muted">"No imports yet"</td>
                </tr>
            }
        })
        .collect_view();

    view! {
        <Title text="Sources & runs" />
        <h1>"Sources & runs"</h1>
        <div class="table-wrap">
            <table class="data-table" data-testid="sources-table">
                <caption class="sr-only">"Data sources"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Provides"</th>
                        <th scope="col">"Arrives as"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <section class="empty-state">
            <h2>"No runs yet"</h2>
            <p>"Each import and scheduled run will be listed here with its files, rows and errors."</p>
        </section>
    }
}
