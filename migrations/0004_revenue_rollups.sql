-- Revenue rollups: the dashboard's statement KPIs read these small tables instead of millions of
-- statement lines. The loader adds each file's new lines to them in the file's own transaction,
-- so they always agree with statement_lines.
--
-- SQLite can only sum integers exactly, so each line's earnings are also stored split:
-- `earnings_whole` (the integer part, truncated toward zero) + `earnings_pico` (the next 12
-- fraction digits, in 1e-12 units, same sign) + `earnings_rest` (any digits beyond 12, as a
-- decimal string; NULL almost always: DistroKid gives at most 12). Sums of whole and pico parts
-- cannot overflow in practice (2^63 dollars; 9 million lines per group); a group holding lines
-- with a rest counts them in `rest_lines`, and the KPI engine adds those rests from the lines.

ALTER TABLE statement_lines ADD COLUMN earnings_whole INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statement_lines ADD COLUMN earnings_pico INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statement_lines ADD COLUMN earnings_rest TEXT;

-- Lines stored before this migration: split their decimal strings (plain notation, as written
-- by rust_decimal) into the three parts.
UPDATE statement_lines SET
    earnings_whole = p.sign * CAST(p.int_part AS INTEGER),
    earnings_pico = p.sign * CAST(substr(p.frac_part || '000000000000', 1, 12) AS INTEGER),
    earnings_rest = CASE WHEN rtrim(substr(p.frac_part, 13), '0') = '' THEN NULL
                         ELSE (CASE p.sign WHEN -1 THEN '-' ELSE '' END) || '0.000000000000' || substr(p.frac_part, 13)
                    END
FROM (
    SELECT id,
           CASE WHEN substr(earnings, 1, 1) = '-' THEN -1 ELSE 1 END AS sign,
           CASE WHEN instr(ltrim(earnings, '-+'), '.') = 0 THEN ltrim(earnings, '-+')
                ELSE substr(ltrim(earnings, '-+'), 1, instr(ltrim(earnings, '-+'), '.') - 1) END AS int_part,
           CASE WHEN instr(ltrim(earnings, '-+'), '.') = 0 THEN ''
                ELSE substr(ltrim(earnings, '-+'), instr(ltrim(earnings, '-+'), '.') + 1) END AS frac_part
    FROM statement_lines
) AS p
WHERE statement_lines.id = p.id;

CREATE INDEX statement_lines_with_rest ON statement_lines (sale_month) WHERE earnings_rest IS NOT NULL;

-- `rate_day` is the day whose exchange rate converts the amounts: the sale date when the line has
-- one (TooLost), else the first day of the sale month. artist_id / track_id 0 and country ''
-- mean "not given" (NULLs would defeat the upsert keys).

-- Revenue, units and line counts by month and store (revenue, royalty units, reporting lag,
-- top store, revenue by store and by month).
CREATE TABLE revenue_by_store (
    sale_month     INTEGER NOT NULL,
    source         TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL,
    store_id       INTEGER NOT NULL,
    currency       TEXT    NOT NULL,
    rate_day       INTEGER NOT NULL,
    reporting_date INTEGER NOT NULL,
    earnings_whole INTEGER NOT NULL,
    earnings_pico  INTEGER NOT NULL,
    rest_lines     INTEGER NOT NULL,
    quantity       INTEGER NOT NULL,
    lines          INTEGER NOT NULL,
    PRIMARY KEY (sale_month, source, artist_id, store_id, currency, rate_day, reporting_date)
) STRICT, WITHOUT ROWID;

-- By month, store and track (top track; a store's tracks).
CREATE TABLE revenue_by_track (
    sale_month     INTEGER NOT NULL,
    source         TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL,
    store_id       INTEGER NOT NULL,
    track_id       INTEGER NOT NULL,
    currency       TEXT    NOT NULL,
    rate_day       INTEGER NOT NULL,
    earnings_whole INTEGER NOT NULL,
    earnings_pico  INTEGER NOT NULL,
    rest_lines     INTEGER NOT NULL,
    quantity       INTEGER NOT NULL,
    lines          INTEGER NOT NULL,
    PRIMARY KEY (sale_month, source, artist_id, store_id, track_id, currency, rate_day)
) STRICT, WITHOUT ROWID;

-- By month and country (top territory; revenue by territory).
CREATE TABLE revenue_by_country (
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
    PRIMARY KEY (sale_month, source, artist_id, country, currency, rate_day)
) STRICT, WITHOUT ROWID;

-- By track first, then month, store and country (one track's territories and months).
CREATE TABLE revenue_by_track_country (
    track_id       INTEGER NOT NULL,
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
    PRIMARY KEY (track_id, sale_month, source, artist_id, store_id, country, currency, rate_day)
) STRICT, WITHOUT ROWID;


-- Daily KPIs select one source's facts over a range of days, and freshness its latest day.
CREATE INDEX daily_facts_by_source_day ON daily_facts (source, day);
