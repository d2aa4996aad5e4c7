//! Statement figures (DistroKid, TooLost) from the revenue rollups: revenue in USD grouped by a
//! dimension, royalty units and the reporting lag, for the months of a period.

use std::collections::HashMap;

use rust_decimal::Decimal;
use sqlx::{QueryBuilder, Sqlite};

use super::currency::{Rates, UsdSum};
use crate::{
    Database,
    time::{YearMonth, date_from_int},
    warehouse::money,
};

/// Which statement lines to sum.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineFilter {
    /// Sale months, both included; `None`: the period has no first day of a month (no lines).
    pub months: Option<(YearMonth, YearMonth)>,
    pub artist: Option<i64>,
    pub store: Option<i64>,
    pub track: Option<i64>,
    pub source: Option<model::SourceId>,
    /// A territory's lines only (a country code as stored).
    pub country: Option<Country>,
}

/// A two-letter territory code, kept `Copy` like the rest of a [`LineFilter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country([u8; 2]);

impl Country {
    /// Two ASCII capitals, as the statements store them; `None` for anything else.
    pub fn parse(code: &str) -> Option<Self> {
        match code.as_bytes() {
            &[a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some(Self([a, b])),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl LineFilter {
    pub fn months(months: &[YearMonth], artist: Option<i64>) -> Self {
        let months = months.first().zip(months.last()).map(|(a, b)| (*a, *b));
        Self { months, artist, store: None, track: None, source: None, country: None }
    }
}

/// How revenue is grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Total,
    Store,
    Track,
    Country,
    Month,
    MonthStore,
}

/// A group's key: (first id, second id, text); unused parts are 0 / "".
/// Store: (store_id, 0, ""), Track: (track_id, 0, ""), Country: (0, 0, code), Month: (YYYYMM, 0,
/// ""), MonthStore: (YYYYMM, store_id, "").
pub type GroupKey = (i64, i64, String);

#[derive(Clone, Debug, Default)]
pub struct Group {
    pub usd: UsdSum,
    pub quantity: i64,
    pub lines: i64,
}

impl By {
    fn key_columns(self) -> &'static str {
        match self {
            By::Total => "0, 0, ''",
            By::Store => "store_id, 0, ''",
            By::Track => "track_id, 0, ''",
            By::Country => "0, 0, country",
            By::Month => "sale_month, 0, ''",
            By::MonthStore => "sale_month, store_id, ''",
        }
    }
}

/// Where a grouping with its filters is summed: the smallest rollup that has both, or the
/// track's own lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sums {
    Rollup(&'static str),
    /// One track in one store by territory: no rollup has the three (it would be as big as the
    /// lines), so the track's runs of lines are read (migration 0013).
    TrackLines(i64),
}

fn sums_for(by: By, filter: &LineFilter) -> Sums {
    // One territory: the rollups that have the country (by store, or by track; not both).
    if filter.country.is_some() {
        return match (by, filter.track, filter.store) {
            (By::Country | By::Total | By::Month, None, _) | (By::Store | By::MonthStore, None, _) => {
                Sums::Rollup("revenue_by_store_country")
            }
            (_, Some(track), Some(_)) => Sums::TrackLines(track),
            _ => Sums::Rollup("revenue_by_track_country"),
        };
    }
    match (by, filter.track, filter.store) {
        (By::Country, Some(track), Some(_)) => Sums::TrackLines(track),
        (By::Country, Some(_), None) => Sums::Rollup("revenue_by_track_country"),
        (By::Country, None, Some(_)) => Sums::Rollup("revenue_by_store_country"),
        (By::Country, None, None) => Sums::Rollup("revenue_by_country"),
        (By::Track, ..) | (_, Some(_), _) => Sums::Rollup("revenue_by_track"),
        _ => Sums::Rollup("revenue_by_store"),
    }
}

fn push_filter(
    qb: &mut QueryBuilder<'_, Sqlite>,
    filter: &LineFilter,
    (first, last): (YearMonth, YearMonth),
) {
    qb.push(" WHERE sale_month BETWEEN ").push_bind(first.as_int()).push(" AND ").push_bind(last.as_int());
    if let Some(artist) = filter.artist {
        qb.push(" AND artist_id = ").push_bind(artist);
    }
    if let Some(store) = filter.store {
        qb.push(" AND store_id = ").push_bind(store);
    }
    if let Some(track) = filter.track {
        qb.push(" AND track_id = ").push_bind(track);
    }
    if let Some(source) = filter.source {
        qb.push(" AND source = ").push_bind(source.as_str());
    }
    if let Some(country) = filter.country {
        qb.push(" AND country = ").push_bind(country.as_str().to_string());
    }
}

/// Revenue (converted to USD at each amount's rate day), units and lines per group.
pub async fn revenue(
    db: &Database,
    rates: &Rates,
    filter: &LineFilter,
    by: By,
) -> Result<HashMap<GroupKey, Group>, sqlx::Error> {
    let mut groups: HashMap<GroupKey, Group> = HashMap::new();
    let Some(months) = filter.months else { return Ok(groups) };
    let mut qb = match sums_for(by, filter) {
        Sums::TrackLines(track) => {
            let mut qb = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {}, currency, {}, SUM(earnings_whole), {}, COUNT(earnings_rest), \
                 SUM(quantity), COUNT(*) FROM (SELECT lines.* FROM statement_line_runs AS runs \
                 JOIN statement_lines AS lines ON lines.id BETWEEN runs.first_id AND runs.last_id \
                 WHERE runs.track_id = ",
                by.key_columns().replace("country", "COALESCE(country, '')"),
                crate::warehouse::rollup::RATE_DAY,
                money::SQL_PICO_SUMS
            ));
            qb.push_bind(track).push(")");
            qb
        }
        Sums::Rollup(table) => QueryBuilder::<Sqlite>::new(format!(
            "SELECT {}, currency, rate_day, SUM(earnings_whole), {}, SUM(rest_lines), \
             SUM(quantity), SUM(lines) FROM {table}",
            by.key_columns(),
            money::SQL_PICO_SUMS
        )),
    };
    push_filter(&mut qb, filter, months);
    qb.push(" GROUP BY 1, 2, 3, 4, 5");
    type Row = (i64, i64, String, String, i64, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db.pool()).await?;
    let mut any_rest = false;
    for (k1, k2, k3, currency, rate_day, whole, millions, picos, rest_lines, quantity, lines) in rows {
        any_rest |= rest_lines > 0;
        let group = groups.entry((k1, k2, k3)).or_default();
        add_amount(&mut group.usd, rates, money::join_sums(whole, millions, picos), &currency, rate_day);
        group.quantity += quantity;
        group.lines += lines;
    }
    if any_rest {
        add_rests(db, rates, filter, by, months, &mut groups).await?;
    }
    Ok(groups)
}

fn add_amount(usd: &mut UsdSum, rates: &Rates, amount: Decimal, currency: &str, rate_day: i64) {
    let day = date_from_int(rate_day).unwrap_or_default();
    usd.add(rates, amount, currency, day);
}

/// Digits beyond 1e-12 are not in the rollups: add them from the few lines that have them.
async fn add_rests(
    db: &Database,
    rates: &Rates,
    filter: &LineFilter,
    by: By,
    months: (YearMonth, YearMonth),
    groups: &mut HashMap<GroupKey, Group>,
) -> Result<(), sqlx::Error> {
    let keys = by
        .key_columns()
        .replace("track_id", "COALESCE(track_id, 0)")
        .replace("country", "COALESCE(country, '')");
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {keys}, currency, {}, earnings_rest FROM statement_lines",
        crate::warehouse::rollup::RATE_DAY
    ));
    let lines_filter = LineFilter { artist: None, ..*filter };
    push_filter(&mut qb, &lines_filter, months);
    if let Some(artist) = filter.artist {
        qb.push(" AND COALESCE(artist_id, 0) = ").push_bind(artist);
    }
    qb.push(" AND earnings_rest IS NOT NULL");
    let rows: Vec<(i64, i64, String, String, i64, String)> = qb.build_query_as().fetch_all(db.pool()).await?;
    for (k1, k2, k3, currency, rate_day, rest) in rows {
        // Written by the loader from a Decimal: a value that no longer parses is a corrupt row.
        let rest = Decimal::from_str_exact(&rest).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let group = groups.entry((k1, k2, k3)).or_default();
        add_amount(&mut group.usd, rates, rest, &currency, rate_day);
    }
    Ok(())
}

