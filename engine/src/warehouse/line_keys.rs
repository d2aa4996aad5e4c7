//! The keys of stored statement lines, as sets (migration 0014): a file's keys are grouped by
//! bucket, the top [`BUCKET_BITS`] bits of a key, and each group is one row whose blob holds the
//! keys sorted, 8 bytes each, big-endian (so the blob's order is the keys' unsigned order).

use std::ops::Range;

use super::LoadError;

/// The top bits of a key that choose its set: 65,536 sets, about 15 keys each for a million
/// lines (few rows to write), and a handful for a small statement (a short blob to read).
const BUCKET_BITS: u32 = 16;

/// The bucket of `key`: its top [`BUCKET_BITS`] bits, as stored.
pub(super) fn bucket(key: i64) -> i64 {
    i64::from(u16::try_from(key.cast_unsigned() >> (64 - BUCKET_BITS)).unwrap_or(u16::MAX))
}

/// A file's new keys, grouped into the sets to store.
pub(super) struct KeySets {
    /// Every key, in unsigned order, so that a set is a slice of them.
    keys: Vec<u64>,
    sets: Vec<(i64, Range<usize>)>,
}

impl KeySets {
    /// The sets of `keys` (repeats dropped: a key is stored once).
    pub(super) fn of(keys: Vec<i64>) -> Self {
        let mut keys: Vec<u64> = keys.into_iter().map(i64::cast_unsigned).collect();
        // Unsigned order groups the keys by bucket, buckets ascending, as the table's rows.
        keys.sort_unstable();
        keys.dedup();
        let mut sets: Vec<(i64, Range<usize>)> = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let bucket = bucket(key.cast_signed());
            match sets.last_mut() {
                Some((last, range)) if *last == bucket => range.end = i + 1,
                _ => sets.push((bucket, i..i + 1)),
            }
        }
        Self { keys, sets }
    }

    /// Each set: its bucket and its keys, to be stored as one blob of their big-endian bytes.
    pub(super) fn iter(&self) -> impl Iterator<Item = (i64, &[u64])> {
        self.sets.iter().map(|(bucket, range)| (*bucket, self.keys.get(range.clone()).unwrap_or_default()))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.sets.len()
    }
}

/// A stored set whose length is not a whole number of keys: the table was changed by hand or
/// damaged, and no lookup in it can be trusted.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct DamagedSet;

/// Whether the stored set `set` holds `key`.
pub(super) fn contains(set: &[u8], key: i64) -> Result<bool, DamagedSet> {
    let (keys, rest) = set.as_chunks::<8>();
    if !rest.is_empty() {
        return Err(DamagedSet);
    }
    Ok(keys.binary_search(&key.cast_unsigned().to_be_bytes()).is_ok())
}

/// Buckets per lookup statement, well below SQLite's limit on bound values.
const BUCKETS_PER_LOOKUP: usize = 10_000;

/// The keys of `keys` that `source` has stored. The sets of their buckets are read in one
/// statement per [`BUCKETS_PER_LOOKUP`] buckets (an `IN` list, which SQLite probes in order) and
/// searched where SQLite holds them, without a copy.
pub(super) fn stored(
    conn: &rusqlite::Connection,
    source: &str,
    mut keys: Vec<i64>,
) -> Result<Vec<i64>, LoadError> {
    keys.sort_unstable_by_key(|k| k.cast_unsigned());
    let mut buckets: Vec<i64> = keys.iter().map(|k| bucket(*k)).collect();
    buckets.dedup();
    let mut found = Vec::new();
    for part in buckets.chunks(BUCKETS_PER_LOOKUP) {
        let sql = format!(
            "SELECT bucket, keys FROM statement_line_key_sets WHERE source = ?1 AND bucket IN ({})",
            vec!["?"; part.len()].join(", ")
        );
        let mut stmt = conn.prepare(&sql)?;
        stmt.raw_bind_parameter(1, source)?;
        for (i, b) in part.iter().enumerate() {
            stmt.raw_bind_parameter(i + 2, *b)?;
        }
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            let at: i64 = row.get(0)?;
            let set = row.get_ref(1)?.as_blob().map_err(|_| damaged(source, at))?;
            // The keys of this bucket: a run of the sorted keys.
            let from = keys.partition_point(|k| bucket(*k) < at);
            for key in keys[from..].iter().take_while(|k| bucket(**k) == at) {
                if contains(set, *key).map_err(|_| damaged(source, at))? {
                    found.push(*key);
                }
            }
        }
    }
    Ok(found)
}

