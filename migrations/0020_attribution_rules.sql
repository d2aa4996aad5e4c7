-- Attribution rules: an admin names the artist of a release (UPC), a track (ISRC) or a Meta ad
-- campaign (its id) whose figures came without one. A rule fills in the artist of stored lines
-- and facts that have none, and of every later import's; the file's own artist always wins.
-- Keys and the artist are kept as text (the artist as a name or alias, resolved through
-- artist_aliases when applied), so a rule survives `etl rebuild`, which renumbers nothing here
-- but replays every file.
CREATE TABLE attribution_rules (
    kind           TEXT    NOT NULL CHECK (kind IN ('release', 'track', 'campaign')),
    key            TEXT    NOT NULL,
    artist         TEXT    NOT NULL,
    created_by     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;

-- Which stored artists a rule gave (1) rather than the file (0): removing or changing a rule
-- takes back exactly those. New columns with a constant default cost nothing in existing rows.
ALTER TABLE statement_lines ADD COLUMN artist_by_rule INTEGER NOT NULL DEFAULT 0;
CREATE INDEX statement_lines_by_rule ON statement_lines (track_id, release_id) WHERE artist_by_rule = 1;
-- The lines a new rule may reach: those without an artist (a TooLost statement's), found without
-- reading every line.
CREATE INDEX statement_lines_without_artist ON statement_lines (track_id, release_id) WHERE artist_id IS NULL;
ALTER TABLE daily_facts ADD COLUMN artist_by_rule INTEGER NOT NULL DEFAULT 0;
