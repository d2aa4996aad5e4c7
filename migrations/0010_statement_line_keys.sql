-- The identity of statement lines moves out of `statement_lines` into a table of its own.
--
-- A line key is a hash, so a unique index over it receives every new line at a random place:
-- on a million-line statement that index cost about 7 of the 8 seconds SQLite spent storing
-- the lines (each insert lands on a page the cache no longer holds). Here the loader looks up a
-- batch's keys, appends only the new lines to `statement_lines` in file order, and writes the
-- file's new keys at the end, sorted, so they go into this B-tree from left to right.
-- `statement_lines.line_key` stays, as the lineage of each stored line.
CREATE TABLE statement_line_keys (
    line_key INTEGER NOT NULL,
    source   TEXT    NOT NULL,
    PRIMARY KEY (line_key, source)
) STRICT, WITHOUT ROWID;

INSERT OR IGNORE INTO statement_line_keys (line_key, source)
    SELECT line_key, source FROM statement_lines ORDER BY line_key, source;

DROP INDEX statement_lines_identity;
