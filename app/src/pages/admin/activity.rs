//! Live run activity: what runs now, file by file, as the live connection reports it.

use std::collections::BTreeMap;

use leptos::prelude::*;
use model::{LiveEvent, RunFileResult, format::thousands};

use super::runs::status_pill;
use crate::live::use_live;

/// One run as the events tell it.
#[derive(Clone, Debug, Default, PartialEq)]
struct RunActivity {
    what: String,
    status: String,
    current: Option<String>,
    rows: u64,
    percent: Option<u64>,
    files: Vec<RunFileResult>,
    /// Why a run that did nothing did nothing.
    note: Option<String>,
}

/// Folds the event log into runs, newest first.
fn runs(events: &[model::LiveMessage]) -> Vec<(i64, RunActivity)> {
    let mut runs: BTreeMap<i64, RunActivity> = BTreeMap::new();
    for m in events {
        match &m.event {
            LiveEvent::RunStarted { run_id, trigger, kind, source, files } => {
                let what = source.map_or_else(|| kind.clone(), |s| format!("{kind} {}", s.display_name()));
                runs.insert(
                    *run_id,
                    RunActivity {
                        what: format!(
                            "{what} ({trigger}, {files} file{})",
                            if *files == 1 { "" } else { "s" }
                        ),
                        status: "running".into(),
                        ..RunActivity::default()
                    },
                );
            }
            LiveEvent::FileStarted { run_id, index, total, name, .. } => {
                let run = runs.entry(*run_id).or_default();
                run.current = Some(format!("file {index} of {total}: {name}"));
                run.rows = 0;
                run.percent = Some(0);
            }
            LiveEvent::FileProgress { run_id, bytes_read, size_bytes, rows } => {
                let run = runs.entry(*run_id).or_default();
                run.rows = *rows;
                run.percent = (*size_bytes > 0).then(|| (bytes_read * 100 / size_bytes).min(100));
            }
            LiveEvent::FileFinished { run_id, file } => {
                let run = runs.entry(*run_id).or_default();
                run.current = None;
                run.percent = None;
                run.files.push(file.clone());
            }
            LiveEvent::RunFinished { run_id, status, note } => {
                let run = runs.entry(*run_id).or_default();
                run.status = status.clone();
                run.note = note.clone();
            }
            _ => {}
        }
    }
    runs.into_iter().rev().take(5).collect()
}

#[component]
pub fn ActivitySection() -> impl IntoView {
    let live = use_live();
    let activity = Memo::new(move |_| live.events.with(|e| runs(e)));
    view! {
        <section aria-labelledby="activity-heading" data-testid="activity">
            <h2 id="activity-heading">"Live activity"</h2>
            {move || {
                let list = activity.get();
                if list.is_empty() {
                    return view! { <p class="muted">"Runs started while this page is open show here as they go."</p> }
                        .into_any();
                }
                list.into_iter()
                    .map(|(id, run)| {
                        let href = format!("/admin/runs/{id}");
                        let files = run
                            .files
                            .iter()
                            .map(|f| {
                                let detail = match f.outcome.as_str() {
                                    "loaded" => format!("loaded: {} values from {} rows", thousands(f.rows_loaded), thousands(f.rows_read)),
                                    "already_imported" => "already imported: nothing changed".to_string(),
                                    _ => format!("rejected: {}", f.message.clone().unwrap_or_default()),
                                };
                                view! {
                                    <li data-outcome=f.outcome.clone()>
                                        <strong>{f.name.clone()}</strong>
                                        " — "
                                        {detail}
                                    </li>
                                }
                            })
                            .collect_view();
                        view! {
                            <article class="card run-activity" data-run=id data-status=run.status.clone()>
                                <p>
                                    <a href=href>{format!("Run #{id}")}</a>
                                    " "
                                    {status_pill(&run.status)}
                                    " "
                                    {run.what.clone()}
                                </p>
                                {run.current.clone().map(|current| view! {
                                    <p class="progress-line">
                                        {current}
                                        {format!(" · {} rows", thousands(run.rows as i64))}
                                    </p>
                                    <progress max="100" value=run.percent.unwrap_or(0)></progress>
                                })}
                                {run.note.clone().map(|n| view! {
                                    <p class="muted" data-testid="run-note">{format!("Nothing was done: {n}.")}</p>
                                })}
                                <ul class="file-results">{files}</ul>
                            </article>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </section>
    }
}
