//! Every KPI of the catalogue for a period and its previous period: the one place the dashboard,
//! the server functions and `soundcheck kpi` get their numbers from.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use model::{Basis, KpiId, KpiKind, KpiReport, KpiValue};
use rust_decimal::Decimal;

use super::{
    Period,
    artist::{self, ArtistError},
    coverage::Coverages,
    currency::{Rates, missing_rate_warning},
    daily::{self, Cumulative, MissingRate, SeriesId},
    email::{EmailDays, EmailTotals},
    freshness::freshness,
    names,
    period::days_of_months,
    statements::{self, By, LineFilter},
    unattributed,
};
use crate::{
    Database,
    sources::country::territory_name,
    time::YearMonth,
    warehouse::{daily_series::STREAMS, metric},
};

#[derive(Clone, Debug)]
pub struct KpiQuery {
    pub period: Period,
    /// Any spelling of an artist; `None`: all artists.
    pub artist: Option<String>,
    pub today: NaiveDate,
    /// Also compute each KPI's trend over the period (the dashboard's sparklines).
    pub sparklines: bool,
    /// Statement KPIs of one store only (the dashboard's drill-down); daily KPIs are unaffected.
    pub store: Option<i64>,
    /// Streams of one platform only (`spotify`, `apple`); other KPIs are unaffected.
    pub platform: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum KpiError {
    #[error(transparent)]
    Artist(#[from] ArtistError),
    #[error("no store with id {0}")]
    UnknownStore(i64),
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
    /// `roas`: revenue of every store over the ad spend of the same reported sale months.
    roas_revenue: Option<Decimal>,
    roas_spend: Option<Decimal>,
    /// Set when nothing is known before the period: `spotify_followers_gained` counts from
    /// this day's value.
    followers_counted_from: Option<NaiveDate>,
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
    let mut warnings = BTreeSet::new();
    let period = query.period;
    let months = period.months();
    let previous_period = period.previous_daily();
    let (day_parts, month_parts) = if query.sparklines {
        (day_parts(period), month_parts(period, &months))
    } else {
        (Vec::new(), Vec::new())
    };
    // Every day whose running totals any figure needs: one lookup statement for all of them.
    let mut edges = BTreeSet::new();
    for part in [period, previous_period].iter().chain(&day_parts).chain(month_parts.iter().map(|(p, _)| p)) {
        edges.insert(part.from - Duration::days(1));
        edges.insert(part.to);
    }
    // What every part reads, loaded at once (one connection each).
    let (rates, cumulative, email, freshness, store, coverage) = tokio::try_join!(
        async { Rates::load(db).await.map_err(KpiError::from) },
        async {
            Cumulative::load(db, KPI_SERIES, &edges, artist_id, query.platform.as_deref())
                .await
                .map_err(KpiError::from)
        },
        async {
            EmailDays::load(db, previous_period.from, period.to, artist_id).await.map_err(KpiError::from)
        },
        async { freshness(db, query.today).await.map_err(KpiError::from) },
        async {
            match query.store {
                Some(id) => sqlx::query_as::<_, (i64, String)>("SELECT id, name FROM stores WHERE id = ?")
                    .bind(id)
                    .fetch_optional(db.pool())
                    .await?
                    .ok_or(KpiError::UnknownStore(id))
                    .map(Some),
                None => Ok(None),
            }
        },
        async { Coverages::load(db).await.map_err(KpiError::from) },
    )?;
    let ctx = Ctx {
        db,
        rates: &rates,
        cumulative: &cumulative,
        email: &email,
        artist: artist_id,
        store: store.as_ref().map(|s| s.0),
    };
    let reported_through = coverage.reported_through();
    let reported_months: Vec<YearMonth> =
        months.iter().copied().filter(|m| reported_through.is_some_and(|r| *m <= r)).collect();
    let previous_months = period.comparable_previous_months(reported_through);
    // The three parts run at once: SQLite serves each on its own connection (and thread).
    let (mut current_warnings, mut previous_warnings) = (BTreeSet::new(), BTreeSet::new());
    let (mut current, mut previous, sparklines, roas) = tokio::try_join!(
        ctx.figures(period, &months, true, &mut current_warnings),
        ctx.figures(previous_period, &previous_months, true, &mut previous_warnings),
        async {
            if query.sparklines {
                ctx.sparklines(&day_parts, &month_parts, reported_through).await
            } else {
                Ok(BTreeMap::new())
            }
        },
        ctx.roas_parts(&reported_months, &previous_months),
    )?;
    (current.roas_revenue, current.roas_spend) = roas.current.unwrap_or((current.revenue, None));
    (previous.roas_revenue, previous.roas_spend) = roas.previous.unwrap_or((previous.revenue, None));
    if query.store.is_none() {
        current.roas_revenue = current.revenue;
        previous.roas_revenue = previous.revenue;
    }
    if let Some(day) = current.followers_counted_from {
        warnings.insert(format!(
            "spotify_followers_gained counts from {day}, the first day with a follower count \
             (none is known before {})",
            period.from
        ));
    }
    warnings.extend(current_warnings);
    warnings.extend(previous_warnings);

    if months.is_empty() {
        warnings.insert(format!(
            "{}..{} holds no first day of a month: statements are monthly, so the revenue KPIs are empty",
            period.from, period.to
        ));
    }
    if artist.as_ref().is_some_and(|a| a.id != 0) {
        let left_out = unattributed::left_out(db, &rates, period, &months).await?;
        warnings.extend(unattributed::warning(&left_out));
    }

    // Short ranges (7, 28, 90 days) hold no reported month: show the latest one.
    let latest_reported = match reported_through {
        Some(month) if reported_months.is_empty() => {
            let figures = ctx.statement_figures(&[month], true, &mut BTreeSet::new()).await?;
            values(&figures).into_iter().filter(|(id, _)| is_monthly(*id) && *id != KpiId::Roas).collect()
        }
        _ => BTreeMap::new(),
    };
    let mut tops: Vec<(KpiId, String)> = Vec::new();
    for f in [&current, &previous] {
        tops.extend(f.top_track.clone().map(|t| (KpiId::TopTrack, t)));
        tops.extend(f.top_territory.clone().map(|t| (KpiId::TopTerritory, t)));
    }
    for (id, value) in &latest_reported {
        if let Some(KpiValue::Text(t)) = value {
            tops.push((*id, t.clone()));
        }
    }
    let mut display_names = BTreeMap::new();
    for (id, value) in tops {
        let name = match id {
            KpiId::TopTrack => names::track_by_isrc(db, &value).await?.map(|(_, n)| n.label()),
            KpiId::TopTerritory => Some(territory_name(&value)),
            _ => None,
        };
        display_names.extend(name.map(|n| (value, n)));
    }
    let mut kpis = values(&current);
    let mut previous_kpis = values(&previous);
    let change = |id: KpiId| change_pct(kpis.get(&id), previous_kpis.get(&id));
    let mut revenue_change = change(KpiId::RevenueUsd);
    let mut streams_change = change(KpiId::Streams);
    // A previous period that starts before the data would compare a whole period with a
    // partly empty one.
    if let (Some(first), Some((data_from, _))) = (previous_months.first(), coverage.statements())
        && *first < data_from
        && let Some(last) = previous_months.last()
    {
        revenue_change = None;
        warnings.insert(format!(
            "revenue_change_pct is left out: the previous period (sale months {first}..{last}) starts \
             before the statements do ({data_from})"
        ));
    }
    if let Some(data_from) = coverage.streams_from()
        && previous_period.from < data_from
    {
        streams_change = None;
        warnings.insert(format!(
            "streams_change_pct is left out: the previous period ({}..{}) starts before the streams \
             data does ({data_from})",
            previous_period.from, previous_period.to
        ));
    }
    let previous_month_start = previous_months.first().map(|m| m.first_day());
    let no_comparison = KpiId::ALL
        .iter()
        .filter(|id| id.kind() != KpiKind::Text)
        .filter_map(|&id| {
            let monthly = is_monthly(id);
            let previous_from = if monthly { previous_month_start? } else { previous_period.from };
            let data_from = coverage.data_from(id.sources(), monthly)?;
            (previous_from < data_from).then(|| (id, data_from.to_string()))
        })
        .collect();
    kpis.insert(KpiId::RevenueChangePct, revenue_change);
    kpis.insert(KpiId::StreamsChangePct, streams_change);
    previous_kpis.insert(KpiId::RevenueChangePct, None);
    previous_kpis.insert(KpiId::StreamsChangePct, None);

    Ok(KpiReport {
        from: period.from.to_string(),
        to: period.to.to_string(),
        artist: artist.map(|a| a.name),
        store: store.map(|s| s.1),
        kpis,
        previous: previous_kpis,
        freshness,
        has_months: !months.is_empty(),
        sale_months: months.iter().map(ToString::to_string).collect(),
        previous_sale_months: previous_months.iter().map(ToString::to_string).collect(),
        coverage: coverage.to_model(),
        reported_through: reported_through.map(|m| m.to_string()),
        no_comparison,
        latest_reported,
        display_names,
        sparklines,
        warnings: warnings.into_iter().collect(),
    })
}

/// `roas`'s own figures for the period and the previous one: (revenue of every store, ad spend
/// of the same reported sale months); `None` for a period without reported months.
#[derive(Default)]
struct RoasParts {
    current: Option<(Option<Decimal>, Option<Decimal>)>,
    previous: Option<(Option<Decimal>, Option<Decimal>)>,
}

/// The daily series the KPIs read (part '': all platforms and entities).
const KPI_SERIES: &[SeriesId] = &[
    (STREAMS, metric::STREAMS),
    ("spotify", metric::STREAMS),
    ("toolost", metric::STREAMS),
    ("spotify", metric::SAVES),
    ("spotify", metric::FOLLOWERS),
    ("tiktok", metric::VIDEO_VIEWS),
    ("tiktok", metric::PROFILE_VIEWS),
    ("tiktok", metric::LIKES),
    ("tiktok", metric::COMMENTS),
    ("tiktok", metric::SHARES),
    ("tiktok", metric::FOLLOWERS_GAINED),
    ("youtube", metric::VIEWS),
    ("youtube", metric::WATCH_HOURS),
    ("youtube", metric::SUBSCRIBERS_NET_TOTAL),
    ("youtube", metric::ESTIMATED_REVENUE),
    ("linktree", metric::LINK_VIEWS),
    ("linktree", metric::LINK_CLICKS),
    ("meta_ads", metric::AD_IMPRESSIONS),
    ("meta_ads", metric::AD_LINK_CLICKS),
    ("meta_ads", metric::AD_SPEND),
    ("mailchimp", metric::LIST_MEMBERS),
];

/// What every part of a report shares.
struct Ctx<'a> {
    db: &'a Database,
    rates: &'a Rates,
    cumulative: &'a Cumulative,
    email: &'a EmailDays,
    artist: Option<i64>,
    store: Option<i64>,
}

impl Ctx<'_> {
    /// The figures of `days` (daily facts) and `months` (statement lines); `tops`: also find the
    /// top store, track and territory.
    async fn figures(
        &self,
        days: Period,
        months: &[YearMonth],
        tops: bool,
        warnings: &mut BTreeSet<String>,
    ) -> Result<Figures, sqlx::Error> {
        let mut f = self.statement_figures(months, tops, warnings).await?;
        self.add_daily(&mut f, days, warnings).await?;
        Ok(f)
    }

