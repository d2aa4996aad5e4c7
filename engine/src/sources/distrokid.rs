//! DistroKid's "bank details" export (no API). Two layouts, one format:
//! - A: tab-separated, often ISO-8859-1, bare-CR line ends, `Song/Album` and
//!   `Songwriter Royalties Withheld` columns;
//! - B: comma-separated, every field quoted, UTF-8 with BOM, `Date Inserted`, `Source Type`,
//!   `Songwriter Royalties Withheld (USD)` and `Recoup (USD)` columns.
//!
//! Earnings are kept as given (up to 12 fraction digits, negative corrections included); withheld
//! and recoup amounts are stored beside them, never subtracted.

use std::cell::RefCell;

use compact_str::CompactString;
use model::SourceId;
use rust_decimal::Decimal;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, Input, RecordSink, Sample, country,
    tabular::{Row, Table, sniff_headers},
    values,
};
use crate::warehouse::{IdentityKey, StatementLine};

pub struct DistroKid;

const FORMAT: &str = "distrokid.bank_details";
const KIND: &str = "DistroKid statement";

const REPORTING_DATE: &[&str] = &["Reporting Date"];
const SALE_MONTH: &[&str] = &["Sale Month"];
const STORE: &[&str] = &["Store"];
const ARTIST: &[&str] = &["Artist"];
const TITLE: &[&str] = &["Title"];
const ISRC: &[&str] = &["ISRC"];
const UPC: &[&str] = &["UPC"];
const QUANTITY: &[&str] = &["Quantity"];
const TEAM_PERCENTAGE: &[&str] = &["Team Percentage"];
const COUNTRY: &[&str] = &["Country of Sale", "Country"];
const WITHHELD: &[&str] = &["Songwriter Royalties Withheld (USD)", "Songwriter Royalties Withheld"];
const EARNINGS: &[&str] = &["Earnings (USD)"];
const RECOUP: &[&str] = &["Recoup (USD)"];

impl Connector for DistroKid {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::Distrokid)
    }

    fn expects(&self) -> &'static str {
        "DistroKid bank details export (TSV or CSV with Reporting Date, Sale Month, Store, Quantity, Earnings (USD))"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        let headers = sniff_headers(sample.head);
        let has = |name: &str| headers.iter().any(|h| h == &name.to_lowercase());
        let core = ["reporting date", "sale month", "store", "earnings (usd)"];
        let hits = core.iter().filter(|c| has(c)).count();
        let confidence = match hits {
            4 => Confidence::Certain,
            2..=3 => Confidence::Possible,
            _ => return None,
        };
        Some(Detection { format: FORMAT, confidence })
    }

    fn parse(
        &self,
        _format: &'static str,
        input: &Input,
        sink: &mut dyn RecordSink,
    ) -> Result<(), FileError> {
        let mut table = Table::open(input.open()?, &input.head)?;
        let cols = Columns {
            reporting_date: table.require(KIND, REPORTING_DATE)?,
            sale_month: table.require(KIND, SALE_MONTH)?,
            store: table.require(KIND, STORE)?,
            quantity: table.require(KIND, QUANTITY)?,
            earnings: table.require(KIND, EARNINGS)?,
            artist: table.column(ARTIST),
            title: table.column(TITLE),
            isrc: table.column(ISRC),
            upc: table.column(UPC),
            team_percentage: table.column(TEAM_PERCENTAGE),
            country: table.column(COUNTRY),
            withheld: table.column(WITHHELD),
            recoup: table.column(RECOUP),
            key: RefCell::default(),
        };
        table.send_lines(sink, |row| cols.line(row))
    }
}

struct Columns {
    reporting_date: usize,
    sale_month: usize,
    store: usize,
    quantity: usize,
    earnings: usize,
    artist: Option<usize>,
    title: Option<usize>,
    isrc: Option<usize>,
    upc: Option<usize>,
    team_percentage: Option<usize>,
    country: Option<usize>,
    withheld: Option<usize>,
    recoup: Option<usize>,
    /// Reused for every row's identity.
    key: RefCell<IdentityKey>,
}

fn optional_text(row: &Row<'_>, col: Option<usize>) -> Option<CompactString> {
    col.map(|c| CompactString::new(row.text(c))).filter(|s| !s.is_empty())
}

fn optional_decimal(
    row: &Row<'_>,
    col: Option<usize>,
    name: &str,
) -> Result<Option<Decimal>, super::RowError> {
    match col {
        None => Ok(None),
        Some(c) => values::decimal(&row.text(c)).map_err(|e| row.error(Some(name), e)),
    }
}

