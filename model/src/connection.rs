//! API connections as the admin page shows them (never a secret).

use serde::{Deserialize, Serialize};

use crate::SourceId;

/// Why connecting, re-connecting, pulling a range or naming an artist is refused while the server
/// has no secret key (API tokens are stored sealed under it), and what to configure: shown next to
/// the disabled controls and sent with the server's 409.
pub const NEEDS_SECRET_KEY: &str = "API connections need the server's secret key, which seals the stored \
     tokens: set SOUNDCHECK_SECRET_KEY (at least 32 characters) in the server's environment and restart it";

/// How an admin connects a source's API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectMethod {
    /// An API key (Mailchimp).
    ApiKey,
    /// The provider's sign-in and consent screen (authorization-code flow): YouTube, TikTok.
    OAuth,
    /// An account id and a long-lived access token (Meta Ads system user).
    AccessToken,
    /// An app's client id and secret (Spotify's client-credentials flow).
    ClientCredentials,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiConnection {
    pub source: SourceId,
    pub method: ConnectMethod,
    pub connected: bool,
    /// The credentials were refused: pulls stop until an admin connects again.
    pub needs_reconnect: bool,
    /// What is pulled: the Meta ad account, the Mailchimp audience, the TikTok user…
    pub account: Option<String>,
    /// The last day loaded from the API (`YYYY-MM-DD`).
    pub last_day: Option<String>,
    pub connected_at: Option<String>,
    pub connected_by: Option<String>,
    /// The oldest day a backfill may ask for (`YYYY-MM-DD`), and today.
    pub oldest_day: String,
    pub today: String,
    /// Artists described by the source (Spotify's catalogue metadata).
    pub catalogue: Vec<CatalogueArtist>,
    /// The artist the pulled facts are attributed to (Meta Ads: its pulls carry no artist).
    #[serde(default)]
    pub artist: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueArtist {
    pub name: String,
    pub genres: Vec<String>,
    pub image_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connections {
    /// A secret key is configured, so tokens can be stored (sealed).
    pub can_store: bool,
    /// The address to register with OAuth providers as the redirect URI.
    pub redirect_uri: Option<String>,
    pub sources: Vec<ApiConnection>,
}
