-- The identity index of statement lines, with the integer key first: every line a file loads is
-- looked up in it, and an index that starts with an integer is compared by SQLite's integer fast
-- path instead of comparing the same source text first on every step (about 10 % of the
-- loading thread on the 1M-line benchmark). Same columns, so `ON CONFLICT (source, line_key)`
-- and the uniqueness rule are unchanged; rebuilt from the stored lines.
DROP INDEX statement_lines_identity;
CREATE UNIQUE INDEX statement_lines_identity ON statement_lines (line_key, source);
