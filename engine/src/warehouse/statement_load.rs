//! A file's statement lines on their way into the warehouse: held in batches, looked up among
//! the lines stored before (a re-downloaded cumulative statement repeats them), inserted with ids
//! given here, and added to the revenue rollups; at the end of the file, their keys, their runs
//! by track and the rollups are written.

use std::collections::{BTreeSet, HashMap, HashSet};

use model::SourceId;

use super::{
    LoadError, LoadStats,
    direct::{Value, insert_rows},
    line_insert::{self, PendingLine},
    line_keys, line_runs, money,
    packed_line::{PackedLine, ValueTable},
    rollup,
    writer::Writer,
};

/// Statement lines per batch: looked up among the stored ones together, and stored by one use
/// of the connection (see `line_insert`), whose INSERT is prepared anew each time (1,050
/// parameters to parse): 8,192 lines rather than 2,300 took that from 4 % of the loader's time
/// to 1 %.
const BATCH_ROWS: usize = 8192;

/// A statement line's dimension ids.
pub(super) struct LineIds {
    pub store_id: i64,
    pub artist_id: Option<i64>,
    /// The artist came from an attribution rule (see `warehouse::attribution`).
    pub artist_by_rule: bool,
    pub track_id: Option<i64>,
    pub release_id: Option<i64>,
}

pub(super) struct StatementLoad {
    raw_file_id: i64,
    /// Occurrence numbers, for the sources whose line keys are looked up batch by batch.
    occurrences: HashMap<SourceId, Occurrences>,
    /// Per source, whether lines were stored before this file (known at its first batch, before
    /// this file's own lines are written).
    sources_stored: HashMap<SourceId, bool>,
    pending: Vec<PendingLine>,
    /// The pending lines' rollup groups (a buffer kept between batches, like `pending`'s).
    figures: Vec<rollup::Prepared>,
    /// The id of the next line stored (known after the first batch).
    next_id: Option<i64>,
    runs: line_runs::Runs,
    /// The keys of the lines this file stored, by source: written to the key table at the end.
    new_keys: HashMap<SourceId, Vec<i64>>,
    /// The identities of the lines this file stored, by source, for the sources that had no
    /// stored lines: their keys are made at the end (see [`keys_of_identities`]).
    new_identities: HashMap<SourceId, Vec<u64>>,
    rollups: rollup::Accumulator,
}

impl StatementLoad {
    pub(super) fn new(raw_file_id: i64) -> Self {
        Self {
            raw_file_id,
            occurrences: HashMap::new(),
            sources_stored: HashMap::new(),
            pending: Vec::with_capacity(BATCH_ROWS),
            figures: Vec::with_capacity(BATCH_ROWS),
            next_id: None,
            runs: line_runs::Runs::default(),
            new_keys: HashMap::new(),
            new_identities: HashMap::new(),
            rollups: rollup::Accumulator::default(),
        }
    }

    /// Whether one more line leaves the batch short of full (it can be taken without a flush).
    pub(super) fn has_room(&self) -> bool {
        self.pending.len() + 1 < BATCH_ROWS
    }

    pub(super) fn is_full(&self) -> bool {
        self.pending.len() >= BATCH_ROWS
    }

    /// Takes a line into the batch, with its rollup groups: prepared here, while the line is in
    /// the processor's cache from the id lookups, rather than in a pass over the whole batch.
    /// `values` reads the line's texts.
    pub(super) fn push(
        &mut self,
        line: PackedLine,
        ids: LineIds,
        values: &ValueTable,
    ) -> Result<(), LoadError> {
        let LineIds { store_id, artist_id, artist_by_rule, track_id, release_id } = ids;
        self.figures.push(self.rollups.prepare(&rollup::LineFigures {
            source: line.source,
            sale_month: line.sale_month,
            sale_date: line.sale_date,
            reporting_date: line.reporting_date,
            artist_id,
            store_id,
            track_id,
            country: values.text(line.country),
            currency: values.required_text(line.currency, "currency")?,
            quantity: line.quantity,
            split: money::Split {
                whole: line.earnings_whole,
                pico: line.earnings_pico,
                rest: values.amount(line.earnings_rest),
            },
        })?);
        self.pending.push(PendingLine {
            key: None,
            store_id,
            artist_id,
            artist_by_rule,
            track_id,
            release_id,
            packed: line,
        });
        Ok(())
    }

    /// Stores what is pending, then the runs, the rollups and the keys of every line stored.
    pub(super) async fn finish(
        mut self,
        db: &mut Writer<'_>,
        stats: &mut LoadStats,
        values: &ValueTable,
    ) -> Result<(), LoadError> {
        self.flush(db, stats, values).await?;
        let keys = self.make_key_sets()?;
        std::mem::take(&mut self.runs).write(db).await?;
        let first_of_sources = self.sources_stored.values().all(|stored| !stored);
        self.rollups.finish(db, first_of_sources).await?;
        Self::write_key_sets(self.raw_file_id, db, keys).await
    }