/// Mean days from the first day of the sale month to the reporting date, over the lines.
pub async fn average_lag_days(db: &Database, filter: &LineFilter) -> Result<Option<Decimal>, sqlx::Error> {
    let by_month = lag_by_month(db, filter).await?;
    let (days, lines) = by_month.values().fold((0, 0), |(d, l), (days, lines)| (d + days, l + lines));
    Ok((lines > 0).then(|| Decimal::from(days) / Decimal::from(lines)))
}

/// Per sale month (YYYYMM): the days from its first day to the lines' reporting dates, added up,
/// and the number of lines.
pub async fn lag_by_month(
    db: &Database,
    filter: &LineFilter,
) -> Result<HashMap<i64, (i64, i64)>, sqlx::Error> {
    let mut out = HashMap::new();
    let Some(months) = filter.months else { return Ok(out) };
    let mut qb =
        QueryBuilder::<Sqlite>::new("SELECT sale_month, reporting_date, SUM(lines) FROM revenue_by_store");
    push_filter(&mut qb, filter, months);
    qb.push(" GROUP BY 1, 2");
    let rows: Vec<(i64, i64, i64)> = qb.build_query_as().fetch_all(db.pool()).await?;
    for (month_int, reporting, n) in rows {
        let (Some(month), Some(reporting)) = (YearMonth::from_int(month_int), date_from_int(reporting))
        else {
            continue;
        };
        let entry: &mut (i64, i64) = out.entry(month_int).or_default();
        entry.0 += (reporting - month.first_day()).num_days() * n;
        entry.1 += n;
    }
    Ok(out)
}

/// The key with the highest revenue; ties go to the smallest name. `Err` when a group's revenue
/// is unknown (an amount without a rate): the top is unknown too.
pub fn top(
    groups: &HashMap<GroupKey, Group>,
    name: impl Fn(&GroupKey) -> Option<String>,
) -> Result<Option<String>, Vec<String>> {
    let mut best: Option<(Decimal, String)> = None;
    for (key, group) in groups {
        let Some(total) = group.usd.result()? else { continue };
        let Some(name) = name(key) else { continue };
        let better = match &best {
            None => true,
            Some((b, n)) => total > *b || (total == *b && name < *n),
        };
        if better {
            best = Some((total, name));
        }
    }
    Ok(best.map(|(_, n)| n))
}