    /// The daily figures of `days` into `f`.
    async fn add_daily(
        &self,
        f: &mut Figures,
        days: Period,
        warnings: &mut BTreeSet<String>,
    ) -> Result<(), sqlx::Error> {
        let c = self.cumulative;
        let (from, to) = (days.from, days.to);
        let count = |source: &'static str, m: &'static str| c.count((source, m), from, to);
        f.streams = count(STREAMS, metric::STREAMS);
        f.spotify_saves = count("spotify", metric::SAVES);
        f.spotify_followers = c.last_known(("spotify", metric::FOLLOWERS), to);
        f.spotify_followers_before = match c
            .last_known(("spotify", metric::FOLLOWERS), from - Duration::days(1))
        {
            Some(before) => Some(before),
            // Nothing known before the period: count from its first known value.
            None if f.spotify_followers.is_some() => {
                let first =
                    daily::first_known(self.db, ("spotify", metric::FOLLOWERS), days, self.artist).await?;
                f.followers_counted_from = first.map(|(day, _)| day);
                first.map(|(_, value)| value)
            }
            None => None,
        };
        f.tiktok_views = count("tiktok", metric::VIDEO_VIEWS);
        f.tiktok_profile_views = count("tiktok", metric::PROFILE_VIEWS);
        f.tiktok_followers_gained = count("tiktok", metric::FOLLOWERS_GAINED);
        f.tiktok_interactions = [metric::LIKES, metric::COMMENTS, metric::SHARES]
            .iter()
            .filter_map(|m| count("tiktok", m))
            .reduce(|a, b| a + b);
        f.youtube_views = count("youtube", metric::VIEWS);
        f.youtube_watch_hours = c.amount(("youtube", metric::WATCH_HOURS), from, to).ok().flatten();
        f.youtube_subscribers_net = count("youtube", metric::SUBSCRIBERS_NET_TOTAL);
        f.youtube_revenue =
            self.usd(("youtube", metric::ESTIMATED_REVENUE), "youtube_revenue_usd", days, warnings).await?;
        f.link_views = count("linktree", metric::LINK_VIEWS);
        f.link_clicks = count("linktree", metric::LINK_CLICKS);
        f.ad_impressions = count("meta_ads", metric::AD_IMPRESSIONS);
        f.ad_clicks = count("meta_ads", metric::AD_LINK_CLICKS);
        f.ad_spend = self.usd(("meta_ads", metric::AD_SPEND), "ad_spend_usd", days, warnings).await?;
        f.email = self.email.totals(from, to);
        f.email_subscribers = c.last_known(("mailchimp", metric::LIST_MEMBERS), to);
        Ok(())
    }

