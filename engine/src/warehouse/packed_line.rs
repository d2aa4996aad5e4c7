//! Statement lines as the loader takes them: each text and each repeated amount replaced by its
//! number among the file's distinct values, numbered on the parser's thread.
//!
//! A parsed line is some 300 bytes of strings and decimals. On a million-line statement every
//! one went from the parser's core to the loader's, which read it three times (dimension ids,
//! rollup groups, the INSERT) and sent it back to be freed: a ninth of the parser's time went
//! to freeing lines it got back, and the loader hashed four strings a line to find its ids.
//! Packed, a line is 128 bytes of integers; the loader finds its ids by index, and binds texts
//! and amounts formatted once per distinct value.

use std::collections::HashMap;

use compact_str::CompactString;
use model::SourceId;
use rust_decimal::Decimal;

use super::{IntBuildHasher, LoadError, StatementLine, money};
use crate::time::date_int;

/// The number of no value, in both tables.
pub const NONE: u32 = 0;

/// A statement line with its texts and amounts (other than the earnings) as numbers from the
/// file's [`LinePacker`]; the earnings are split as stored (see `money::split`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PackedLine {
    /// The line in the file.
    pub line: u64,
    pub identity: u64,
    pub source: SourceId,
    pub reporting_date: i64,
    pub sale_month: i64,
    pub sale_date: Option<i64>,
    pub quantity: i64,
    pub earnings_whole: i64,
    pub earnings_pico: i64,
    // Texts.
    pub store: u32,
    pub artist: u32,
    pub title: u32,
    pub isrc: u32,
    pub upc: u32,
    pub country: u32,
    pub currency: u32,
    // Amounts.
    pub earnings_rest: u32,
    pub team_percentage: u32,
    pub withheld: u32,
    pub recoup: u32,
}

/// Numbers a file's texts and amounts, from 1, in the order met.
pub struct LinePacker {
    texts: HashMap<CompactString, u32, IntBuildHasher>,
    /// By their exact representation: `100` and `100.0` are two amounts (stored as written).
    amounts: HashMap<u128, u32, IntBuildHasher>,
    fresh: FreshValues,
}

/// The values numbered since the last [`LinePacker::take_fresh`], in number order: what a
/// [`ValueTable`] needs to read the lines packed since.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FreshValues {
    first_text: u32,
    texts: Vec<CompactString>,
    first_amount: u32,
    amounts: Vec<Decimal>,
}

impl Default for LinePacker {
    fn default() -> Self {
        Self {
            texts: HashMap::default(),
            amounts: HashMap::default(),
            fresh: FreshValues { first_text: 1, first_amount: 1, ..FreshValues::default() },
        }
    }
}

impl LinePacker {
    pub fn pack(&mut self, line: u64, rec: &StatementLine) -> PackedLine {
        let split = money::split(rec.earnings);
        PackedLine {
            line,
            identity: rec.identity,
            source: rec.source,
            reporting_date: date_int(rec.reporting_date),
            sale_month: rec.sale_month.as_int(),
            sale_date: rec.sale_date.map(date_int),
            quantity: rec.quantity,
            earnings_whole: split.whole,
            earnings_pico: split.pico,
            store: self.text(&rec.store),
            artist: self.optional_text(rec.artist.as_deref()),
            title: self.text(&rec.title),
            isrc: self.optional_text(rec.isrc.as_deref()),
            upc: self.optional_text(rec.upc.as_deref()),
            country: self.optional_text(rec.country.as_deref()),
            currency: self.text(&rec.currency),
            earnings_rest: self.amount(split.rest),
            team_percentage: self.amount(rec.team_percentage),
            withheld: self.amount(rec.withheld),
            recoup: self.amount(rec.recoup),
        }
    }

    /// Whether values were numbered since the last [`LinePacker::take_fresh`].
    pub fn has_fresh(&self) -> bool {
        !self.fresh.texts.is_empty() || !self.fresh.amounts.is_empty()
    }

    pub fn take_fresh(&mut self) -> FreshValues {
        let first_text = number(self.texts.len() + 1);
        let first_amount = number(self.amounts.len() + 1);
        std::mem::replace(
            &mut self.fresh,
            FreshValues { first_text, first_amount, texts: Vec::new(), amounts: Vec::new() },
        )
    }

    fn text(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.texts.get(text) {
            return n;
        }
        let n = number(self.texts.len() + 1);
        self.texts.insert(text.into(), n);
        self.fresh.texts.push(text.into());
        n
    }

    fn optional_text(&mut self, text: Option<&str>) -> u32 {
        text.map_or(NONE, |t| self.text(t))
    }

    fn amount(&mut self, amount: Option<Decimal>) -> u32 {
        let Some(amount) = amount else { return NONE };
        let exact = u128::from_le_bytes(amount.serialize());
        if let Some(&n) = self.amounts.get(&exact) {
            return n;
        }
        let n = number(self.amounts.len() + 1);
        self.amounts.insert(exact, n);
        self.fresh.amounts.push(amount);
        n
    }
}

