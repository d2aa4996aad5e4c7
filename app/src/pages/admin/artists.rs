//! Artists: what is stored without an artist (tracks, releases, ad campaigns), attributed to one
//! by a rule that holds for what is stored and for every later import, so that the artists add
//! up to the label.

use leptos::prelude::*;
use leptos_meta::Title;
use model::{Attribution, AttributionRule, Unattributed};

use super::{ActionFeedback, AdminNav, AdminOnly, Denied, admin_error, sources::short_time};

#[server(endpoint = "admin/attribution")]
pub async fn load_attribution() -> Result<Attribution, ServerFnError> {
    use crate::auth::ssr::{database, internal_error, require};

    require(model::Role::Admin).await?;
    engine::kpi::attribution::attribution(&database()?).await.map_err(internal_error)
}

/// A refusal the admin can act on (unknown key, bad name) or an internal error.
#[cfg(feature = "ssr")]
fn rule_error(err: engine::etl::AttributionError) -> ServerFnError {
    use engine::etl::AttributionError;

    use crate::auth::ssr::{bad_request, internal_error};
    match err {
        AttributionError::Etl(_) => internal_error(err),
        other => bad_request(other),
    }
}

/// Attributes a release, track or ad campaign (`kind`, `key`) to `artist`.
#[server(endpoint = "admin/attribute")]
pub async fn attribute(kind: String, key: String, artist: String) -> Result<String, ServerFnError> {
    use super::ssr::{audit, jobs};
    use crate::auth::ssr::require;

    let admin = require(model::Role::Admin).await?;
    let jobs = jobs()?;
    let applied =
        jobs.etl().set_attribution_rule(&kind, &key, &artist, &admin.name).await.map_err(rule_error)?;
    let artist = artist.trim();
    audit(&admin.name, "attribution.set", &format!("{kind} {} → {artist}", key.trim())).await;
    jobs.changed(Vec::new());
    Ok(format!(
        "{} {} is attributed to {artist}: {}.",
        capitalised(&kind),
        key.trim(),
        engine::etl::describe_attribution(applied)
    ))
}

#[server(endpoint = "admin/attribution-remove")]
pub async fn remove_attribution(kind: String, key: String) -> Result<String, ServerFnError> {
    use super::ssr::{audit, jobs};
    use crate::auth::ssr::require;

    let admin = require(model::Role::Admin).await?;
    let jobs = jobs()?;
    let applied = jobs.etl().remove_attribution_rule(&kind, &key).await.map_err(rule_error)?;
    audit(&admin.name, "attribution.remove", &format!("{kind} {key}")).await;
    jobs.changed(Vec::new());
    Ok(format!("The rule for {kind} {key} was removed: {}.", engine::etl::describe_attribution(applied)))
}

#[cfg(feature = "ssr")]
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What a rule's key is, by kind.
fn key_name(kind: &str) -> &'static str {
    match kind {
        "track" => "ISRC",
        "release" => "UPC",
        _ => "campaign",
    }
}

#[component]
pub fn ArtistsPage() -> impl IntoView {
    let attribute = ServerAction::<Attribute>::new();
    let remove = ServerAction::<RemoveAttribution>::new();
    let page =
        Resource::new(move || (attribute.version().get(), remove.version().get()), |_| load_attribution());
    view! {
        <Title text="Artists" />
        <h1>"Artists"</h1>
        <AdminOnly>
        <AdminNav />
        <ActionFeedback outcomes=vec![attribute.value(), remove.value()] testid="attribution-feedback" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <AttributionView page attribute remove /> }.into_any(),
                    Err(err) => view! { <Denied text=admin_error("Could not load the artists", &err) /> }.into_any(),
                }
            })}
        </Transition>
        </AdminOnly>
    }
}

