//! The admin pages (admin role only; every server function checks it): sources with their
//! schedules and Run now, uploads, live run activity and history, users, the audit log.

mod activity;
mod artists;
mod audit;
mod backups;
mod connections;
mod runs;
mod sources;
mod upload;
mod users;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

pub use self::{artists::ArtistsPage, audit::AuditPage, runs::RunPage, users::UsersPage};
use super::dashboard::error_text;
use crate::auth::describe_denial;

/// The sub-navigation of the admin pages.
#[component]
fn AdminNav() -> impl IntoView {
    view! {
        <nav class="sub-nav" aria-label="Admin">
            <A href="/admin" exact=true>"Sources & uploads"</A>
            <A href="/admin/artists">"Artists"</A>
            <A href="/admin/users">"Users"</A>
            <A href="/admin/audit">"Audit log"</A>
        </nav>
    }
}

/// A server function's error as the admin page shows it: what failed, and why.
fn admin_error(what: &str, err: &ServerFnError) -> String {
    match describe_denial(err) {
        Some(denied) => denied.to_string(),
        None => format!("{what}: {}", error_text(err)),
    }
}

/// What an action of the page answers, as a server function returns it.
type Outcome = MappedSignal<Option<Result<String, ServerFnError>>>;

/// The answer of whichever of `outcomes` (the page's actions) came last, as a notice.
#[component]
fn ActionFeedback(outcomes: Vec<Outcome>, testid: &'static str) -> impl IntoView {
    let latest = RwSignal::new(None::<Result<String, ServerFnError>>);
    for outcome in outcomes {
        Effect::new(move |_| outcome.get().map(|o| latest.set(Some(o))));
    }
    move || {
        latest.get().map(|o| match o {
            Ok(text) => view! { <p class="notice info" role="status" data-testid=testid>{text}</p> }.into_any(),
            Err(err) => {
                view! { <p class="notice error" role="alert" data-testid=testid>{admin_error("Not done", &err)}</p> }
                    .into_any()
            }
        })
    }
}

/// The refusal shown instead of an admin page.
#[component]
fn Denied(text: String) -> impl IntoView {
    view! {
        <section class="card denied" role="alert" data-testid="admin-denied">
            <h2>"Not available"</h2>
            <p>{text}</p>
        </section>
    }
}

/// Shows `children` to admins only; others get a clear refusal (the server functions refuse them
/// anyway). The children must not create resources (see `AdminPage`).
#[component]
fn AdminOnly(
    children: ChildrenFn,
    /// Show nothing to non-admins (another block on the page already says why).
    #[prop(optional)]
    quiet: bool,
) -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| crate::auth::current_user());
    let children = StoredValue::new(children);
    view! {
        // Read, not awaited: the children's resources must be created while the server's context
        // is still there (after an `.await` it is gone, and they could not reach the database).
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || match user.get() {
                None => ().into_any(),
                Some(Ok(Some(u))) if u.role == model::Role::Admin => children.with_value(|c| c()).into_any(),
                Some(_) if quiet => ().into_any(),
                Some(Ok(Some(_))) => view! { <Denied text=crate::auth::FORBIDDEN_TEXT.to_string() /> }.into_any(),
                Some(Ok(None)) => view! { <Denied text=crate::auth::SIGNED_OUT_TEXT.to_string() /> }.into_any(),
                Some(Err(err)) => view! { <Denied text=admin_error("Could not check your role", &err) /> }.into_any(),
            }}
        </Suspense>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="Admin" />
        <h1>"Admin"</h1>
        // The sections with resources stay outside `AdminOnly`: resources created inside a
        // Suspense are made twice on the server (it renders twice), and the first, dropped copy
        // would fetch without the request's context. They show nothing to a non-admin.
        <AdminOnly>
            <AdminNav />
        </AdminOnly>
        <sources::SourcesSection />
        <connections::ConnectionsSection />
        <AdminOnly quiet=true>
            <upload::UploadSection />
            <activity::ActivitySection />
        </AdminOnly>
        <runs::RecentRuns />
        <backups::BackupSection />
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use engine::schedule::{Scheduler, SourceJobs};
    use leptos::prelude::*;

    use crate::auth::ssr::internal_error;

    pub fn jobs() -> Result<Arc<SourceJobs>, ServerFnError> {
        use_context::<Arc<SourceJobs>>().ok_or_else(|| internal_error("the server did not provide the jobs"))
    }

    pub fn scheduler() -> Result<Arc<Scheduler>, ServerFnError> {
        use_context::<Arc<Scheduler>>()
            .ok_or_else(|| internal_error("the server did not provide the scheduler"))
    }

    /// The server's time zone: the one the schedules run in, and the admin pages give times in.
    pub fn zone() -> Result<engine::time::Tz, ServerFnError> {
        Ok(scheduler()?.zone())
    }

    /// A run's times (stored in UTC) in `zone`, named.
    pub fn localise(mut run: model::RunSummary, zone: engine::time::Tz) -> model::RunSummary {
        use engine::time::in_zone;
        run.started_at = in_zone(&run.started_at, zone);
        run.finished_at = run.finished_at.as_deref().map(|t| in_zone(t, zone));
        run.time_zone = zone.name().to_string();
        run
    }

    /// Records an admin action; a failure to record is logged, not shown (the action happened).
    pub async fn audit(actor: &str, action: &str, detail: &str) {
        let Ok(db) = crate::auth::ssr::database() else { return };
        if let Err(err) = engine::audit::record(db.pool(), actor, action, detail).await {
            tracing::error!(error = %err, action, "could not write the audit log");
        }
    }
}
