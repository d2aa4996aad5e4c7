//! API connections: connect a source (an API key, or the provider's consent screen), see what
//! was pulled, pull an older range (backfill), disconnect. Secrets go in and are never shown
//! again; OAuth sources go through `/admin/connect/{source}` (plain HTTP: the browser must leave
//! for the provider and come back).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::{ApiConnection, ConnectMethod, Connections, SourceId};

use super::{ActionFeedback, admin_error};
use crate::auth::describe_denial;

/// The API sources with their connection state (admins).
#[server(endpoint = "admin/connections")]
pub async fn api_connections() -> Result<Connections, ServerFnError> {
    use engine::pull::{api_limits, authorize, connect_method};

    use super::ssr::jobs;
    use crate::auth::ssr::{internal_error, require, today};

    require(model::Role::Admin).await?;
    let jobs = jobs()?;
    let pulls = jobs.pulls().ok_or_else(|| internal_error("API pulls are not configured"))?;
    let store = pulls.store();
    let connected = store.list().await.map_err(internal_error)?;
    let today = today();
    let catalogue: Vec<model::CatalogueArtist> = engine::warehouse::summary::artist_profiles(store.pool())
        .await
        .map_err(internal_error)?
        .into_iter()
        .map(|p| model::CatalogueArtist { name: p.name, genres: p.genres, image_url: p.image_url })
        .collect();
    let mut sources = Vec::new();
    for source in SourceId::ALL {
        let (Some(method), Some(limits)) = (connect_method(source), api_limits(source)) else { continue };
        let c = connected.iter().find(|c| c.source == source);
        sources.push(ApiConnection {
            source,
            method,
            connected: c.is_some(),
            needs_reconnect: store.needs_reconnect(source).await.map_err(internal_error)?,
            account: c.and_then(|c| c.account.clone()),
            last_day: c.and_then(|c| c.last_day).map(|d| d.to_string()),
            connected_at: c.map(|c| c.connected_at.get(..10).unwrap_or(&c.connected_at).to_string()),
            connected_by: c.and_then(|c| c.connected_by.clone()),
            oldest_day: (today - chrono::Duration::days(limits.max_history_days)).to_string(),
            today: today.to_string(),
            catalogue: if source == SourceId::Spotify { catalogue.clone() } else { Vec::new() },
            artist: c.and_then(|c| c.artist.clone()),
        });
    }
    let headers: http::HeaderMap = leptos_axum::extract().await.map_err(internal_error)?;
    let secure = use_context::<authorize::SecureOrigin>().unwrap_or_default();
    let redirect_uri = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).and_then(|host| {
        let proto = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok());
        authorize::callback_url(host, proto, secure.0)
    });
    Ok(Connections { can_store: store.can_store(), redirect_uri, sources })
}

/// The API pulls, for a request that stores or uses sealed secrets: refused with a 409 saying
/// what to configure while the server has no secret key.
#[cfg(feature = "ssr")]
fn pulls_with_secret_key() -> Result<engine::pull::Pulls, ServerFnError> {
    use crate::auth::ssr::{conflict, internal_error};

    let pulls =
        super::ssr::jobs()?.pulls().cloned().ok_or_else(|| internal_error("API pulls are not configured"))?;
    if !pulls.store().can_store() {
        return Err(conflict(model::NEEDS_SECRET_KEY));
    }
    Ok(pulls)
}

/// Connects a source that takes a key or token (stored sealed, never shown again).
#[server(endpoint = "admin/connect-key")]
pub async fn connect_with_key(
    source: String,
    client_id: Option<String>,
    account: Option<String>,
    secret: String,
) -> Result<String, ServerFnError> {
    use engine::pull::{Secrets, connect_method, mailchimp, meta_ads, spotify};

    use super::ssr::audit;
    use crate::auth::ssr::{bad_request, internal_error, require};

    let admin = require(model::Role::Admin).await?;
    let pulls = pulls_with_secret_key()?;
    let id: SourceId = source.parse().map_err(bad_request)?;
    let secret = secret.trim().to_string();
    let mut account = account.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
    let client_id = client_id.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
    if secret.is_empty() {
        return Err(bad_request("the key is empty"));
    }
    let secrets = match connect_method(id) {
        Some(ConnectMethod::ApiKey) => {
            if id == SourceId::Mailchimp && mailchimp::data_centre(&secret).is_none() {
                return Err(bad_request(
                    "a Mailchimp API key ends with its data centre, like …-us21: copy the whole key",
                ));
            }
            Secrets { api_key: Some(secret), ..Secrets::default() }
        }
        Some(ConnectMethod::AccessToken) => {
            let Some(ad_account) = account.as_deref().and_then(meta_ads::account_id) else {
                return Err(bad_request(
                    "the ad account id is needed: act_ followed by digits, as in Ads Manager",
                ));
            };
            account = Some(ad_account.to_string());
            Secrets { access_token: Some(secret), ..Secrets::default() }
        }
        Some(ConnectMethod::ClientCredentials) => {
            if client_id.is_none() {
                return Err(bad_request("the client id is needed"));
            }
            let ids = spotify::artist_ids(account.as_deref().unwrap_or_default()).map_err(bad_request)?;
            account = Some(ids.join(","));
            Secrets { client_secret: Some(secret), ..Secrets::default() }
        }
        _ => return Err(bad_request(format!("{} is not connected with a key", id.display_name()))),
    };
    pulls
        .store()
        .connect(id, client_id.as_deref(), account.as_deref(), &secrets, None, Some(&admin.name))
        .await
        .map_err(|e| match e {
            engine::pull::connections::ConnectionError::Secret(s) => bad_request(s),
            other => internal_error(other),
        })?;
    audit(&admin.name, "connect", id.as_str()).await;
    Ok(format!("{} connected. Run now pulls it; the schedule keeps it up to date.", id.display_name()))
}

