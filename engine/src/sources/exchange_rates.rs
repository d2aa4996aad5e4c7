//! The exchange rates the user keeps: a CSV `date,currency,usd_per_unit`, one rate per currency and
//! day. `*_usd` KPIs convert other currencies with the rate of an amount's date or the latest before
//! it, so a rate must be exact and positive: a wrong one would silently skew every converted sum.

use rust_decimal::Decimal;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, Input, RecordSink, RowError, Sample,
    tabular::{Row, Table, sniff_headers},
    values,
};
use crate::warehouse::{ExchangeRate, Record};

pub struct ExchangeRates;

const FORMAT: &str = "exchange_rates.csv";
const KIND: &str = "exchange-rates file";
const HEADERS: [&str; 3] = ["date", "currency", "usd_per_unit"];

impl Connector for ExchangeRates {
    fn id(&self) -> FeedId {
        FeedId::ExchangeRates
    }

    fn expects(&self) -> &'static str {
        "exchange rates CSV (date,currency,usd_per_unit)"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        let mut headers = sniff_headers(sample.head);
        headers.sort();
        let mut expected = HEADERS.map(str::to_string);
        expected.sort();
        (headers == expected).then_some(Detection { format: FORMAT, confidence: Confidence::Certain })
    }

    fn parse(
        &self,
        _format: &'static str,
        input: &Input,
        sink: &mut dyn RecordSink,
    ) -> Result<(), FileError> {
        let mut table = Table::open(input.open()?, &input.head)?;
        let date = table.require(KIND, &["date"])?;
        let currency = table.require(KIND, &["currency"])?;
        let rate = table.require(KIND, &["usd_per_unit"])?;
        table.send_rows(sink, |row| {
            parse_row(row, date, currency, rate).map(|r| vec![Record::ExchangeRate(r)])
        })
    }
}

fn parse_row(row: &Row<'_>, date: usize, currency: usize, rate: usize) -> Result<ExchangeRate, RowError> {
    let day = values::iso_date(&row.text(date)).map_err(|e| row.error(Some("date"), e))?;
    let currency = currency_code(&row.text(currency)).map_err(|e| row.error(Some("currency"), e))?;
    let usd_per_unit = positive_rate(&row.text(rate)).map_err(|e| row.error(Some("usd_per_unit"), e))?;
    Ok(ExchangeRate { day, currency, usd_per_unit })
}

/// An ISO 4217 code: three letters, stored upper case so `eur` and `EUR` are one currency.
pub fn currency_code(raw: &str) -> Result<String, String> {
    let code = raw.trim();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(format!("{raw:?} is not a currency code (three letters, such as EUR)"))
    }
}

fn positive_rate(raw: &str) -> Result<Decimal, String> {
    match values::decimal(raw)? {
        None => Err("the rate is empty".into()),
        Some(r) if r > Decimal::ZERO => Ok(r),
        Some(_) => Err(format!("{raw:?} is not a positive rate")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(head: &[u8]) -> Option<Confidence> {
        ExchangeRates.detect(&Sample { name: "rates.csv", head }).map(|d| d.confidence)
    }

    #[test]
    fn detects_exactly_its_three_columns() {
        assert_eq!(detect(b"date,currency,usd_per_unit\n2025-01-01,EUR,1.03\n"), Some(Confidence::Certain));
        assert_eq!(detect(b"\xEF\xBB\xBFDate,Currency,USD_per_unit\r\n"), Some(Confidence::Certain));
        assert_eq!(detect(b"currency,date,usd_per_unit\n"), Some(Confidence::Certain));
        assert_eq!(detect(b"date,currency,usd_per_unit,source\n"), None);
        assert_eq!(detect(b"date,currency\n"), None);
        assert_eq!(detect(b"date,streams\n"), None);
    }

    #[test]
    fn currencies_are_three_letters_upper_cased() {
        assert_eq!(currency_code("eur"), Ok("EUR".into()));
        assert_eq!(currency_code(" SGD "), Ok("SGD".into()));
        assert!(currency_code("EURO").is_err());
        assert!(currency_code("E1R").is_err());
        assert!(currency_code("").is_err());
        assert!(currency_code("€").is_err());
    }

    #[test]
    fn rates_are_exact_and_positive() {
        assert_eq!(positive_rate("1.0345"), Ok(Decimal::new(10345, 4)));
        assert_eq!(positive_rate("0.000123456789012"), Ok(Decimal::new(123_456_789_012, 15)));
        assert!(positive_rate("0").is_err());
        assert!(positive_rate("-1.2").is_err());
        assert!(positive_rate("").is_err());
        assert!(positive_rate("abc").is_err());
    }
}
