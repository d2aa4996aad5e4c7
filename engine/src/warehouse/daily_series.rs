//! `daily_series` (migration 0005): a source's daily facts summed per series and day with running
//! totals, rebuilt from `daily_facts` in the transaction of every file that changes them.
//!
//! The rules applied here, once, instead of in every query:
//! - a day's account-level figure (entity 0) beats its per-entity ones (a YouTube channel total
//!   and its videos), so a day is never counted twice;
//! - money is converted to USD at the rate of its day (or the latest before); an amount without a
//!   rate is counted as missing and its currency named;
//! - snapshots (followers) carry the last known value; the all-artists series adds each artist's;
//! - YouTube's net subscribers: the exported net figure, else gained − lost;
//! - source `streams`: for each (platform, day) Spotify for Artists' figure when it reports that
//!   day for any artist, else TooLost's.

use std::collections::{BTreeMap, BTreeSet};

use model::SourceId;
use rust_decimal::Decimal;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::metric;
use crate::{kpi::currency::Rates, time::date_from_int};

/// The all-artists series' artist id.
pub const ALL_ARTISTS: i64 = -1;
/// The derived source of the Streams rule.
pub const STREAMS: &str = "streams";
/// The part of a Meta campaign's own ad spend series: this followed by its entity id. The chart
/// of spend per campaign reads two running totals per campaign instead of every campaign-day.
pub const CAMPAIGN_PART: &str = "campaign:";

/// (metric, part, artist, day).
type Key = (String, String, i64, i64);

/// One series' figure for one day.
#[derive(Clone, Debug, Default)]
struct Day {
    value: Option<i64>,
    amount: Option<Decimal>,
    missing: BTreeSet<String>,
    missing_count: i64,
}

impl Day {
    fn add(&mut self, other: &Day) {
        if let Some(v) = other.value {
            self.value = Some(self.value.unwrap_or(0) + v);
        }
        if let Some(a) = other.amount {
            self.amount = Some(self.amount.unwrap_or_default() + a);
        }
        self.missing.extend(other.missing.iter().cloned());
        self.missing_count += other.missing_count;
    }
}

/// Rebuilds the series of `source` (and the Streams rule's when it feeds it).
pub async fn refresh(
    conn: &mut SqliteConnection,
    source: SourceId,
    rates: &Rates,
) -> Result<(), sqlx::Error> {
    let days = source_days(conn, source, rates).await?;
    write(conn, source.as_str(), days).await?;
    if matches!(source, SourceId::Spotify | SourceId::Toolost) {
        refresh_streams(conn).await?;
    }
    Ok(())
}

/// Rebuilds every source's series (after exchange rates change, or on a database that predates
/// the table).
pub async fn refresh_all(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let rates = Rates::load_on(conn).await?;
    for source in SourceId::ALL {
        refresh(conn, source, &rates).await?;
    }
    Ok(())
}

/// Whether daily facts exist that the series have not seen (only after upgrading a database).
pub async fn needs_refresh(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    super::derived_is_missing(conn, "daily_facts", "daily_series").await
}

/// The source's days per (metric, part, artist), the rules applied.
async fn source_days(
    conn: &mut SqliteConnection,
    source: SourceId,
    rates: &Rates,
) -> Result<BTreeMap<Key, Day>, sqlx::Error> {
    type Row =
        (String, i64, i64, Option<String>, Option<String>, i64, Option<i64>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT f.metric, f.artist_id, f.entity_id, e.kind, e.key, f.day, f.value, f.amount, f.currency \
         FROM daily_facts f LEFT JOIN entities e ON e.id = f.entity_id WHERE f.source = ?",
    )
    .bind(source.as_str())
    .fetch_all(&mut *conn)
    .await?;
    // Per (metric, part, artist, day): the account's figure and the entities' sum.
    let mut account: BTreeMap<Key, Day> = BTreeMap::new();
    let mut entities: BTreeMap<Key, Day> = BTreeMap::new();
    for (metric, artist, entity, kind, key, day, value, amount, currency) in rows {
        let part = match kind.as_deref() {
            Some("platform") => key.unwrap_or_default(),
            Some("campaign") if metric == metric::AD_SPEND => format!("{CAMPAIGN_PART}{entity}"),
            _ => String::new(),
        };
        let mut figure = Day { value, ..Day::default() };
        if let Some(amount) = amount {
            // Written by the loader from a Decimal: a value that no longer parses is corrupt.
            let amount = Decimal::from_str_exact(&amount).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            match currency {
                Some(currency) => {
                    match rates.to_usd(amount, &currency, date_from_int(day).unwrap_or_default()) {
                        Some(usd) => figure.amount = Some(usd),
                        None => {
                            figure.missing.insert(currency.trim().to_uppercase());
                            figure.missing_count = 1;
                        }
                    }
                }
                None => figure.amount = Some(amount),
            }
        }
        let target = if entity == 0 { &mut account } else { &mut entities };
        if !part.is_empty() {
            // Platforms and campaigns are also added up into the source's total.
            target.entry((metric.clone(), String::new(), artist, day)).or_default().add(&figure);
        }
        target.entry((metric, part, artist, day)).or_default().add(&figure);
    }
    for (key, day) in entities {
        account.entry(key).or_insert(day);
    }
    if source == SourceId::Youtube {
        add_youtube_net(&mut account);
    }
    Ok(account)
}

