//! The revenue rollups (migrations 0004 and 0012): statement lines summed by month and store,
//! track, store × country, and track × country. Lines are only ever added (a known line is skipped, never
//! changed), so a file's rollup update is "add the lines this file inserted", in its transaction.

use sqlx::SqliteConnection;

use super::{
    LoadError,
    batch::{Cell, insert},
    writer::Writer,
};

/// Tables derived from `statement_lines`, emptied and refilled with it.
pub const ROLLUP_TABLES: &[&str] =
    &["revenue_by_store", "revenue_by_track", "revenue_by_country", "revenue_by_track_country"];

/// The day whose exchange rate converts a line: its sale date (TooLost) or the first day of its
/// sale month. USD needs no rate, so its lines share one day per month (fewer rollup rows).
macro_rules! rate_day {
    () => {
        "CASE WHEN currency = 'USD' THEN sale_month * 100 + 1 ELSE COALESCE(sale_date, sale_month * 100 + 1) END"
    };
}
pub(crate) use rate_day;
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
        "sale_month, source, artist_id, store_id, country, currency, rate_day",
        concat!(
            "sale_month, source, COALESCE(artist_id, 0), store_id, COALESCE(country, ''), currency, ",
            rate_day!(),
        ),
    ),
    (
        "revenue_by_track_country",
        "track_id, sale_month, source, artist_id, country, currency, rate_day",
        concat!(
            "COALESCE(track_id, 0), sale_month, source, COALESCE(artist_id, 0), COALESCE(country, ''), currency, ",
            rate_day!(),
        ),
    ),
];

/// Adds the statement lines with an id above `after` to every rollup.
pub async fn add_lines_after(conn: &mut SqliteConnection, after: i64) -> Result<(), sqlx::Error> {
    for (table, keys, from_line) in ROLLUPS {
        let sql = format!(
            "INSERT INTO {table} ({keys}, earnings_whole, earnings_pico, rest_lines, quantity, lines) \
             SELECT {from_line}, SUM(earnings_whole), SUM(earnings_pico), COUNT(earnings_rest), SUM(quantity), \
             COUNT(*) FROM statement_lines WHERE id > ?1 GROUP BY {from_line} \
             ON CONFLICT ({keys}) DO UPDATE SET earnings_whole = earnings_whole + excluded.earnings_whole, \
             earnings_pico = earnings_pico + excluded.earnings_pico, rest_lines = rest_lines + excluded.rest_lines, \
             quantity = quantity + excluded.quantity, lines = lines + excluded.lines"
        );
        sqlx::query(&sql).bind(after).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Recomputes every rollup from the lines (a database whose lines predate the rollups).
pub async fn refresh_all(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    for table in ROLLUP_TABLES {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *conn).await?;
    }
    add_lines_after(conn, 0).await
}

/// Whether lines exist that the rollups have not seen (only after upgrading a database).
pub async fn needs_refresh(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let (in_lines, in_rollup): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM statement_lines LIMIT 1)), \
                (SELECT COUNT(*) FROM (SELECT 1 FROM revenue_by_store LIMIT 1))",
    )
    .fetch_one(conn)
    .await?;
    Ok(in_lines > 0 && in_rollup == 0)
}

/// A rollup row's grouping columns, each interned per load as a 32-bit index (a file has a few
/// hundred distinct values of each): half the size of the values themselves, so twice as many
/// groups fit in the same memory before they must be written out. Columns a rollup does not
/// group by are 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
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

#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    earnings_whole: i64,
    earnings_pico: i64,
    rest_lines: i64,
    quantity: i64,
    lines: i64,
}

