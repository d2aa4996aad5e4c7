-- When each source's ETL runs (five-field cron, UTC), editable by admins. A disabled source is
-- never run by the scheduler; Run now still works.
CREATE TABLE source_schedules (
    source          TEXT    PRIMARY KEY,
    cron            TEXT    NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- Set by an API connector whose credentials were refused: it stops until reconnected.
    needs_reconnect INTEGER NOT NULL DEFAULT 0 CHECK (needs_reconnect IN (0, 1)),
    updated_at      TEXT    NOT NULL,
    updated_by      TEXT
) STRICT, WITHOUT ROWID;

-- Every source runs once a day by default, spread over the early morning.
INSERT INTO source_schedules (source, cron, updated_at) VALUES
    ('distrokid', '0 5 * * *', '1970-01-01T00:00:00Z'),
    ('toolost',   '10 5 * * *', '1970-01-01T00:00:00Z'),
    ('spotify',   '20 5 * * *', '1970-01-01T00:00:00Z'),
    ('youtube',   '30 5 * * *', '1970-01-01T00:00:00Z'),
    ('tiktok',    '40 5 * * *', '1970-01-01T00:00:00Z'),
    ('linktree',  '50 5 * * *', '1970-01-01T00:00:00Z'),
    ('meta_ads',  '0 6 * * *', '1970-01-01T00:00:00Z'),
    ('mailchimp', '10 6 * * *', '1970-01-01T00:00:00Z');

-- What admins did, for the admin page: who, what, when.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT    NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    detail TEXT    NOT NULL
) STRICT;

CREATE INDEX runs_by_source ON runs (source, id);
