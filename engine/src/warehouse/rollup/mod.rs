//! The revenue rollups (migrations 0004 and 0013): statement lines summed by month and store,
//! track, country, track and country, and store and country. Lines are only ever added (a known line is
//! skipped, never changed), so a file's rollup update is "add the lines this file inserted", in
//! its transaction.

use sqlx::SqliteConnection;

mod summing;

use summing::Summing;

use super::{
    LoadError,
    direct::{Value, insert_rows},
    money,
    writer::Writer,
};

/// Tables derived from `statement_lines`, emptied and refilled with it.
pub const ROLLUP_TABLES: &[&str] = &[
    "revenue_by_store",
    "revenue_by_track",
    "revenue_by_country",
    "revenue_by_track_country",
    "revenue_by_store_country",
];

/// The day whose exchange rate converts a line: its sale date (TooLost) or the first day of its
/// sale month. USD needs no rate, so its lines share one day per month (fewer rollup rows).
macro_rules! rate_day {
    () => {
        "CASE WHEN currency = 'USD' THEN sale_month * 100 + 1 ELSE COALESCE(sale_date, sale_month * 100 + 1) END"
    };
}
pub(crate) const RATE_DAY: &str = rate_day!();

/// (table, its grouping columns as stored, the same columns computed from a line).
const ROLLUPS: &[(&str, &str, &str)] = &[
    (
        "revenue_by_store",
        "sale_month, source, artist_id, store_id, currency, rate_day, reporting_date",
        concat!(
            "sale_month, source, COALESCE(artist_id, 0), store_id, currency, \
         ",
            rate_day!(),
            ", reporting_date"
        ),
    ),
    (
        "revenue_by_track",
        "sale_month, source, artist_id, store_id, track_id, currency, rate_day",
        concat!(
            "sale_month, source, COALESCE(artist_id, 0), store_id, COALESCE(track_id, 0), currency, \
         ",
            rate_day!(),
            ""
        ),
    ),
    (
        "revenue_by_country",
        "sale_month, source, artist_id, country, currency, rate_day",
        concat!("sale_month, source, COALESCE(artist_id, 0), COALESCE(country, ''), currency, ", rate_day!()),
    ),
    (
        "revenue_by_track_country",
        "track_id, sale_month, source, artist_id, country, currency, rate_day",
        concat!(
            "COALESCE(track_id, 0), sale_month, source, COALESCE(artist_id, 0), COALESCE(country, ''), currency, ",
            rate_day!(),
        ),
    ),
    (
        "revenue_by_store_country",
        "store_id, sale_month, source, artist_id, country, currency, rate_day",
        concat!(
            "store_id, sale_month, source, COALESCE(artist_id, 0), COALESCE(country, ''), currency, ",
            rate_day!(),
        ),
    ),
];

/// Adds the statement lines with an id above `after` to every rollup and to the line runs.
pub async fn add_lines_after(conn: &mut SqliteConnection, after: i64) -> Result<(), sqlx::Error> {
    super::line_runs::add_lines_after(conn, after).await?;
    sum_lines(conn, &format!("id > {after}"), 1).await
}

/// Which lines [`move_lines`] moves between rollup groups: the ids in this temporary table.
pub const MOVED_LINES: &str = "temp.rollup_moved_lines";