    /// A money series' USD sum; `None` and a warning naming the currencies without a rate.
    async fn usd(
        &self,
        series: SeriesId,
        what: &str,
        days: Period,
        warnings: &mut BTreeSet<String>,
    ) -> Result<Option<Decimal>, sqlx::Error> {
        match self.cumulative.amount(series, days.from, days.to) {
            Ok(total) => Ok(total),
            Err(MissingRate) => {
                let currencies =
                    self.cumulative.missing_currencies(self.db, series, days.from, days.to).await?;
                warnings.insert(missing_rate_warning(what, &currencies));
                Ok(None)
            }
        }
    }

    async fn statement_figures(
        &self,
        months: &[YearMonth],
        tops: bool,
        warnings: &mut BTreeSet<String>,
    ) -> Result<Figures, sqlx::Error> {
        let (db, rates) = (self.db, self.rates);
        let mut f = Figures::default();
        let lines = LineFilter { store: self.store, ..LineFilter::months(months, self.artist) };
        let total = statements::revenue(db, rates, &lines, By::Total).await?;
        let Some(group) = total.values().next() else { return Ok(f) };
        f.royalty_units = Some(group.quantity);
        f.revenue = match group.usd.result() {
            Ok(total) => total,
            Err(currencies) => {
                warnings.insert(missing_rate_warning("revenue_usd", &currencies));
                None
            }
        };
        if f.revenue.is_some() && tops {
            let (names, by_store, by_track, by_country) = tokio::try_join!(
                Names::load(db),
                statements::revenue(db, rates, &lines, By::Store),
                statements::revenue(db, rates, &lines, By::Track),
                statements::revenue(db, rates, &lines, By::Country),
            )?;
            f.top_store = statements::top(&by_store, |k| names.stores.get(&k.0).cloned()).ok().flatten();
            f.top_track = statements::top(&by_track, |k| names.isrcs.get(&k.0).cloned()).ok().flatten();
            f.top_territory =
                statements::top(&by_country, |k| (!k.2.is_empty()).then(|| k.2.clone())).ok().flatten();
        }
        f.avg_lag_days = statements::average_lag_days(db, &lines).await?;
        Ok(f)
    }

