//! The catalogue (`/catalogue`): every track with its revenue, royalty units and streams for a
//! period, sortable and searchable; and a page per track (`/catalogue/:isrc`) with everything
//! known about it. Both follow their URL, like the dashboard.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::{Catalogue, CatalogueRow, CatalogueSort, ChartId, format};
use rust_decimal::Decimal;

use super::dashboard::{
    ViewState,
    charts::{ChartPanel, Drill},
    encode, error_text,
};

/// Rows shown at most (the count says how many match).
#[cfg(feature = "ssr")]
const ROWS: usize = 200;

/// The catalogue for the view's period and artist (any signed-in user).
#[server(endpoint = "catalogue", input = server_fn::codec::Json)]
pub async fn catalogue_data(
    view: ViewState,
    search: Option<String>,
    sort: CatalogueSort,
) -> Result<Catalogue, ServerFnError> {
    use crate::auth::ssr::{bad_request, database, internal_error, require, today};
    use engine::kpi::{
        KpiError,
        catalogue::{CatalogueQuery, catalogue},
        period::resolve_range,
    };

    require(model::Role::Viewer).await?;
    let period =
        resolve_range(&view.range, view.from.as_deref(), view.to.as_deref(), today()).map_err(bad_request)?;
    let query = CatalogueQuery { period, artist: view.artist, search, sort, limit: ROWS };
    match catalogue(&database()?, &query).await {
        Ok(found) => Ok(found),
        Err(err @ KpiError::Artist(_)) => Err(bad_request(err)),
        Err(err) => Err(internal_error(err)),
    }
}

/// The catalogue page's URL for a view, a search and an order.
fn url(view: &ViewState, search: &str, sort: CatalogueSort) -> String {
    let dashboard = view.filters().url();
    let query = dashboard.trim_start_matches("/?");
    let mut out = format!("/catalogue?{query}&sort={}", sort.as_str());
    if !search.is_empty() {
        out.push_str(&format!("&q={}", encode(search)));
    }
    out
}

fn track_url(view: &ViewState, isrc: &str) -> String {
    let dashboard = view.filters().url();
    format!("/catalogue/{}?{}", encode(isrc), dashboard.trim_start_matches("/?"))
}

