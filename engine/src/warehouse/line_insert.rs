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
    pub key: i64,
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

/// The INSERT of `lines`, given ids from `first_id`. Strings are copied, so that the lines stay
/// whole should the batch have to be rebuilt without some of them.
pub(super) fn insert(
    lines: &[PendingLine],
    first_id: i64,
    raw_file_id: i64,
    texts: &mut DecimalTexts,
) -> Result<Insert, sqlx::Error> {
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
    let raw_file_id = raw_file_id.to_string();
    let columns: [Option<&str>; 21] = [
        None,
        source.as_deref(),
        Some(&raw_file_id),
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
    let mut sql = String::with_capacity(HEAD.len() + lines.len() * (row.len() + 2));
    sql.push_str(HEAD);
    let mut args = SqliteArguments::default();
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
        args.add(r.country.clone()).map_err(sqlx::Error::Encode)?;
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
            args.add(r.currency.clone()).map_err(sqlx::Error::Encode)?;
        }
        if withheld.is_none() {
            args.add(decimal(texts, 1, r.withheld)).map_err(sqlx::Error::Encode)?;
        }
        if recoup.is_none() {
            args.add(decimal(texts, 2, r.recoup)).map_err(sqlx::Error::Encode)?;
        }
    }
    Ok(Insert { sql, args, rows: lines.len() as u64 })
}
