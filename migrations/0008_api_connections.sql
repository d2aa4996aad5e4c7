-- API connections: what Soundcheck needs to pull a source from its platform's API.
-- Secrets (client secret, access and refresh tokens, API keys) are one JSON document sealed with
-- XChaCha20-Poly1305 under SOUNDCHECK_SECRET_KEY (the source id is the associated data, so a
-- sealed blob cannot be moved to another source); nothing secret is stored in the clear.
CREATE TABLE api_connections (
    source TEXT PRIMARY KEY,
    -- Public settings: OAuth client id, Meta ad account, Mailchimp audience…
    client_id TEXT,
    account TEXT,
    sealed_secrets BLOB NOT NULL,
    access_expires_at TEXT,
    -- Incremental state: the last day whose pull was loaded.
    last_day TEXT,
    connected_at TEXT NOT NULL,
    connected_by TEXT,
    updated_at TEXT NOT NULL
) STRICT;

-- OAuth authorization-code flow: the state handed to the provider, checked at the callback.
CREATE TABLE oauth_states (
    state TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    client_id TEXT NOT NULL,
    sealed_client_secret BLOB NOT NULL,
    redirect_uri TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL
) STRICT;
