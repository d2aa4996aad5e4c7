//! Run history: the latest runs, and one run's files and quarantined rows.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::{RunDetail, RunSummary, format::thousands};

use super::{
    AdminNav, AdminOnly, Denied, admin_error,
    sources::{short_time, zone_name},
};
use crate::{auth::describe_denial, live::use_live};

/// Quarantined rows shown on a run's page (the CSV has all).
#[cfg(feature = "ssr")]
const SHOWN_QUARANTINE: u32 = 200;

/// The latest 30 runs (admins).
#[server(endpoint = "admin/runs")]
pub async fn latest_runs() -> Result<Vec<RunSummary>, ServerFnError> {
    use super::ssr::{localise, zone};
    use crate::auth::ssr::{database, internal_error, require};

    require(model::Role::Admin).await?;
    let zone = zone()?;
    let runs = engine::etl::history::latest_runs(database()?.pool(), 30).await.map_err(internal_error)?;
    Ok(runs.into_iter().map(|r| localise(r, zone)).collect())
}

/// One run with its files and first quarantined rows (admins).
#[server(endpoint = "admin/run", input = server_fn::codec::Json)]
pub async fn load_run(id: i64) -> Result<RunDetail, ServerFnError> {
    use super::ssr::{localise, zone};
    use crate::auth::ssr::{database, internal_error, not_found, require};

    require(model::Role::Admin).await?;
    let zone = zone()?;
    let mut detail = engine::etl::history::run_detail(database()?.pool(), id, SHOWN_QUARANTINE)
        .await
        .map_err(internal_error)?
        .ok_or_else(|| not_found(format!("there is no run #{id}")))?;
    detail.run = localise(detail.run, zone);
    Ok(detail)
}

/// A run's status as a coloured pill.
pub fn status_pill(status: &str) -> impl IntoView + use<> {
    let class = match status {
        "succeeded" => "ok",
        "running" => "running",
        "partial" | "interrupted" => "warn",
        "nothing_to_do" => "idle",
        _ => "error",
    };
    view! { <span class=format!("status-pill {class}") data-testid="run-status">{status_label(status)}</span> }
}

/// A run's status in words.
pub fn status_label(status: &str) -> String {
    match status {
        "nothing_to_do" => "nothing to do".to_string(),
        other => other.replace('_', " "),
    }
}

