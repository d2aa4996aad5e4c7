-- Each Meta campaign's ad spend gets a series of its own in `daily_series` (part
-- 'campaign:<entity id>'), so the chart of spend per campaign reads two running totals per
-- campaign. Emptied here, the series are filled again from the facts when the database opens
-- (engine/src/db.rs).
DELETE FROM daily_series;
