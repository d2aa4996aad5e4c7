//! The currency rule: `*_usd` KPIs add USD amounts; an amount in another currency is converted
//! with the imported rate of its date, or the latest rate before it. An amount with no such rate
//! makes the whole sum unknown (null), and the currency is named in a warning: never a silent sum
//! of mixed currencies.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{Database, time::date_from_int};

/// The exchange rates the user imported (`date,currency,usd_per_unit`).
#[derive(Clone, Debug, Default)]
pub struct Rates {
    /// Per currency (upper case): (day, USD per unit), sorted by day.
    by_currency: HashMap<String, Vec<(NaiveDate, Decimal)>>,
}

impl Rates {
    pub fn from_rows(rows: impl IntoIterator<Item = (String, NaiveDate, Decimal)>) -> Self {
        let mut by_currency: HashMap<String, Vec<(NaiveDate, Decimal)>> = HashMap::new();
        for (currency, day, rate) in rows {
            by_currency.entry(currency.to_uppercase()).or_default().push((day, rate));
        }
        for rates in by_currency.values_mut() {
            rates.sort_by_key(|(day, _)| *day);
        }
        Self { by_currency }
    }

    pub async fn load(db: &Database) -> Result<Self, sqlx::Error> {
        let mut conn = db.pool().acquire().await?;
        Self::load_on(&mut conn).await
    }

    /// The rates as a connection (inside a transaction) sees them.
    pub async fn load_on(conn: &mut sqlx::SqliteConnection) -> Result<Self, sqlx::Error> {
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT currency, day, usd_per_unit FROM exchange_rates").fetch_all(conn).await?;
        // Rows were validated on import; one that no longer parses is skipped rather than trusted.
        Ok(Self::from_rows(rows.into_iter().filter_map(|(currency, day, rate)| {
            Some((currency, date_from_int(day)?, Decimal::from_str_exact(&rate).ok()?))
        })))
    }

    /// `amount` in USD, or `None` when `currency` has no rate on or before `day`.
    pub fn to_usd(&self, amount: Decimal, currency: &str, day: NaiveDate) -> Option<Decimal> {
        let code = currency.trim().to_uppercase();
        if code == "USD" {
            return Some(amount);
        }
        let rates = self.by_currency.get(&code)?;
        let upto = rates.partition_point(|(d, _)| *d <= day);
        let (_, rate) = rates.get(upto.checked_sub(1)?)?;
        amount.checked_mul(*rate)
    }
}

/// A sum in USD that remembers which currencies could not be converted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsdSum {
    total: Decimal,
    missing: BTreeSet<String>,
    any: bool,
}

impl UsdSum {
    pub fn add(&mut self, rates: &Rates, amount: Decimal, currency: &str, day: NaiveDate) {
        self.any = true;
        match rates.to_usd(amount, currency, day) {
            Some(usd) => self.total += usd,
            None => {
                self.missing.insert(currency.trim().to_uppercase());
            }
        }
    }

    /// Adds another sum (its missing currencies included).
    pub fn merge(&mut self, other: &UsdSum) {
        self.total += other.total;
        self.missing.extend(other.missing.iter().cloned());
        self.any |= other.any;
    }

    /// The total; `Ok(None)` when nothing was added; `Err` with the currencies lacking a rate.
    pub fn result(&self) -> Result<Option<Decimal>, Vec<String>> {
        if !self.missing.is_empty() {
            return Err(self.missing.iter().cloned().collect());
        }
        Ok(self.any.then_some(self.total))
    }
}

/// The warning shown when amounts could not be converted.
pub fn missing_rate_warning(what: &str, currencies: &[String]) -> String {
    format!(
        "{what}: no exchange rate for {} on or before the amounts' dates; import rates \
         (date,currency,usd_per_unit) to include them",
        currencies.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("decimal")
    }

    fn rates() -> Rates {
        Rates::from_rows([
            ("eur".to_string(), d("2025-02-01"), dec("1.05")),
            ("EUR".to_string(), d("2025-01-01"), dec("1.10")),
            ("GBP".to_string(), d("2025-01-15"), dec("1.25")),
        ])
    }

    #[test]
    fn usd_is_taken_as_is() {
        assert_eq!(
            Rates::default().to_usd(dec("1.234567890123"), "usd", d("2020-01-01")),
            Some(dec("1.234567890123"))
        );
    }

    #[test]
    fn the_rate_of_the_day_or_the_latest_before_it() {
        let r = rates();
        assert_eq!(r.to_usd(dec("10"), "EUR", d("2025-01-01")), Some(dec("11.00")));
        assert_eq!(r.to_usd(dec("10"), "EUR", d("2025-01-31")), Some(dec("11.00")));
        assert_eq!(r.to_usd(dec("10"), "EUR", d("2025-02-01")), Some(dec("10.50")));
        assert_eq!(
            r.to_usd(dec("-2"), "EUR", d("2026-01-01")),
            Some(dec("-2.10")),
            "corrections convert too"
        );
        assert_eq!(r.to_usd(dec("10"), "EUR", d("2024-12-31")), None, "no rate before the first one");
        assert_eq!(r.to_usd(dec("10"), "SEK", d("2025-06-01")), None);
    }

    #[test]
    fn a_sum_with_an_unconvertible_amount_is_unknown_and_names_the_currency() {
        let r = rates();
        let mut sum = UsdSum::default();
        assert_eq!(sum.result(), Ok(None), "nothing added is no data, not zero");
        sum.add(&r, dec("1.5"), "USD", d("2025-03-01"));
        sum.add(&r, dec("10"), "EUR", d("2025-03-01"));
        assert_eq!(sum.result(), Ok(Some(dec("12.00"))));
        sum.add(&r, dec("3"), "sek", d("2025-03-01"));
        sum.add(&r, dec("1"), "GBP", d("2025-01-01"));
        assert_eq!(sum.result(), Err(vec!["GBP".to_string(), "SEK".to_string()]));
        let warning = missing_rate_warning("revenue_usd", &["SEK".to_string()]);
        assert!(warning.contains("SEK") && warning.contains("revenue_usd"), "{warning}");
    }
}