impl Sums {
    fn add(&mut self, other: &Sums) -> Option<()> {
        self.earnings_whole = self.earnings_whole.checked_add(other.earnings_whole)?;
        self.earnings_pico = self.earnings_pico.checked_add(other.earnings_pico)?;
        self.rest_lines += other.rest_lines;
        self.quantity = self.quantity.checked_add(other.quantity)?;
        self.lines += other.lines;
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
    keys: [Key; 4],
    sums: Sums,
}

/// Groups held in memory per rollup before they are written: bounds the memory of a file whose
/// lines rarely share a group (every flush upserts into the rollup table, so the result is the
/// same whatever the bound).
/// 200,000 holds every group of `revenue_by_track` on the 1M-line benchmark (173,000): at
/// 100,000 it was written out seven times, 677,000 upserts instead of 172,000.
const MAX_GROUPS: usize = 200_000;
/// Rows per upsert: 13 bound values each at most.
const FLUSH_ROWS: usize = 1_000;

/// The four rollups of the lines a load inserts, summed in memory by group and upserted into
/// the rollup tables (the same sums `add_lines_after` computes in SQL, without reading the
/// lines back: on a million-line file that read and its sorts took 20 s).
pub struct Accumulator {
    currencies: Vec<String>,
    /// Index 0 is "no country" (stored as '').
    countries: Vec<String>,
    sources: Vec<model::SourceId>,
    /// Ids, months and days, by their index in `Key`.
    ints: Vec<i64>,
    int_index: std::collections::HashMap<i64, u32, super::IntBuildHasher>,
    groups: [std::collections::HashMap<Key, Sums, super::IntBuildHasher>; 4],
    max_groups: usize,
}

impl Default for Accumulator {
    fn default() -> Self {
        Self {
            currencies: Vec::new(),
            countries: Vec::new(),
            sources: Vec::new(),
            ints: Vec::new(),
            int_index: Default::default(),
            groups: Default::default(),
            max_groups: MAX_GROUPS,
        }
    }
}

impl Accumulator {
    /// The index of `value` in a short list (a file has a handful of currencies and a few
    /// hundred countries at most), added when new.
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
    pub fn prepare(&mut self, line: &LineFigures<'_>) -> Prepared {
        if self.countries.is_empty() {
            self.countries.push(String::new());
        }
        let currency = Self::intern(&mut self.currencies, line.currency);
        let country = match line.country {
            Some(c) if !c.is_empty() => Self::intern(&mut self.countries, c),
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
        let keys = [
            Key { store_id, reporting_date, ..common },
            Key { store_id, track_id, ..common },
            Key { store_id, country, ..common },
            Key { track_id, country, ..common },
        ];
        let sums = Sums {
            earnings_whole: line.split.whole,
            earnings_pico: line.split.pico,
            rest_lines: i64::from(line.split.rest.is_some()),
            quantity: line.quantity,
            lines: 1,
        };
        Prepared { keys, sums }
    }

    /// Adds prepared lines to the groups in memory (no database work, so it can run while a
    /// statement does); [`Accumulator::write_full`] then writes out the rollups grown too big.
    pub fn add(&mut self, lines: Vec<Prepared>) -> Result<(), sqlx::Error> {
        for line in lines {
            for (groups, key) in self.groups.iter_mut().zip(line.keys) {
                groups
                    .entry(key)
                    .or_default()
                    .add(&line.sums)
                    .ok_or_else(|| sqlx::Error::Protocol("integer overflow in a revenue rollup".into()))?;
            }
        }
        Ok(())
    }

    /// Writes out every rollup holding its maximum of groups or more.
    pub(super) async fn write_full(&mut self, db: &mut Writer<'_>) -> Result<(), LoadError> {
        for i in 0..self.groups.len() {
            if self.groups[i].len() >= self.max_groups {
                self.flush(db, i).await?;
            }
        }
        Ok(())
    }

    /// Writes every group still in memory.
    pub(super) async fn finish(&mut self, db: &mut Writer<'_>) -> Result<(), LoadError> {
        for i in 0..self.groups.len() {
            self.flush(db, i).await?;
        }
        Ok(())
    }

    /// Upserts one rollup's groups, each chunk built while SQLite writes the one before.
    async fn flush(&mut self, db: &mut Writer<'_>, rollup: usize) -> Result<(), LoadError> {
        let (table, keys, _) = ROLLUPS[rollup];
        let mut groups: Vec<(Key, Sums)> = self.groups[rollup].drain().collect();
        self.groups[rollup].shrink_to_fit();
        // In primary-key order (the interned source, currency and country aside), so the upserts
        // walk the table's B-tree from left to right.
        let int = |i: u32| self.ints.get(i as usize).copied().unwrap_or(0);
        match rollup {
            0 => groups.sort_unstable_by_key(|(k, _)| {
                (
                    int(k.sale_month),
                    k.source,
                    int(k.artist_id),
                    int(k.store_id),
                    k.currency,
                    int(k.rate_day),
                    int(k.reporting_date),
                )
            }),
            1 => groups.sort_unstable_by_key(|(k, _)| {
                (
                    int(k.sale_month),
                    k.source,
                    int(k.artist_id),
                    int(k.store_id),
                    int(k.track_id),
                    k.currency,
                    int(k.rate_day),
                )
            }),
            2 => groups.sort_unstable_by_key(|(k, _)| {
                (
                    int(k.sale_month),
                    k.source,
                    int(k.artist_id),
                    int(k.store_id),
                    k.country,
                    k.currency,
                    int(k.rate_day),
                )
            }),
            _ => groups.sort_unstable_by_key(|(k, _)| {
                (int(k.track_id), int(k.sale_month), k.source, int(k.artist_id), k.country, k.currency, int(k.rate_day))
            }),
        }
        for chunk in groups.chunks(FLUSH_ROWS) {
            let head = format!(
                "INSERT INTO {table} ({keys}, earnings_whole, earnings_pico, rest_lines, quantity, lines)"
            );
            let tail = format!(
                " ON CONFLICT ({keys}) DO UPDATE SET earnings_whole = earnings_whole + excluded.earnings_whole, \
                 earnings_pico = earnings_pico + excluded.earnings_pico, rest_lines = rest_lines + excluded.rest_lines, \
                 quantity = quantity + excluded.quantity, lines = lines + excluded.lines"
            );
            let (y, n) = (true, false);
            let source =
                |k: &Key| -> Cell { self.sources.get(k.source as usize).map_or("", |s| s.as_str()).into() };
            let currency = |k: &Key| -> Cell {
                self.currencies.get(k.currency as usize).map_or("", String::as_str).into()
            };
            let country = |k: &Key| -> Cell {
                self.countries.get(k.country as usize).map_or("", String::as_str).into()
            };
            // The columns of each table's `keys`, in order, then the sums; the source and the
            // currency usually repeat and may be written as literals.
            let upsert = match rollup {
                0 => insert(
                    &head,
                    chunk
                        .iter()
                        .map(|(k, s)| {
                            [
                                int(k.sale_month).into(),
                                source(k),
                                int(k.artist_id).into(),
                                int(k.store_id).into(),
                                currency(k),
                                int(k.rate_day).into(),
                                int(k.reporting_date).into(),
                                s.earnings_whole.into(),
                                s.earnings_pico.into(),
                                s.rest_lines.into(),
                                s.quantity.into(),
                                s.lines.into(),
                            ]
                        })
                        .collect(),
                    [n, y, n, n, y, n, n, n, n, n, n, n],
                    &tail,
                ),
                1 => insert(
                    &head,
                    chunk
                        .iter()
                        .map(|(k, s)| {
                            [
                                int(k.sale_month).into(),
                                source(k),
                                int(k.artist_id).into(),
                                int(k.store_id).into(),
                                int(k.track_id).into(),
                                currency(k),
                                int(k.rate_day).into(),
                                s.earnings_whole.into(),
                                s.earnings_pico.into(),
                                s.rest_lines.into(),
                                s.quantity.into(),
                                s.lines.into(),
                            ]
                        })
                        .collect(),
                    [n, y, n, n, n, y, n, n, n, n, n, n],
                    &tail,
                ),
                2 => insert(
                    &head,
                    chunk
                        .iter()
                        .map(|(k, s)| {
                            [
                                int(k.sale_month).into(),
                                source(k),
                                int(k.artist_id).into(),
                                int(k.store_id).into(),
                                country(k),
                                currency(k),
                                int(k.rate_day).into(),
                                s.earnings_whole.into(),
                                s.earnings_pico.into(),
                                s.rest_lines.into(),
                                s.quantity.into(),
                                s.lines.into(),
                            ]
                        })
                        .collect(),
                    [n, y, n, n, n, y, n, n, n, n, n, n],
                    &tail,
                ),
                _ => insert(
                    &head,
                    chunk
                        .iter()
                        .map(|(k, s)| {
                            [
                                int(k.track_id).into(),
                                int(k.sale_month).into(),
                                source(k),
                                int(k.artist_id).into(),
                                country(k),
                                currency(k),
                                int(k.rate_day).into(),
                                s.earnings_whole.into(),
                                s.earnings_pico.into(),
                                s.rest_lines.into(),
                                s.quantity.into(),
                                s.lines.into(),
                            ]
                        })
                        .collect(),
                    [n, n, y, n, n, y, n, n, n, n, n, n],
                    &tail,
                ),
            }?;
            db.start(upsert).await?;
        }
        Ok(())
    }
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
                let prepared = acc.prepare(line);
                acc.add(vec![prepared]).expect("add");
                acc.write_full(&mut db).await.expect("write");
            }
            acc.finish(&mut db).await.expect("finish");
            db.conn().await.expect("the last upsert");
            drop(db);
            seen.push(snapshot(&mut conn).await);
        }
        assert!(seen[0].iter().all(|rows| rows.len() > 1));
        assert_eq!(seen[0], seen[1]);
        assert_eq!(seen[0], seen[2]);
    }
}
