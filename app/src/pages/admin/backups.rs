//! When the last backup was taken (by `soundcheck backup`, which records it in the audit log).

use leptos::prelude::*;

use super::{admin_error, sources::short_time};
use crate::auth::describe_denial;

/// The last backup: when (UTC, RFC 3339) and what it wrote, or `None` when none was taken.
#[server(endpoint = "admin/last-backup")]
pub async fn last_backup() -> Result<Option<(String, String)>, ServerFnError> {
    use crate::auth::ssr::{database, internal_error, require};

    require(model::Role::Admin).await?;
    engine::backup::last_backup(&database()?).await.map_err(internal_error)
}

#[component]
pub fn BackupSection() -> impl IntoView {
    let last = Resource::new(|| (), |_| last_backup());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let body = match last.await {
                    Ok(Some((at, detail))) => view! {
                        <p data-testid="last-backup">
                            "Last backup: " <strong>{short_time(&at)}" UTC"</strong> ", " {detail}
                        </p>
                    }
                    .into_any(),
                    Ok(None) => view! {
                        <p class="notice warn" role="status" data-testid="last-backup">
                            "No backup has been taken yet. Run "<code>"soundcheck backup DIR"</code>
                            " on the server (it can run while Soundcheck serves)."
                        </p>
                    }
                    .into_any(),
                    Err(err) if describe_denial(&err).is_some() => return ().into_any(),
                    Err(err) => view! {
                        <p class="notice error" role="alert">{admin_error("Could not read the last backup", &err)}</p>
                    }
                    .into_any(),
                };
                view! {
                    <section aria-labelledby="backup-heading">
                        <h2 id="backup-heading">"Backups"</h2>
                        {body}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}
