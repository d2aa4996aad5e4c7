//! The admin page (admin role only): users for now; sources, uploads and runs as they land.

use leptos::prelude::*;
use leptos_meta::Title;
use model::UserInfo;

use crate::auth::describe_denial;

/// Every user, for admins.
#[server(endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserInfo>, ServerFnError> {
    use crate::auth::ssr::{database, internal_error, require};
    use engine::auth::UserStore;

    require(model::Role::Admin).await?;
    let users = UserStore::new(&database()?).list().await.map_err(internal_error)?;
    Ok(users.iter().map(|u| u.info()).collect())
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let users = Resource::new_blocking(|| (), |_| list_users());

    view! {
        <Title text="Admin" />
        <h1>"Admin"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => view! { <UsersTable users=list /> }.into_any(),
                    Err(err) => {
                        let text = describe_denial(&err)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("Could not load the users: {err}"));
                        view! {
                            <section class="card denied" role="alert" data-testid="admin-denied">
                                <h2>"Not available"</h2>
                                <p>{text}</p>
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn UsersTable(users: Vec<UserInfo>) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|u| {
            let status = if u.disabled { "disabled" } else { "active" };
            view! {
                <tr>
                    <th scope="row">{u.name}</th>
                    <td>{u.role.as_str()}</td>
                    <td>{status}</td>
                    <td>{u.created_at}</td>
                    <td>{u.last_login_at.unwrap_or_else(|| "never".to_string())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section>
            <h2>"Users"</h2>
            <div class="table-wrap">
                <table class="data-table" data-testid="users-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last sign-in"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="muted">
                "Add users with " <code>"soundcheck user add NAME --role admin|viewer"</code> "."
            </p>
        </section>
    }
}
