//! The date-range presets, the custom range and the artist filter. They are links and GET
//! forms: they work before the WASM loads, and each choice is a new URL (Back undoes it).

use leptos::prelude::*;
use leptos_router::components::Form;

use super::view_state::{PRESETS, ViewState};

#[component]
pub fn Filters(
    view: Memo<ViewState>,
    artists: Vec<String>,
    /// The period the server resolved (shown in the date inputs).
    from: String,
    to: String,
) -> impl IntoView {
    let current = view.get_untracked();
    let presets = PRESETS
        .iter()
        .filter(|(key, _)| *key != "custom")
        .map(|(key, label)| {
            let href = current.with_range(key).url();
            let active = current.range == *key;
            view! {
                <a
                    class="preset"
                    class:active=active
                    href=href
                    aria-current=if active { Some("page") } else { None }
                    data-range=*key
                >
                    {*label}
                </a>
            }
        })
        .collect_view();
    let artist = current.artist.clone().unwrap_or_default();
    let options = artists
        .into_iter()
        .map(|name| {
            let selected = name.eq_ignore_ascii_case(&artist);
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let platform = current.platform.clone().unwrap_or_default();
    let platforms = super::PLATFORMS
        .iter()
        .map(|(key, label)| view! { <option value=*key selected=platform == *key>{*label}</option> })
        .collect_view();
    let custom = current.range == "custom";
    let (range, range_from, range_to) = (current.range.clone(), current.from.clone(), current.to.clone());
    view! {
        <section class="filters" aria-label="Filters">
            <nav class="presets" aria-label="Date range">
                {presets}
            </nav>
            <Form method="GET" action="/">
                <div class="custom-range" class:active=custom>
                    <label>
                        "From" <input type="date" name="from" value=from.clone() prop:value=from required data-testid="from" />
                    </label>
                    <label>
                        "To" <input type="date" name="to" value=to.clone() prop:value=to required data-testid="to" />
                    </label>
                    {current.artist.clone().map(|a| view! { <input type="hidden" name="artist" value=a /> })}
                    {current.platform.clone().map(|p| view! { <input type="hidden" name="platform" value=p /> })}
                    // The button carries the range, so the URL has no nameless field.
                    <button type="submit" name="range" value="custom" data-testid="apply-range">
                        "Apply dates"
                    </button>
                </div>
            </Form>
            <Form method="GET" action="/">
                <div class="artist-filter">
                    {range_from.map(|f| view! { <input type="hidden" name="from" value=f /> })}
                    {range_to.map(|t| view! { <input type="hidden" name="to" value=t /> })}
                    <label>
                        "Artist"
                        <select name="artist" data-testid="artist">
                            <option value="" selected=artist.is_empty()>
                                "All artists"
                            </option>
                            {options}
                        </select>
                    </label>
                    <label>
                        "Streams"
                        <select name="platform" data-testid="platform">
                            <option value="" selected=platform.is_empty()>
                                "All platforms"
                            </option>
                            {platforms}
                        </select>
                    </label>
                    <button type="submit" name="range" value=range data-testid="apply-artist">
                        "Show"
                    </button>
                </div>
            </Form>
        </section>
    }
}
