-- Statement lines stop storing their earnings twice. Since migration 0004 each amount is kept
-- exactly as integers (`earnings_whole`, `earnings_pico`, and `earnings_rest` for digits beyond
-- 1e-12); the decimal text beside them cost the loader a formatting and SQLite a bound text per
-- line (about 14 % of a million-line import). `earnings` is now computed from the split when read,
-- in canonical form (no trailing zeros: `-3.614000` reads `-3.614`), so queries and people
-- reading the table still see one exact amount.
ALTER TABLE statement_lines DROP COLUMN earnings;
ALTER TABLE statement_lines ADD COLUMN earnings TEXT GENERATED ALWAYS AS (
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
    END
) VIRTUAL;
