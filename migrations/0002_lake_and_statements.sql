-- The lake's bookkeeping, ETL runs, quarantine, and the first warehouse tables (royalty statements).

-- Every file that reached raw: its bytes live at lake/raw/<sha256[0..2]>/<sha256>.
-- What only the file name or the import carried (source override, artist, export date, window)
-- is kept here so `etl rebuild` can replay the file exactly.
CREATE TABLE raw_files (
    id             INTEGER PRIMARY KEY,
    sha256         TEXT    NOT NULL UNIQUE,
    size_bytes     INTEGER NOT NULL,
    original_name  TEXT    NOT NULL,
    received_at    TEXT    NOT NULL,
    source         TEXT,                 -- detected or given; NULL while unknown
    format         TEXT,                 -- e.g. 'distrokid.bank_details'
    source_given   INTEGER NOT NULL DEFAULT 0 CHECK (source_given IN (0, 1)),
    artist         TEXT,                 -- --artist, or what the file name says
    artist_given   INTEGER NOT NULL DEFAULT 0 CHECK (artist_given IN (0, 1)),  -- --artist beats the rows
    export_date    TEXT,                 -- --export-date, or what the file name says (YYYY-MM-DD)
    window_days    INTEGER,              -- e.g. a Spotify songs export's window
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'loaded', 'rejected')),
    loaded_at      TEXT,
    rows_loaded    INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    rows_skipped   INTEGER NOT NULL DEFAULT 0,
    error          TEXT
) STRICT;

CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    trigger        TEXT    NOT NULL CHECK (trigger IN ('cli', 'schedule', 'admin', 'upload')),
    kind           TEXT    NOT NULL CHECK (kind IN ('import', 'etl', 'rebuild')),
    source         TEXT,
    started_at     TEXT    NOT NULL,
    finished_at    TEXT,
    status         TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial', 'interrupted')),
    files_total    INTEGER NOT NULL DEFAULT 0,
    files_loaded   INTEGER NOT NULL DEFAULT 0,
    files_rejected INTEGER NOT NULL DEFAULT 0,
    files_skipped  INTEGER NOT NULL DEFAULT 0,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_loaded    INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    pid            INTEGER               -- the process running it (to tell a crashed run)
) STRICT;

CREATE TABLE run_files (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs (id),
    raw_file_id    INTEGER REFERENCES raw_files (id),
    name           TEXT    NOT NULL,
    source         TEXT,
    outcome        TEXT    NOT NULL CHECK (outcome IN ('loaded', 'rejected', 'already_imported')),
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_loaded    INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    rows_skipped   INTEGER NOT NULL DEFAULT 0,
    message        TEXT
) STRICT;
CREATE INDEX run_files_by_run ON run_files (run_id);

-- Rows that failed validation, with where and why. The file they came from was rejected whole.
CREATE TABLE quarantine (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs (id),
    raw_file_id    INTEGER REFERENCES raw_files (id),
    file_name      TEXT    NOT NULL,
    line           INTEGER,
    column_name    TEXT,
    reason         TEXT    NOT NULL,
    content        TEXT
) STRICT;
CREATE INDEX quarantine_by_run ON quarantine (run_id);

-- Dimensions. Facts refer to them by integer id to keep fact rows narrow.
CREATE TABLE artists (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE
) STRICT;
-- Every spelling seen of an artist ('ZONE A0', 'zone_a0', 'zone.a0', a Spotify id), by its
-- normalised key (lower-case letters and digits only).
CREATE TABLE artist_aliases (
    alias_key      TEXT    PRIMARY KEY,
    artist_id      INTEGER NOT NULL REFERENCES artists (id)
) STRICT, WITHOUT ROWID;
CREATE TABLE stores (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE
) STRICT;
-- Tracks are keyed by ISRC; the title is the first one seen (spellings vary inside one file).
CREATE TABLE tracks (
    id             INTEGER PRIMARY KEY,
    isrc           TEXT    NOT NULL UNIQUE,
    title          TEXT    NOT NULL
) STRICT;

-- Royalty statement lines (DistroKid, TooLost). Dates are integers (YYYYMMDD, YYYYMM) to keep
-- rows narrow. Money is exact: `earnings` is a decimal string
-- with every digit of the file, in `currency`. `line_key` identifies a line across re-downloads
-- of a cumulative statement (a hash of its normalised common fields and its occurrence number
-- among identical lines of the same file).
CREATE TABLE statement_lines (
    id             INTEGER PRIMARY KEY,
    source         TEXT    NOT NULL,
    line_key       INTEGER NOT NULL,
    raw_file_id    INTEGER NOT NULL REFERENCES raw_files (id),
    line           INTEGER NOT NULL,
    reporting_date INTEGER NOT NULL,   -- YYYYMMDD
    sale_month     INTEGER NOT NULL,   -- YYYYMM (TooLost: the month of sale_date)
    sale_date      INTEGER,            -- YYYYMMDD, TooLost only
    store_id       INTEGER NOT NULL REFERENCES stores (id),
    artist_id      INTEGER REFERENCES artists (id),
    track_id       INTEGER REFERENCES tracks (id),
    title          TEXT,               -- only when there is no ISRC (the track has it otherwise)
    upc            TEXT,
    country        TEXT,
    quantity       INTEGER NOT NULL,
    team_percentage TEXT,
    earnings       TEXT    NOT NULL,
    currency       TEXT    NOT NULL,
    withheld       TEXT,
    recoup         TEXT
) STRICT;
CREATE UNIQUE INDEX statement_lines_identity ON statement_lines (source, line_key);