    /// Stores the pending lines that are not stored already, and adds them to the rollups.
    pub(super) async fn flush(
        &mut self,
        db: &mut Writer<'_>,
        stats: &mut LoadStats,
        values: &ValueTable,
    ) -> Result<(), LoadError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // The batch's buffer comes back to `pending` once the lines are stored: a fresh buffer
        // for every batch was new memory each time, its pages faulted in and out of cache.
        let mut batch = std::mem::take(&mut self.pending);
        let mut figures = std::mem::take(&mut self.figures);
        // Ids are given here rather than by SQLite, for the runs of lines by track (the parser
        // hands the lines over in chunks sorted by track).
        let first_id = match self.next_id {
            Some(id) => id,
            None => {
                let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM statement_lines")
                    .fetch_one(db.conn().await?)
                    .await?;
                max + 1
            }
        };
        // Lines of a source with lines stored before get their key now, to be looked up.
        let mut sources: Vec<SourceId> = batch.iter().map(|p| p.packed.source).collect();
        sources.sort_unstable();
        sources.dedup();
        let mut looked_up = Vec::new();
        for source in sources {
            if self.has_stored_lines(db, source).await? {
                looked_up.push(source);
            }
        }
        let mut keys: Vec<(SourceId, i64)> = Vec::new();
        for p in batch.iter_mut().filter(|p| looked_up.contains(&p.packed.source)) {
            let (source, identity) = (p.packed.source, p.packed.identity);
            let key = line_key(identity, self.occurrences.entry(source).or_default().next(identity));
            p.key = Some(key);
            keys.push((source, key));
        }
        // A line already stored (same identity and occurrence) came from an earlier download of
        // the same cumulative statement: it keeps its original lineage and is not counted again.
        let known = self.known_keys(db, &keys).await?;
        if !known.is_empty() {
            let new: Vec<bool> = batch
                .iter()
                .map(|p| p.key.is_none_or(|key| !known.contains(&(p.packed.source, key))))
                .collect();
            stats.rows_skipped += new.iter().filter(|n| !**n).count() as u64;
            keep(&mut batch, &new);
            keep(&mut figures, &new);
            if batch.is_empty() {
                self.pending = batch;
                figures.clear();
                self.figures = figures;
                return Ok(());
            }
        }
        for (p, id) in batch.iter().zip(first_id..) {
            match p.key {
                Some(key) => self.new_keys.entry(p.packed.source).or_default().push(key),
                None => self.new_identities.entry(p.packed.source).or_default().push(p.packed.identity),
            }
            if let Some(track) = p.track_id {
                self.runs.add(track, id);
            }
        }
        self.next_id = Some(first_id + batch.len() as i64);
        let raw_file_id = self.raw_file_id;
        stats.rows_loaded +=
            db.direct(|conn| line_insert::insert(conn, &batch, first_id, raw_file_id, values)).await?;
        batch.clear();
        self.pending = batch;
        self.figures = self.rollups.add(figures)?;
        self.rollups.write_full(db).await?;
        Ok(())
    }

    /// The keys of `keys` stored by earlier files, by source (a file is usually one source).
    async fn known_keys(
        &mut self,
        db: &mut Writer<'_>,
        keys: &[(SourceId, i64)],
    ) -> Result<HashSet<(SourceId, i64)>, LoadError> {
        let mut known = HashSet::new();
        let sources: BTreeSet<SourceId> = keys.iter().map(|(source, _)| *source).collect();
        for source in sources {
            if !self.has_stored_lines(db, source).await? {
                continue;
            }
            let of_source: Vec<i64> =
                keys.iter().filter(|(s, _)| *s == source).map(|(_, key)| *key).collect();
            let found = db.direct(|conn| line_keys::stored(conn, source.as_str(), of_source)).await?;
            known.extend(found.into_iter().map(|key| (source, key)));
        }
        Ok(known)
    }

    /// Whether any statement line of `source` was stored before this file. When none was (the
    /// first statement of a source), no line can be known, and the batches skip the lookup: it
    /// made SQLite and the loader wait for each other once per batch. Asked of the small
    /// `revenue_by_store`, which holds every stored line (in the same transactions as the lines);
    /// `statement_lines` has no index by source.
    async fn has_stored_lines(&mut self, db: &mut Writer<'_>, source: SourceId) -> Result<bool, LoadError> {
        if let Some(&stored) = self.sources_stored.get(&source) {
            return Ok(stored);
        }
        let stored: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM revenue_by_store WHERE source = ?)")
                .bind(source.as_str())
                .fetch_one(db.conn().await?)
                .await?;
        self.sources_stored.insert(source, stored);
        Ok(stored)
    }

    /// Starts making the sets of the file's new line keys (see `line_keys`) on a thread of its
    /// own: on a million-line statement, sorting and hashing them took 0.1–0.15 s that the
    /// loader now spends writing the rollups.
    fn make_key_sets(&mut self) -> Result<KeysMaking, LoadError> {
        let identities = std::mem::take(&mut self.new_identities);
        let mut keys = std::mem::take(&mut self.new_keys);
        let work = move || {
            for (source, identities) in identities {
                let made = keys_of_identities(identities);
                match keys.entry(source) {
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(made);
                    }
                    std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().extend(made),
                }
            }
            keys.into_iter().map(|(source, keys)| (source, line_keys::KeySets::of(keys))).collect()
        };
        std::thread::Builder::new().name("line-keys".into()).spawn(work).map_err(|err| {
            LoadError::Inconsistent(format!("no thread could be started for the line keys: {err}"))
        })
    }

    /// Records the sets made by [`Self::make_key_sets`]. Every key is new: the batch lookups left
    /// out the keys already stored, and a source without stored lines has none.
    async fn write_key_sets(
        raw_file_id: i64,
        db: &mut Writer<'_>,
        making: KeysMaking,
    ) -> Result<(), LoadError> {
        let all = tokio::task::spawn_blocking(move || making.join())
            .await
            .map_err(|e| LoadError::Inconsistent(format!("waiting for the line keys failed: {e}")))?
            .map_err(|_| LoadError::Inconsistent("making the line keys panicked".into()))?;
        for (source, sets) in all {
            let rows = sets.iter().map(|(bucket, set)| {
                [
                    Value::Text(source.as_str()),
                    Value::Int(bucket),
                    Value::Int(raw_file_id),
                    Value::BigEndian(set),
                ]
            });
            db.direct(|conn| {
                insert_rows(
                    conn,
                    "INSERT INTO statement_line_key_sets (source, bucket, raw_file_id, keys)",
                    "",
                    rows,
                )
            })
            .await?;
        }
        Ok(())
    }
}

