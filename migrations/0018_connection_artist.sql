-- The artist an API connection's facts are attributed to: a name or alias, resolved through the
-- alias table when each pull loads (as an import's --artist is); NULL: none. Each pulled file
-- records the artist it was pulled for, so `etl rebuild` attributes the same way.
ALTER TABLE api_connections ADD COLUMN artist TEXT;
