//! The INSERTs of a batch of new statement lines, stepped through SQLite's own API (see
//! [`super::direct`]): by chunks of lines, each line binding only its varying values, and the
//! columns a statement repeats (source, currency, team percentage…) bound once per chunk.
//!
//! A line's id is the one SQLite gives it, the next rowid: the loader predicts it (for the
//! runs of lines by track) and each INSERT checks the prediction. Given in the INSERT, each id
//! cost a search of the table's B-tree for a row holding it already, a tenth of the loader's
//! time; SQLite's own next rowid is appended at the end of the table without one.

use super::{
    LoadError,
    packed_line::{NONE, PackedLine, ValueTable},
};

/// A statement line waiting for its batch, with its dimension ids.
pub(super) struct PendingLine {
    /// The line's key, when it is looked up among the stored ones (see `StatementLoad::flush`).
    pub key: Option<i64>,
    pub store_id: i64,
    pub artist_id: Option<i64>,
    /// The artist came from an attribution rule rather than the file.
    pub artist_by_rule: bool,
    pub track_id: Option<i64>,
    pub release_id: Option<i64>,
    pub packed: PackedLine,
}

impl PendingLine {
    /// The title is stored only for a line without an ISRC (the track has it otherwise).
    fn title(&self) -> u32 {
        if self.track_id.is_none() { self.packed.title } else { NONE }
    }
}

const COLUMNS: &str = "INSERT INTO statement_lines (id, source, raw_file_id, line, reporting_date, sale_month, \
                       sale_date, store_id, artist_id, track_id, title, release_id, country, quantity, \
                       team_percentage, earnings_whole, earnings_pico, earnings_rest, currency, withheld, recoup, \
                       artist_by_rule) \
                       VALUES ";

/// Lines per multi-row INSERT: one statement's fixed costs (opening the table, resetting) shared
/// by this many lines. 200 was no faster.
const CHUNK: usize = 50;

/// Columns bound once for a whole chunk when every line of it has the same value there (the
/// usual case: a statement repeats its source, currency, team percentage…), in column order.
const SHARED: [usize; 10] = [2, 3, 7, 11, 15, 18, 19, 20, 21, 22];
/// The other columns, bound for each line.
const VARYING: [usize; 11] = [4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17];

/// A chunk's INSERT: column `c` of row `r` is parameter `SHARED`'s position for a shared column,
/// else one of the row's own parameters after the shared ones.
fn chunk_sql() -> String {
    let mut sql = String::from(COLUMNS);
    for row in 0..CHUNK {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 1..=22 {
            if column == 1 {
                // The id: SQLite's next rowid.
                sql.push_str("NULL");
                continue;
            }
            sql.push_str(", ");
            let param = match SHARED.iter().position(|&c| c == column) {
                Some(i) => i + 1,
                None => {
                    let k = VARYING.iter().position(|&c| c == column).unwrap_or_default();
                    SHARED.len() + 1 + row * VARYING.len() + k
                }
            };
            sql.push('?');
            sql.push_str(&param.to_string());
        }
        sql.push(')');
    }
    sql
}

/// Whether two lines agree on every `SHARED` column (the raw file is the load's). Amounts are
/// numbered by their digits and scale: "100" and "100.0" are two numbers, stored as written.
fn same_shared(a: &PendingLine, b: &PendingLine) -> bool {
    let (pa, pb) = (&a.packed, &b.packed);
    pa.source == pb.source
        && pa.sale_date == pb.sale_date
        && a.title() == b.title()
        && pa.team_percentage == pb.team_percentage
        && pa.earnings_rest == pb.earnings_rest
        && pa.currency == pb.currency
        && pa.withheld == pb.withheld
        && pa.recoup == pb.recoup
        && a.artist_by_rule == b.artist_by_rule
}

/// Binds the value of `column` (1-based, as in the INSERT) of line `l` to parameter `param`.
fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    param: usize,
    column: usize,
    l: &PendingLine,
    context: (i64, &ValueTable),
) -> rusqlite::Result<()> {
    let (raw_file_id, values) = context;
    let p = &l.packed;
    match column {
        2 => stmt.raw_bind_parameter(param, p.source.as_str()),
        3 => stmt.raw_bind_parameter(param, raw_file_id),
        4 => stmt.raw_bind_parameter(param, i64::try_from(p.line).unwrap_or(i64::MAX)),
        5 => stmt.raw_bind_parameter(param, p.reporting_date),
        6 => stmt.raw_bind_parameter(param, p.sale_month),
        7 => stmt.raw_bind_parameter(param, p.sale_date),
        8 => stmt.raw_bind_parameter(param, l.store_id),
        9 => stmt.raw_bind_parameter(param, l.artist_id),
        10 => stmt.raw_bind_parameter(param, l.track_id),
        11 => stmt.raw_bind_parameter(param, values.text(l.title())),
        12 => stmt.raw_bind_parameter(param, l.release_id),
        13 => stmt.raw_bind_parameter(param, values.text(p.country)),
        14 => stmt.raw_bind_parameter(param, p.quantity),
        15 => stmt.raw_bind_parameter(param, values.amount_text(p.team_percentage)),
        16 => stmt.raw_bind_parameter(param, p.earnings_whole),
        17 => stmt.raw_bind_parameter(param, p.earnings_pico),
        18 => stmt.raw_bind_parameter(param, values.amount_text(p.earnings_rest)),
        19 => stmt.raw_bind_parameter(param, values.text(p.currency)),
        20 => stmt.raw_bind_parameter(param, values.amount_text(p.withheld)),
        21 => stmt.raw_bind_parameter(param, values.amount_text(p.recoup)),
        22 => stmt.raw_bind_parameter(param, i64::from(l.artist_by_rule)),
        // The id (column 1) is not bound: see the module's comment.
        _ => Ok(()),
    }
}

