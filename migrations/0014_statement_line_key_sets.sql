-- Statement line keys (migration 0010) are kept as sets: one row per source, bucket and file,
-- holding that file's keys whose top 16 bits are the bucket, as one blob (sorted, 8 bytes each,
-- big-endian).
--
-- One row per key was the B-tree work of a million rows at the end of a million-line statement,
-- 0.4–0.65 s with the machine's other core idle. A million keys now make 65,536 rows of about 15
-- keys each. A re-downloaded statement still reads one row per key's bucket and stored file, in
-- a far smaller tree. The keys stored before this migration become the sets of file 0.
CREATE TABLE statement_line_key_sets (
    source      TEXT    NOT NULL,
    bucket      INTEGER NOT NULL,
    raw_file_id INTEGER NOT NULL,
    keys        BLOB    NOT NULL,
    PRIMARY KEY (source, bucket, raw_file_id)
) STRICT, WITHOUT ROWID;

INSERT INTO statement_line_key_sets (source, bucket, raw_file_id, keys)
SELECT source, (line_key >> 48) & 65535, 0, unhex(group_concat(printf('%016X', line_key), '' ORDER BY line_key))
FROM statement_line_keys
GROUP BY source, (line_key >> 48) & 65535;

DROP TABLE statement_line_keys;