#[component]
pub fn CataloguePage() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| ViewState::from_query(&query.read()));
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default().trim().to_string());
    let sort = Memo::new(move |_| {
        query.read().get("sort").and_then(|s| CatalogueSort::parse(&s)).unwrap_or_default()
    });
    let live = crate::live::use_live();
    let data = Resource::new(
        move || (view.get().filters(), search.get(), sort.get(), live.data_version.get()),
        |(view, search, sort, _)| catalogue_data(view, (!search.is_empty()).then_some(search), sort),
    );
    view! {
        <Title text="Catalogue" />
        <h1>"Catalogue"</h1>
        <Controls view search sort />
        <Transition fallback=|| view! { <p class="muted">"Loading the catalogue…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(found) => view! { <Table found view search sort /> }.into_any(),
                    Err(err) => view! {
                        <p class="notice error" role="alert" data-testid="catalogue-error">{error_text(&err)}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Controls(view: Memo<ViewState>, search: Memo<String>, sort: Memo<CatalogueSort>) -> impl IntoView {
    move || {
        let v = view.get();
        let presets = [("28d", "28 days"), ("90d", "90 days"), ("12m", "12 months"), ("ytd", "Year to date")]
            .into_iter()
            .map(|(key, label)| {
                let href = url(&v.with_range(key), &search.get(), sort.get());
                let active = v.range == key;
                view! { <a class="preset" class:active=active href=href data-range=key>{label}</a> }
            })
            .collect_view();
        let hidden = [
            ("range", Some(v.range.clone())),
            ("from", v.from.clone()),
            ("to", v.to.clone()),
            ("artist", v.artist.clone()),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value.map(|value| view! { <input type="hidden" name=name value=value /> })
        })
        .collect_view();
        view! {
            <div class="filters catalogue-controls">
                <nav class="presets" aria-label="Period">{presets}</nav>
                <form method="get" action="/catalogue" class="catalogue-search" role="search">
                    {hidden}
                    <input type="hidden" name="sort" value=sort.get().as_str() />
                    <label>
                        "Search "
                        <input type="search" name="q" value=search.get() placeholder="Title, artist or ISRC" data-testid="catalogue-search" />
                    </label>
                    <button type="submit">"Search"</button>
                </form>
            </div>
        }
    }
}

#[component]
fn Table(
    found: Catalogue,
    view: Memo<ViewState>,
    search: Memo<String>,
    sort: Memo<CatalogueSort>,
) -> impl IntoView {
    let v = view.get_untracked();
    let (q, current) = (search.get_untracked(), sort.get_untracked());
    let header = |label: &'static str, by: CatalogueSort| {
        let href = url(&v, &q, by);
        let sorted = current == by;
        view! {
            <th scope="col" aria-sort=if sorted { "descending" } else { "none" }>
                <a href=href data-sort=by.as_str()>{label}{sorted.then_some(" ▾")}</a>
            </th>
        }
    };
    let money = |d: Option<Decimal>| d.map_or("—".to_string(), format::usd);
    let rows = found
        .rows
        .iter()
        .map(|row: &CatalogueRow| {
            let change = row.revenue_change_pct.map_or("—".to_string(), |d| {
                let sign = if d > Decimal::ZERO { "+" } else { "" };
                format!("{sign}{}%", format::decimal(d, 1))
            });
            view! {
                <tr data-isrc=row.isrc.clone()>
                    <th scope="row"><a href=track_url(&v, &row.isrc)>{row.title.clone()}</a></th>
                    <td>{row.artist.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="mono">{row.isrc.clone()}</td>
                    <td class="mono">{row.release.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{money(row.revenue_usd)}</td>
                    <td class="num">{change}</td>
                    <td class="num">{row.royalty_units.map_or("—".to_string(), format::thousands)}</td>
                    <td class="num">{row.streams.map_or("—".to_string(), format::thousands)}</td>
                </tr>
            }
        })
        .collect_view();
    let count = if found.total > found.rows.len() {
        format!("{} tracks match; the first {} are shown.", found.total, found.rows.len())
    } else {
        format!("{} tracks, {} .. {}.", found.total, found.from, found.to)
    };
    view! {
        <p class="muted" data-testid="catalogue-count">{count}</p>
        <p class="scroll-hint">"Swipe the table sideways for more columns →"</p>
        <div class="table-scroll catalogue" tabindex="0">
            <table data-testid="catalogue">
                <thead>
                    <tr>
                        {header("Title", CatalogueSort::Title)}
                        <th scope="col">"Artist"</th>
                        <th scope="col">"ISRC"</th>
                        <th scope="col">"Release (UPC)"</th>
                        {header("Revenue", CatalogueSort::Revenue)}
                        {header("Change", CatalogueSort::Change)}
                        {header("Royalty units", CatalogueSort::Units)}
                        {header("Spotify streams", CatalogueSort::Streams)}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// One track: its figures for the period, its revenue by store, territory and sale month, and
/// its streams per day.
#[component]
pub fn TrackPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let isrc = Memo::new(move |_| params.read().get("isrc").unwrap_or_default());
    let view = Memo::new(move |_| ViewState {
        track: Some(isrc.get()),
        ..ViewState::from_query(&query.read()).filters()
    });
    let live = crate::live::use_live();
    let data = Resource::new(
        move || (view.get(), live.data_version.get()),
        |(view, _)| {
            let isrc = view.track.clone();
            catalogue_data(ViewState { track: None, ..view }, isrc, CatalogueSort::Revenue)
        },
    );
    view! {
        <Title text="Track" />
        <Transition fallback=|| view! { <p class="muted">"Loading the track…"</p> }>
            {move || Suspend::new(async move {
                let wanted = isrc.get_untracked();
                match data.await {
                    Ok(found) => match found.rows.into_iter().find(|r| r.isrc == wanted) {
                        Some(row) => view! { <TrackHead row view /> }.into_any(),
                        None => view! {
                            <h1>{wanted.clone()}</h1>
                            <p class="notice info" data-testid="track-missing">
                                {format!("No track with ISRC {wanted} has figures in {} .. {}.", found.from, found.to)}
                            </p>
                        }
                        .into_any(),
                    },
                    Err(err) => view! { <p class="notice error" role="alert">{error_text(&err)}</p> }.into_any(),
                }
            })}
        </Transition>
        <section class="charts" aria-label="Charts">
            <ChartPanel id=ChartId::TrackStores view drill=Drill::None />
            <ChartPanel id=ChartId::TrackTerritories view drill=Drill::None />
            <ChartPanel id=ChartId::TrackMonths view drill=Drill::None />
            <ChartPanel id=ChartId::TrackStreams view drill=Drill::None />
        </section>
    }
}

#[component]
fn TrackHead(row: CatalogueRow, view: Memo<ViewState>) -> impl IntoView {
    let v = view.get_untracked();
    let back = url(&v, "", CatalogueSort::Revenue);
    let heading = match &row.artist {
        Some(artist) => format!("{} — {artist}", row.title),
        None => row.title.clone(),
    };
    let figure = |label: &'static str, value: String| {
        view! { <article class="kpi-card"><h3>{label}</h3><p class="kpi-value">{value}</p></article> }
    };
    view! {
        <p class="breadcrumb"><a href=back>"Catalogue"</a> " › " {row.title.clone()}</p>
        <h1 data-testid="track-title">{heading}</h1>
        <p class="muted">
            {format!("ISRC {} · release {}", row.isrc, row.release.clone().unwrap_or_else(|| "unknown".into()))}
        </p>
        <div class="kpi-grid" data-testid="track-figures">
            {figure("Revenue", row.revenue_usd.map_or("—".to_string(), format::usd))}
            {figure("Royalty units", row.royalty_units.map_or("—".to_string(), format::thousands))}
            {figure("Spotify streams", row.streams.map_or("—".to_string(), format::thousands))}
        </div>
    }
}