/// That `expected` lines from `first` were stored, the last with id `last_id`.
fn check(
    conn: &rusqlite::Connection,
    stored: usize,
    expected: usize,
    first: &PendingLine,
    last_id: i64,
) -> Result<(), LoadError> {
    if stored != expected {
        return Err(LoadError::Inconsistent(format!(
            "{expected} lines from line {} were to be stored, {stored} were",
            first.packed.line
        )));
    }
    let given = conn.last_insert_rowid();
    if given != last_id {
        return Err(LoadError::Inconsistent(format!(
            "the lines from line {} were given ids up to {given}, not {last_id}",
            first.packed.line
        )));
    }
    Ok(())
}

/// Stores `lines` with ids from `first_id`: by chunks of lines that share the usual columns, and
/// one by one where they do not (and for the last few). `values` reads the lines' texts.
pub(super) fn insert(
    conn: &rusqlite::Connection,
    lines: &[PendingLine],
    first_id: i64,
    raw_file_id: i64,
    values: &ValueTable,
) -> Result<u64, LoadError> {
    let context = (raw_file_id, values);
    let mut chunked = None;
    let mut single = None;
    let mut at = 0;
    while at < lines.len() {
        let id = first_id + at as i64;
        // How many lines from here share the usual columns (up to a chunk's worth).
        let alike = lines[at..].iter().take(CHUNK).take_while(|l| same_shared(l, &lines[at])).count();
        if alike == CHUNK {
            let chunk = &lines[at..at + CHUNK];
            let stmt = match &mut chunked {
                Some(stmt) => stmt,
                None => chunked.insert(conn.prepare(&chunk_sql())?),
            };
            for (i, &column) in SHARED.iter().enumerate() {
                bind(stmt, i + 1, column, &chunk[0], context)?;
            }
            let mut param = SHARED.len() + 1;
            for l in chunk {
                for &column in &VARYING {
                    bind(stmt, param, column, l, context)?;
                    param += 1;
                }
            }
            check(conn, stmt.raw_execute()?, CHUNK, &chunk[0], id + CHUNK as i64 - 1)?;
            at += CHUNK;
        } else {
            let stmt = match &mut single {
                Some(stmt) => stmt,
                None => single.insert(conn.prepare(&format!(
                    "{COLUMNS}(NULL, {})",
                    (2..=22).map(|p| format!("?{p}")).collect::<Vec<_>>().join(", ")
                ))?),
            };
            // The lines before the next change of the usual columns (or the last few).
            for (l, id) in lines[at..at + alike.max(1)].iter().zip(id..) {
                for column in 2..=22 {
                    bind(stmt, column, column, l, context)?;
                }
                check(conn, stmt.raw_execute()?, 1, l, id)?;
            }
            at += alike.max(1);
        }
    }
    Ok(lines.len() as u64)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use model::SourceId;
    use rust_decimal::Decimal;

    use super::*;
    use crate::{
        time::{YearMonth, date_int},
        warehouse::{StatementLine, packed_line::LinePacker},
    };

    /// Line `n`. The usual columns (source, currency…) hold for 70 lines at a time up to line
    /// 300, then change from line to line, at different paces (some decimals only in scale:
    /// 100 → 100.0); the others differ on every line.
    fn record(n: i64) -> StatementLine {
        let e = if n <= 300 { n / 70 } else { n };
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") + chrono::Days::new((e / 3) as u64);
        StatementLine {
            source: if e % 4 < 2 { SourceId::Distrokid } else { SourceId::Toolost },
            identity: n as u64,
            reporting_date: day,
            sale_month: YearMonth::new(2025, 1 + (n % 12) as u32).expect("month"),
            sale_date: (e % 5 < 2).then_some(day),
            store: "Spotify".into(),
            artist: None,
            title: compact_str::format_compact!("Song {}", e / 2),
            isrc: None,
            upc: None,
            country: (n % 7 != 0).then(|| if n % 3 == 0 { "DE".into() } else { "FR".into() }),
            quantity: n,
            team_percentage: Some(if e % 6 < 3 { Decimal::new(100, 0) } else { Decimal::new(1000, 1) }),
            earnings: Decimal::new(n, if e % 4 == 0 { 14 } else { 3 }),
            currency: if e % 8 < 4 { "USD".into() } else { "EUR".into() },
            withheld: (e % 3 == 0).then(|| Decimal::new(e, 2)),
            recoup: (e % 9 == 0).then(|| Decimal::new(e, 3)),
        }
    }

    /// Lines `numbers`, packed, with the table that reads them.
    fn pending(numbers: std::ops::RangeInclusive<i64>) -> (Vec<StatementLine>, Vec<PendingLine>, ValueTable) {
        let mut packer = LinePacker::default();
        let records: Vec<StatementLine> = numbers.map(record).collect();
        let lines = records
            .iter()
            .map(|r| {
                let n = r.identity as i64;
                PendingLine {
                    key: None,
                    store_id: 1 + n % 2,
                    artist_id: (n % 2 == 0).then_some(3),
                    artist_by_rule: false,
                    track_id: None,
                    release_id: (n % 3 == 0).then_some(4),
                    packed: packer.pack(n as u64, r),
                }
            })
            .collect();
        let mut values = ValueTable::default();
        values.extend(packer.take_fresh()).expect("values");
        (records, lines, values)
    }

    fn decimal_text(value: Option<Decimal>) -> Option<String> {
        value.map(|d| d.to_string())
    }

    type Stored = (i64, String, i64, i64, i64, Option<i64>, Option<String>, Option<String>);

    fn expected(r: &StatementLine, id: i64) -> Stored {
        (
            id,
            r.source.as_str().to_string(),
            r.identity as i64,
            r.quantity,
            super::super::money::split(r.earnings).pico,
            r.sale_date.map(date_int),
            r.country.as_deref().map(str::to_string),
            decimal_text(r.team_percentage),
        )
    }

    /// Every line reads back with its own values, although repeated columns are bound only
    /// when they change.
    #[tokio::test]
    async fn each_line_is_stored_with_its_own_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::Database::open(&dir.path().join("t.db")).await.expect("open");
        let mut conn = db.pool().acquire().await.expect("conn");
        // The lines name stores, artists, releases and raw file 7 without their rows.
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.expect("pragma");

        let (records, lines, values) = pending(1..=400);
        let stored = super::super::direct::with_direct(&mut conn, |c| insert(c, &lines, 1, 7, &values))
            .await
            .expect("stored");
        assert_eq!(stored, 400);
        let rows: Vec<Stored> = sqlx::query_as(
            "SELECT id, source, line, quantity, earnings_pico, sale_date, country, team_percentage \
             FROM statement_lines ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .expect("read back");
        let want: Vec<Stored> = records.iter().zip(1..).map(|(r, id)| expected(r, id)).collect();
        assert_eq!(rows, want);

        type Texts = (Option<String>, String, Option<String>, Option<String>, Option<String>, i64);
        let texts: Vec<Texts> = sqlx::query_as(
            "SELECT title, currency, withheld, recoup, earnings, raw_file_id \
                 FROM statement_lines_readable ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .expect("read back");
        for (r, (title, currency, withheld, recoup, earnings, raw_file_id)) in records.iter().zip(texts) {
            let n = r.identity;
            assert_eq!(title.as_deref(), Some(r.title.as_str()), "line {n}");
            assert_eq!(currency, r.currency.as_str(), "line {n}");
            assert_eq!(withheld, decimal_text(r.withheld), "line {n}");
            assert_eq!(recoup, decimal_text(r.recoup), "line {n}");
            assert_eq!(earnings.as_deref().map(str::parse::<Decimal>), Some(Ok(r.earnings)), "line {n}");
            assert_eq!(raw_file_id, 7);
        }
    }

    /// Ids predicted wrong (taken already, or past the next rowid) are an error, not lines
    /// quietly stored under other ids.
    #[tokio::test]
    async fn a_taken_id_fails_the_batch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::Database::open(&dir.path().join("t.db")).await.expect("open");
        let mut conn = db.pool().acquire().await.expect("conn");
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.expect("pragma");
        let (_, lines, values) = pending(1..=3);
        super::super::direct::with_direct(&mut conn, |c| insert(c, &lines, 1, 7, &values))
            .await
            .expect("first");
        let again = super::super::direct::with_direct(&mut conn, |c| insert(c, &lines, 3, 7, &values)).await;
        assert!(matches!(again, Err(LoadError::Inconsistent(_))), "{again:?}");
        let past = super::super::direct::with_direct(&mut conn, |c| insert(c, &lines, 100, 7, &values)).await;
        assert!(matches!(past, Err(LoadError::Inconsistent(_))), "{past:?}");
    }
}
