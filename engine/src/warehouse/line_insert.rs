//! The INSERT of a batch of new statement lines, written straight from the loader's lines. The
//! general [`super::batch::insert`] goes through a row of 21 cells per line (some 700 bytes
//! built, moved, compared and dropped): on a million-line statement that was a fifth of the
//! loader's time.

use std::sync::Arc;

use rust_decimal::Decimal;
use sqlx::{Arguments, sqlite::SqliteArguments};

use super::{
    StatementLine,
    batch::{Insert, plain},
    money::Split,
};
use crate::time::date_int;

/// A statement line waiting for its batch, with its dimension ids.
pub(super) struct PendingLine {
    pub line: u64,
    /// The line's key, when it is looked up among the stored ones (see `Loader::flush_lines`).
    pub key: Option<i64>,
    pub store_id: i64,
    pub artist_id: Option<i64>,
    pub track_id: Option<i64>,
    pub release_id: Option<i64>,
    pub split: Split,
    pub record: Box<StatementLine>,
}

impl PendingLine {
    /// The title is stored only for a line without an ISRC (the track has it otherwise).
    fn title(&self) -> Option<&str> {
        self.track_id.is_none().then_some(self.record.title.as_str())
    }
}

/// The texts of the last team percentage, withheld and recoup amounts: they repeat line after
/// line, and formatting a decimal is slow.
#[derive(Default)]
pub(super) struct DecimalTexts([Option<(Decimal, Arc<str>)>; 3]);

impl DecimalTexts {
    fn text(&mut self, which: usize, value: Decimal) -> String {
        match &self.0[which] {
            // Same digits and scale, not merely equal ("100" is not "100.0").
            Some((last, text)) if last.serialize() == value.serialize() => text.to_string(),
            _ => {
                let text: Arc<str> = value.to_string().into();
                self.0[which] = Some((value, Arc::clone(&text)));
                text.to_string()
            }
        }
    }
}

const HEAD: &str = "INSERT OR IGNORE INTO statement_lines (id, source, raw_file_id, line, reporting_date, \
                    sale_month, sale_date, store_id, artist_id, track_id, title, release_id, country, quantity, \
                    team_percentage, earnings_whole, earnings_pico, earnings_rest, currency, withheld, recoup) \
                    VALUES ";

/// The literal of a column whose value is the same on every line of the batch (`None`: bind it
/// per line). Only a few columns usually repeat: the SQL text, and so the statement sqlx
/// prepares and caches, changes with their values.
fn repeated<'a, T: PartialEq>(
    lines: &'a [PendingLine],
    value: impl Fn(&'a PendingLine) -> T,
    literal: impl FnOnce(T) -> Option<String>,
) -> Option<String> {
    let first = value(lines.first()?);
    if lines.iter().skip(1).all(|l| value(l) == first) { literal(first) } else { None }
}

fn text_literal(text: Option<&str>) -> Option<String> {
    match text {
        None => Some("NULL".into()),
        Some(t) if plain(t) => Some(format!("'{t}'")),
        Some(_) => None,
    }
}

fn decimal_literal(value: Option<Decimal>) -> Option<String> {
    Some(value.map_or_else(|| "NULL".into(), |d| format!("'{d}'")))
}

/// SQLite's limit on the bound values of one statement (`SQLITE_MAX_VARIABLE_NUMBER`).
const MAX_VARIABLES: usize = 32_766;

/// The INSERTs of `lines`, given ids from `first_id`: one, or more when the lines bind more
/// values than one statement may take (a line binds 21 at most, 14 when the usual columns
/// repeat). Strings are copied, so that the lines stay whole should the batch have to be
/// rebuilt without some of them.
pub(super) fn inserts(
    lines: &[PendingLine],
    first_id: i64,
    raw_file_id: i64,
    texts: &mut DecimalTexts,
) -> Result<Vec<Insert>, sqlx::Error> {
    let mut inserts = Vec::with_capacity(1);
    build(lines, first_id, raw_file_id, texts, &mut inserts)?;
    Ok(inserts)
}

