//! The dashboard: KPI cards by area, the date-range and artist filters, and the charts with their
//! drill-down. Everything it shows follows its URL (see `view_state`).

mod artists;
mod cards;
pub(crate) mod charts;
#[cfg(feature = "hydrate")]
mod echarts;
mod filters;
mod sparkline;
mod view_state;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::KpiReport;
use serde::{Deserialize, Serialize};

pub use view_state::{ViewState, encode};

use crate::auth::describe_denial;

/// The cards' data and what the filters offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub report: KpiReport,
    /// Every artist of the warehouse, for the filter.
    pub artists: Vec<String>,
}

/// Every KPI for the view's period and artist, with sparklines (any signed-in user).
#[server(endpoint = "dashboard", input = server_fn::codec::Json)]
pub async fn dashboard_data(view: ViewState) -> Result<Dashboard, ServerFnError> {
    use crate::auth::ssr::{bad_request, database, internal_error, require, today};
    use engine::kpi::{KpiError, KpiQuery, period::resolve_range};

    require(model::Role::Viewer).await?;
    check_platform(view.platform.as_deref()).map_err(bad_request)?;
    let db = database()?;
    let today = today();
    let period =
        resolve_range(&view.range, view.from.as_deref(), view.to.as_deref(), today).map_err(bad_request)?;
    let query = KpiQuery {
        period,
        artist: view.artist.clone(),
        today,
        sparklines: true,
        store: view.store,
        platform: view.platform.clone(),
    };
    let report = match engine::kpi::report(&db, &query).await {
        Ok(report) => report,
        Err(err @ (KpiError::Artist(_) | KpiError::UnknownStore(_))) => return Err(bad_request(err)),
        Err(err) => return Err(internal_error(err)),
    };
    let mut artists: Vec<String> =
        engine::kpi::artist::all(&db).await.map_err(internal_error)?.into_iter().map(|a| a.name).collect();
    // Figures without an artist are an entry of their own, so the entries add up to the label.
    if engine::kpi::unattributed::any(&db).await.map_err(internal_error)? {
        artists.push(engine::kpi::unattributed::UNATTRIBUTED.to_string());
    }
    Ok(Dashboard { report, artists })
}

/// The streaming platforms the Streams rule keeps apart.
pub const PLATFORMS: [(&str, &str); 2] = [("spotify", "Spotify"), ("apple", "Apple Music")];

/// A platform filter must name one of [`PLATFORMS`].
#[cfg(feature = "ssr")]
pub fn check_platform(platform: Option<&str>) -> Result<(), String> {
    match platform {
        Some(p) if !PLATFORMS.iter().any(|(key, _)| *key == p) => {
            Err(format!("unknown platform {p:?}: use spotify or apple"))
        }
        _ => Ok(()),
    }
}

/// A server function's error as a sentence for the page.
pub fn error_text(err: &ServerFnError) -> String {
    if let Some(denied) = describe_denial(err) {
        return denied.to_string();
    }
    match err {
        ServerFnError::ServerError(message) => message.clone(),
        other => format!("the server could not be reached ({other})"),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| ViewState::from_query(&query.read()));
    // The cards follow the filters and the drilled-into store (statement KPIs of that store).
    let filters = Memo::new(move |_| view.get().card_filters());
    // The live connection bumps the data version after each import: the cards refetch.
    let live = crate::live::use_live();
    // Blocking: the server holds the page's first bytes until the cards' data is in, because the
    // status goes out with them and a bad link must be a 400, not a 200 that later shows an error.
    let data = Resource::new_blocking(
        move || (filters.get(), live.data_version.get()),
        |(view, _)| dashboard_data(view),
    );

    view! {
        <Title text="Dashboard" />
        <div class="dashboard-head">
            <h1>"Dashboard"</h1>
        </div>
        <Transition fallback=|| view! { <p class="muted" data-testid="dashboard-loading">"Loading your numbers…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(dashboard) => view! { <Loaded dashboard view /> }.into_any(),
                    Err(err) => {
                        let text = error_text(&err);
                        view! {
                            <filters::Filters view artists=Vec::new() from=String::new() to=String::new() />
                            <p class="notice error" role="alert" data-testid="dashboard-error">{text}</p>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        // Outside the cards' Transition: each chart's resource is created once, when the page is,
        // so the server and the browser agree on them while hydrating.
        <artists::ArtistsTable view />
        <charts::Charts view />
    }
}

#[component]
fn Loaded(dashboard: Dashboard, view: Memo<ViewState>) -> impl IntoView {
    let Dashboard { report, artists } = dashboard;
    let (from, to) = (report.from.clone(), report.to.clone());
    let empty = report.freshness.values().all(Option::is_none);
    view! {
        <filters::Filters view artists from to />
        {report.store.clone().map(|store| {
            let all = view.get_untracked().with_store(None).url();
            view! {
                <p class="notice info" data-testid="store-filter">
                    {format!("Revenue, units and top KPIs: {store} only · ")}
                    <a href=all>"All stores"</a>
                </p>
            }
        })}
        {(!report.warnings.is_empty())
            .then(|| {
                let items = report.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view();
                view! { <ul class="notice warnings" data-testid="warnings">{items}</ul> }
            })}
        {if empty {
            view! { <NoData /> }.into_any()
        } else {
            view! {
                <cards::KpiCards report />
                <cards::FoldOnPhone />
            }
            .into_any()
        }}
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
