//! Sources & runs: every source Soundcheck ingests and what the warehouse holds from it.

use leptos::prelude::*;
use leptos_meta::Title;
use model::{SourceKind, SourceStatus, format::thousands};

use crate::auth::describe_denial;

/// What the warehouse holds per source (any signed-in user).
#[server(endpoint = "sources")]
pub async fn source_statuses() -> Result<Vec<SourceStatus>, ServerFnError> {
    use crate::auth::ssr::{database, internal_error, require};

    require(model::Role::Viewer).await?;
    engine::warehouse::summary::source_statuses(&database()?).await.map_err(internal_error)
}

#[component]
pub fn SourcesPage() -> impl IntoView {
    let statuses = Resource::new_blocking(|| (), |_| source_statuses());
    view! {
        <Title text="Sources & runs" />
        <h1>"Sources & runs"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading sources…"</p> }>
            {move || Suspend::new(async move {
                match statuses.await {
                    Ok(list) => view! { <SourcesTable statuses=list /> }.into_any(),
                    Err(err) => {
                        let text = describe_denial(&err)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("Could not load the sources: {err}"));
                        view! { <p class="notice error" role="alert">{text}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
        <section class="empty-state">
            <h2>"Runs"</h2>
            <p>
                "Sources are imported on their schedules, when an admin uploads exports, and from the "
                "command line (" <code>"soundcheck import"</code> "). Admins see every run with its files, "
                "rows and errors, and the quarantined rows, on the " <a href="/admin">"Admin"</a> " page."
            </p>
        </section>
    }
}

#[component]
fn SourcesTable(statuses: Vec<SourceStatus>) -> impl IntoView {
    let rows = statuses
        .into_iter()
        .map(|s| {
            let how = match s.source.kind() {
                SourceKind::ExportOnly => "Export files",
                SourceKind::ExportAndApi => "Export files or API",
            };
            let (files, values, latest) = if s.files_loaded == 0 {
                ("No imports yet".to_string(), None, None)
            } else {
                (
                    format!("{} file{}", s.files_loaded, if s.files_loaded == 1 { "" } else { "s" }),
                    Some(thousands(s.values)),
                    s.latest_data_day,
                )
            };
            view! {
                <tr data-source=s.source.as_str()>
                    <th scope="row">{s.source.display_name()}</th>
                    <td class="wide-only">{s.source.provides()}</td>
                    <td class="wide-only">{how}</td>
                    <td>{files}</td>
                    <td class="num">{values}</td>
                    <td>{latest}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Sources">
            <table class="data-table" data-testid="sources-table">
                <caption class="sr-only">"Data sources"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Source"</th>
                        <th scope="col" class="wide-only">"Provides"</th>
                        <th scope="col" class="wide-only">"Arrives as"</th>
                        <th scope="col">"Loaded"</th>
                        <th scope="col">"Values"</th>
                        <th scope="col">"Data up to"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