/// The thread making a file's key sets, by source.
type KeysMaking = std::thread::JoinHandle<Vec<(SourceId, line_keys::KeySets)>>;

/// Occurrence numbers of identical lines in a file. Most lines are unique: a set of the
/// identities seen (8 bytes each) plus counts for the repeated few takes far less memory than a
/// count per identity.
#[derive(Default)]
struct Occurrences {
    seen: HashSet<u64, super::IntBuildHasher>,
    repeated: HashMap<u64, u32, super::IntBuildHasher>,
}

impl Occurrences {
    /// The occurrence number (from 1) of this identity among the lines so far.
    fn next(&mut self, identity: u64) -> u32 {
        if self.seen.insert(identity) {
            return 1;
        }
        let n = self.repeated.entry(identity).or_insert(1);
        *n += 1;
        *n
    }
}

/// The keys of a source's first lines, from their identities: the n-th of identical lines
/// has occurrence number n, whatever their order. A file whose source had no lines stored
/// needs no key before the end (none can be known already), and sorting the identities there
/// replaces a set of every identity, probed at a random place for each line: 19 MB and a
/// cache miss per line on a million-line statement.
fn keys_of_identities(mut identities: Vec<u64>) -> Vec<i64> {
    identities.sort_unstable();
    let mut last = None;
    let mut occurrence = 0u32;
    identities
        .into_iter()
        .map(|identity| {
            occurrence = if last == Some(identity) { occurrence.saturating_add(1) } else { 1 };
            last = Some(identity);
            line_key(identity, occurrence)
        })
        .collect()
}

/// Keeps the items whose flag is set (`flags` in the same order as `items`).
fn keep<T>(items: &mut Vec<T>, flags: &[bool]) {
    let mut flags = flags.iter();
    items.retain(|_| flags.next().copied().unwrap_or(false));
}

/// A line's key: its identity and its occurrence among identical lines of its file.
fn line_key(identity: u64, occurrence: u32) -> i64 {
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&identity.to_le_bytes());
    bytes[8..].copy_from_slice(&occurrence.to_le_bytes());
    i64::from_ne_bytes(xxhash_rust::xxh3::xxh3_64(&bytes).to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys made at the end from the identities are the keys the lines get one by one.
    #[test]
    fn keys_made_from_identities_equal_keys_made_line_by_line() {
        let identities = [7u64, 3, 7, 9, 7, 3, 1];
        let mut occurrences = Occurrences::default();
        let mut one_by_one: Vec<i64> =
            identities.iter().map(|&id| line_key(id, occurrences.next(id))).collect();
        let mut at_the_end = keys_of_identities(identities.to_vec());
        one_by_one.sort_unstable();
        at_the_end.sort_unstable();
        assert_eq!(at_the_end, one_by_one);
        // Identical lines are separate sales: seven lines, seven keys.
        at_the_end.dedup();
        assert_eq!(at_the_end.len(), identities.len());
    }
}