#[server(endpoint = "admin/disconnect")]
pub async fn disconnect_source(source: String) -> Result<String, ServerFnError> {
    use super::ssr::{audit, jobs};
    use crate::auth::ssr::{bad_request, internal_error, require};

    let admin = require(model::Role::Admin).await?;
    let id: SourceId = source.parse().map_err(bad_request)?;
    let pulls = jobs()?.pulls().cloned().ok_or_else(|| internal_error("API pulls are not configured"))?;
    if !pulls.store().disconnect(id).await.map_err(internal_error)? {
        return Err(bad_request(format!("{} was not connected", id.display_name())));
    }
    audit(&admin.name, "disconnect", id.as_str()).await;
    Ok(format!(
        "{} disconnected; its stored tokens are deleted. The data already pulled stays.",
        id.display_name()
    ))
}

/// Sets the artist a connection's pulled facts are attributed to (empty: none), from its next
/// pull on.
#[server(endpoint = "admin/connection-artist")]
pub async fn set_connection_artist(source: String, artist: String) -> Result<String, ServerFnError> {
    use super::ssr::audit;
    use crate::auth::ssr::{bad_request, internal_error, require};

    let admin = require(model::Role::Admin).await?;
    // The artist only matters to pulls, which need the key to open the stored tokens.
    let pulls = pulls_with_secret_key()?;
    let id: SourceId = source.parse().map_err(bad_request)?;
    let artist = Some(artist.trim()).filter(|a| !a.is_empty());
    match pulls.store().set_artist(id, artist).await {
        Ok(true) => {}
        Ok(false) => return Err(bad_request(format!("{} is not connected", id.display_name()))),
        Err(engine::pull::ConnectionError::NoArtist(name)) => {
            return Err(bad_request(format!("{name:?} is not an artist's name")));
        }
        Err(err) => return Err(internal_error(err)),
    }
    audit(&admin.name, "connection.artist", &format!("{id}: {}", artist.unwrap_or("(none)"))).await;
    Ok(match artist {
        Some(a) => format!(
            "{}'s pulls are attributed to {a} from the next pull on (Pull range re-pulls older days).",
            id.display_name()
        ),
        None => format!("{}'s pulls are attributed to no artist from the next pull on.", id.display_name()),
    })
}

/// Pulls a range of days (cut to what the platform keeps) in the background.
#[server(endpoint = "admin/backfill")]
pub async fn backfill_source(source: String, from: String, to: String) -> Result<String, ServerFnError> {
    use chrono::NaiveDate;
    use engine::{etl::Trigger, pull::Window};

    use super::ssr::{audit, jobs};
    use crate::auth::ssr::{bad_request, require};

    let admin = require(model::Role::Admin).await?;
    // A pull opens the stored tokens with the key.
    pulls_with_secret_key()?;
    let id: SourceId = source.parse().map_err(bad_request)?;
    let day = |field: &str, v: &str| {
        NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| bad_request(format!("{field}: {v:?} is not a date")))
    };
    let window = Window { from: day("From", &from)?, to: day("To", &to)? };
    if window.from > window.to {
        return Err(bad_request("From is after To"));
    }
    let jobs = jobs()?;
    if jobs.is_running(id) {
        return Err(bad_request(format!("{} is already running", id.display_name())));
    }
    audit(&admin.name, "source.backfill", &format!("{id}: {} to {}", window.from, window.to)).await;
    tokio::spawn(async move {
        if let Err(err) = jobs.backfill(id, window, Trigger::Admin).await {
            tracing::warn!(source = %id, error = %err, "backfill failed");
        }
    });
    Ok(format!("Pulling {} from {} to {}…", id.display_name(), window.from, window.to))
}

