//! Users: add, change role, disable or enable, reset a password. The last active admin stays.

use leptos::prelude::*;
use leptos_meta::Title;
use model::UserInfo;

use super::{ActionFeedback, AdminNav, AdminOnly, Denied, admin_error, sources::short_time};

/// Every user (admins).
#[server(endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserInfo>, ServerFnError> {
    use engine::auth::UserStore;

    use crate::auth::ssr::{database, internal_error, require};

    require(model::Role::Admin).await?;
    let users = UserStore::new(&database()?).list().await.map_err(internal_error)?;
    Ok(users.iter().map(|u| u.info()).collect())
}

/// A user error the admin can act on (bad name, taken, last admin…) or an internal one.
#[cfg(feature = "ssr")]
fn user_error(err: engine::auth::UserError) -> ServerFnError {
    use engine::auth::UserError;

    use crate::auth::ssr::{bad_request, internal_error};
    match err {
        UserError::Db(_) | UserError::Join(_) => internal_error(err),
        other => bad_request(other),
    }
}

#[server(endpoint = "admin/user-add")]
pub async fn add_user(name: String, role: String, password: String) -> Result<String, ServerFnError> {
    use engine::auth::{Password, UserName, UserStore};

    use super::ssr::audit;
    use crate::auth::ssr::{bad_request, database, require};

    let admin = require(model::Role::Admin).await?;
    let name = UserName::parse(name.trim()).map_err(user_error)?;
    let role: model::Role = role.parse().map_err(bad_request)?;
    let password = Password::parse(password).map_err(bad_request)?;
    let user = UserStore::new(&database()?).create(&name, role, password).await.map_err(user_error)?;
    audit(&admin.name, "user.add", &format!("{} ({})", user.name, role)).await;
    Ok(format!("{} was added as {}", user.name, role))
}

#[server(endpoint = "admin/user-role")]
pub async fn set_user_role(id: i64, role: String) -> Result<String, ServerFnError> {
    use engine::auth::UserStore;

    use super::ssr::audit;
    use crate::auth::ssr::{bad_request, database, require};

    let admin = require(model::Role::Admin).await?;
    let role: model::Role = role.parse().map_err(bad_request)?;
    let user = UserStore::new(&database()?).set_role(id, role).await.map_err(user_error)?;
    audit(&admin.name, "user.role", &format!("{} → {}", user.name, role)).await;
    Ok(format!("{} is now {}", user.name, role))
}

#[server(endpoint = "admin/user-disabled")]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<String, ServerFnError> {
    use engine::auth::UserStore;

    use super::ssr::audit;
    use crate::auth::ssr::{database, require};

    let admin = require(model::Role::Admin).await?;
    let user = UserStore::new(&database()?).set_disabled(id, disabled).await.map_err(user_error)?;
    let what = if disabled { "disabled" } else { "enabled" };
    audit(&admin.name, if disabled { "user.disable" } else { "user.enable" }, &user.name).await;
    Ok(format!("{} was {what}", user.name))
}

#[server(endpoint = "admin/user-password")]
pub async fn reset_user_password(id: i64, password: String) -> Result<String, ServerFnError> {
    use engine::auth::{Password, UserStore};

    use super::ssr::audit;
    use crate::auth::ssr::{bad_request, database, require};

    let admin = require(model::Role::Admin).await?;
    let password = Password::parse(password).map_err(bad_request)?;
    let user = UserStore::new(&database()?).reset_password(id, password).await.map_err(user_error)?;
    audit(&admin.name, "user.password", &user.name).await;
    Ok(format!("{}'s password was reset; their sessions have ended", user.name))
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let role = ServerAction::<SetUserRole>::new();
    let disabled = ServerAction::<SetUserDisabled>::new();
    let password = ServerAction::<ResetUserPassword>::new();
    let users = Resource::new(
        move || {
            (add.version().get(), role.version().get(), disabled.version().get(), password.version().get())
        },
        |_| list_users(),
    );
    view! {
        <Title text="Users" />
        <h1>"Users"</h1>
        <AdminOnly>
        <AdminNav />
        <ActionFeedback
            outcomes=vec![add.value(), role.value(), disabled.value(), password.value()]
            testid="users-feedback"
        />
        <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => view! { <UsersTable users=list role disabled password /> }.into_any(),
                    Err(err) => view! { <Denied text=admin_error("Could not load the users", &err) /> }.into_any(),
                }
            })}
        </Transition>
        <section aria-labelledby="add-user-heading" class="card form-card">
            <h2 id="add-user-heading">"Add a user"</h2>
            <ActionForm action=add attr:class="stacked-form" attr:data-testid="add-user">
                <label>"Name" <input name="name" required autocomplete="off" /></label>
                <label>
                    "Role"
                    <select name="role">
                        <option value="viewer">"viewer"</option>
                        <option value="admin">"admin"</option>
                    </select>
                </label>
                <label>"Password" <input name="password" type="password" required autocomplete="new-password" /></label>
                <button type="submit" class="button primary">"Add user"</button>
            </ActionForm>
        </section>
        </AdminOnly>
    }
}

#[component]
fn UsersTable(
    users: Vec<UserInfo>,
    role: ServerAction<SetUserRole>,
    disabled: ServerAction<SetUserDisabled>,
    password: ServerAction<ResetUserPassword>,
) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|u| {
            let other_role = if u.role == model::Role::Admin { "viewer" } else { "admin" };
            let (toggle_label, toggle_to) = if u.disabled { ("Enable", "false") } else { ("Disable", "true") };
            let status = if u.disabled { "disabled" } else { "active" };
            let pw_id = format!("pw-{}", u.id);
            let pw_label = format!("New password for {}", u.name);
            view! {
                <tr data-user=u.name.clone()>
                    <th scope="row">{u.name.clone()}</th>
                    <td data-label="Role">{u.role.as_str()}</td>
                    <td data-label="Status">{status}</td>
                    <td data-label="Created">{short_time(&u.created_at)}</td>
                    <td data-label="Last sign-in">{u.last_login_at.as_deref().map_or_else(|| "never".to_string(), short_time)}</td>
                    <td class="actions row-actions">
                        <ActionForm action=role attr:class="inline-form">
                            <input type="hidden" name="id" value=u.id />
                            <input type="hidden" name="role" value=other_role />
                            <button type="submit" class="button secondary small">{format!("Make {other_role}")}</button>
                        </ActionForm>
                        <ActionForm action=disabled attr:class="inline-form">
                            <input type="hidden" name="id" value=u.id />
                            <input type="hidden" name="disabled" value=toggle_to />
                            <button type="submit" class="button secondary small">{toggle_label}</button>
                        </ActionForm>
                        <ActionForm action=password attr:class="inline-form">
                            <input type="hidden" name="id" value=u.id />
                            <label class="visually-hidden" for=pw_id.clone()>{pw_label}</label>
                            <input id=pw_id name="password" type="password" placeholder="new password" required autocomplete="new-password" size="12" />
                            <button type="submit" class="button secondary small">"Reset password"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Users">
            <table class="data-table stack-on-phone" data-testid="users-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Created (UTC)"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
