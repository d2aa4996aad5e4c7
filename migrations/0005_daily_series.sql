-- Daily facts per series and day, with running totals: the sum of any range of days is the
-- difference of two rows, so the dashboard's daily KPIs cost the same for a week or three years.
-- Derived from daily_facts by the loader (engine/src/warehouse/daily_series.rs) in the file's
-- transaction, with the rules applied: a day's account-level figure beats its per-entity ones;
-- money converted to USD at the day's rate; source 'streams' holds the Streams rule's choice per
-- platform and day (part = the platform; part '' = all platforms); artist_id -1 = all artists.
CREATE TABLE daily_series (
    source         TEXT    NOT NULL,
    metric         TEXT    NOT NULL,
    part           TEXT    NOT NULL,
    artist_id      INTEGER NOT NULL,
    day            INTEGER NOT NULL,   -- YYYYMMDD; only days with data
    value          INTEGER,            -- the day's total; for snapshots (followers) the last known value
    amount         TEXT,               -- the day's decimal total (hours; money in USD)
    days_cum       INTEGER NOT NULL,   -- days with data so far
    value_cum      INTEGER NOT NULL,   -- running sum of value
    amount_cum     TEXT,               -- running sum of amount (exact decimal)
    missing_cum    INTEGER NOT NULL,   -- money amounts so far that had no exchange rate
    missing        TEXT,               -- the currencies of this day without a rate
    PRIMARY KEY (source, metric, part, artist_id, day)
) STRICT, WITHOUT ROWID;
