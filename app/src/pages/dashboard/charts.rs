//! The charts: each loads on its own (a failing chart shows its error, the others still draw),
//! renders with ECharts in the browser, and offers its numbers as a table and a CSV download.
//! "Revenue by store" drills into a store's tracks, then into a track's territories and months;
//! each level is a URL and the breadcrumb goes back up.

use leptos::prelude::*;
use model::{ChartData, ChartId};

use super::{ViewState, error_text, view_state::encode};

/// One chart's data for the view (any signed-in user).
#[server(endpoint = "chart", input = server_fn::codec::Json)]
pub async fn load_chart(chart: ChartId, view: ViewState) -> Result<ChartData, ServerFnError> {
    use crate::auth::ssr::{bad_request, database, internal_error, require, today};
    use engine::kpi::{
        KpiError,
        charts::{ChartQuery, chart as compute},
        period::resolve_range,
    };

    require(model::Role::Viewer).await?;
    super::check_platform(view.platform.as_deref()).map_err(bad_request)?;
    let period =
        resolve_range(&view.range, view.from.as_deref(), view.to.as_deref(), today()).map_err(bad_request)?;
    let query = ChartQuery {
        chart,
        period,
        artist: view.artist,
        platform: view.platform,
        store: view.store,
        track: view.track,
        territory: view.territory,
        campaign: view.campaign,
    };
    match compute(&database()?, &query).await {
        Ok(data) => Ok(data),
        Err(KpiError::Artist(err)) => Err(bad_request(err)),
        Err(err) => Err(internal_error(err)),
    }
}

/// What a click on a bar, a point or a table row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drill {
    None,
    /// Open the clicked store's tracks.
    Store,
    /// Open the clicked track's territories and months.
    Track,
    /// Open the clicked territory's stores and tracks.
    Territory,
    /// Narrow the period to the clicked month (`YYYY-MM`).
    Month,
    /// Narrow the period to the week around the clicked day.
    Days,
    /// Narrow the period to the clicked day (an e-mail campaign's send day).
    Day,
    /// Open the clicked ad campaign's days.
    Campaign,
}

impl Drill {
    fn hint(self) -> Option<&'static str> {
        Some(match self {
            Drill::None => return None,
            Drill::Store => "Click a store to see its tracks",
            Drill::Track => "Click a track to see its territories and months",
            Drill::Territory => "Click a territory to see its stores and tracks",
            Drill::Month => "Click a month to see its stores and tracks",
            Drill::Days => "Click a day to see the week around it",
            Drill::Day => "Click a campaign to see its figures",
            Drill::Campaign => "Click a campaign to see its days and its cost per 1,000 streams",
        })
    }
}

/// The view a click on the category with drill key `key` opens; `None` when it opens nothing
/// (an "Other" bar, an unknown territory).
pub fn drill_target(drill: Drill, key: &str, current: &ViewState) -> Option<ViewState> {
    use chrono::{Duration, Months, NaiveDate};
    if key.is_empty() {
        return None;
    }
    let day = || NaiveDate::parse_from_str(key, "%Y-%m-%d").ok();
    match drill {
        Drill::None => None,
        Drill::Store => key.parse().ok().map(|store| current.with_store(Some(store))),
        Drill::Track => Some(current.with_track(Some(key.to_string()))),
        Drill::Territory => Some(current.with_territory(Some(key.to_string()))),
        Drill::Campaign => key.parse().ok().map(|c| current.with_campaign(Some(c))),
        Drill::Month => {
            let first = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()?;
            let last = first.checked_add_months(Months::new(1))? - Duration::days(1);
            Some(current.with_dates(first, last))
        }
        Drill::Days => day().map(|d| current.with_dates(d - Duration::days(3), d + Duration::days(3))),
        Drill::Day => day().map(|d| current.with_dates(d, d)),
    }
}

