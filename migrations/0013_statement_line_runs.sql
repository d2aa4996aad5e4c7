-- The track × store × territory rollup goes; the lines themselves answer that drill.
--
-- `revenue_by_track_country` had a row per track, month, store and territory: as many rows as a
-- statement has lines (a DistroKid line is one such group), so every import wrote each line a
-- second time, in a table with a long primary key — a third of a million-line import's time.
--
-- 1. `revenue_by_track_country` keeps one track by territory, without the store (a quarter of
--    the rows on the benchmark statement).
-- 2. `revenue_by_store_country`: one store by territory (and the dashboard's top territory under
--    a store filter) reads a small table instead of scanning the big one. (`revenue_by_country`
--    stays without the store: with it, the unfiltered dashboard summed twenty times the rows.)
-- 3. `statement_line_runs`: the loader stores each file's lines in chunks sorted by track, so a
--    track's lines are a few ranges of ids, listed here. One track in one store by territory
--    reads those ranges of lines (about 1,600 of ten million on the dashboard benchmark).
--    Lines stored before this migration are in file order: their runs are whatever consecutive
--    lines share a track (correct, only slower to read until `soundcheck etl rebuild`).

CREATE TABLE revenue_by_store_country (
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
    PRIMARY KEY (store_id, sale_month, source, artist_id, country, currency, rate_day)
) STRICT, WITHOUT ROWID;
INSERT INTO revenue_by_store_country
SELECT sale_month, source, artist_id, store_id, country, currency, rate_day, SUM(earnings_whole),
       SUM(earnings_pico), SUM(rest_lines), SUM(quantity), SUM(lines)
FROM revenue_by_track_country
GROUP BY store_id, sale_month, source, artist_id, country, currency, rate_day;

CREATE TABLE revenue_by_track_country_new (
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
INSERT INTO revenue_by_track_country_new
SELECT track_id, sale_month, source, artist_id, country, currency, rate_day, SUM(earnings_whole),
       SUM(earnings_pico), SUM(rest_lines), SUM(quantity), SUM(lines)
FROM revenue_by_track_country
GROUP BY track_id, sale_month, source, artist_id, country, currency, rate_day;
DROP TABLE revenue_by_track_country;
ALTER TABLE revenue_by_track_country_new RENAME TO revenue_by_track_country;

-- A run: lines first_id..last_id (ids, both included) of one file all have this track.
CREATE TABLE statement_line_runs (
    track_id INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id  INTEGER NOT NULL,
    PRIMARY KEY (track_id, first_id)
) STRICT, WITHOUT ROWID;
-- Consecutive lines (by id) of one file with the same track form a run: the difference of the
-- two row numbers is constant along such a stretch.
INSERT INTO statement_line_runs (track_id, first_id, last_id)
SELECT track_id, MIN(id), MAX(id) FROM (
    SELECT id, raw_file_id, track_id,
           ROW_NUMBER() OVER (ORDER BY id)
             - ROW_NUMBER() OVER (PARTITION BY raw_file_id, track_id ORDER BY id) AS stretch
    FROM statement_lines)
WHERE track_id IS NOT NULL
GROUP BY raw_file_id, track_id, stretch;
