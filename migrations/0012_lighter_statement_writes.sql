-- Less to write per statement line (measured on a million-line statement):
--
-- 1. `statement_lines.earnings` goes. Although VIRTUAL, a generated column of a STRICT table is
--    computed on every INSERT (to check its type), and its printf/rtrim expression doubled the
--    cost of storing a line (SQLite alone: 4.0 s for a million lines with it, 2.0 s without).
--    The view `statement_lines_readable` shows the same exact amount text to whoever reads it.
-- 2. `statement_lines.line_key` goes: the key lives in `statement_line_keys` (migration 0010), and
--    a line's lineage is its raw file and line number.
-- 3. A line's UPC becomes a release id (a statement repeats a few hundred UPCs, 13 characters
--    on every line: a fifth of the row). The view shows the UPC.
-- 4. `revenue_by_track_country` held about one row per line (a real statement has one line per
--    track, store, country and month, and so had this rollup): it loses the store. The country
--    rollup gains it, so a store's territories stay a rollup read; one track in one store by
--    territory (the dashboard's deepest drill) sums that track's lines instead.
ALTER TABLE statement_lines DROP COLUMN earnings;
ALTER TABLE statement_lines DROP COLUMN line_key;

CREATE TABLE releases (
    id  INTEGER PRIMARY KEY,
    upc TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO releases (upc) SELECT DISTINCT upc FROM statement_lines WHERE upc IS NOT NULL ORDER BY upc;
ALTER TABLE statement_lines ADD COLUMN release_id INTEGER REFERENCES releases (id);
UPDATE statement_lines SET release_id = (SELECT id FROM releases WHERE releases.upc = statement_lines.upc)
WHERE upc IS NOT NULL;
ALTER TABLE statement_lines DROP COLUMN upc;

CREATE VIEW statement_lines_readable AS
SELECT statement_lines.*, releases.upc,
    CASE
        -- An amount too large for the integer parts is kept whole in the rest.
        WHEN earnings_whole = 0 AND earnings_pico = 0 AND earnings_rest IS NOT NULL
             AND substr(ltrim(earnings_rest, '-'), 1, 14) <> '0.000000000000'
            THEN earnings_rest
        ELSE
            (CASE WHEN earnings_whole < 0 OR earnings_pico < 0 OR earnings_rest LIKE '-%' THEN '-' ELSE '' END)
            || abs(earnings_whole)
            || rtrim('.' || rtrim(printf('%012d', abs(earnings_pico))
                                  || COALESCE(substr(ltrim(earnings_rest, '-'), 15), ''), '0'), '.')
    END AS earnings
FROM statement_lines LEFT JOIN releases ON releases.id = statement_lines.release_id;

DROP TABLE revenue_by_country;
CREATE TABLE revenue_by_country (
    sale_month     INTEGER NOT NULL,
    source         TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL,
    store_id       INTEGER NOT NULL,
    country        TEXT    NOT NULL,
    currency       TEXT    NOT NULL,
    rate_day       INTEGER NOT NULL,
    earnings_whole INTEGER NOT NULL,
    earnings_pico  INTEGER NOT NULL,
    rest_lines     INTEGER NOT NULL,
    quantity       INTEGER NOT NULL,
    lines          INTEGER NOT NULL,
    PRIMARY KEY (sale_month, source, artist_id, store_id, country, currency, rate_day)
) STRICT, WITHOUT ROWID;

DROP TABLE revenue_by_track_country;
CREATE TABLE revenue_by_track_country (
    track_id       INTEGER NOT NULL,
    sale_month     INTEGER NOT NULL,
    source         TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL,
    country        TEXT    NOT NULL,
    currency       TEXT    NOT NULL,
    rate_day       INTEGER NOT NULL,
    earnings_whole INTEGER NOT NULL,
    earnings_pico  INTEGER NOT NULL,
    rest_lines     INTEGER NOT NULL,
    quantity       INTEGER NOT NULL,
    lines          INTEGER NOT NULL,
    PRIMARY KEY (track_id, sale_month, source, artist_id, country, currency, rate_day)
) STRICT, WITHOUT ROWID;

-- Refilled from the stored lines, as the loader would have summed them (rate_day: the sale date
-- when the line has one and is not in USD, else the first day of the sale month).
INSERT INTO revenue_by_country
    (sale_month, source, artist_id, store_id, country, currency, rate_day,
     earnings_whole, earnings_pico, rest_lines, quantity, lines)
SELECT sale_month, source, COALESCE(artist_id, 0), store_id, COALESCE(country, ''), currency,
       CASE WHEN currency = 'USD' THEN sale_month * 100 + 1 ELSE COALESCE(sale_date, sale_month * 100 + 1) END,
       SUM(earnings_whole), SUM(earnings_pico), COUNT(earnings_rest), SUM(quantity), COUNT(*)
FROM statement_lines
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO revenue_by_track_country
    (track_id, sale_month, source, artist_id, country, currency, rate_day,
     earnings_whole, earnings_pico, rest_lines, quantity, lines)
SELECT COALESCE(track_id, 0), sale_month, source, COALESCE(artist_id, 0), COALESCE(country, ''), currency,
       CASE WHEN currency = 'USD' THEN sale_month * 100 + 1 ELSE COALESCE(sale_date, sale_month * 100 + 1) END,
       SUM(earnings_whole), SUM(earnings_pico), COUNT(earnings_rest), SUM(quantity), COUNT(*)
FROM statement_lines
GROUP BY 1, 2, 3, 4, 5, 6, 7;
