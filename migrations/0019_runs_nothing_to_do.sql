-- A run that could do nothing (an API source that is not connected and has no files waiting, an
-- empty landing zone) is recorded as 'nothing_to_do' instead of 'succeeded', with why and what to
-- do about it in `note`.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt under the same name.
-- Foreign keys stay on (the migration runs in a transaction, where they cannot be turned off), so
-- they are deferred: dropping `runs` counts the rows of run_files and quarantine that point at it
-- as violations, and inserting the same ids again clears them before the commit checks.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE runs_before_0019 AS SELECT * FROM runs;
DROP TABLE runs;

CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    trigger        TEXT    NOT NULL CHECK (trigger IN ('cli', 'schedule', 'admin', 'upload')),
    kind           TEXT    NOT NULL CHECK (kind IN ('import', 'etl', 'rebuild')),
    source         TEXT,
    started_at     TEXT    NOT NULL,
    finished_at    TEXT,
    status         TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial', 'interrupted',
                                                      'nothing_to_do')),
    files_total    INTEGER NOT NULL DEFAULT 0,
    files_loaded   INTEGER NOT NULL DEFAULT 0,
    files_rejected INTEGER NOT NULL DEFAULT 0,
    files_skipped  INTEGER NOT NULL DEFAULT 0,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_loaded    INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    pid            INTEGER,              -- the process running it (to tell a crashed run)
    note           TEXT                  -- a run that did nothing: why, and what would give it work
) STRICT;

-- Earlier runs of landing that had no file to process said 'succeeded': they now say what they were.
INSERT INTO runs (id, trigger, kind, source, started_at, finished_at, status, files_total, files_loaded,
                  files_rejected, files_skipped, rows_read, rows_loaded, rows_rejected, error, pid, note)
SELECT id, trigger, kind, source, started_at, finished_at,
       CASE WHEN kind = 'etl' AND status = 'succeeded' AND files_total = 0 THEN 'nothing_to_do' ELSE status END,
       files_total, files_loaded, files_rejected, files_skipped, rows_read, rows_loaded, rows_rejected, error, pid,
       CASE WHEN kind = 'etl' AND status = 'succeeded' AND files_total = 0
            THEN 'nothing was waiting in landing' END
FROM runs_before_0019;

DROP TABLE runs_before_0019;

CREATE INDEX runs_by_source ON runs (source, id);
