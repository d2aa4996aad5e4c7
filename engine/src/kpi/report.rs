//! Every KPI of the catalogue for a period and its previous period: the one place the dashboard,
//! the server functions and `soundcheck kpi` get their numbers from.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use model::{Basis, KpiId, KpiKind, KpiReport, KpiValue, SourceId};
use rust_decimal::Decimal;

use super::{
    Period,
    artist::{self, ArtistError},
    currency::{Rates, UsdSum, missing_rate_warning},
    daily::{self, DayFilter},
    email::{self, EmailTotals},
    freshness::freshness,
    statements::{self, By, LineFilter},
};
use crate::{Database, time::YearMonth, warehouse::metric};

#[derive(Clone, Debug)]
pub struct KpiQuery {
    pub period: Period,
    /// Any spelling of an artist; `None`: all artists.
    pub artist: Option<String>,
    pub today: NaiveDate,
    /// Also compute each KPI's trend over the period (the dashboard's sparklines).
    pub sparklines: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum KpiError {
    #[error(transparent)]
    Artist(#[from] ArtistError),
    #[error("database error while computing KPIs: {0}")]
    Db(#[from] sqlx::Error),
}

/// The base figures every KPI is built from, for one period.
#[derive(Clone, Debug, Default)]
struct Figures {
    revenue: Option<Decimal>,
    royalty_units: Option<i64>,
    top_store: Option<String>,
    top_track: Option<String>,
    top_territory: Option<String>,
    avg_lag_days: Option<Decimal>,
    streams: Option<i64>,
    spotify_followers: Option<i64>,
    spotify_followers_before: Option<i64>,
    spotify_saves: Option<i64>,
    tiktok_views: Option<i64>,
    tiktok_profile_views: Option<i64>,
    tiktok_interactions: Option<i64>,
    tiktok_followers_gained: Option<i64>,
    youtube_views: Option<i64>,
    youtube_watch_hours: Option<Decimal>,
    youtube_subscribers_net: Option<i64>,
    youtube_revenue: Option<Decimal>,
    link_views: Option<i64>,
    link_clicks: Option<i64>,
    ad_spend: Option<Decimal>,
    ad_impressions: Option<i64>,
    ad_clicks: Option<i64>,
    email: EmailTotals,
    email_subscribers: Option<i64>,
}

/// Computes the report. An unknown artist is an error that lists the known ones.
#[tracing::instrument(skip(db), fields(from = %query.period.from, to = %query.period.to))]
pub async fn report(db: &Database, query: &KpiQuery) -> Result<KpiReport, KpiError> {
    let artist = match &query.artist {
        Some(name) => Some(artist::resolve(db, name).await?),
        None => None,
    };
    let artist_id = artist.as_ref().map(|a| a.id);
    let rates = Rates::load(db).await?;
    let mut warnings = BTreeSet::new();
    let period = query.period;
    let months = period.months();
    let current = figures(db, &rates, Some(period), &months, artist_id, true, &mut warnings).await?;
    let previous_months = period.previous_months();
    let previous =
        figures(db, &rates, Some(period.previous_daily()), &previous_months, artist_id, true, &mut warnings)
            .await?;
    let sparklines = if query.sparklines {
        sparklines(db, &rates, period, &months, artist_id).await?
    } else {
        BTreeMap::new()
    };

    if months.is_empty() {
        warnings.insert(format!(
            "{}..{} holds no first day of a month: statements are monthly, so the revenue KPIs are empty",
            period.from, period.to
        ));
    }
    if artist.is_some() {
        let month_ints = months.first().zip(months.last()).map(|(a, b)| (a.as_int(), b.as_int()));
        let left_out = daily::unattributed_sources(db, period.from, period.to, month_ints).await?;
        if !left_out.is_empty() {
            let names: Vec<&str> = left_out.iter().map(|s| s.display_name()).collect();
            warnings.insert(format!(
                "figures without an artist are left out under the artist filter: {}",
                names.join(", ")
            ));
        }
    }

    let mut kpis = values(&current);
    let mut previous_kpis = values(&previous);
    let change = |id: KpiId| change_pct(kpis.get(&id), previous_kpis.get(&id));
    let revenue_change = change(KpiId::RevenueUsd);
    let streams_change = change(KpiId::Streams);
    kpis.insert(KpiId::RevenueChangePct, revenue_change);
    kpis.insert(KpiId::StreamsChangePct, streams_change);
    previous_kpis.insert(KpiId::RevenueChangePct, None);
    previous_kpis.insert(KpiId::StreamsChangePct, None);

    Ok(KpiReport {
        from: period.from.to_string(),
        to: period.to.to_string(),
        artist: artist.map(|a| a.name),
        kpis,
        previous: previous_kpis,
        freshness: freshness(db, query.today).await?,
        has_months: !months.is_empty(),
        sparklines,
        warnings: warnings.into_iter().collect(),
    })
}

/// The figures of `days` (daily facts; skipped when `None`) and `months` (statement lines);
/// `tops`: also find the top store, track and territory.
async fn figures(
    db: &Database,
    rates: &Rates,
    days: Option<Period>,
    months: &[YearMonth],
    artist: Option<i64>,
    tops: bool,
    warnings: &mut BTreeSet<String>,
) -> Result<Figures, sqlx::Error> {
    let mut f = Figures::default();
    let mut usd = |what: &str, sum: UsdSum| match sum.result() {
        Ok(total) => total,
        Err(currencies) => {
            warnings.insert(missing_rate_warning(what, &currencies));
            None
        }
    };

    // Statements (monthly).
    let lines = LineFilter::months(months, artist);
    let total = statements::revenue(db, rates, &lines, By::Total).await?;
    if let Some(group) = total.values().next() {
        f.royalty_units = Some(group.quantity);
        f.revenue = usd("revenue_usd", group.usd.clone());
        if f.revenue.is_some() && tops {
            let names = Names::load(db).await?;
            let by_store = statements::revenue(db, rates, &lines, By::Store).await?;
            f.top_store = statements::top(&by_store, |k| names.stores.get(&k.0).cloned()).ok().flatten();
            let by_track = statements::revenue(db, rates, &lines, By::Track).await?;
            f.top_track = statements::top(&by_track, |k| names.isrcs.get(&k.0).cloned()).ok().flatten();
            let by_country = statements::revenue(db, rates, &lines, By::Country).await?;
            f.top_territory =
                statements::top(&by_country, |k| (!k.2.is_empty()).then(|| k.2.clone())).ok().flatten();
        }
        f.avg_lag_days = statements::average_lag_days(db, &lines).await?;
    }

    // Daily facts.
    let Some(days) = days else { return Ok(f) };
    let filter = DayFilter { from: days.from, to: days.to, artist };
    f.streams = daily::streams(db, &filter).await?;
    let spotify = daily::count_sums(db, SourceId::Spotify, &filter).await?;
    f.spotify_saves = spotify.get(metric::SAVES).copied();
    f.spotify_followers =
        daily::last_known(db, SourceId::Spotify, metric::FOLLOWERS, days.to, artist).await?;
    f.spotify_followers_before =
        daily::last_known(db, SourceId::Spotify, metric::FOLLOWERS, days.from - Duration::days(1), artist)
            .await?;

    let tiktok = daily::count_sums(db, SourceId::Tiktok, &filter).await?;
    f.tiktok_views = tiktok.get(metric::VIDEO_VIEWS).copied();
    f.tiktok_profile_views = tiktok.get(metric::PROFILE_VIEWS).copied();
    f.tiktok_followers_gained = tiktok.get(metric::FOLLOWERS_GAINED).copied();
    f.tiktok_interactions = [metric::LIKES, metric::COMMENTS, metric::SHARES]
        .iter()
        .filter_map(|m| tiktok.get(*m).copied())
        .reduce(|a, b| a + b);

    let youtube = daily::count_sums(db, SourceId::Youtube, &filter).await?;
    f.youtube_views = youtube.get(metric::VIEWS).copied();
    f.youtube_watch_hours = daily::amount_sum(db, SourceId::Youtube, metric::WATCH_HOURS, &filter).await?;
    f.youtube_subscribers_net = daily::youtube_net_subscribers(db, &filter).await?;
    let yt_revenue =
        daily::money_sum(db, rates, SourceId::Youtube, metric::ESTIMATED_REVENUE, &filter).await?;
    f.youtube_revenue = usd("youtube_revenue_usd", yt_revenue);

    let linktree = daily::count_sums(db, SourceId::Linktree, &filter).await?;
    f.link_views = linktree.get(metric::LINK_VIEWS).copied();
    f.link_clicks = linktree.get(metric::LINK_CLICKS).copied();

    let meta = daily::count_sums(db, SourceId::MetaAds, &filter).await?;
    f.ad_impressions = meta.get(metric::AD_IMPRESSIONS).copied();
    f.ad_clicks = meta.get(metric::AD_LINK_CLICKS).copied();
    let spend = daily::money_sum(db, rates, SourceId::MetaAds, metric::AD_SPEND, &filter).await?;
    f.ad_spend = usd("ad_spend_usd", spend);

    f.email = email::totals(db, days.from, days.to, artist).await?;
    f.email_subscribers =
        daily::last_known(db, SourceId::Mailchimp, metric::LIST_MEMBERS, days.to, artist).await?;
    Ok(f)
}

/// Points per sparkline at most.
const SPARKLINE_POINTS: i64 = 12;

/// Each KPI over consecutive parts of the period: daily KPIs over up to 12 runs of days,
/// statement KPIs (and ratios built from them) month by month, the last 12 months at most.
async fn sparklines(
    db: &Database,
    rates: &Rates,
    period: Period,
    months: &[YearMonth],
    artist: Option<i64>,
) -> Result<BTreeMap<KpiId, Vec<Option<Decimal>>>, sqlx::Error> {
    // Warnings of the parts repeat the whole period's.
    let mut ignored = BTreeSet::new();
    let mut by_days = Vec::new();
    let n = period.days().min(SPARKLINE_POINTS);
    for i in 0..n {
        let from = period.from + Duration::days(i * period.days() / n);
        let to = period.from + Duration::days((i + 1) * period.days() / n - 1);
        let part = Period { from, to };
        by_days.push(values(&figures(db, rates, Some(part), &[], artist, false, &mut ignored).await?));
    }
    let mut by_months = Vec::new();
    let recent = &months[months.len().saturating_sub(SPARKLINE_POINTS as usize)..];
    for month in recent {
        let next = month.first_day().checked_add_months(chrono::Months::new(1)).unwrap_or(month.first_day());
        let part = Period { from: month.first_day(), to: (next - Duration::days(1)).min(period.to) };
        by_months
            .push(values(&figures(db, rates, Some(part), &[*month], artist, false, &mut ignored).await?));
    }
    let monthly =
        |id: KpiId| matches!(id, KpiId::Roas | KpiId::RevenuePer1kUnits) || id.basis() == Basis::Monthly;
    Ok(KpiId::ALL
        .iter()
        .filter(|id| {
            !matches!(id, KpiId::RevenueChangePct | KpiId::StreamsChangePct) && id.kind() != KpiKind::Text
        })
        .map(|&id| {
            let parts = if monthly(id) { &by_months } else { &by_days };
            let points =
                parts.iter().map(|p| p.get(&id).cloned().flatten().and_then(|v| v.as_decimal())).collect();
            (id, points)
        })
        .collect())
}

/// Store names and track ISRCs by id (small dimension tables).
struct Names {
    stores: HashMap<i64, String>,
    isrcs: HashMap<i64, String>,
}

impl Names {
    async fn load(db: &Database) -> Result<Self, sqlx::Error> {
        let stores: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM stores").fetch_all(db.pool()).await?;
        let isrcs: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, isrc FROM tracks").fetch_all(db.pool()).await?;
        Ok(Self { stores: stores.into_iter().collect(), isrcs: isrcs.into_iter().collect() })
    }
}

/// `num / den × scale`; `None` when either is unknown or the denominator is 0.
fn ratio(num: Option<Decimal>, den: Option<Decimal>, scale: i64) -> Option<KpiValue> {
    let (num, den) = (num?, den?);
    if den.is_zero() {
        return None;
    }
    num.checked_mul(Decimal::from(scale))?.checked_div(den).map(KpiValue::Number)
}

fn dec(v: Option<i64>) -> Option<Decimal> {
    v.map(Decimal::from)
}

fn values(f: &Figures) -> BTreeMap<KpiId, Option<KpiValue>> {
    let count = |v: Option<i64>| v.map(KpiValue::Count);
    let money = |v: Option<Decimal>| v.map(KpiValue::Money);
    let text = |v: &Option<String>| v.clone().map(KpiValue::Text);
    let streams = dec(f.streams);
    KpiId::ALL
        .iter()
        .map(|&id| {
            let value = match id {
                KpiId::RevenueUsd => money(f.revenue),
                // Filled in by `report`, which has both periods.
                KpiId::RevenueChangePct | KpiId::StreamsChangePct => None,
                KpiId::RoyaltyUnits => count(f.royalty_units),
                KpiId::RevenuePer1kUnits => ratio(f.revenue, dec(f.royalty_units), 1000),
                KpiId::TopStore => text(&f.top_store),
                KpiId::TopTrack => text(&f.top_track),
                KpiId::TopTerritory => text(&f.top_territory),
                KpiId::AvgReportingLagDays => f.avg_lag_days.map(KpiValue::Number),
                KpiId::Streams => count(f.streams),
                KpiId::SpotifyFollowers => count(f.spotify_followers),
                KpiId::SpotifyFollowersGained => {
                    count(f.spotify_followers.zip(f.spotify_followers_before).map(|(a, b)| a - b))
                }
                KpiId::SpotifySaves => count(f.spotify_saves),
                KpiId::TiktokViews => count(f.tiktok_views),
                KpiId::TiktokProfileViews => count(f.tiktok_profile_views),
                KpiId::TiktokEngagementRate => ratio(dec(f.tiktok_interactions), dec(f.tiktok_views), 1),
                KpiId::TiktokFollowersGained => count(f.tiktok_followers_gained),
                KpiId::YoutubeViews => count(f.youtube_views),
                KpiId::YoutubeWatchHours => f.youtube_watch_hours.map(KpiValue::Number),
                KpiId::YoutubeSubscribersGained => count(f.youtube_subscribers_net),
                KpiId::YoutubeRevenueUsd => money(f.youtube_revenue),
                KpiId::LinkViews => count(f.link_views),
                KpiId::LinkClicks => count(f.link_clicks),
                KpiId::LinkCtr => ratio(dec(f.link_clicks), dec(f.link_views), 1),
                KpiId::AdSpendUsd => money(f.ad_spend),
                KpiId::AdImpressions => count(f.ad_impressions),
                KpiId::AdClicks => count(f.ad_clicks),
                KpiId::AdCpmUsd => ratio(f.ad_spend, dec(f.ad_impressions), 1000),
                KpiId::AdCpcUsd => ratio(f.ad_spend, dec(f.ad_clicks), 1),
                KpiId::AdCtr => ratio(dec(f.ad_clicks), dec(f.ad_impressions), 1),
                KpiId::Roas => ratio(f.revenue, f.ad_spend, 1),
                KpiId::CostPer1kStreamsUsd => ratio(f.ad_spend, streams, 1000),
                KpiId::EmailCampaignsSent => count(f.email.campaigns),
                KpiId::EmailDelivered => count(f.email.delivered),
                KpiId::EmailOpenRate => ratio(dec(f.email.unique_opens), dec(f.email.delivered), 1),
                KpiId::EmailClickRate => ratio(dec(f.email.unique_clicks), dec(f.email.delivered), 1),
                KpiId::EmailUnsubscribeRate => ratio(dec(f.email.unsubscribes), dec(f.email.delivered), 1),
                KpiId::EmailSubscribers => count(f.email_subscribers),
            };
            (id, value)
        })
        .collect()
}

/// (current − previous) / previous × 100; `None` when either is unknown or previous is 0.
fn change_pct(current: Option<&Option<KpiValue>>, previous: Option<&Option<KpiValue>>) -> Option<KpiValue> {
    let current = current?.as_ref()?.as_decimal()?;
    let previous = previous?.as_ref()?.as_decimal()?;
    ratio(Some(current - previous), Some(previous), 100)
}