    /// `roas`'s revenue and spend for the reported months of the period and for the previous
    /// period's months: the spend of those whole months (also where they reach past the
    /// period), and the revenue of every store when the statement KPIs are of one store.
    async fn roas_parts(
        &self,
        reported: &[YearMonth],
        previous: &[YearMonth],
    ) -> Result<RoasParts, sqlx::Error> {
        let (current_days, previous_days) = (days_of_months(reported), days_of_months(previous));
        let edges: BTreeSet<NaiveDate> = [current_days, previous_days]
            .iter()
            .flatten()
            .flat_map(|p| [p.from - Duration::days(1), p.to])
            .collect();
        const SPEND: SeriesId = ("meta_ads", metric::AD_SPEND);
        let spend = Cumulative::load(self.db, &[SPEND], &edges, self.artist, None).await?;
        let mut parts = RoasParts::default();
        for (days, months, out) in
            [(current_days, reported, &mut parts.current), (previous_days, previous, &mut parts.previous)]
        {
            let Some(days) = days else { continue };
            let revenue = match self.store {
                Some(_) => {
                    let lines = LineFilter::months(months, self.artist);
                    let total = statements::revenue(self.db, self.rates, &lines, By::Total).await?;
                    total.values().next().and_then(|g| g.usd.result().ok().flatten())
                }
                None => None,
            };
            *out = Some((revenue, spend.amount(SPEND, days.from, days.to).ok().flatten()));
        }
        Ok(parts)
    }

