-- Rollup rows keep their picos under 1e12 in size, whole units carried into earnings_whole:
-- upserts used to add picos without carrying, so a busy group's picos grew until the sum
-- overflowed (SQLite then made it a float, which the STRICT tables refuse). Rows written
-- before are carried here; the value whole + pico × 1e-12 is unchanged.
UPDATE revenue_by_store SET earnings_whole = earnings_whole + earnings_pico / 1000000000000,
    earnings_pico = earnings_pico % 1000000000000 WHERE abs(earnings_pico) >= 1000000000000;
UPDATE revenue_by_track SET earnings_whole = earnings_whole + earnings_pico / 1000000000000,
    earnings_pico = earnings_pico % 1000000000000 WHERE abs(earnings_pico) >= 1000000000000;
UPDATE revenue_by_country SET earnings_whole = earnings_whole + earnings_pico / 1000000000000,
    earnings_pico = earnings_pico % 1000000000000 WHERE abs(earnings_pico) >= 1000000000000;
UPDATE revenue_by_track_country SET earnings_whole = earnings_whole + earnings_pico / 1000000000000,
    earnings_pico = earnings_pico % 1000000000000 WHERE abs(earnings_pico) >= 1000000000000;
UPDATE revenue_by_store_country SET earnings_whole = earnings_whole + earnings_pico / 1000000000000,
    earnings_pico = earnings_pico % 1000000000000 WHERE abs(earnings_pico) >= 1000000000000;