#[component]
pub fn ConnectionsSection() -> impl IntoView {
    let key = ServerAction::<ConnectWithKey>::new();
    let disconnect = ServerAction::<DisconnectSource>::new();
    let backfill = ServerAction::<BackfillSource>::new();
    let artist = ServerAction::<SetConnectionArtist>::new();
    let list = Resource::new(
        move || (key.version().get(), disconnect.version().get(), artist.version().get()),
        |_| api_connections(),
    );
    let query = use_query_map();
    let returned = move || {
        query.with(|q| {
            if let Some(source) = q.get("connected") {
                let name = source.parse::<SourceId>().map(SourceId::display_name).unwrap_or("The source");
                Some(view! { <p class="notice info" role="status" data-testid="connect-outcome">{format!("{name} connected.")}</p> }.into_any())
            } else {
                q.get("connect_error").map(|e| {
                    view! { <p class="notice error" role="alert" data-testid="connect-outcome">{format!("Not connected: {e}")}</p> }.into_any()
                })
            }
        })
    };
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading connections…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(c) => view! {
                        <section id="connections" aria-labelledby="connections-heading">
                            <h2 id="connections-heading">"API connections"</h2>
                            <p class="muted small">
                                "A connected source is pulled on its schedule and by Run now. Keys and tokens are "
                                "stored encrypted and never shown again."
                            </p>
                            {returned}
                            <ActionFeedback outcomes=vec![key.value(), disconnect.value(), backfill.value(), artist.value()] testid="connect-feedback" />
                            {(!c.can_store).then(|| view! {
                                <p class="notice warn" role="status" data-testid="secret-key-missing">
                                    "Connecting an API needs a secret key: set SOUNDCHECK_SECRET_KEY (at least 32 characters) "
                                    "and restart. Tokens are stored encrypted with it. Until then the forms below are disabled."
                                </p>
                            })}
                            <div class="connection-grid">
                                {c.sources.into_iter().map(|s| view! {
                                    <ConnectionCard s=s redirect=c.redirect_uri.clone() can_store=c.can_store key disconnect backfill artist />
                                }).collect_view()}
                            </div>
                        </section>
                    }
                    .into_any(),
                    Err(err) if describe_denial(&err).is_some() => ().into_any(),
                    Err(err) => view! {
                        <p class="notice error" role="alert">{admin_error("Could not load the connections", &err)}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ConnectionCard(
    s: ApiConnection,
    redirect: Option<String>,
    can_store: bool,
    key: ServerAction<ConnectWithKey>,
    disconnect: ServerAction<DisconnectSource>,
    backfill: ServerAction<BackfillSource>,
    artist: ServerAction<SetConnectionArtist>,
) -> AnyView {
    let id = s.source.as_str();
    let name = s.source.display_name();
    let (pill, status) = if s.needs_reconnect {
        ("error", "Needs reconnect")
    } else if s.connected {
        ("ok", "Connected")
    } else {
        ("idle", "Not connected")
    };
    let detail = s.connected.then(|| {
        let by = s.connected_by.clone().map(|b| format!(" by {b}")).unwrap_or_default();
        let since = s.connected_at.clone().unwrap_or_default();
        let pulled = s
            .last_day
            .clone()
            .map_or_else(|| "nothing pulled yet".to_string(), |d| format!("pulled up to {d}"));
        let account = s.account.clone().map(|a| format!(" · account {a}")).unwrap_or_default();
        view! { <p class="muted small">{format!("Connected{by} on {since} · {pulled}{account}")}</p> }
            .into_any()
    });
    let form = connect_form(&s, redirect, can_store, key);
    let note = api_note(s.source).map(|n| view! { <p class="muted small">{n}</p> }.into_any());
    let catalogue = (!s.catalogue.is_empty()).then(|| {
        let artists = s
            .catalogue
            .clone()
            .into_iter()
            .map(|a| {
                let genres = if a.genres.is_empty() { "no genres listed".to_string() } else { a.genres.join(", ") };
                view! {
                    <li>
                        {a.image_url.map(|src| view! { <img src=src alt="" width="40" height="40" loading="lazy" /> })}
                        <span><strong>{a.name}</strong><span class="muted small block">{genres}</span></span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="catalogue" data-testid="catalogue">{artists}</ul> }.into_any()
    });
    let connected = s.connected;
    // Meta's insights carry no artist: the connection says whose ads they are.
    let artist_form = (connected && s.source == SourceId::MetaAds).then(|| {
        let current = s.artist.clone().unwrap_or_default();
        view! {
            <ActionForm action=artist attr:class="inline-form artist-form">
                <input type="hidden" name="source" value=id />
                <fieldset class="plain" disabled=!can_store>
                    <label>"Artist of these ads" <input name="artist" value=current autocomplete="off" placeholder="none" /></label>
                    <button type="submit" class="button secondary">"Save artist"</button>
                </fieldset>
                {needs_secret_key(can_store)}
            </ActionForm>
        }
        .into_any()
    });
    let (oldest, today) = (s.oldest_day.clone(), s.today.clone());
    view! {
        <article class="card connection" data-connection=id>
            <header class="section-head">
                <h3>{name}</h3>
                <span class=format!("status-pill {pill}") data-testid="connection-status">{status}</span>
            </header>
            {detail}
            {note}
            {catalogue}
            {if connected {
                view! {
                    <details>
                        <summary>"Connect again"</summary>
                        {form}
                    </details>
                    {artist_form}
                    <ActionForm action=backfill attr:class="backfill-form">
                        <input type="hidden" name="source" value=id />
                        <fieldset class="plain" disabled=!can_store>
                            <label>"From" <input type="date" name="from" required min=oldest.clone() max=today.clone() /></label>
                            <label>"To" <input type="date" name="to" required min=oldest max=today.clone() value=today /></label>
                            <button type="submit" class="button secondary">"Pull range"</button>
                        </fieldset>
                        {needs_secret_key(can_store)}
                    </ActionForm>
                    <ActionForm action=disconnect attr:class="inline-form">
                        <input type="hidden" name="source" value=id />
                        <button type="submit" class="button secondary danger">"Disconnect"</button>
                    </ActionForm>
                }
                .into_any()
            } else {
                form
            }}
        </article>
    }
    // Erased: the page's whole view type is otherwise too deep for the WASM build.
    .into_any()
}

fn connect_form(
    s: &ApiConnection,
    redirect: Option<String>,
    can_store: bool,
    key: ServerAction<ConnectWithKey>,
) -> AnyView {
    let id = s.source.as_str();
    match s.method {
        ConnectMethod::OAuth => view! {
            // A plain form: the browser leaves for the provider's consent screen and comes back.
            <form method="post" action=format!("/admin/connect/{id}") class="connect-form">
                // Disabled as a whole while the server cannot seal the secret it would be given.
                <fieldset class="plain" disabled=!can_store>
                    // TikTok's portal calls the client id the "client key".
                    <label>{if s.source == SourceId::Tiktok { "Client key" } else { "Client ID" }} <input name="client_id" required autocomplete="off" /></label>
                    <label>"Client secret" <input name="client_secret" type="password" required autocomplete="off" /></label>
                    {redirect.map(|r| view! {
                        <p class="muted small">"Register this redirect URI with the provider: " <code>{r}</code></p>
                    })}
                    <button type="submit" class="button primary">
                        {format!("Connect with {}", provider_name(s.source))}
                    </button>
                </fieldset>
                {needs_secret_key(can_store)}
            </form>
        }
        .into_any(),
        ConnectMethod::ApiKey | ConnectMethod::AccessToken | ConnectMethod::ClientCredentials => {
            let (client_label, account_label, secret_label) = match s.method {
                ConnectMethod::AccessToken => (None, Some("Ad account ID"), "Access token"),
                ConnectMethod::ClientCredentials => {
                    (Some("Client ID"), Some("Artist IDs or links (comma-separated)"), "Client secret")
                }
                _ if s.source == SourceId::Mailchimp => (None, Some("Audience ID (optional)"), "API key"),
                _ => (None, None, "API key"),
            };
            view! {
                <ActionForm action=key attr:class="connect-form">
                    <input type="hidden" name="source" value=id />
                    <fieldset class="plain" disabled=!can_store>
                        {client_label.map(|l| view! { <label>{l} <input name="client_id" required autocomplete="off" /></label> })}
                        {account_label.map(|l| view! { <label>{l} <input name="account" autocomplete="off" /></label> })}
                        <label>{secret_label} <input name="secret" type="password" required autocomplete="off" /></label>
                        <button type="submit" class="button primary">"Connect"</button>
                    </fieldset>
                    {needs_secret_key(can_store)}
                </ActionForm>
            }
            .into_any()
        }
    }
}

/// Next to controls disabled for want of a secret key: why, and what to configure.
fn needs_secret_key(can_store: bool) -> Option<AnyView> {
    (!can_store).then(|| {
        view! { <p class="muted small disabled-reason" data-testid="needs-secret-key">{model::NEEDS_SECRET_KEY}"."</p> }
            .into_any()
    })
}

/// What the source's API gives and does not give, where users would expect more.
fn api_note(source: SourceId) -> Option<&'static str> {
    match source {
        SourceId::Spotify => Some(
            "Spotify no longer gives apps like this follower counts or popularity: the API names and \
             describes your artists (genres, image); streams and followers come from the Spotify for \
             Artists export.",
        ),
        _ => None,
    }
}

fn provider_name(source: SourceId) -> &'static str {
    match source {
        SourceId::Youtube => "Google",
        SourceId::Tiktok => "TikTok",
        other => other.display_name(),
    }
}