#[component]
pub fn Charts(view: Memo<ViewState>) -> impl IntoView {
    let level = Memo::new(move |_| {
        let v = view.get();
        (v.store.is_some(), v.track.is_some(), v.territory.is_some())
    });
    view! {
        <section class="charts" aria-label="Charts">
            <ChartPanel id=ChartId::RevenueByMonth view drill=Drill::Month />
            <ChartPanel id=ChartId::StreamsByPlatform view drill=Drill::Days />
            <div class="drill" data-testid="drill">
                <Breadcrumb view />
                {move || {
                    match level.get() {
                        (_, true, _) => view! {
                            <ChartPanel id=ChartId::TrackTerritories view drill=Drill::None />
                            <ChartPanel id=ChartId::TrackMonths view drill=Drill::Month />
                        }
                        .into_any(),
                        (true, false, _) => view! { <ChartPanel id=ChartId::StoreTracks view drill=Drill::Track /> }.into_any(),
                        (false, false, true) => view! {
                            <ChartPanel id=ChartId::TerritoryStores view drill=Drill::Store />
                            <ChartPanel id=ChartId::TerritoryTracks view drill=Drill::Track />
                        }
                        .into_any(),
                        _ => view! { <ChartPanel id=ChartId::RevenueByStore view drill=Drill::Store /> }.into_any(),
                    }
                }}
            </div>
            <ChartPanel id=ChartId::RevenueByTerritory view drill=Drill::Territory />
            <ChartPanel id=ChartId::AdsVsRevenue view drill=Drill::Month />
            <ChartPanel id=ChartId::AdCampaigns view drill=Drill::Campaign />
            {move || {
                view.get().campaign.map(|_| {
                    let all = view.get_untracked().with_campaign(None).url();
                    view! {
                        <div class="drill" data-testid="campaign-drill">
                            <nav class="breadcrumb" aria-label="Campaign">
                                <a href=all data-noscroll="" data-testid="crumb-campaigns">"All campaigns"</a>
                            </nav>
                            <ChartPanel id=ChartId::CampaignDays view drill=Drill::None />
                        </div>
                    }
                })
            }}
            <ChartPanel id=ChartId::SocialGrowth view drill=Drill::Days />
            <ChartPanel id=ChartId::EmailCampaigns view drill=Drill::Day />
        </section>
    }
}

/// The names of a drill-down's store and track (its ISRC), for the breadcrumb.
#[server(endpoint = "drill-names", input = server_fn::codec::Json)]
pub async fn drill_names(
    store: Option<i64>,
    track: Option<String>,
    territory: Option<String>,
) -> Result<(Option<String>, Option<String>, Option<String>), ServerFnError> {
    use crate::auth::ssr::{database, internal_error, require};

    require(model::Role::Viewer).await?;
    let db = database()?;
    let store = match store {
        Some(id) => engine::kpi::names::store(&db, id).await.map_err(internal_error)?,
        None => None,
    };
    let track = match track {
        Some(isrc) => engine::kpi::names::track_by_isrc(&db, &isrc)
            .await
            .map_err(internal_error)?
            .map(|(_, name)| name.label()),
        None => None,
    };
    let territory = territory.map(|code| engine::sources::country::territory_name(&code));
    Ok((store, track, territory))
}

/// "All stores › United States › Spotify › LUNA — ZONE A0": links back up the drill-down.
#[component]
fn Breadcrumb(view: Memo<ViewState>) -> impl IntoView {
    let drilled = Memo::new(move |_| {
        let v = view.get();
        (v.store, v.track, v.territory)
    });
    let names = Resource::new(
        move || drilled.get(),
        |(store, track, territory)| async move {
            if store.is_none() && track.is_none() && territory.is_none() {
                return Ok((None, None, None));
            }
            drill_names(store, track, territory).await
        },
    );
    type Names = (Option<String>, Option<String>, Option<String>);
    let crumbs = move |v: ViewState, (store_name, track_name, territory_name): Names| {
        if v.store.is_none() && v.track.is_none() && v.territory.is_none() {
            return None;
        }
        let top = v.with_store(None).url();
        let territory = v.territory.clone().map(|t| {
            let href = v.with_territory(Some(t.clone())).url();
            let name = territory_name.unwrap_or(t);
            view! { " › " <a href=href data-noscroll="" data-testid="crumb-territory">{name}</a> }
        });
        let store = v.store.map(|s| {
            let href = ViewState { track: None, ..v.clone() }.url();
            let name = store_name.unwrap_or_else(|| format!("Store {s}"));
            view! { " › " <a href=href data-noscroll="" data-testid="crumb-store">{name}</a> }
        });
        let track = v.track.clone().map(|t| {
            let page = format!("/catalogue/{}?{}", encode(&t), v.filters().url().trim_start_matches("/?"));
            let name = track_name.unwrap_or(t);
            view! {
                " › " <span aria-current="page" data-testid="crumb-track">{name}</span>
                " · " <a href=page data-testid="track-page-link">"Track page"</a>
            }
        });
        Some(view! {
            <nav class="breadcrumb" aria-label="Drill-down">
                <a href=top data-noscroll="" data-testid="crumb-top">"All stores"</a>
                {territory}
                {store}
                {track}
            </nav>
        })
    };
    view! {
        <Transition fallback=|| ()>
            {move || {
                let v = view.get();
                Suspend::new(async move {
                    // If the names cannot load, the ids stand in.
                    crumbs(v, names.await.unwrap_or((None, None, None)))
                })
            }}
        </Transition>
    }
}