fn build(
    lines: &[PendingLine],
    first_id: i64,
    raw_file_id: i64,
    texts: &mut DecimalTexts,
    inserts: &mut Vec<Insert>,
) -> Result<(), sqlx::Error> {
    let source = repeated(lines, |l| l.record.source, |s| text_literal(Some(s.as_str())));
    let sale_date = repeated(
        lines,
        |l| l.record.sale_date,
        |d| Some(d.map_or_else(|| "NULL".into(), |d| date_int(d).to_string())),
    );
    let title = repeated(lines, PendingLine::title, text_literal);
    let team = repeated(
        lines,
        |l| l.record.team_percentage.map(|d| d.serialize()),
        |_| decimal_literal(lines.first().and_then(|l| l.record.team_percentage)),
    );
    let rest = repeated(lines, |l| l.split.rest.is_none(), |none| none.then(|| "NULL".into()));
    let currency = repeated(lines, |l| l.record.currency.as_str(), |c| text_literal(Some(c)));
    let withheld = repeated(
        lines,
        |l| l.record.withheld.map(|d| d.serialize()),
        |_| decimal_literal(lines.first().and_then(|l| l.record.withheld)),
    );
    let recoup = repeated(
        lines,
        |l| l.record.recoup.map(|d| d.serialize()),
        |_| decimal_literal(lines.first().and_then(|l| l.record.recoup)),
    );

    // One row's text, the same for every line.
    let raw_file_text = raw_file_id.to_string();
    let columns: [Option<&str>; 21] = [
        None,
        source.as_deref(),
        Some(&raw_file_text),
        None,
        None,
        None,
        sale_date.as_deref(),
        None,
        None,
        None,
        title.as_deref(),
        None,
        None,
        None,
        team.as_deref(),
        None,
        None,
        rest.as_deref(),
        currency.as_deref(),
        withheld.as_deref(),
        recoup.as_deref(),
    ];
    let row = format!("({})", columns.map(|c| c.unwrap_or("?")).join(", "));
    let bound = row.matches('?').count();
    if lines.len() > 1 && lines.len() * bound > MAX_VARIABLES {
        let (left, right) = lines.split_at(lines.len() / 2);
        build(left, first_id, raw_file_id, texts, inserts)?;
        return build(right, first_id + left.len() as i64, raw_file_id, texts, inserts);
    }
    let mut sql = String::with_capacity(HEAD.len() + lines.len() * (row.len() + 2));
    sql.push_str(HEAD);
    let mut args = SqliteArguments::default();
    // Grown one value at a time, the vector of a batch's 20,000 values was copied a dozen times.
    args.reserve(lines.len() * bound, 0);
    let decimal =
        |texts: &mut DecimalTexts, which: usize, value: Option<Decimal>| value.map(|d| texts.text(which, d));
    for (i, (l, id)) in lines.iter().zip(first_id..).enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&row);
        let r = &l.record;
        args.add(id).map_err(sqlx::Error::Encode)?;
        if source.is_none() {
            args.add(r.source.as_str()).map_err(sqlx::Error::Encode)?;
        }
        args.add(i64::try_from(l.line).unwrap_or(i64::MAX)).map_err(sqlx::Error::Encode)?;
        args.add(date_int(r.reporting_date)).map_err(sqlx::Error::Encode)?;
        args.add(r.sale_month.as_int()).map_err(sqlx::Error::Encode)?;
        if sale_date.is_none() {
            args.add(r.sale_date.map(date_int)).map_err(sqlx::Error::Encode)?;
        }
        args.add(l.store_id).map_err(sqlx::Error::Encode)?;
        args.add(l.artist_id).map_err(sqlx::Error::Encode)?;
        args.add(l.track_id).map_err(sqlx::Error::Encode)?;
        if title.is_none() {
            args.add(l.title().map(str::to_string)).map_err(sqlx::Error::Encode)?;
        }
        args.add(l.release_id).map_err(sqlx::Error::Encode)?;
        args.add(r.country.as_deref().map(str::to_string)).map_err(sqlx::Error::Encode)?;
        args.add(r.quantity).map_err(sqlx::Error::Encode)?;
        if team.is_none() {
            args.add(decimal(texts, 0, r.team_percentage)).map_err(sqlx::Error::Encode)?;
        }
        args.add(l.split.whole).map_err(sqlx::Error::Encode)?;
        args.add(l.split.pico).map_err(sqlx::Error::Encode)?;
        if rest.is_none() {
            args.add(l.split.rest.map(|d| d.to_string())).map_err(sqlx::Error::Encode)?;
        }
        if currency.is_none() {
            args.add(r.currency.to_string()).map_err(sqlx::Error::Encode)?;
        }
        if withheld.is_none() {
            args.add(decimal(texts, 1, r.withheld)).map_err(sqlx::Error::Encode)?;
        }
        if recoup.is_none() {
            args.add(decimal(texts, 2, r.recoup)).map_err(sqlx::Error::Encode)?;
        }
    }
    inserts.push(Insert { sql, args, rows: lines.len() as u64 });
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use model::SourceId;

    use super::*;
    use crate::time::YearMonth;

    /// A line whose every column differs from the line before, so that none is a literal.
    fn varied(n: i64) -> PendingLine {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") + chrono::Days::new(n as u64 % 300);
        let record = StatementLine {
            source: if n % 2 == 0 { SourceId::Distrokid } else { SourceId::Toolost },
            identity: n as u64,
            reporting_date: day,
            sale_month: YearMonth::new(2025, 1 + (n % 12) as u32).expect("month"),
            sale_date: Some(day),
            store: "Spotify".into(),
            artist: None,
            title: compact_str::format_compact!("Song {n}"),
            isrc: None,
            upc: None,
            country: Some(if n % 2 == 0 { "DE".into() } else { "FR".into() }),
            quantity: n,
            team_percentage: Some(Decimal::new(n, 1)),
            earnings: Decimal::new(n, 14),
            currency: if n % 2 == 0 { "USD".into() } else { "EUR".into() },
            withheld: Some(Decimal::new(n, 2)),
            recoup: Some(Decimal::new(n, 3)),
        };
        PendingLine {
            line: n as u64,
            key: None,
            store_id: 1,
            artist_id: None,
            track_id: None,
            release_id: None,
            split: super::super::money::split(record.earnings),
            record: Box::new(record),
        }
    }

    /// Stored through SQLite, so that the split is checked where the limit is.
    #[tokio::test]
    async fn a_batch_binding_more_than_sqlite_takes_is_split_with_consecutive_ids() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::Database::open(&dir.path().join("t.db")).await.expect("open");
        let mut conn = db.pool().acquire().await.expect("conn");
        // The lines name store 1 and raw file 7 without their rows.
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.expect("pragma");

        let lines: Vec<PendingLine> = (1..=2_300).map(varied).collect();
        let built = inserts(&lines, 100, 7, &mut DecimalTexts::default()).expect("built");
        assert_eq!(built.iter().map(|i| i.rows).collect::<Vec<_>>(), [1_150, 1_150]);
        for insert in built {
            let done = sqlx::query_with(&insert.sql, insert.args).execute(&mut *conn).await.expect("stored");
            assert_eq!(done.rows_affected(), insert.rows);
        }
        let (first, last, count): (i64, i64, i64) =
            sqlx::query_as("SELECT MIN(id), MAX(id), COUNT(*) FROM statement_lines")
                .fetch_one(&mut *conn)
                .await
                .expect("counted");
        assert_eq!((first, last, count), (100, 2_399, 2_300));
        let (line, title): (i64, String) =
            sqlx::query_as("SELECT line, title FROM statement_lines WHERE id = 1250")
                .fetch_one(&mut *conn)
                .await
                .expect("the second INSERT's first line");
        assert_eq!((line, title.as_str()), (1_151, "Song 1151"));

        // Lines that repeat the usual columns bind fewer values and fit in one INSERT.
        let alike: Vec<PendingLine> = (1..=2_300)
            .map(|n| {
                let mut line = varied(2);
                line.line = n;
                line
            })
            .collect();
        assert_eq!(inserts_of(&alike), [2_300]);
    }

    fn inserts_of(lines: &[PendingLine]) -> Vec<u64> {
        inserts(lines, 1, 7, &mut DecimalTexts::default()).expect("built").iter().map(|i| i.rows).collect()
    }
}