#[component]
pub fn RecentRuns() -> impl IntoView {
    let live = use_live();
    // Refetched as runs start and finish.
    let runs = Resource::new(move || live.events.with(|e| e.last().map(|m| m.seq)), |_| latest_runs());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading runs…"</p> }>
            {move || Suspend::new(async move {
                let body = match runs.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No runs yet."</p> }.into_any(),
                    Ok(list) => view! { <RunsTable list /> }.into_any(),
                    // The page says once why a non-admin sees nothing.
                    Err(err) if describe_denial(&err).is_some() => return ().into_any(),
                    Err(err) => view! {
                        <p class="notice error" role="alert">{admin_error("Could not load the runs", &err)}</p>
                    }
                    .into_any(),
                };
                view! {
                    <section aria-labelledby="runs-heading">
                        <h2 id="runs-heading">"Run history"</h2>
                        {body}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}

#[component]
fn RunsTable(list: Vec<RunSummary>) -> impl IntoView {
    let zone = list.first().map_or_else(|| "UTC".to_string(), |r| zone_name(&r.time_zone));
    let rows = list
        .into_iter()
        .map(|r| {
            let href = format!("/admin/runs/{}", r.id);
            let what =
                r.source.map_or_else(|| r.kind.clone(), |s| format!("{} {}", r.kind, s.display_name()));
            view! {
                <tr>
                    <th scope="row"><a href=href>{format!("#{}", r.id)}</a></th>
                    <td>{short_time(&r.started_at)}</td>
                    <td>{r.trigger.clone()}</td>
                    <td>{what}</td>
                    <td>
                        {status_pill(&r.status)}
                        {r.note.clone().map(|n| view! { <span class="muted small block" data-testid="run-note">{n}</span> })}
                    </td>
                    <td class="num">{format!("{} / {}", r.files_loaded, r.files_total)}</td>
                    <td class="num">{thousands(r.rows_loaded)}</td>
                    <td class="num">{thousands(r.rows_rejected)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Run history">
            <table class="data-table" data-testid="runs-table">
                <thead>
                    <tr>
                        <th scope="col">"Run"</th>
                        <th scope="col">{format!("Started ({zone})")}</th>
                        <th scope="col">"Trigger"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Files loaded"</th>
                        <th scope="col">"Values loaded"</th>
                        <th scope="col">"Rows rejected"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let live = use_live();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok());
    // Blocking, like the dashboard's cards: the page's status (a 404 for a run that does not
    // exist) goes out with its first bytes.
    let detail = Resource::new_blocking(
        move || (id(), live.events.with(|e| e.last().map(|m| m.seq))),
        |(id, _)| async move {
            match id {
                Some(id) => load_run(id).await,
                None => Err(ServerFnError::ServerError("that is not a run number".into())),
            }
        },
    );
    view! {
        <Title text="Run" />
        <h1>{move || id().map_or_else(|| "Run".to_string(), |id| format!("Run #{id}"))}</h1>
        <AdminOnly>
        <AdminNav />
        <Transition fallback=|| view! { <p class="muted">"Loading the run…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <RunView detail /> }.into_any(),
                    Err(err) => view! { <Denied text=admin_error("Could not load the run", &err) /> }.into_any(),
                }
            })}
        </Transition>
        </AdminOnly>
    }
}

#[component]
fn RunView(detail: RunDetail) -> impl IntoView {
    let RunDetail { run, files, quarantined, quarantined_total } = detail;
    let run_id = run.id;
    let no_files = files.is_empty();
    let files = files
        .into_iter()
        .map(|f| {
            let kept = f.kept_file.map(|id| {
                let href = format!("/admin/runs/{run_id}/files/{id}");
                view! { " " <a href=href download="" data-testid="rejected-file">"Download the file"</a> }
                    .into_any()
            });
            view! {
                <tr data-outcome=f.outcome.clone()>
                    <th scope="row">{f.name}</th>
                    <td>{f.source.unwrap_or_else(|| "—".into())}</td>
                    <td>{status_pill(match f.outcome.as_str() {
                        "loaded" => "succeeded",
                        "already_imported" => "already imported",
                        _ => "rejected",
                    })}</td>
                    <td class="num">{thousands(f.rows_read)}</td>
                    <td class="num">{thousands(f.rows_loaded)}</td>
                    <td class="num">{thousands(f.rows_rejected)}</td>
                    <td class="num">{thousands(f.rows_skipped)}</td>
                    <td class="error-cell">{f.message.unwrap_or_default()}{kept}</td>
                </tr>
            }
            .into_any()
        })
        .collect_view();
    let csv = format!("/admin/runs/{}/quarantine.csv", run.id);
    let quarantine = (quarantined_total > 0).then(|| {
        let rows = quarantined
            .into_iter()
            .map(|q| {
                view! {
                    <tr>
                        <td>{q.file_name}</td>
                        <td class="num">{q.line.map(|l| l.to_string()).unwrap_or_default()}</td>
                        <td>{q.column.unwrap_or_default()}</td>
                        <td>{q.reason}</td>
                        <td><code class="row-content">{q.content.unwrap_or_default()}</code></td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="quarantine-heading">
                <div class="section-head">
                    <h2 id="quarantine-heading">{format!("Quarantined rows ({quarantined_total})")}</h2>
                    <a class="button secondary small" href=csv download="" data-testid="quarantine-csv">"Download CSV"</a>
                </div>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Quarantined rows">
                    <table class="data-table" data-testid="quarantine-table">
                        <thead>
                            <tr>
                                <th scope="col">"File"</th>
                                <th scope="col">"Line"</th>
                                <th scope="col">"Column"</th>
                                <th scope="col">"Reason"</th>
                                <th scope="col">"Content"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        }
    });
    view! {
        <section class="run-summary" data-testid="run-summary">
            <p>
                {status_pill(&run.status)}
                {format!(
                    " {} run, started {} {} by {}{}",
                    run.kind,
                    short_time(&run.started_at),
                    zone_name(&run.time_zone),
                    run.trigger,
                    run.finished_at.as_deref().map(|f| format!(", finished {}", short_time(f))).unwrap_or_default(),
                )}
            </p>
            {run.error.map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {run.note.map(|n| view! {
                <p class="notice info" role="status" data-testid="run-note">{format!("Nothing was done: {n}.")}</p>
            })}
        </section>
        <section aria-labelledby="files-heading">
            <h2 id="files-heading">"Files"</h2>
            {no_files.then(|| view! { <p class="muted">"This run had no file to process."</p> })}
            <div class="table-wrap" tabindex="0" role="region" aria-label="Files of the run" hidden=no_files>
                <table class="data-table" data-testid="run-files">
                    <thead>
                        <tr>
                            <th scope="col">"File"</th>
                            <th scope="col">"Recognised as"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col">"Rows read"</th>
                            <th scope="col">"Values loaded"</th>
                            <th scope="col">"Rejected"</th>
                            <th scope="col">"Already stored"</th>
                            <th scope="col">"Why"</th>
                        </tr>
                    </thead>
                    <tbody>{files}</tbody>
                </table>
            </div>
        </section>
        {quarantine}
    }
}