    /// Each KPI over the parts: daily KPIs over `day_parts`, statement KPIs (and ratios built
    /// from them) over `month_parts`.
    async fn sparklines(
        &self,
        day_parts: &[Period],
        month_parts: &[(Period, YearMonth)],
        reported_through: Option<YearMonth>,
    ) -> Result<BTreeMap<KpiId, Vec<Option<Decimal>>>, sqlx::Error> {
        // Warnings of the parts repeat the whole period's.
        let mut ignored = BTreeSet::new();
        let mut by_days = Vec::new();
        for part in day_parts {
            by_days.push(values(&self.figures(*part, &[], false, &mut ignored).await?));
        }
        // The months' statement figures in two queries rather than two per month.
        let months: Vec<YearMonth> = month_parts.iter().map(|(_, m)| *m).collect();
        let lines = LineFilter { store: self.store, ..LineFilter::months(&months, self.artist) };
        let revenue = statements::revenue(self.db, self.rates, &lines, By::Month).await?;
        let lags = statements::lag_by_month(self.db, &lines).await?;
        let mut by_months = Vec::new();
        for (part, month) in month_parts {
            let mut f = Figures::default();
            if let Some(group) = revenue.get(&(month.as_int(), 0, String::new())) {
                f.royalty_units = Some(group.quantity);
                f.revenue = group.usd.result().ok().flatten();
            }
            f.avg_lag_days = lags
                .get(&month.as_int())
                .filter(|(_, lines)| *lines > 0)
                .map(|(days, lines)| Decimal::from(*days) / Decimal::from(*lines));
            self.add_daily(&mut f, *part, &mut ignored).await?;
            // A reported month's ROAS (its part is the whole month); one store's revenue is no
            // ROAS.
            let whole = days_of_months(&[*month]).is_some_and(|m| m == *part);
            if self.store.is_none() && whole && reported_through.is_some_and(|r| *month <= r) {
                (f.roas_revenue, f.roas_spend) = (f.revenue, f.ad_spend);
            }
            by_months.push(values(&f));
        }
        Ok(KpiId::ALL
            .iter()
            .filter(|id| {
                !matches!(id, KpiId::RevenueChangePct | KpiId::StreamsChangePct) && id.kind() != KpiKind::Text
            })
            .map(|&id| {
                let parts = if is_monthly(id) { &by_months } else { &by_days };
                let points = parts
                    .iter()
                    .map(|p| p.get(&id).cloned().flatten().and_then(|v| v.as_decimal()))
                    .collect();
                (id, points)
            })
            .collect())
    }
}

/// Statement KPIs and the ratios built from them: counted by sale month.
fn is_monthly(id: KpiId) -> bool {
    matches!(id, KpiId::Roas | KpiId::RevenuePer1kUnits) || id.basis() == Basis::Monthly
}

/// Points per sparkline at most.
const SPARKLINE_POINTS: i64 = 12;

/// Up to 12 runs of days covering the period.
fn day_parts(period: Period) -> Vec<Period> {
    let n = period.days().min(SPARKLINE_POINTS);
    (0..n)
        .map(|i| Period {
            from: period.from + Duration::days(i * period.days() / n),
            to: period.from + Duration::days((i + 1) * period.days() / n - 1),
        })
        .collect()
}

/// The period's months (the last 12 at most), each with its days inside the period.
fn month_parts(period: Period, months: &[YearMonth]) -> Vec<(Period, YearMonth)> {
    months[months.len().saturating_sub(SPARKLINE_POINTS as usize)..]
        .iter()
        .map(|month| {
            let next =
                month.first_day().checked_add_months(chrono::Months::new(1)).unwrap_or(month.first_day());
            (Period { from: month.first_day(), to: (next - Duration::days(1)).min(period.to) }, *month)
        })
        .collect()
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
                KpiId::Roas => ratio(f.roas_revenue, f.roas_spend, 1),
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
