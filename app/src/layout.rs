//! The app shell around every signed-in page: header, navigation, the user and sign-out.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use model::Role;

use crate::{
    auth::current_user,
    live::{LiveIndicator, provide_live},
};

#[component]
pub fn Layout() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| current_user());
    provide_live();

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="app-header">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◉"</span>
                <span>"Soundcheck"</span>
            </A>
            <nav class="app-nav" aria-label="Main">
                <A href="/" exact=true>"Dashboard"</A>
                <A href="/catalogue">"Catalogue"</A>
                <A href="/sources">"Sources & runs"</A>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let is_admin = user.await.ok().flatten().is_some_and(|u| u.role == Role::Admin);
                        is_admin.then(|| view! { <A href="/admin">"Admin"</A> })
                    })}
                </Transition>
            </nav>
            <div class="app-user">
                <LiveIndicator />
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        user.await
                            .ok()
                            .flatten()
                            .map(|u| {
                                view! {
                                    <span class="user-name" data-testid="user-name">{u.name}</span>
                                    <span class="role-badge">{u.role.as_str()}</span>
                                }
                            })
                    })}
                </Transition>
                <form method="post" action="/auth/logout" class="logout-form">
                    <button type="submit" class="button secondary">"Sign out"</button>
                </form>
            </div>
        </header>
        <crate::offline::OfflineBanner />
        <main id="main" class="app-main">
            <Outlet />
        </main>
    }
}
