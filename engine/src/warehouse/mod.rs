//! The curated zone: typed records, dimension lookups and the loader that writes one file's
//! records inside the caller's transaction.

pub mod attribution;
mod batch;
pub mod daily_series;
mod direct;
mod identity_key;
mod line_insert;
mod line_keys;
pub mod line_runs;
mod loader;
pub mod metric;
pub mod money;
pub mod packed_line;
mod records;
pub mod rollup;
mod statement_load;
pub mod summary;
mod writer;

pub use identity_key::IdentityKey;
pub use loader::{LoadError, LoadStats, Loader};
pub use records::{
    ArtistProfile, DailyFact, EmailCampaign, EntityRef, ExchangeRate, Measure, Record, StatementLine,
    WindowFact,
};

/// Tables rebuilt from raw by `etl rebuild` (dimensions and aliases are kept).
pub const FACT_TABLES: &[&str] = &[
    "statement_lines",
    "statement_line_key_sets",
    "revenue_by_store",
    "revenue_by_track",
    "revenue_by_country",
    "revenue_by_track_country",
    "revenue_by_store_country",
    "statement_line_runs",
    "daily_facts",
    "daily_series",
    "window_facts",
    "email_campaigns",
    "exchange_rates",
    "artist_profiles",
];

/// The key an artist spelling is matched by: lower-case letters and digits only, so `ZONE A0`,
/// `zone_a0` and `zone.a0` are one artist.
pub fn alias_key(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Titles vary in spelling inside one statement (`AIGENERATEDGHOSTJOBS` / `AI GENERATED GHOST
/// JOBS`); for identity they compare like artist names.
pub fn title_key(title: &str) -> String {
    alias_key(title)
}

/// A stable 64-bit hash of fields (xxh3, a published algorithm: stored keys stay valid across
/// versions). The separator keeps `("ab","c")` apart from `("a","bc")`.
pub fn identity_hash(fields: &[&str]) -> u64 {
    let mut buf = Vec::with_capacity(128);
    for f in fields {
        buf.extend_from_slice(f.as_bytes());
        buf.push(0x1f);
    }
    xxhash_rust::xxh3::xxh3_64(&buf)
}

/// Whether `table` has rows and the table derived from it none (a database upgraded to a
/// version that added the derived table). Table names are the code's own constants.
async fn derived_is_missing(
    conn: &mut sqlx::SqliteConnection,
    table: &str,
    derived: &str,
) -> Result<bool, sqlx::Error> {
    let (rows, derived_rows): (i64, i64) = sqlx::query_as(&format!(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT 1)), \
                (SELECT COUNT(*) FROM (SELECT 1 FROM {derived} LIMIT 1))"
    ))
    .fetch_one(conn)
    .await?;
    Ok(rows > 0 && derived_rows == 0)
}

/// A hasher for the loader's per-line maps, whose keys are small integers or identities that
/// are already hashes: std's SipHash resists chosen keys, which costs a few per cent of a
/// million-line load spent hashing. (FxHash's mixing step.)
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IntHasher(u64);

impl IntHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    /// Eight bytes at a time, the last few zero-padded. (Copying each chunk into a padded word
    /// compiled to a `memcpy` call per chunk: a twentieth of the loader's time, hashing the
    /// store, artist, ISRC and UPC of every line.)
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut full = [0u8; 8];
            full.copy_from_slice(word);
            self.add(u64::from_le_bytes(full));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            self.add(rest.iter().rev().fold(0u64, |word, &b| (word << 8) | u64::from(b)));
        }
    }

    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }

    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }

    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    fn write_i64(&mut self, v: i64) {
        self.add(v as u64);
    }

    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }

    fn write_u128(&mut self, v: u128) {
        self.add(v as u64);
        self.add((v >> 64) as u64);
    }
}

pub(crate) type IntBuildHasher = std::hash::BuildHasherDefault<IntHasher>;

#[cfg(test)]
mod tests {
    use std::hash::Hasher;

    use super::*;

    /// Bytes hash as little-endian words of eight, the last one zero-padded.
    #[test]
    fn the_int_hasher_reads_bytes_as_padded_words() {
        let bytes: Vec<u8> = (1..=20).collect();
        for len in 0..=bytes.len() {
            let mut by_bytes = IntHasher::default();
            by_bytes.write(&bytes[..len]);
            let mut by_words = IntHasher::default();
            for chunk in bytes[..len].chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                by_words.write_u64(u64::from_le_bytes(word));
            }
            assert_eq!(by_bytes.finish(), by_words.finish(), "{len} bytes");
        }
    }

    #[test]
    fn artist_spellings_share_a_key() {
        assert_eq!(alias_key("ZONE A0"), "zonea0");
        assert_eq!(alias_key("zone_a0"), "zonea0");
        assert_eq!(alias_key("zone.a0"), "zonea0");
        assert_eq!(title_key("AI GENERATED GHOST JOBS"), title_key("AIGENERATEDGHOSTJOBS"));
    }

    #[test]
    fn identity_hash_separates_fields_and_is_stable() {
        assert_ne!(identity_hash(&["ab", "c"]), identity_hash(&["a", "bc"]));
        // A stored key must never change meaning: pin one value.
        assert_eq!(identity_hash(&["2024-10-24", "x"]), identity_hash(&["2024-10-24", "x"]));
        assert_eq!(identity_hash(&[]), xxhash_rust::xxh3::xxh3_64(b""));
    }
}
