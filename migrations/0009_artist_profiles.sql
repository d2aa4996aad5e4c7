-- The catalogue's artist metadata from the Spotify Web API (client-credentials app): name, genres
-- and image. Rebuilt from raw like the other curated tables; every row keeps its raw file and line.
CREATE TABLE artist_profiles (
    spotify_id  TEXT    PRIMARY KEY,
    artist_id   INTEGER NOT NULL REFERENCES artists (id),
    name        TEXT    NOT NULL,
    -- JSON array of strings, as Spotify lists them.
    genres      TEXT    NOT NULL,
    image_url   TEXT,
    raw_file_id INTEGER NOT NULL REFERENCES raw_files (id),
    line        INTEGER NOT NULL
) STRICT;