/// A value's number. Past `u32::MAX` values (not a file this machine can hold) every number is
/// the same, and [`ValueTable::extend`] refuses the values.
fn number(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The values of a file's packed lines, on the loader's side: texts, and amounts with the text
/// they are stored as.
pub struct ValueTable {
    texts: Vec<CompactString>,
    amounts: Vec<(Decimal, String)>,
}

impl Default for ValueTable {
    fn default() -> Self {
        // Number 0 is no value.
        Self { texts: vec![CompactString::default()], amounts: vec![(Decimal::ZERO, String::new())] }
    }
}

impl ValueTable {
    /// Adds the values numbered after those held, which must be the next numbers.
    pub fn extend(&mut self, fresh: FreshValues) -> Result<(), LoadError> {
        let out_of_step = |what: &str, first: u32, held: usize| {
            LoadError::Inconsistent(format!("{what} numbered from {first} reached a table of {held}"))
        };
        if fresh.first_text as usize != self.texts.len() {
            return Err(out_of_step("texts", fresh.first_text, self.texts.len()));
        }
        if fresh.first_amount as usize != self.amounts.len() {
            return Err(out_of_step("amounts", fresh.first_amount, self.amounts.len()));
        }
        if self.texts.len() + fresh.texts.len() > u32::MAX as usize
            || self.amounts.len() + fresh.amounts.len() > u32::MAX as usize
        {
            return Err(LoadError::TooLarge(format!("a file may hold at most {} distinct texts", u32::MAX)));
        }
        self.texts.extend(fresh.texts);
        self.amounts.extend(fresh.amounts.into_iter().map(|d| (d, d.to_string())));
        Ok(())
    }

    /// Text `n`; `None` for [`NONE`] (and for a number not yet known).
    pub fn text(&self, n: u32) -> Option<&str> {
        if n == NONE {
            return None;
        }
        self.texts.get(n as usize).map(CompactString::as_str)
    }

    /// A text the line must have: an error names it when the number is unknown.
    pub fn required_text(&self, n: u32, what: &str) -> Result<&str, LoadError> {
        self.text(n)
            .ok_or_else(|| LoadError::Inconsistent(format!("the line's {what} (text {n}) is unknown")))
    }

    /// An optional text: `None` for [`NONE`], an error for a number not yet known.
    pub fn optional_text(&self, n: u32, what: &str) -> Result<Option<&str>, LoadError> {
        if n == NONE { Ok(None) } else { self.required_text(n, what).map(Some) }
    }

    pub fn amount(&self, n: u32) -> Option<Decimal> {
        if n == NONE {
            return None;
        }
        self.amounts.get(n as usize).map(|(d, _)| *d)
    }

    /// Amount `n` as stored: its digits as written.
    pub fn amount_text(&self, n: u32) -> Option<&str> {
        if n == NONE {
            return None;
        }
        self.amounts.get(n as usize).map(|(_, text)| text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::time::YearMonth;

    fn line(store: &str, country: Option<&str>, team: Option<Decimal>, earnings: Decimal) -> StatementLine {
        StatementLine {
            source: SourceId::Distrokid,
            identity: 42,
            reporting_date: NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
            sale_month: YearMonth::new(2025, 1).expect("month"),
            sale_date: None,
            store: store.into(),
            artist: Some("ZONE A0".into()),
            title: "Song".into(),
            isrc: Some("QZTB92500001".into()),
            upc: None,
            country: country.map(Into::into),
            quantity: 3,
            team_percentage: team,
            earnings,
            currency: "USD".into(),
            withheld: None,
            recoup: None,
        }
    }

    /// What the loader reads back from a packed line and its table is what was parsed, texts
    /// and amounts as written (`100.0` stays `100.0`), and no value stays none.
    #[test]
    fn a_packed_line_reads_back_as_parsed() {
        let mut packer = LinePacker::default();
        let mut table = ValueTable::default();
        let lines = [
            line("Spotify", Some("DE"), Some(Decimal::new(100, 0)), Decimal::new(-1234, 3)),
            line("Apple Music", None, Some(Decimal::new(1000, 1)), Decimal::new(5, 15)),
            line("Spotify", Some(""), Some(Decimal::new(100, 0)), Decimal::new(7, 0)),
        ];
        let mut packed = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            packed.push(packer.pack(n as u64 + 1, l));
            // The table is extended as the loader would, between lines.
            if n == 1 {
                table.extend(packer.take_fresh()).expect("in step");
            }
        }
        table.extend(packer.take_fresh()).expect("in step");
        assert!(!packer.has_fresh());

        for (l, p) in lines.iter().zip(&packed) {
            assert_eq!(table.text(p.store), Some(l.store.as_str()));
            assert_eq!(table.text(p.country), l.country.as_deref());
            assert_eq!(table.text(p.upc), None);
            assert_eq!(table.text(p.artist), l.artist.as_deref());
            assert_eq!(table.amount(p.team_percentage), l.team_percentage);
            assert_eq!(
                table.amount_text(p.team_percentage),
                l.team_percentage.map(|d| d.to_string()).as_deref()
            );
            let split = money::split(l.earnings);
            assert_eq!((p.earnings_whole, p.earnings_pico), (split.whole, split.pico));
            assert_eq!(table.amount(p.earnings_rest), split.rest);
        }
        // One number per distinct value: the same store twice, `100` and `100.0` apart.
        assert_eq!(packed[0].store, packed[2].store);
        assert_ne!(packed[0].team_percentage, packed[1].team_percentage);
        assert_ne!(packed[0].country, packed[2].country, "an empty country is a value, not none");
    }

    /// Values given out of order (or twice) are refused rather than read as other values.
    #[test]
    fn values_out_of_step_are_refused() {
        let mut packer = LinePacker::default();
        packer.pack(1, &line("Spotify", None, None, Decimal::ONE));
        let first = packer.take_fresh();
        packer.pack(2, &line("Deezer", None, None, Decimal::ONE));
        let second = packer.take_fresh();
        let mut table = ValueTable::default();
        assert!(matches!(table.extend(second.clone()), Err(LoadError::Inconsistent(_))));
        table.extend(first).expect("first");
        let deezer = packer.pack(3, &line("Deezer", None, None, Decimal::ONE)).store;
        assert!(table.required_text(deezer, "store").is_err(), "not known before its values");
        table.extend(second).expect("second, in step now");
        assert_eq!(table.required_text(deezer, "store").ok(), Some("Deezer"));
    }
}