fn damaged(source: &str, bucket: i64) -> LoadError {
    LoadError::Inconsistent(format!(
        "a stored set of {source} line keys (bucket {bucket}) is damaged: it is not a whole number of keys"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warehouse::direct::{Value, insert_rows};

    /// A set as stored.
    fn blob(keys: &[u64]) -> Vec<u8> {
        keys.iter().flat_map(|k| k.to_be_bytes()).collect()
    }

    #[test]
    fn a_key_is_found_in_its_own_set_only() {
        let keys = vec![5, -5, i64::MIN, i64::MAX, 0, 1 << 48, (1 << 48) + 7, -5, 42];
        let sets = KeySets::of(keys.clone());
        // 0, 5, 42 share bucket 0; 1 << 48 and (1 << 48) + 7 share bucket 1.
        assert_eq!(sets.len(), 5);
        let buckets: Vec<i64> = sets.iter().map(|(b, _)| b).collect();
        assert_eq!(buckets, [0, 1, 32767, 32768, 65535], "ascending, as the table's rows");
        for key in keys {
            let holding: Vec<i64> = sets
                .iter()
                .filter(|(_, set)| contains(&blob(set), key) == Ok(true))
                .map(|(b, _)| b)
                .collect();
            assert_eq!(holding, [bucket(key)], "key {key}");
        }
        let (_, zero) = sets.iter().next().expect("bucket 0");
        assert_eq!(zero.len(), 3, "the repeated -5 is stored once; bucket 0 holds 0, 5 and 42");
        for absent in [4, 6, 43, -4, (1 << 48) + 6] {
            assert!(sets.iter().all(|(_, set)| contains(&blob(set), absent) == Ok(false)), "{absent}");
        }
    }

    #[test]
    fn a_set_cut_short_is_reported_not_searched() {
        let sets = KeySets::of(vec![1, 2, 3]);
        let (_, set) = sets.iter().next().expect("one set");
        let set = blob(set);
        assert_eq!(contains(&set[..set.len() - 1], 3), Err(DamagedSet));
        assert_eq!(contains(&[], 3), Ok(false));
    }

    /// A set is stored as what the migration of keys stored one per row makes of them in SQL
    /// (`unhex(group_concat(printf('%016X', line_key), '' ORDER BY line_key))`).
    #[test]
    fn a_set_is_stored_as_the_migration_makes_it() {
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        conn.execute("CREATE TABLE sets (bucket INTEGER, keys BLOB)", []).expect("table");
        let sets = KeySets::of(vec![-2, -5, 1 << 48]);
        let rows = sets.iter().map(|(bucket, set)| [Value::Int(bucket), Value::BigEndian(set)]);
        insert_rows(&conn, "INSERT INTO sets (bucket, keys)", "", rows).expect("insert");
        let same: i64 = conn
            .query_row(
                "SELECT count(*) FROM sets JOIN ( \
                   SELECT (k >> 48) & 65535 AS bucket, \
                          unhex(group_concat(printf('%016X', k), '' ORDER BY k)) AS keys \
                   FROM (SELECT -2 AS k UNION ALL SELECT -5 UNION ALL SELECT 1 << 48) GROUP BY 1 \
                 ) AS migrated USING (bucket, keys)",
                [],
                |row| row.get(0),
            )
            .expect("compare");
        assert_eq!(same, 2, "buckets 1 and 65535, byte for byte");
    }
}
