//! The audit log: what admins did, newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use model::AuditEntry;

use super::{AdminNav, AdminOnly, Denied, admin_error, sources::short_time};

/// The latest 200 audit entries (admins).
#[server(endpoint = "admin/audit")]
pub async fn audit_log() -> Result<Vec<AuditEntry>, ServerFnError> {
    use crate::auth::ssr::{database, internal_error, require};

    require(model::Role::Admin).await?;
    engine::audit::latest(database()?.pool(), 200).await.map_err(internal_error)
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| audit_log());
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <AdminOnly>
        <AdminNav />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No admin actions yet."</p> }.into_any(),
                    Ok(list) => {
                        let rows = list
                            .into_iter()
                            .map(|e| view! {
                                <tr>
                                    <td>{short_time(&e.at)}</td>
                                    <td>{e.actor}</td>
                                    <td><code>{e.action}</code></td>
                                    <td>{e.detail}</td>
                                </tr>
                            })
                            .collect_view();
                        view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log">
                                <table class="data-table" data-testid="audit-table">
                                    <thead>
                                        <tr>
                                            <th scope="col">"When (UTC)"</th>
                                            <th scope="col">"Who"</th>
                                            <th scope="col">"Action"</th>
                                            <th scope="col">"Detail"</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <Denied text=admin_error("Could not load the audit log", &err) /> }.into_any(),
                }
            })}
        </Transition>
        </AdminOnly>
    }
}
