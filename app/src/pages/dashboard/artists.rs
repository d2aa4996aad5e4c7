//! The artists side by side for the period: revenue, streams, their change, followers gained
//! and ad spend per artist, what has no artist, and the label's total. A name opens the
//! dashboard filtered to that artist.

use leptos::prelude::*;
use model::{ArtistRow, KpiId, KpiValue, format};

use super::{ViewState, error_text};

/// Every artist's figures for the view's period (any signed-in user).
#[server(endpoint = "artists", input = server_fn::codec::Json)]
pub async fn artists_side_by_side(view: ViewState) -> Result<Vec<ArtistRow>, ServerFnError> {
    use crate::auth::ssr::{bad_request, database, internal_error, require, today};
    use engine::kpi::{KpiQuery, artists::compare, period::resolve_range};

    require(model::Role::Viewer).await?;
    let today = today();
    let period =
        resolve_range(&view.range, view.from.as_deref(), view.to.as_deref(), today).map_err(bad_request)?;
    let query = KpiQuery {
        period,
        artist: None,
        today,
        sparklines: false,
        store: None,
        platform: view.platform.clone(),
    };
    compare(&database()?, &query).await.map_err(internal_error)
}

#[component]
pub fn ArtistsTable(view: Memo<ViewState>) -> impl IntoView {
    // Only the period and platform matter; without several artists there is nothing to compare.
    let key = Memo::new(move |_| {
        let v = view.get();
        ViewState { artist: None, ..v.filters() }
    });
    let live = crate::live::use_live();
    let data = Resource::new(move || (key.get(), live.data_version.get()), |(v, _)| artists_side_by_side(v));
    view! {
        <Transition fallback=|| ()>
            {move || {
                let filtered = view.get().artist.is_some();
                Suspend::new(async move {
                    match data.await {
                        Ok(rows) if !filtered && rows.len() > 2 => Some(view! { <Table rows view /> }.into_any()),
                        Ok(_) => None,
                        Err(err) => Some(
                            view! {
                                <p class="notice error" role="alert">
                                    {format!("The artists could not load: {}", error_text(&err))}
                                </p>
                            }
                            .into_any(),
                        ),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn Table(rows: Vec<ArtistRow>, view: Memo<ViewState>) -> impl IntoView {
    let cell =
        |id: KpiId, v: &Option<KpiValue>| v.as_ref().map_or("—".to_string(), |v| format::kpi_value(id, v));
    let body = rows
        .into_iter()
        .map(|row| {
            let name = if row.total {
                view! { <th scope="row">{row.name.clone()}</th> }.into_any()
            } else {
                let href =
                    ViewState { artist: Some(row.name.clone()), ..view.get_untracked().filters() }.url();
                view! { <th scope="row"><a href=href>{row.name.clone()}</a></th> }.into_any()
            };
            view! {
                <tr class:total=row.total data-artist=row.name.clone()>
                    {name}
                    <td class="num">{cell(KpiId::RevenueUsd, &row.revenue_usd)}</td>
                    <td class="num">{cell(KpiId::RevenueChangePct, &row.revenue_change_pct)}</td>
                    <td class="num">{cell(KpiId::Streams, &row.streams)}</td>
                    <td class="num">{cell(KpiId::StreamsChangePct, &row.streams_change_pct)}</td>
                    <td class="num">{cell(KpiId::SpotifyFollowersGained, &row.spotify_followers_gained)}</td>
                    <td class="num">{cell(KpiId::AdSpendUsd, &row.ad_spend_usd)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="artists-compare" aria-labelledby="artists-heading" data-testid="artists-compare">
            <h2 id="artists-heading">"Artists side by side"</h2>
            <p class="scroll-hint">"Swipe the table sideways for more columns →"</p>
            <div class="table-scroll" tabindex="0" aria-label="Artists side by side (scrolls sideways)">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"Artist"</th>
                            <th scope="col">"Revenue"</th>
                            <th scope="col">"Revenue change"</th>
                            <th scope="col">"Streams"</th>
                            <th scope="col">"Streams change"</th>
                            <th scope="col">"Spotify followers gained"</th>
                            <th scope="col">"Ad spend"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}