/// Net subscribers per artist and day: the net figure, else gained − lost.
fn add_youtube_net(days: &mut BTreeMap<Key, Day>) {
    let mut net: BTreeMap<(i64, i64), (Option<i64>, i64)> = BTreeMap::new();
    for ((m, _, artist, day), figure) in days.iter() {
        let Some(v) = figure.value else { continue };
        let entry = net.entry((*artist, *day)).or_default();
        match m.as_str() {
            metric::SUBSCRIBERS_NET => entry.0 = Some(v),
            metric::SUBSCRIBERS_GAINED => entry.1 += v,
            metric::SUBSCRIBERS_LOST => entry.1 -= v,
            _ => {}
        }
    }
    for ((artist, day), (exported, difference)) in net {
        let value = exported.unwrap_or(difference);
        let key = (metric::SUBSCRIBERS_NET_TOTAL.to_string(), String::new(), artist, day);
        days.insert(key, Day { value: Some(value), ..Day::default() });
    }
}

/// The Streams rule over the stored Spotify and TooLost series, per platform and in total.
async fn refresh_streams(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let rows: Vec<(String, String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT source, part, artist_id, day, value FROM daily_series \
         WHERE source IN (?1, ?2) AND metric = ?3 AND part <> '' AND artist_id <> ?4",
    )
    .bind(SourceId::Spotify.as_str())
    .bind(SourceId::Toolost.as_str())
    .bind(metric::STREAMS)
    .bind(ALL_ARTISTS)
    .fetch_all(&mut *conn)
    .await?;
    let spotify_days: BTreeSet<(&str, i64)> =
        rows.iter().filter(|r| r.0 == SourceId::Spotify.as_str()).map(|r| (r.1.as_str(), r.3)).collect();
    let mut days: BTreeMap<Key, Day> = BTreeMap::new();
    for (source, part, artist, day, value) in &rows {
        let chosen = if spotify_days.contains(&(part.as_str(), *day)) {
            source == SourceId::Spotify.as_str()
        } else {
            source == SourceId::Toolost.as_str()
        };
        if !chosen {
            continue;
        }
        let figure = Day { value: *value, ..Day::default() };
        days.entry((metric::STREAMS.to_string(), part.clone(), *artist, *day)).or_default().add(&figure);
        days.entry((metric::STREAMS.to_string(), String::new(), *artist, *day)).or_default().add(&figure);
    }
    write(conn, STREAMS, days).await
}

/// Replaces `source`'s rows: each series per artist, the all-artists series, running totals.
async fn write(
    conn: &mut SqliteConnection,
    source: &str,
    days: BTreeMap<Key, Day>,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM daily_series WHERE source = ?").bind(source).execute(&mut *conn).await?;
    let mut all = all_artists(&days);
    let mut series = days;
    series.append(&mut all);

    let mut rows = Vec::with_capacity(series.len());
    let mut current: Option<(String, String, i64)> = None;
    let (mut days_cum, mut value_cum, mut amount_cum, mut missing_cum) = (0i64, 0i64, Decimal::ZERO, 0i64);
    let mut any_amount = false;
    for ((metric, part, artist, day), figure) in series {
        let id = (metric.clone(), part.clone(), artist);
        if current.as_ref() != Some(&id) {
            current = Some(id);
            (days_cum, value_cum, amount_cum, missing_cum, any_amount) = (0, 0, Decimal::ZERO, 0, false);
        }
        days_cum += 1;
        value_cum += figure.value.unwrap_or(0);
        if let Some(a) = figure.amount {
            amount_cum += a;
            any_amount = true;
        }
        missing_cum += figure.missing_count;
        let missing = (!figure.missing.is_empty())
            .then(|| figure.missing.iter().cloned().collect::<Vec<_>>().join(","));
        rows.push((
            metric,
            part,
            artist,
            day,
            figure.value,
            figure.amount.map(|a| a.to_string()),
            days_cum,
            value_cum,
            any_amount.then(|| amount_cum.to_string()),
            missing_cum,
            missing,
        ));
    }
    for chunk in rows.chunks(2000) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO daily_series (source, metric, part, artist_id, day, value, amount, days_cum, value_cum, \
             amount_cum, missing_cum, missing) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(source)
                .push_bind(&r.0)
                .push_bind(&r.1)
                .push_bind(r.2)
                .push_bind(r.3)
                .push_bind(r.4)
                .push_bind(&r.5)
                .push_bind(r.6)
                .push_bind(r.7)
                .push_bind(&r.8)
                .push_bind(r.9)
                .push_bind(&r.10);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The all-artists series: sums of the artists' days; for snapshots, the sum of each artist's
/// last known value on every day any of them reports.
fn all_artists(days: &BTreeMap<Key, Day>) -> BTreeMap<Key, Day> {
    let mut out: BTreeMap<Key, Day> = BTreeMap::new();
    let mut snapshots: BTreeMap<(String, String), BTreeMap<i64, BTreeMap<i64, Day>>> = BTreeMap::new();
    for ((m, part, artist, day), figure) in days {
        if metric::is_snapshot(m) {
            snapshots
                .entry((m.clone(), part.clone()))
                .or_default()
                .entry(*day)
                .or_default()
                .insert(*artist, figure.clone());
        } else {
            out.entry((m.clone(), part.clone(), ALL_ARTISTS, *day)).or_default().add(figure);
        }
    }
    for ((m, part), by_day) in snapshots {
        let mut last: BTreeMap<i64, Day> = BTreeMap::new();
        for (day, artists) in by_day {
            last.extend(artists);
            let mut total = Day::default();
            for figure in last.values() {
                total.add(figure);
            }
            out.insert((m.clone(), part.clone(), ALL_ARTISTS, day), total);
        }
    }
    out
}
