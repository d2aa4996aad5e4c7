//! The sources table: status, last run, freshness, rows, last error, schedule; Run now / Run all.

use leptos::prelude::*;
use model::{SourceAdmin, SourceKind, format::thousands};

use super::{ActionFeedback, admin_error};
use crate::auth::describe_denial;
use crate::live::use_live;

/// Every source with its schedule and latest run (admins).
#[server(endpoint = "admin/sources")]
pub async fn admin_sources() -> Result<Vec<SourceAdmin>, ServerFnError> {
    use engine::{etl::history, schedule::ScheduleStore, warehouse::summary::source_statuses};

    use super::ssr::{jobs, localise, zone};
    use crate::auth::ssr::{database, internal_error, require, today};

    require(model::Role::Admin).await?;
    let db = database()?;
    let jobs = jobs()?;
    let zone = zone()?;
    let schedules = ScheduleStore::new(db.pool().clone()).list().await.map_err(internal_error)?;
    let connected: Vec<model::SourceId> = match jobs.pulls() {
        Some(pulls) => {
            pulls.store().list().await.map_err(internal_error)?.into_iter().map(|c| c.source).collect()
        }
        None => Vec::new(),
    };
    let statuses = source_statuses(&db).await.map_err(internal_error)?;
    let now = chrono::Utc::now();
    let today = today();
    let mut out = Vec::new();
    for status in statuses {
        let source = status.source;
        let schedule = schedules.iter().find(|s| s.source == source);
        let last_run =
            history::last_run_of(db.pool(), source).await.map_err(internal_error)?.map(|r| localise(r, zone));
        let rejection = history::last_rejection_of(db.pool(), source).await.map_err(internal_error)?;
        let freshness_days = status
            .latest_data_day
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| (today - d).num_days());
        out.push(SourceAdmin {
            source,
            cron: schedule.map(|s| s.cron.to_string()).unwrap_or_default(),
            enabled: schedule.is_some_and(|s| s.enabled),
            next_run: schedule
                .filter(|s| s.enabled && !s.needs_reconnect)
                .and_then(|s| s.cron.next_after(now, zone))
                .map(|t| format!("{} {zone}", t.with_timezone(&zone).format("%Y-%m-%d %H:%M"))),
            time_zone: zone.name().to_string(),
            running: jobs.is_running(source),
            last_error: last_run.as_ref().and_then(|r| r.error.clone()).or(rejection),
            last_run,
            files_loaded: status.files_loaded,
            values: status.values,
            freshness_days,
            needs_reconnect: schedule.is_some_and(|s| s.needs_reconnect),
            api_connected: connected.contains(&source),
        });
    }
    Ok(out)
}

/// Starts a run of one source, or of all (`source = "all"`), in the background; its progress
/// arrives over the live connection.
#[server(endpoint = "admin/run-source")]
pub async fn run_source(source: String) -> Result<String, ServerFnError> {
    use engine::etl::Trigger;
    use model::SourceId;

    use super::ssr::{audit, jobs};
    use crate::auth::ssr::{bad_request, require};

    let admin = require(model::Role::Admin).await?;
    let jobs = jobs()?;
    if source == "all" {
        audit(&admin.name, "source.run_all", "every source").await;
        tokio::spawn(async move {
            for (source, result) in jobs.run_all(Trigger::Admin).await {
                if let Err(err) = result {
                    tracing::warn!(%source, error = %err, "run all: a source failed");
                }
            }
        });
        return Ok("Running every source…".into());
    }
    let id: SourceId = source.parse().map_err(bad_request)?;
    if jobs.is_running(id) {
        return Err(bad_request(format!("{} is already running", id.display_name())));
    }
    audit(&admin.name, "source.run", id.as_str()).await;
    tokio::spawn(async move {
        if let Err(err) = jobs.run(id, Trigger::Admin).await {
            tracing::warn!(source = %id, error = %err, "run now failed");
        }
    });
    Ok(format!("Running {}…", id.display_name()))
}