/// An ISRC: 12 letters and digits (hyphens and spaces, sometimes added for reading, dropped).
pub fn parse_isrc(raw: &str) -> Result<Option<String>, String> {
    if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(Some(raw.to_ascii_uppercase()));
    }
    let cleaned: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect::<String>().to_uppercase();
    if cleaned.is_empty() {
        return Ok(None);
    }
    if cleaned.len() == 12 && cleaned.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(Some(cleaned))
    } else {
        Err(format!("{raw:?} is not an ISRC (12 letters and digits)"))
    }
}

/// [`parse_isrc`], kept inline when it is already in its usual form.
fn isrc(raw: &str) -> Result<Option<CompactString>, String> {
    if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let mut isrc = CompactString::new(raw);
        isrc.make_ascii_uppercase();
        return Ok(Some(isrc));
    }
    parse_isrc(raw).map(|isrc| isrc.map(CompactString::from))
}

impl Columns {
    fn line(&self, row: &Row<'_>) -> Result<StatementLine, super::RowError> {
        let reporting_date = values::iso_date(&row.text(self.reporting_date))
            .map_err(|e| row.error(Some("Reporting Date"), e))?;
        let sale_month =
            values::year_month(&row.text(self.sale_month)).map_err(|e| row.error(Some("Sale Month"), e))?;
        let store = CompactString::new(row.text(self.store));
        if store.is_empty() {
            return Err(row.error(Some("Store"), "the store is empty"));
        }
        let quantity = row.required_count(self.quantity, "Quantity", "the quantity is empty")?;
        let earnings = row.required_decimal(self.earnings, "Earnings (USD)", "the earnings are empty")?;
        let isrc = match self.isrc {
            Some(c) => isrc(&row.text(c)).map_err(|e| row.error(Some("ISRC"), e))?,
            None => None,
        };
        let artist = optional_text(row, self.artist);
        let title = optional_text(row, self.title).unwrap_or_default();
        let upc = optional_text(row, self.upc);
        let country = match self.country {
            Some(c) => country::parse(&row.text(c), country::Case::Upper)
                .map_err(|e| row.error(Some("Country of Sale"), e))?,
            None => None,
        };
        let team_percentage = optional_decimal(row, self.team_percentage, "Team Percentage")?;
        let withheld = optional_decimal(row, self.withheld, "Songwriter Royalties Withheld")?;
        let recoup = optional_decimal(row, self.recoup, "Recoup (USD)")?;

        // The identity of a line across re-downloads: the fields both layouts share, normalised
        // (numbers by value, names by their letters and digits). See `statement_line_key_sets`.
        let mut key = self.key.borrow_mut();
        key.start()
            .date(reporting_date)
            .month(sale_month)
            .lower(&store)
            .alias(artist.as_deref().unwrap_or_default())
            .alias(&title)
            .text(isrc.as_deref().unwrap_or_default())
            .text(upc.as_deref().unwrap_or_default())
            .int(quantity);
        match team_percentage {
            Some(d) => key.decimal(d.normalize()),
            None => key.text(""),
        };
        let identity =
            key.text(country.as_deref().unwrap_or_default()).decimal(earnings.normalize()).finish();

        Ok(StatementLine {
            source: SourceId::Distrokid,
            identity,
            reporting_date,
            sale_month,
            sale_date: None,
            store,
            artist,
            title,
            isrc,
            upc,
            country,
            quantity,
            team_percentage,
            earnings,
            currency: CompactString::const_new("USD"),
            withheld,
            recoup,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_both_layouts() {
        let a = b"Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\r";
        let b = "\u{feff}\"Date Inserted\",\"Reporting Date\",\"Sale Month\",\"Store\",\"Artist\",\"Title\",\"ISRC\",\"UPC\",\"Quantity\",\"Team Percentage\",\"Source Type\",\"Country of Sale\",\"Songwriter Royalties Withheld (USD)\",\"Earnings (USD)\",\"Recoup (USD)\"\n";
        for head in [&a[..], b.as_bytes()] {
            let d = DistroKid.detect(&Sample { name: "x.tsv", head }).expect("detected");
            assert_eq!(d.confidence, Confidence::Certain);
        }
        assert!(DistroKid.detect(&Sample { name: "x.csv", head: b"date,streams\n" }).is_none());
    }

    #[test]
    fn isrcs_are_normalised_and_checked() {
        assert_eq!(parse_isrc("qz-taw-24-96366"), Ok(Some("QZTAW2496366".into())));
        assert_eq!(parse_isrc(""), Ok(None));
        assert!(parse_isrc("QZTAW249636").is_err());
    }
}