/// Takes the lines whose ids are in [`MOVED_LINES`] out of the rollups (`sign` -1) or puts them
/// in (`sign` 1), under the groups their columns give now: around a change of those lines'
/// artist, the rollups change by those lines alone instead of being summed again from every line
/// (minutes at ten million lines). Their runs by track do not depend on the artist.
pub async fn move_lines(conn: &mut SqliteConnection, sign: i64) -> Result<(), sqlx::Error> {
    sum_lines(conn, &format!("id IN (SELECT id FROM {MOVED_LINES})"), sign).await?;
    if sign < 0 {
        for table in ROLLUP_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE lines = 0")).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Adds `sign` × the sums of the lines matching `lines` (a condition on `statement_lines` made
/// here) to every rollup.
async fn sum_lines(conn: &mut SqliteConnection, lines: &str, sign: i64) -> Result<(), sqlx::Error> {
    for (table, keys, from_line) in ROLLUPS {
        // The picos are summed in two parts (see `money::SQL_PICO_SUMS`) and carried: M
        // millions of picos and R picos are M / 1e6 units and (M % 1e6) × 1e6 + R picos.
        let (millions, rest) = ("SUM(earnings_pico / 1000000)", "SUM(earnings_pico % 1000000)");
        let picos = format!("(({millions} % 1000000) * 1000000 + {rest})");
        // Negative sums (lines taken out) carry like positive ones: a row's value is
        // `whole + pico × 1e-12` whatever their signs (see `money::SQL_CARRY`).
        let sql = format!(
            "INSERT INTO {table} ({keys}, earnings_whole, earnings_pico, rest_lines, quantity, lines) \
             SELECT {from_line}, {sign} * (SUM(earnings_whole) + {millions} / 1000000 + {picos} / 1000000000000), \
             {sign} * ({picos} % 1000000000000), {sign} * COUNT(earnings_rest), {sign} * SUM(quantity), \
             {sign} * COUNT(*) FROM statement_lines WHERE {lines} GROUP BY {from_line} \
             ON CONFLICT ({keys}) DO UPDATE SET {}, rest_lines = rest_lines + excluded.rest_lines, \
             quantity = quantity + excluded.quantity, lines = lines + excluded.lines",
            money::SQL_CARRY
        );
        sqlx::query(&sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Recomputes every rollup and the line runs from the lines (a database whose lines predate the
/// rollups).
pub async fn refresh_all(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    for table in ROLLUP_TABLES.iter().chain([&super::line_runs::TABLE]) {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *conn).await?;
    }
    add_lines_after(conn, 0).await
}

/// Whether lines exist that the rollups have not seen (only after upgrading a database).
pub async fn needs_refresh(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    super::derived_is_missing(conn, "statement_lines", "revenue_by_store").await
}

/// A rollup row's grouping columns, each interned per load as an index (a file has a few
/// hundred distinct values of each). Columns a rollup does not group by are 0. In memory a key
/// is packed into 128 bits ([`pack`]): every line updates a group of each rollup, at a random
/// place in maps of hundreds of thousands of groups, so the smaller the entry the fewer cache
/// misses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Key {
    track_id: u32,
    sale_month: u32,
    source: u32,
    artist_id: u32,
    store_id: u32,
    country: u32,
    currency: u32,
    rate_day: u32,
    reporting_date: u32,
}

/// A grouping column, and the bits its index takes in a packed key.
#[derive(Clone, Copy)]
enum Field {
    Track,
    Month,
    Source,
    Artist,
    Store,
    Country,
    Currency,
    RateDay,
    Reporting,
}

/// Distinct ids, months and days of one file (together), countries, currencies and sources that
/// a packed key can tell apart: far beyond any statement, and checked when a value is interned.
const MAX_INTS: usize = 1 << 21;
const MAX_COUNTRIES: usize = 1 << 10;
const MAX_CURRENCIES: usize = 1 << 8;
const MAX_SOURCES: usize = 1 << 4;

impl Field {
    fn bits(self) -> u32 {
        let max = match self {
            Field::Source => MAX_SOURCES,
            Field::Currency => MAX_CURRENCIES,
            Field::Country => MAX_COUNTRIES,
            _ => MAX_INTS,
        };
        max.trailing_zeros()
    }

    fn get(self, k: &Key) -> u32 {
        match self {
            Field::Track => k.track_id,
            Field::Month => k.sale_month,
            Field::Source => k.source,
            Field::Artist => k.artist_id,
            Field::Store => k.store_id,
            Field::Country => k.country,
            Field::Currency => k.currency,
            Field::RateDay => k.rate_day,
            Field::Reporting => k.reporting_date,
        }
    }

    /// Whether the column is one of the interned ids, months and days.
    fn is_int(self) -> bool {
        !matches!(self, Field::Source | Field::Country | Field::Currency)
    }

    fn set(self, k: &mut Key, v: u32) {
        *match self {
            Field::Track => &mut k.track_id,
            Field::Month => &mut k.sale_month,
            Field::Source => &mut k.source,
            Field::Artist => &mut k.artist_id,
            Field::Store => &mut k.store_id,
            Field::Country => &mut k.country,
            Field::Currency => &mut k.currency,
            Field::RateDay => &mut k.rate_day,
            Field::Reporting => &mut k.reporting_date,
        } = v;
    }
}

/// The grouping columns of each rollup (as in `ROLLUPS`): at most 128 bits.
const FIELDS: [&[Field]; ROLLUPS.len()] = {
    use Field::*;
    [
        &[Month, Source, Artist, Store, Currency, RateDay, Reporting],
        &[Month, Source, Artist, Store, Track, Currency, RateDay],
        &[Month, Source, Artist, Country, Currency, RateDay],
        &[Track, Month, Source, Artist, Country, Currency, RateDay],
        &[Store, Month, Source, Artist, Country, Currency, RateDay],
    ]
};

fn pack(rollup: usize, k: &Key) -> u128 {
    FIELDS[rollup].iter().fold(0u128, |acc, f| (acc << f.bits()) | u128::from(f.get(k)))
}

fn unpack(rollup: usize, mut packed: u128) -> Key {
    let mut k = Key::default();
    for f in FIELDS[rollup].iter().rev() {
        let mask = (1u128 << f.bits()) - 1;
        f.set(&mut k, u32::try_from(packed & mask).unwrap_or_default());
        packed >>= f.bits();
    }
    k
}

/// A group's sums: 32 bytes, the other half of a map entry.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    earnings_whole: i64,
    earnings_pico: i64,
    quantity: i64,
    rest_lines: u32,
    lines: u32,
}

impl Sums {
    /// Adds `other`; whole units carry out of the picos, so that they stay under 1e12 in size
    /// and the tables' sums never overflow (see `money::SQL_CARRY`).
    fn add(&mut self, other: &Sums) -> Option<()> {
        self.earnings_whole = self.earnings_whole.checked_add(other.earnings_whole)?;
        self.earnings_pico = self.earnings_pico.checked_add(other.earnings_pico)?;
        // Rarely taken: both were under 1e12 in size, so one unit at most carries.
        if self.earnings_pico.unsigned_abs() >= money::PICO.unsigned_abs() {
            (self.earnings_whole, self.earnings_pico) =
                money::carry(self.earnings_whole, self.earnings_pico)?;
        }
        self.rest_lines = self.rest_lines.checked_add(other.rest_lines)?;
        self.quantity = self.quantity.checked_add(other.quantity)?;
        self.lines = self.lines.checked_add(other.lines)?;
        Some(())
    }
}

/// One inserted statement line, as the rollups see it.
pub struct LineFigures<'a> {
    pub source: model::SourceId,
    pub sale_month: i64,
    pub sale_date: Option<i64>,
    pub reporting_date: i64,
    pub artist_id: Option<i64>,
    pub store_id: i64,
    pub track_id: Option<i64>,
    pub country: Option<&'a str>,
    pub currency: &'a str,
    pub quantity: i64,
    pub split: super::money::Split,
}

/// A line's rollup groups and figures.
pub struct Prepared {
    keys: [u128; ROLLUPS.len()],
    /// The line's track among the file's tracks: which of a by-track rollup's maps it goes to.
    track: u32,
    sums: Sums,
}

/// The rollups keyed by track: theirs are the large maps (every track by month and by store or
/// territory, some 200,000 groups each on the million-line benchmark).
const BY_TRACK: [bool; ROLLUPS.len()] = {
    let mut by_track = [false; ROLLUPS.len()];
    let mut i = 0;
    while i < ROLLUPS.len() {
        let mut j = 0;
        while j < FIELDS[i].len() {
            by_track[i] |= matches!(FIELDS[i][j], Field::Track);
            j += 1;
        }
        i += 1;
    }
    by_track
};

/// Maps of a rollup keyed by track: a track's groups all lie in map `track % TRACK_SHARDS`. (One
/// map per track peaked 5–10 MB higher on the benchmark: each of 400 maps grew through every
/// size on its own, leaving blocks too small to use again.)
const TRACK_SHARDS: usize = 64;

/// One rollup's groups in memory: in [`TRACK_SHARDS`] maps by track for the rollups keyed by
/// track, in one map for the others. The loader takes a statement's lines in chunks sorted by
/// track, so a run of lines updates one small map, whose control bytes and pages stay in the
/// processor's caches and TLB; in one map of 200,000 groups every line cost several misses, and
/// adding lines to the rollups took a second per million lines (now about two thirds of that:
/// the first touch of each group remains).
#[derive(Default)]
struct Groups {
    maps: Vec<std::collections::HashMap<u128, Sums, super::IntBuildHasher>>,
    len: usize,
}

impl Groups {
    fn add(&mut self, part: usize, key: u128, sums: &Sums) -> Option<()> {
        if self.maps.len() <= part {
            self.maps.resize_with(part + 1, Default::default);
        }
        let map = self.maps.get_mut(part)?;
        match map.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().add(sums),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(*sums);
                self.len += 1;
                Some(())
            }
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Every group, leaving none (and the maps' memory freed).
    fn take(&mut self) -> impl Iterator<Item = (u128, Sums)> {
        self.len = 0;
        std::mem::take(&mut self.maps).into_iter().flatten()
    }
}

/// Groups held in memory, all rollups together, before the largest rollup is written out:
/// bounds the memory of a file whose lines rarely share a group (some 30 MB; every write
/// upserts into the rollup table, so the result is the same whatever the bound).
/// 450,000 holds every group of the 1M-line benchmark (423,000, of which 173,000 by track and
/// store and 230,000 by track and territory). A bound of 200,000 per rollup wrote the territory
/// one out in the middle of the file and again at its end: 400,000 upserts instead of 230,000.
const MAX_GROUPS: usize = 450_000;
/// Groups upserted per use of the connection (see `direct`): as many as a rollup has, since each
/// use prepares its statements again (a 500-row INSERT of 12 columns is 6,000 parameters to parse).
const GROUPS_PER_CALL: usize = MAX_GROUPS;

/// The four rollups of the lines a load inserts, summed in memory by group and upserted into
/// the rollup tables (the same sums `add_lines_after` computes in SQL, without reading the
/// lines back: on a million-line file that read and its sorts took 20 s).
pub struct Accumulator {
    currencies: Vec<String>,
    /// Index 0 is "no country" (stored as '').
    countries: Vec<String>,
    /// Countries by name: a statement may name two hundred, too many to search in a list per line.
    country_index: std::collections::HashMap<String, u32, super::IntBuildHasher>,
    sources: Vec<model::SourceId>,
    /// Ids, months and days, by their index in `Key`.
    ints: Vec<i64>,
    int_index: std::collections::HashMap<i64, u32, super::IntBuildHasher>,
    /// Tracks by id, numbered in the order met (which picks a by-track rollup's map).
    track_index: std::collections::HashMap<i64, u32, super::IntBuildHasher>,
    /// The thread that sums the groups (started with the first lines).
    summing: Option<Summing>,
    max_groups: usize,
    /// The rollups some of whose groups were written out already by this load.
    written: [bool; ROLLUPS.len()],
    /// Whether the tables held no group of this load's sources when it started, so that a
    /// rollup not written out before needs no upsert (a plain INSERT is a fifth cheaper).
    first_of_sources: bool,
}

impl Default for Accumulator {
    fn default() -> Self {
        Self {
            currencies: Vec::new(),
            countries: Vec::new(),
            country_index: Default::default(),
            sources: Vec::new(),
            ints: Vec::new(),
            int_index: Default::default(),
            track_index: Default::default(),
            summing: None,
            max_groups: MAX_GROUPS,
            written: [false; ROLLUPS.len()],
            first_of_sources: false,
        }
    }
}

impl Accumulator {
    /// The index of `value` in a short list (a file has a handful of currencies and sources),
    /// added when new.
    fn intern<T: ?Sized + PartialEq + ToOwned>(list: &mut Vec<T::Owned>, value: &T) -> u32
    where
        T::Owned: std::borrow::Borrow<T>,
    {
        use std::borrow::Borrow;
        let at = list.iter().position(|v| v.borrow() == value).unwrap_or_else(|| {
            list.push(value.to_owned());
            list.len() - 1
        });
        u32::try_from(at).unwrap_or(u32::MAX)
    }

    fn int(&mut self, value: i64) -> u32 {
        *self.int_index.entry(value).or_insert_with(|| {
            self.ints.push(value);
            u32::try_from(self.ints.len() - 1).unwrap_or(u32::MAX)
        })
    }

    /// A line's groups in the four rollups and its figures, ready for [`Accumulator::add`].
    pub fn prepare(&mut self, line: &LineFigures<'_>) -> Result<Prepared, LoadError> {
        if self.countries.is_empty() {
            self.countries.push(String::new());
        }
        let currency = Self::intern(&mut self.currencies, line.currency);
        let country = match line.country {
            Some(c) if !c.is_empty() => match self.country_index.get(c) {
                Some(&i) => i,
                None => {
                    let i = Self::intern(&mut self.countries, c);
                    self.country_index.insert(c.to_string(), i);
                    i
                }
            },
            _ => 0,
        };
        let source = Self::intern(&mut self.sources, &line.source);
        let rate_day = if line.currency == "USD" {
            line.sale_month * 100 + 1
        } else {
            line.sale_date.unwrap_or(line.sale_month * 100 + 1)
        };
        let common = Key {
            sale_month: self.int(line.sale_month),
            source,
            artist_id: self.int(line.artist_id.unwrap_or(0)),
            currency,
            rate_day: self.int(rate_day),
            ..Key::default()
        };
        let track_id = self.int(line.track_id.unwrap_or(0));
        let store_id = self.int(line.store_id);
        let reporting_date = self.int(line.reporting_date);
        if self.ints.len() > MAX_INTS
            || self.countries.len() > MAX_COUNTRIES
            || self.currencies.len() > MAX_CURRENCIES
            || self.sources.len() > MAX_SOURCES
        {
            return Err(LoadError::TooLarge(format!(
                "one file may hold at most {MAX_INTS} distinct ids and dates, {MAX_COUNTRIES} countries and \
                 {MAX_CURRENCIES} currencies"
            )));
        }
        let keys = [
            pack(0, &Key { store_id, reporting_date, ..common }),
            pack(1, &Key { store_id, track_id, ..common }),
            pack(2, &Key { country, ..common }),
            pack(3, &Key { track_id, country, ..common }),
            pack(4, &Key { store_id, country, ..common }),
        ];
        let sums = Sums {
            earnings_whole: line.split.whole,
            earnings_pico: line.split.pico,
            rest_lines: u32::from(line.split.rest.is_some()),
            quantity: line.quantity,
            lines: 1,
        };
        let tracks = self.track_index.len();
        let track = *self
            .track_index
            .entry(line.track_id.unwrap_or(0))
            .or_insert_with(|| u32::try_from(tracks).unwrap_or(u32::MAX));
        Ok(Prepared { keys, track, sums })
    }

    /// Hands prepared lines to the summing thread, and returns an empty buffer for the next
    /// ones; [`Accumulator::write_full`] then writes out the rollups that thread found too big.
    pub fn add(&mut self, lines: Vec<Prepared>) -> Result<Vec<Prepared>, LoadError> {
        let summing = match &mut self.summing {
            Some(summing) => summing,
            None => self.summing.insert(Summing::start(self.max_groups)?),
        };
        if summing.lines.send(lines).is_err() {
            // The thread stopped: its error says why.
            return Err(self.summing.take().map_or_else(Summing::lost, Summing::stopped));
        }
        Ok(summing.spare.try_recv().unwrap_or_default())
    }

    /// Writes out the rollups that held too many groups, if any did.
    pub(super) async fn write_full(&mut self, db: &mut Writer<'_>) -> Result<(), LoadError> {
        loop {
            let Some(Ok((rollup, groups))) = self.summing.as_ref().map(|s| s.full.try_recv()) else {
                return Ok(());
            };
            self.flush(db, rollup, groups).await?;
        }
    }

    /// Writes every group. The summing thread unpacks and sorts each rollup's groups while the
    /// loader writes the rollup before (the sorts were a tenth of the import's last, one-core
    /// part).
    /// `first_of_sources`: no line of this load's sources was stored before it.
    pub(super) async fn finish(
        &mut self,
        db: &mut Writer<'_>,
        first_of_sources: bool,
    ) -> Result<(), LoadError> {
        self.first_of_sources = first_of_sources;
        let Some(summing) = self.summing.take() else { return Ok(()) };
        let Summing { lines, finish, full, thread, .. } = summing;
        let (out, mut sorted) = tokio::sync::mpsc::channel(1);
        let (taken, next) = std::sync::mpsc::channel();
        // The thread is still summing: it reads this once the last lines are added.
        let order = std::sync::Arc::new(IntOrder::of(&self.ints));
        let _ = finish.send(summing::Finish { order: order.clone(), sorted: out, next });
        drop(lines);
        while let Some((rollup, groups)) = sorted.recv().await {
            let _ = taken.send(());
            self.write(db, rollup, groups, &order).await?;
        }
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(|e| LoadError::Rollup(format!("waiting for its thread failed: {e}")))?
            .map_err(|_| LoadError::Rollup("its thread panicked".into()))??;
        // Groups the thread took out because all held too many, after the loader's last look.
        let early: Vec<(usize, Groups)> = full.try_iter().collect();
        for (rollup, groups) in early {
            self.flush(db, rollup, groups).await?;
        }
        Ok(())
    }

    /// Sorts and upserts one rollup's groups.
    async fn flush(&mut self, db: &mut Writer<'_>, rollup: usize, held: Groups) -> Result<(), LoadError> {
        let order = IntOrder::of(&self.ints);
        let groups = sorted(rollup, held, &order);
        self.write(db, rollup, groups, &order).await
    }

    /// Upserts one rollup's groups, sorted (see [`sorted`]), a part at a time.
    async fn write(
        &mut self,
        db: &mut Writer<'_>,
        rollup: usize,
        groups: Vec<(u128, Sums)>,
        order: &IntOrder,
    ) -> Result<(), LoadError> {
        let (table, keys, _) = ROLLUPS[rollup];
        let int = |rank: u32| order.value(rank);
        // The first column of the two territory rollups keyed by track or by store.
        let by_track_or_store = |k: &Key| if rollup == 3 { k.track_id } else { k.store_id };
        let head = format!(
            "INSERT INTO {table} ({keys}, earnings_whole, earnings_pico, rest_lines, quantity, lines)"
        );
        // A group already in the table could only come from an earlier load of the same source
        // or from this load's writing out: without either, every group is new (and one that is
        // not fails the file rather than being counted twice).
        let upsert = !self.first_of_sources || self.written[rollup];
        self.written[rollup] = true;
        let tail = if upsert {
            format!(
                " ON CONFLICT ({keys}) DO UPDATE SET {}, rest_lines = rest_lines + excluded.rest_lines, \
                 quantity = quantity + excluded.quantity, lines = lines + excluded.lines",
                money::SQL_CARRY
            )
        } else {
            String::new()
        };
        let int = |i: u32| Value::Int(int(i));
        let source = |k: &Key| Value::Text(self.sources.get(k.source as usize).map_or("", |s| s.as_str()));
        let currency =
            |k: &Key| Value::Text(self.currencies.get(k.currency as usize).map_or("", String::as_str));
        let country =
            |k: &Key| Value::Text(self.countries.get(k.country as usize).map_or("", String::as_str));
        // In parts, so that the loader's thread is never held for long at a time.
        for chunk in groups.chunks(GROUPS_PER_CALL) {
            // The columns of each table's `keys`, in order, then the sums.
            db.direct(|conn| match rollup {
                0 => insert_rows(
                    conn,
                    &head,
                    &tail,
                    chunk.iter().map(|(packed, s)| {
                        let k = &unpack(rollup, *packed);
                        let keys = [
                            int(k.sale_month),
                            source(k),
                            int(k.artist_id),
                            int(k.store_id),
                            currency(k),
                            int(k.rate_day),
                            int(k.reporting_date),
                        ];
                        row::<7, 12>(keys, s)
                    }),
                ),
                1 => insert_rows(
                    conn,
                    &head,
                    &tail,
                    chunk.iter().map(|(packed, s)| {
                        let k = &unpack(rollup, *packed);
                        let keys = [
                            int(k.sale_month),
                            source(k),
                            int(k.artist_id),
                            int(k.store_id),
                            int(k.track_id),
                            currency(k),
                            int(k.rate_day),
                        ];
                        row::<7, 12>(keys, s)
                    }),
                ),
                2 => insert_rows(
                    conn,
                    &head,
                    &tail,
                    chunk.iter().map(|(packed, s)| {
                        let k = &unpack(rollup, *packed);
                        let keys = [
                            int(k.sale_month),
                            source(k),
                            int(k.artist_id),
                            country(k),
                            currency(k),
                            int(k.rate_day),
                        ];
                        row::<6, 11>(keys, s)
                    }),
                ),
                // By track, or by store, then territory: the same columns after the first.
                _ => insert_rows(
                    conn,
                    &head,
                    &tail,
                    chunk.iter().map(|(packed, s)| {
                        let k = &unpack(rollup, *packed);
                        let keys = [
                            int(by_track_or_store(k)),
                            int(k.sale_month),
                            source(k),
                            int(k.artist_id),
                            country(k),
                            currency(k),
                            int(k.rate_day),
                        ];
                        row::<7, 12>(keys, s)
                    }),
                ),
            })
            .await?;
        }
        Ok(())
    }
}

/// The load's interned ids, months and days in value order. A rollup's groups are sorted with
/// these in place of the interned ones, so that a packed key's order is the table's primary-key
/// order (the interned source, currency and country aside) and sorting compares one number.
pub(super) struct IntOrder {
    /// By interned index, its rank.
    rank: Vec<u32>,
    /// By rank, the value.
    value: Vec<i64>,
}

impl IntOrder {
    fn of(ints: &[i64]) -> Self {
        let mut by_value: Vec<usize> = (0..ints.len()).collect();
        by_value.sort_unstable_by_key(|&i| ints.get(i).copied().unwrap_or(0));
        let mut rank = vec![0u32; ints.len()];
        for (r, &i) in by_value.iter().enumerate() {
            if let Some(slot) = rank.get_mut(i) {
                *slot = u32::try_from(r).unwrap_or(u32::MAX);
            }
        }
        let value = by_value.iter().map(|&i| ints.get(i).copied().unwrap_or(0)).collect();
        Self { rank, value }
    }

    fn value(&self, rank: u32) -> i64 {
        self.value.get(rank as usize).copied().unwrap_or(0)
    }

    /// A packed key with ranks in place of interned ints.
    fn ranked(&self, rollup: usize, packed: u128) -> u128 {
        let mut k = unpack(rollup, packed);
        for f in FIELDS[rollup].iter().filter(|f| f.is_int()) {
            let rank = self.rank.get(f.get(&k) as usize).copied().unwrap_or(0);
            f.set(&mut k, rank);
        }
        pack(rollup, &k)
    }
}

/// One rollup's groups, their keys ranked ([`IntOrder`]), in primary-key order, so the upserts
/// walk the table's B-tree from left to right. 48 bytes a group: about what its map took.
fn sorted(rollup: usize, mut held: Groups, order: &IntOrder) -> Vec<(u128, Sums)> {
    // Sized first: collected from the maps, the vector grew by doubling, and its last
    // reallocation held both copies at once (28 MB for the territory rollup of the 1M-line
    // benchmark, at the import's peak of memory).
    let mut groups: Vec<(u128, Sums)> = Vec::with_capacity(held.len());
    groups.extend(held.take().map(|(packed, sums)| (order.ranked(rollup, packed), sums)));
    groups.sort_unstable_by_key(|(k, _)| *k);
    groups
}

/// A rollup row: its `K` key columns, then the five sums (`N` is `K` + 5).
fn row<'a, const K: usize, const N: usize>(keys: [Value<'a>; K], s: &Sums) -> [Value<'a>; N] {
    const { assert!(N == K + 5) };
    let sums = [
        Value::Int(s.earnings_whole),
        Value::Int(s.earnings_pico),
        Value::Int(i64::from(s.rest_lines)),
        Value::Int(s.quantity),
        Value::Int(i64::from(s.lines)),
    ];
    std::array::from_fn(|i| if i < K { keys[i] } else { sums[i - K] })
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    async fn snapshot(conn: &mut SqliteConnection) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (table, keys, _) in ROLLUPS {
            let row = format!(
                "{} || '/' || earnings_whole || '/' || earnings_pico || '/' || rest_lines || '/' || quantity || '/' || lines",
                keys.replace(", ", " || '/' || ")
            );
            let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row} FROM {table} ORDER BY 1"))
                .fetch_all(&mut *conn)
                .await
                .expect("rollup");
            out.push(rows);
        }
        out
    }

    /// Sorted groups follow the table's key order by value, not the order values were met in.
    #[test]
    fn groups_come_in_the_tables_key_order_whatever_order_values_were_met() {
        // Interned as met: months 2025-03, 2025-01, 2025-02, then stores 9 and 2.
        let ints = [202503, 202501, 202502, 9, 2];
        let order = IntOrder::of(&ints);
        let mut held = Groups::default();
        for (month, store) in [(0, 3), (1, 3), (2, 4), (1, 4), (0, 4)] {
            let key = Key { sale_month: month, store_id: store, ..Key::default() };
            held.add(0, pack(0, &key), &Sums { lines: 1, ..Sums::default() }).expect("add");
        }
        let rows: Vec<(i64, i64)> = sorted(0, held, &order)
            .into_iter()
            .map(|(packed, _)| {
                let k = unpack(0, packed);
                (order.value(k.sale_month), order.value(k.store_id))
            })
            .collect();
        assert_eq!(rows, [(202501, 2), (202501, 9), (202502, 2), (202503, 2), (202503, 9)]);
    }

    #[test]
    fn packed_keys_keep_every_column_up_to_its_limit() {
        for (rollup, fields) in FIELDS.iter().enumerate() {
            let bits: u32 = fields.iter().map(|f| f.bits()).sum();
            assert!(bits <= 128, "rollup {rollup} needs {bits} bits");
            for fill in [0u32, 1, u32::MAX] {
                let mut key = Key::default();
                for f in *fields {
                    f.set(&mut key, fill & ((1 << f.bits()) - 1));
                }
                assert_eq!(unpack(rollup, pack(rollup, &key)), key);
            }
            // Each column lands in its own bits.
            for (i, f) in fields.iter().enumerate() {
                let mut key = Key::default();
                f.set(&mut key, (1 << f.bits()) - 1);
                let round = unpack(rollup, pack(rollup, &key));
                for (j, g) in fields.iter().enumerate() {
                    assert_eq!(g.get(&round), if i == j { (1 << g.bits()) - 1 } else { 0 });
                }
            }
        }
    }

    /// However often the groups are written out, the rollups hold the same sums.
    #[tokio::test]
    async fn writing_groups_out_early_gives_the_same_rollups() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::Database::open(&dir.path().join("t.db")).await.expect("open");
        let mut conn = db.pool().acquire().await.expect("conn");
        let countries = [Some("US"), None, Some("DE"), Some("")];
        let amounts: Vec<Decimal> = ["0.25", "-1.000000000001", "3", "0.0000000000015", "12.5"]
            .iter()
            .map(|a| Decimal::from_str_exact(a).expect("decimal"))
            .collect();
        let lines: Vec<LineFigures<'_>> = (0..60i64)
            .map(|i| {
                let eur = i % 7 == 0;
                LineFigures {
                    source: if i % 5 == 0 { model::SourceId::Toolost } else { model::SourceId::Distrokid },
                    sale_month: 202501 + i % 3,
                    sale_date: eur.then_some(20250110 + i % 3),
                    reporting_date: 20250301 + i % 2,
                    artist_id: (i % 4 != 0).then_some(1 + i % 2),
                    store_id: 1 + i % 2,
                    track_id: (i % 6 != 0).then_some(1 + i % 3),
                    country: countries[(i % 4) as usize],
                    currency: if eur { "EUR" } else { "USD" },
                    quantity: i,
                    split: super::super::money::split(amounts[(i % 5) as usize]),
                }
            })
            .collect();
        let mut seen = Vec::new();
        for max_groups in [MAX_GROUPS, 1, 4] {
            for table in ROLLUP_TABLES {
                sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *conn).await.expect("delete");
            }
            let mut acc = Accumulator { max_groups, ..Accumulator::default() };
            let mut db = Writer::new(&mut conn);
            for line in &lines {
                let prepared = acc.prepare(line).expect("prepare");
                acc.add(vec![prepared]).expect("add");
                acc.write_full(&mut db).await.expect("write");
            }
            // The tables start empty: written out or not, a group is stored once.
            acc.finish(&mut db, true).await.expect("finish");
            db.conn().await.expect("the last upsert");
            drop(db);
            seen.push(snapshot(&mut conn).await);
        }
        assert!(seen[0].iter().all(|rows| rows.len() > 1));
        assert_eq!(seen[0], seen[1]);
        assert_eq!(seen[0], seen[2]);
    }
}