/// Changes a source's schedule (five-field cron, in the server's time zone) and whether the
/// scheduler runs it.
#[server(endpoint = "admin/schedule")]
pub async fn set_schedule(
    source: String,
    cron: String,
    enabled: Option<String>,
) -> Result<String, ServerFnError> {
    use engine::schedule::{ScheduleError, ScheduleStore};
    use model::SourceId;

    use super::ssr::{audit, scheduler};
    use crate::auth::ssr::{bad_request, database, internal_error, require};

    let admin = require(model::Role::Admin).await?;
    let id: SourceId = source.parse().map_err(bad_request)?;
    let enabled = enabled.is_some_and(|v| v == "on" || v == "true");
    let store = ScheduleStore::new(database()?.pool().clone());
    match store.set(id, &cron, enabled, &admin.name).await {
        Ok(saved) => {
            scheduler()?.schedules_changed();
            let state = if enabled { "enabled" } else { "disabled" };
            audit(&admin.name, "schedule.set", &format!("{id}: {} ({state})", saved.cron)).await;
            Ok(format!("{}: {} ({state})", id.display_name(), saved.cron))
        }
        Err(err @ ScheduleError::Cron { .. }) => Err(bad_request(err)),
        Err(err) => Err(internal_error(err)),
    }
}

#[component]
pub fn SourcesSection() -> impl IntoView {
    let live = use_live();
    let run = ServerAction::<RunSource>::new();
    let schedule = ServerAction::<SetSchedule>::new();
    let sources = Resource::new(
        move || {
            (
                run.version().get(),
                schedule.version().get(),
                live.data_version.get(),
                live.events.with(|e| e.last().map(|m| m.seq)),
            )
        },
        |_| admin_sources(),
    );
    // Everything inside the Transition: a non-admin sees nothing here (the page says why once).
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading sources…"</p> }>
            {move || Suspend::new(async move {
                match sources.await {
                    Ok(list) => {
                        let zone = list.first().map_or_else(|| "UTC".to_string(), |s| zone_name(&s.time_zone));
                        view! {
                            <section aria-labelledby="sources-heading">
                                <div class="section-head">
                                    <h2 id="sources-heading">"Sources"</h2>
                                    <ActionForm action=run attr:class="inline-form">
                                        <input type="hidden" name="source" value="all" />
                                        <button type="submit" class="button primary" data-testid="run-all">"Run all"</button>
                                    </ActionForm>
                                </div>
                                <ActionFeedback outcomes=vec![run.value(), schedule.value()] testid="admin-feedback" />
                                <SourcesTable list run schedule zone=zone.clone() />
                                <p class="muted small" data-testid="schedule-help">
                                    {format!("Schedules are cron expressions in the server's time zone, {zone}: ")}
                                    "minute hour day-of-month month day-of-week, "
                                    "e.g. " <code>"0 5 * * *"</code> " (every day at 05:00) or " <code>"*/30 * * * *"</code> ". "
                                    "The zone is the server's " <code>"time_zone"</code> " setting."
                                </p>
                            </section>
                        }
                        .into_any()
                    }
                    Err(err) if describe_denial(&err).is_some() => ().into_any(),
                    Err(err) => view! {
                        <p class="notice error" role="alert">{admin_error("Could not load the sources", &err)}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SourcesTable(
    list: Vec<SourceAdmin>,
    run: ServerAction<RunSource>,
    schedule: ServerAction<SetSchedule>,
    /// The time zone the schedules and times are in.
    zone: String,
) -> impl IntoView {
    let schedule_heading = format!("Schedule ({zone})");
    let rows = list
        .into_iter()
        .map(|s| {
            let id = s.source.as_str();
            let status = if s.running {
                ("running", "Running".to_string())
            } else if s.needs_reconnect {
                ("error", "Needs reconnect".to_string())
            } else {
                match s.last_run.as_ref().map(|r| r.status.as_str()) {
                    Some("failed") => ("error", "Last run failed".to_string()),
                    Some("partial") => ("warn", "Files rejected".to_string()),
                    Some("interrupted") => ("warn", "Interrupted".to_string()),
                    Some(_) if s.files_loaded > 0 => ("ok", "OK".to_string()),
                    Some("nothing_to_do") => ("idle", "Nothing to do".to_string()),
                    _ if s.files_loaded > 0 => ("ok", "OK".to_string()),
                    _ => ("idle", "No data yet".to_string()),
                }
            };
            let via = match (s.source.kind(), s.api_connected) {
                (SourceKind::ExportOnly, _) => "exports",
                (SourceKind::ExportAndApi, true) => "exports · API connected",
                (SourceKind::ExportAndApi, false) => "exports · API (not connected)",
            };
            let last_run = s.last_run.as_ref().map(|r| {
                let href = format!("/admin/runs/{}", r.id);
                // A run that did nothing says why, where the admin clicked Run now.
                let note = r.note.clone().map(|n| {
                    view! { <span class="muted small block" data-testid="last-run-note">{format!("Nothing to do: {n}")}</span> }
                });
                view! {
                    <a href=href>{format!("#{} · {} {}", r.id, short_time(&r.started_at), zone_name(&r.time_zone))}</a>
                    {note}
                }
            });
            let freshness = match s.freshness_days {
                Some(0) => "today".to_string(),
                Some(1) => "1 day".to_string(),
                Some(d) => format!("{d} days"),
                None => "—".to_string(),
            };
            let form_id = format!("schedule-{id}");
            view! {
                <tr data-source=id>
                    <th scope="row">
                        {s.source.display_name()}
                        <span class="muted small block">{via}</span>
                    </th>
                    <td data-label="Status">
                        <span class=format!("status-pill {}", status.0) data-testid="source-status">{status.1}</span>
                        {s.needs_reconnect.then(|| view! { <a href="#connections" class="small block">"Connect again"</a> })}
                    </td>
                    <td data-label="Last run">{last_run.map(IntoAny::into_any).unwrap_or_else(|| "never".into_any())}</td>
                    <td class="num" data-label="Data age">{freshness}</td>
                    <td class="num" data-label="Values">{thousands(s.values)}<span class="muted small block">{format!("{} files", s.files_loaded)}</span></td>
                    <td class="error-cell" data-label="Last error">{s.last_error.unwrap_or_default()}</td>
                    <td data-label=schedule_heading.clone()>
                        <ActionForm action=schedule attr:class="schedule-form" attr:id=form_id>
                            <input type="hidden" name="source" value=id />
                            <label class="visually-hidden" for=format!("cron-{id}")>{format!("Schedule of {}", s.source.display_name())}</label>
                            <input id=format!("cron-{id}") name="cron" value=s.cron.clone() size="12" class="cron-input" />
                            <label class="check">
                                <input type="checkbox" name="enabled" checked=s.enabled />
                                "on"
                            </label>
                            <button type="submit" class="button secondary small">"Save"</button>
                        </ActionForm>
                        <span class="muted small block">
                            {s.next_run.map(|n| format!("next {n}")).unwrap_or_else(|| "not scheduled".into())}
                        </span>
                    </td>
                    <td class="row-actions">
                        <ActionForm action=run>
                            <input type="hidden" name="source" value=id />
                            <button type="submit" class="button primary small" disabled=s.running data-testid="run-now">
                                "Run now"
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Sources">
            <table class="data-table admin-sources stack-on-phone" data-testid="admin-sources">
                <thead>
                    <tr>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Last run"</th>
                        <th scope="col">"Data age"</th>
                        <th scope="col">"Values"</th>
                        <th scope="col">"Last error"</th>
                        <th scope="col">{schedule_heading}</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A zone's name as the pages show it (a summary from an older server names none: UTC).
pub fn zone_name(zone: &str) -> String {
    if zone.is_empty() { "UTC".to_string() } else { zone.to_string() }
}

/// `2026-11-26T10:40:37.123+00:00` → `2026-11-26 10:40` (the wall-clock time of the offset given).
pub fn short_time(rfc3339: &str) -> String {
    rfc3339.get(..16).map(|t| t.replace('T', " ")).unwrap_or_else(|| rfc3339.to_string())
}
