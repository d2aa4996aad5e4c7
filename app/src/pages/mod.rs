//! One module per page.

mod admin;
mod catalogue;
mod dashboard;
mod login;
mod not_found;
pub(crate) mod sources;

pub use admin::{AdminPage, ArtistsPage, AuditPage, RunPage, UsersPage};
pub use catalogue::{CataloguePage, TrackPage};
pub use dashboard::DashboardPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use sources::SourcesPage;