#[component]
pub fn ChartPanel(id: ChartId, view: Memo<ViewState>, drill: Drill) -> impl IntoView {
    // The drill-down charts depend on the store and track; the others only on the filters.
    let key = Memo::new(move |_| {
        let v = view.get();
        match id {
            ChartId::StoreTracks
            | ChartId::TrackTerritories
            | ChartId::TrackMonths
            | ChartId::TerritoryStores
            | ChartId::TerritoryTracks
            | ChartId::TrackStores
            | ChartId::TrackStreams
            | ChartId::CampaignDays => v,
            _ => v.filters(),
        }
    });
    let live = crate::live::use_live();
    let data = Resource::new(move || (key.get(), live.data_version.get()), move |(v, _)| load_chart(id, v));
    view! {
        <figure class="chart-card" data-chart=id.as_str()>
            <Transition fallback=|| view! { <p class="muted chart-loading">"Loading chart…"</p> }>
                {move || {
                    Suspend::new(async move {
                        match data.await {
                            Ok(chart) => view! { <ChartBody chart view drill /> }.into_any(),
                            Err(err) => view! {
                                <figcaption>{id.as_str().replace('-', " ")}</figcaption>
                                <p class="notice error" role="alert">{format!("This chart could not load: {}", error_text(&err))}</p>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Transition>
        </figure>
    }
}

#[component]
fn ChartBody(chart: ChartData, view: Memo<ViewState>, drill: Drill) -> impl IntoView {
    let dom_id = format!("chart-{}", chart.id.as_str());
    let csv_href = format!("data:text/csv;charset=utf-8,{}", encode(&chart.to_csv()));
    let csv_name = chart.csv_name();
    let empty = chart.is_empty();
    let warnings =
        chart.warnings.iter().map(|w| view! { <p class="chart-warning">{w.clone()}</p> }).collect_view();
    let hint = if chart.drill_keys.iter().any(|k| !k.is_empty()) { drill.hint() } else { None };
    let node = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        let (chart, dom_id) = (chart.clone(), dom_id.clone());
        Effect::new(move |_| {
            // Runs again once the element exists (after a client-side navigation it is created
            // after the effect first runs).
            if node.get().is_none() || chart.is_empty() {
                return;
            }
            let keys = chart.drill_keys.clone();
            let navigate = navigate.clone();
            let on_click = move |index: usize| {
                let Some(key) = keys.get(index) else { return };
                if let Some(next) = drill_target(drill, key, &view.get_untracked()) {
                    // The page stays where it is: the drilled chart replaces the clicked one.
                    let options = leptos_router::NavigateOptions { scroll: false, ..Default::default() };
                    navigate(&next.url(), options);
                }
            };
            super::echarts::draw_when_attached(
                dom_id.clone(),
                chart.clone(),
                (drill != Drill::None).then_some(on_click),
            );
        });
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            if let Some(element) = node.get_untracked() {
                super::echarts::resize(&element);
            }
        });
        on_cleanup(move || {
            resize.remove();
            if let Some(element) = node.get_untracked() {
                super::echarts::dispose(&element);
            }
        });
    }
    let table = table(&chart, drill, &view.get_untracked());
    view! {
        <figcaption>
            <span class="chart-title">{chart.title.clone()}</span>
            {(!empty).then(|| view! {
                <a class="csv" href=csv_href download=csv_name data-testid=format!("csv-{}", chart.id.as_str())>"CSV"</a>
            })}
        </figcaption>
        {warnings}
        {if empty {
            view! { <p class="chart-empty muted">{chart.empty_reason.clone()}</p> }.into_any()
        } else {
            view! {
                {hint.map(|h| view! { <p class="chart-hint muted">{h}</p> })}
                <div id=dom_id node_ref=node class="chart" role="img" aria-label=chart.title.clone()></div>
                {table}
            }
                .into_any()
        }}
    }
}

/// The chart's numbers as a table (for screen readers, phones and before the WASM loads); a
/// row's name links where a click on its bar leads.
fn table(chart: &ChartData, drill: Drill, current: &ViewState) -> impl IntoView + use<> {
    let head = chart
        .series
        .iter()
        .map(|s| view! { <th scope="col">{format!("{} ({})", s.name, s.unit.label())}</th> })
        .collect_view();
    let rows = chart
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cells = chart
                .series
                .iter()
                .map(|s| {
                    // An empty string would leave no text node for hydration to find: `None`
                    // renders as a marker instead.
                    let v = s.values.get(i).cloned().flatten().map(|d| d.to_string());
                    view! { <td class="num">{v}</td> }
                })
                .collect_view();
            let target = chart.drill_keys.get(i).and_then(|key| drill_target(drill, key, current));
            let name = match target {
                Some(next) => view! { <a href=next.url() data-noscroll="">{c.clone()}</a> }.into_any(),
                None => c.clone().into_any(),
            };
            view! { <tr><th scope="row">{name}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <details class="chart-table">
            <summary>"Table"</summary>
            <div class="table-scroll">
                <table>
                    <thead><tr><th scope="col">{chart.category_label.clone()}</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}
