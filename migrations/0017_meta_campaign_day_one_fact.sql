-- One campaign-day of Meta Ads is one fact, whichever way it came. An Ads Manager export imported
-- with `--artist` and an API pull of the same campaign-day had different keys (the artist is part
-- of daily_facts' key), so unfiltered totals counted both. A Meta fact's identity is now (source,
-- metric, campaign, day) — campaign ids are unique across ad accounts — and its artist an
-- attribute: the newest import that names one sets it, one that names none keeps it (the loader's
-- upsert, engine/src/warehouse/loader.rs).

-- Campaign-days stored more than once: the newest figure wins, with the newest artist named.
CREATE TEMP TABLE meta_campaign_days AS
SELECT f.metric, f.entity_id, f.day, MAX(f.raw_file_id) AS newest_file,
       (SELECT g.artist_id FROM daily_facts g
        WHERE g.source = 'meta_ads' AND g.metric = f.metric AND g.entity_id = f.entity_id AND g.day = f.day
          AND g.artist_id <> 0
        ORDER BY g.raw_file_id DESC, g.artist_id DESC LIMIT 1) AS artist_id
FROM daily_facts f
WHERE f.source = 'meta_ads'
GROUP BY f.metric, f.entity_id, f.day
HAVING COUNT(*) > 1;

DELETE FROM daily_facts
WHERE source = 'meta_ads' AND EXISTS (
    SELECT 1 FROM meta_campaign_days d
    WHERE d.metric = daily_facts.metric AND d.entity_id = daily_facts.entity_id AND d.day = daily_facts.day
      AND daily_facts.raw_file_id < d.newest_file);

-- Two rows of one file (not written by any loader, but a unique index must not fail on them).
DELETE FROM daily_facts
WHERE source = 'meta_ads' AND EXISTS (
    SELECT 1 FROM daily_facts g
    WHERE g.source = 'meta_ads' AND g.metric = daily_facts.metric AND g.entity_id = daily_facts.entity_id
      AND g.day = daily_facts.day AND g.raw_file_id = daily_facts.raw_file_id
      AND g.artist_id > daily_facts.artist_id);

UPDATE daily_facts
SET artist_id = (
    SELECT d.artist_id FROM meta_campaign_days d
    WHERE d.metric = daily_facts.metric AND d.entity_id = daily_facts.entity_id AND d.day = daily_facts.day)
WHERE source = 'meta_ads' AND EXISTS (
    SELECT 1 FROM meta_campaign_days d
    WHERE d.metric = daily_facts.metric AND d.entity_id = daily_facts.entity_id AND d.day = daily_facts.day
      AND d.artist_id IS NOT NULL);

CREATE UNIQUE INDEX daily_facts_meta_campaign_day ON daily_facts (source, metric, entity_id, day)
WHERE source = 'meta_ads';

-- The series summed the duplicates: emptied, they are filled again from the facts when the
-- database opens (engine/src/db.rs).
DELETE FROM daily_series WHERE EXISTS (SELECT 1 FROM meta_campaign_days);

DROP TABLE meta_campaign_days;