#[component]
fn AttributionView(
    page: Attribution,
    attribute: ServerAction<Attribute>,
    remove: ServerAction<RemoveAttribution>,
) -> impl IntoView {
    let Attribution { artists, unattributed, unreachable, rules } = page;
    let known = artists.len();
    let options = artists.into_iter().map(|name| view! { <option value=name></option> }).collect_view();
    view! {
        <datalist id="artist-names">{options}</datalist>
        <section aria-labelledby="unattributed-heading">
            <h2 id="unattributed-heading">"Without an artist"</h2>
            <p class="muted">
                "Figures whose file named no artist count for the label but for no artist, so the artists do not add up to it. "
                "Attribute each to an artist ("{known}" known; a new name adds one): the rule holds for what is stored and for "
                "every later import. An artist a file names always wins."
            </p>
            {if unattributed.is_empty() {
                view! {
                    <p class="notice info" data-testid="all-attributed">
                        "Every track, release and ad campaign stored has an artist: the artists add up to the label."
                    </p>
                }
                .into_any()
            } else {
                view! { <UnattributedTable items=unattributed attribute /> }.into_any()
            }}
            {unreachable.map(|text| view! { <p class="notice warn" data-testid="unreachable">{text}</p> })}
        </section>
        <section aria-labelledby="rules-heading">
            <h2 id="rules-heading">"Attribution rules"</h2>
            {if rules.is_empty() {
                view! { <p class="muted" data-testid="no-rules">"No rules yet."</p> }.into_any()
            } else {
                view! { <RulesTable rules remove /> }.into_any()
            }}
        </section>
    }
}

#[component]
fn UnattributedTable(items: Vec<Unattributed>, attribute: ServerAction<Attribute>) -> impl IntoView {
    let rows = items
        .into_iter()
        .map(|item| {
            let input_id = format!("artist-{}-{}", item.kind, item.key);
            let label = format!("Artist of {} {}", item.kind, item.name);
            let Unattributed { kind, key, name, figures, release, suggested } = item;
            let release = release.map(|upc| view! { <div class="muted small">"release "{upc}</div> });
            let key_label = key_name(&kind);
            let (form_kind, form_key) = (kind.clone(), key.clone());
            let (row_kind, row_key) = (kind.clone(), key.clone());
            view! {
                <tr data-kind=row_kind data-key=row_key>
                    <td data-label="What">{kind}</td>
                    <th scope="row">{name}{release}</th>
                    <td data-label=key_label><code>{key}</code></td>
                    <td data-label="Stored without an artist">{figures}</td>
                    <td class="actions">
                        <ActionForm action=attribute attr:class="inline-form">
                            <input type="hidden" name="kind" value=form_kind />
                            <input type="hidden" name="key" value=form_key />
                            <label class="visually-hidden" for=input_id.clone()>{label}</label>
                            <input id=input_id type="text" name="artist" list="artist-names" required maxlength="200"
                                autocomplete="off" placeholder="artist" size="14" value=suggested />
                            <button type="submit" class="button primary small">"Attribute"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Without an artist">
            <table class="data-table stack-on-phone" data-testid="unattributed">
                <thead>
                    <tr>
                        <th scope="col">"What"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"ISRC, UPC or campaign"</th>
                        <th scope="col">"Stored without an artist"</th>
                        <th scope="col">"Attribute to"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn RulesTable(rules: Vec<AttributionRule>, remove: ServerAction<RemoveAttribution>) -> impl IntoView {
    let rows = rules
        .into_iter()
        .map(|rule| {
            let AttributionRule { kind, key, name, artist, created_by, created_at } = rule;
            let key_label = key_name(&kind);
            let set = format!("{} by {created_by}", short_time(&created_at));
            let (form_kind, form_key) = (kind.clone(), key.clone());
            let (row_kind, row_key) = (kind.clone(), key.clone());
            view! {
                <tr data-kind=row_kind data-key=row_key>
                    <td data-label="What">{kind}</td>
                    <th scope="row">{name}</th>
                    <td data-label=key_label><code>{key}</code></td>
                    <td data-label="Artist">{artist}</td>
                    <td data-label="Set">{set}</td>
                    <td class="actions">
                        <ActionForm action=remove attr:class="inline-form">
                            <input type="hidden" name="kind" value=form_kind />
                            <input type="hidden" name="key" value=form_key />
                            <button type="submit" class="button secondary small">"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Attribution rules">
            <table class="data-table stack-on-phone" data-testid="attribution-rules">
                <thead>
                    <tr>
                        <th scope="col">"What"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"ISRC, UPC or campaign"</th>
                        <th scope="col">"Artist"</th>
                        <th scope="col">"Set (UTC)"</th>
                        <th scope="col">"Remove"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
