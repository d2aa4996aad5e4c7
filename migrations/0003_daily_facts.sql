-- Analytics facts from every non-statement source.

-- Things facts are about, below an artist: an ad campaign, a video, a song, a streaming platform.
CREATE TABLE entities (
    id             INTEGER PRIMARY KEY,
    source         TEXT    NOT NULL,
    kind           TEXT    NOT NULL,   -- 'campaign', 'video', 'track', 'platform'
    key            TEXT    NOT NULL,   -- the platform's id (a string: Meta ids overflow doubles)
    name           TEXT,
    UNIQUE (source, kind, key)
) STRICT;

-- Daily figures, one per (source, metric, artist, entity, day). `day` is the date in the
-- source's own time zone. A later import of the same key replaces the value (the newest figure
-- wins); days missing from a newer export keep their old rows. artist_id / entity_id 0 mean
-- "not attributed" / "the whole account".
CREATE TABLE daily_facts (
    source         TEXT    NOT NULL,
    metric         TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL DEFAULT 0,
    entity_id      INTEGER NOT NULL DEFAULT 0,
    day            INTEGER NOT NULL,   -- YYYYMMDD
    value          INTEGER,            -- counts
    amount         TEXT,               -- exact decimal (money, hours)
    currency       TEXT,               -- for money
    raw_file_id    INTEGER NOT NULL REFERENCES raw_files (id),
    line           INTEGER NOT NULL,
    PRIMARY KEY (source, metric, artist_id, entity_id, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX daily_facts_by_day ON daily_facts (metric, day);

-- Totals over a window rather than a day (a Spotify songs export, a YouTube per-video table).
CREATE TABLE window_facts (
    source         TEXT    NOT NULL,
    metric         TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL DEFAULT 0,
    entity_id      INTEGER NOT NULL DEFAULT 0,
    first_day      INTEGER NOT NULL,   -- YYYYMMDD
    last_day       INTEGER NOT NULL,   -- YYYYMMDD
    value          INTEGER,
    amount         TEXT,
    currency       TEXT,
    raw_file_id    INTEGER NOT NULL REFERENCES raw_files (id),
    line           INTEGER NOT NULL,
    PRIMARY KEY (source, metric, artist_id, entity_id, first_day, last_day)
) STRICT, WITHOUT ROWID;

-- Email campaigns (Mailchimp), one row per campaign; a later import replaces its figures.
CREATE TABLE email_campaigns (
    campaign_key   TEXT    PRIMARY KEY,   -- Mailchimp's campaign id / the export's Unique Id
    source         TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL DEFAULT 0,
    title          TEXT,
    subject        TEXT,
    list_id        TEXT,
    send_time      TEXT,                  -- RFC 3339, UTC
    send_day       INTEGER,               -- YYYYMMDD (UTC)
    delivered      INTEGER,
    unique_opens   INTEGER,
    unique_clicks  INTEGER,
    unsubscribes   INTEGER,
    hard_bounces   INTEGER,
    soft_bounces   INTEGER,
    abuse_reports  INTEGER,
    raw_file_id    INTEGER NOT NULL REFERENCES raw_files (id),
    line           INTEGER NOT NULL
) STRICT;

-- Exchange rates the user imported (date,currency,usd_per_unit): an amount is converted with the
-- rate of its date or the latest one before it.
CREATE TABLE exchange_rates (
    currency       TEXT    NOT NULL,
    day            INTEGER NOT NULL,   -- YYYYMMDD
    usd_per_unit   TEXT    NOT NULL,   -- exact decimal
    raw_file_id    INTEGER NOT NULL REFERENCES raw_files (id),
    line           INTEGER NOT NULL,
    PRIMARY KEY (currency, day)
) STRICT, WITHOUT ROWID;
