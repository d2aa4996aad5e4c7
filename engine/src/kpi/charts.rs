//! The dashboard's charts, computed with the same rules as the KPIs (statement months, the
//! Streams rule, the currency rule, the artist filter).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use model::{ChartData, ChartId, Series, SeriesKind, SourceId, Unit};
use rust_decimal::Decimal;

use super::{
    KpiError, Period,
    artist::resolve,
    currency::{Rates, UsdSum, missing_rate_warning},
    daily, email, names,
    statements::{self, By, Group, GroupKey, LineFilter},
};
use crate::{
    Database,
    sources::country::territory_name,
    time::YearMonth,
    warehouse::{daily_series::STREAMS, metric},
};

/// Bars shown at most in a ranking; the rest are summed as "Other".
const RANKED: usize = 15;
/// Stores with their own colour in the monthly stack; the rest are "Other stores".
const STACKED: usize = 7;

#[derive(Clone, Debug)]
pub struct ChartQuery {
    pub chart: ChartId,
    pub period: Period,
    pub artist: Option<String>,
    /// Streams of one platform only.
    pub platform: Option<String>,
    /// Drill-down: the store (id) whose tracks are shown.
    pub store: Option<i64>,
    /// Drill-down: the track (ISRC) whose territories and months are shown.
    pub track: Option<String>,
    /// Drill-down: the territory (country code) whose stores and tracks are shown.
    pub territory: Option<String>,
    /// Drill-down: the ad campaign (entity id) whose days are shown.
    pub campaign: Option<i64>,
}

/// One chart's data, or an error for an unknown artist or a database failure.
#[tracing::instrument(skip(db), fields(chart = query.chart.as_str()))]
pub async fn chart(db: &Database, query: &ChartQuery) -> Result<ChartData, KpiError> {
    let artist = match &query.artist {
        Some(name) => Some(resolve(db, name).await?.id),
        None => None,
    };
    let rates = Rates::load(db).await?;
    let ctx = Ctx { db, rates: &rates, period: query.period, artist, platform: query.platform.as_deref() };
    let territory = query.territory.as_deref().unwrap_or_default();
    let mut chart = match query.chart {
        ChartId::RevenueByMonth => ctx.revenue_by_month().await?,
        ChartId::StreamsByPlatform => ctx.streams_by_platform().await?,
        ChartId::RevenueByStore => ctx.revenue_by_store().await?,
        ChartId::StoreTracks => ctx.store_tracks(query.store).await?,
        ChartId::TrackTerritories => ctx.track(query.store, query.track.as_deref(), By::Country).await?,
        ChartId::TrackMonths => ctx.track(query.store, query.track.as_deref(), By::Month).await?,
        ChartId::TrackStores => ctx.track(None, query.track.as_deref(), By::Store).await?,
        ChartId::TrackStreams => ctx.track_streams(query.track.as_deref()).await?,
        ChartId::RevenueByTerritory => ctx.revenue_by_territory().await?,
        ChartId::TerritoryStores => ctx.territory(territory, By::Store).await?,
        ChartId::TerritoryTracks => ctx.territory(territory, By::Track).await?,
        ChartId::AdsVsRevenue => ctx.ads_vs_revenue().await?,
        ChartId::AdCampaigns => {
            let out = blank(ChartId::AdCampaigns, "Ad spend by campaign", "Campaign");
            super::campaigns::by_campaign(db, query.period, artist, out).await?
        }
        ChartId::CampaignDays => {
            let out = blank(ChartId::CampaignDays, "Campaign per day", "Day");
            super::campaigns::days(db, &rates, query.period, artist, query.campaign, out).await?
        }
        ChartId::SocialGrowth => ctx.social_growth().await?,
        ChartId::EmailCampaigns => ctx.email_campaigns().await?,
    };
    chart.from = query.period.from.to_string();
    chart.to = query.period.to.to_string();
    if chart.is_empty() && chart.empty_reason.is_none() {
        chart.empty_reason = Some(no_data_reason(query.chart, query.period));
    }
    Ok(chart)
}

fn no_data_reason(chart: ChartId, period: Period) -> String {
    let sources: &[SourceId] = match chart {
        ChartId::StreamsByPlatform => &[SourceId::Spotify, SourceId::Toolost],
        ChartId::AdsVsRevenue => &[SourceId::MetaAds, SourceId::Distrokid, SourceId::Toolost],
        ChartId::AdCampaigns | ChartId::CampaignDays => &[SourceId::MetaAds],
        ChartId::SocialGrowth => &[SourceId::Tiktok, SourceId::Youtube, SourceId::Linktree],
        ChartId::EmailCampaigns => &[SourceId::Mailchimp],
        _ => &[SourceId::Distrokid, SourceId::Toolost],
    };
    let names: Vec<&str> = sources.iter().map(|s| s.display_name()).collect();
    let monthly = if period.months().is_empty() && sources.contains(&SourceId::Distrokid) {
        " (statements are monthly: pick a range holding the first day of a month)"
    } else {
        ""
    };
    format!("No data from {} for {} .. {}{monthly}", names.join(" / "), period.from, period.to)
}

struct Ctx<'a> {
    db: &'a Database,
    rates: &'a Rates,
    period: Period,
    artist: Option<i64>,
    platform: Option<&'a str>,
}

/// A chart with its fixed parts filled in.
fn blank(id: ChartId, title: impl Into<String>, category_label: &str) -> ChartData {
    ChartData {
        id,
        from: String::new(),
        to: String::new(),
        title: title.into(),
        category_label: category_label.to_string(),
        categories: Vec::new(),
        drill_keys: Vec::new(),
        series: Vec::new(),
        empty_reason: None,
        warnings: Vec::new(),
    }
}

/// A group's USD total; `None` (and a warning) when an amount has no rate.
fn usd(sum: &UsdSum, warnings: &mut BTreeSet<String>) -> Option<Decimal> {
    match sum.result() {
        Ok(total) => total,
        Err(currencies) => {
            warnings.insert(missing_rate_warning("revenue", &currencies));
            None
        }
    }
}

impl Ctx<'_> {
    fn lines(&self) -> LineFilter {
        LineFilter::months(&self.period.months(), self.artist)
    }

    async fn store_names(&self) -> Result<HashMap<i64, String>, sqlx::Error> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM stores").fetch_all(self.db.pool()).await?;
        Ok(rows.into_iter().collect())
    }

    /// Revenue by sale month, stacked by store (the biggest stores apart, the rest together).
    async fn revenue_by_month(&self) -> Result<ChartData, KpiError> {
        let mut out = blank(ChartId::RevenueByMonth, "Revenue by sale month, by store", "Sale month");
        let groups = statements::revenue(self.db, self.rates, &self.lines(), By::MonthStore).await?;
        let names = self.store_names().await?;
        let mut warnings = BTreeSet::new();
        let months: BTreeSet<i64> = groups.keys().map(|k| k.0).collect();
        let mut by_store: BTreeMap<i64, Decimal> = BTreeMap::new();
        for (key, group) in &groups {
            *by_store.entry(key.1).or_default() += group.usd.result().ok().flatten().unwrap_or_default();
        }
        let mut stores: Vec<(i64, Decimal)> = by_store.into_iter().collect();
        stores.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| names.get(&a.0).cmp(&names.get(&b.0))));
        let (shown, rest) = stores.split_at(stores.len().min(STACKED));
        let rest: BTreeSet<i64> = rest.iter().map(|s| s.0).collect();
        out.categories =
            months.iter().filter_map(|m| YearMonth::from_int(*m)).map(|m| m.to_string()).collect();
        // A month opens that month's stores and tracks.
        out.drill_keys = out.categories.clone();
        let month_value = |month: i64, wanted: &dyn Fn(i64) -> bool, warnings: &mut BTreeSet<String>| {
            let mut sum = UsdSum::default();
            let mut any = false;
            for ((m, store, _), group) in &groups {
                if *m == month && wanted(*store) {
                    sum.merge(&group.usd);
                    any = true;
                }
            }
            if any { usd(&sum, warnings) } else { None }
        };
        for (store, _) in shown {
            let values = months.iter().map(|m| month_value(*m, &|s| s == *store, &mut warnings)).collect();
            let name = names.get(store).cloned().unwrap_or_else(|| format!("store {store}"));
            out.series.push(Series::new(name, SeriesKind::StackedBar, Unit::Usd, values));
        }
        if !rest.is_empty() {
            let values =
                months.iter().map(|m| month_value(*m, &|s| rest.contains(&s), &mut warnings)).collect();
            out.series.push(Series::new("Other stores", SeriesKind::StackedBar, Unit::Usd, values));
        }
        out.warnings = warnings.into_iter().collect();
        Ok(out)
    }

    /// Daily streams by platform, by the Streams rule.
    async fn streams_by_platform(&self) -> Result<ChartData, KpiError> {
        let mut out = blank(ChartId::StreamsByPlatform, "Daily streams by platform", "Day");
        let (from, to) = (self.period.from, self.period.to);
        let mut rows = daily::days(self.db, (STREAMS, metric::STREAMS), None, from, to, self.artist).await?;
        if let Some(platform) = self.platform {
            rows.retain(|r| r.part == platform);
        }
        let days: BTreeSet<NaiveDate> = rows.iter().map(|r| r.day).collect();
        let platforms: BTreeSet<&str> = rows.iter().map(|r| r.part.as_str()).collect();
        let values: HashMap<(&str, NaiveDate), i64> =
            rows.iter().filter_map(|r| Some(((r.part.as_str(), r.day), r.value?))).collect();
        out.categories = days.iter().map(NaiveDate::to_string).collect();
        // A day narrows the period around it.
        out.drill_keys = out.categories.clone();
        for platform in platforms {
            let series =
                days.iter().map(|d| values.get(&(platform, *d)).map(|v| Decimal::from(*v))).collect();
            out.series.push(Series::new(platform_name(platform), SeriesKind::Line, Unit::Count, series));
        }
        Ok(out)
    }

    /// Revenue by store, biggest first; a click drills into the store's tracks.
    async fn revenue_by_store(&self) -> Result<ChartData, KpiError> {
        let mut out = blank(ChartId::RevenueByStore, "Revenue by store", "Store");
        let groups = statements::revenue(self.db, self.rates, &self.lines(), By::Store).await?;
        let names = self.store_names().await?;
        self.ranking(&mut out, &groups, |k| names.get(&k.0).cloned().map(|n| (n, k.0.to_string())));
        Ok(out)
    }

    /// Drill level 1: one store's revenue by track.
    async fn store_tracks(&self, store: Option<i64>) -> Result<ChartData, KpiError> {
        let names = self.store_names().await?;
        let store_name = store.and_then(|s| names.get(&s).cloned()).unwrap_or_else(|| "every store".into());
        let mut out = blank(ChartId::StoreTracks, format!("Revenue by track — {store_name}"), "Track");
        let filter = LineFilter { store, ..self.lines() };
        let groups = statements::revenue(self.db, self.rates, &filter, By::Track).await?;
        let tracks = self.tracks().await?;
        self.ranking(&mut out, &groups, |k| {
            tracks.get(&k.0).map(|(isrc, title)| (format!("{title} ({isrc})"), isrc.clone()))
        });
        self.name_tracks(&mut out, &tracks).await?;
        Ok(out)
    }

    /// The bars shown (keyed by ISRC) get their title and artist: one lookup each, not one per
    /// track of the catalogue.
    async fn name_tracks(
        &self,
        out: &mut ChartData,
        tracks: &HashMap<i64, (String, String)>,
    ) -> Result<(), sqlx::Error> {
        let by_isrc: HashMap<&str, i64> = tracks.iter().map(|(id, (isrc, _))| (isrc.as_str(), *id)).collect();
        let shown: Vec<i64> =
            out.drill_keys.iter().filter_map(|k| by_isrc.get(k.as_str()).copied()).collect();
        let labels = names::tracks(self.db, &shown).await?;
        for (category, key) in out.categories.iter_mut().zip(&out.drill_keys) {
            if let Some(name) = by_isrc.get(key.as_str()).and_then(|id| labels.get(id)) {
                *category = name.label();
            }
        }
        Ok(())
    }

    async fn tracks(&self) -> Result<HashMap<i64, (String, String)>, sqlx::Error> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, isrc, title FROM tracks").fetch_all(self.db.pool()).await?;
        Ok(rows.into_iter().map(|(id, isrc, title)| (id, (isrc, title))).collect())
    }

    /// Drill level 2: one track (in one store, when given) by territory or by sale month.
    async fn track(&self, store: Option<i64>, isrc: Option<&str>, by: By) -> Result<ChartData, KpiError> {
        let isrc = isrc.unwrap_or_default();
        let found = names::track_by_isrc(self.db, isrc).await?.map(|(id, name)| (id, name.label()));
        let (id, title) = match by {
            By::Country => (ChartId::TrackTerritories, "by territory"),
            By::Store => (ChartId::TrackStores, "by store"),
            _ => (ChartId::TrackMonths, "by sale month"),
        };
        let Some((track_id, track_title)) = found else {
            let mut out = blank(id, format!("Track {isrc} {title}"), "Track");
            out.empty_reason = Some(format!("No track with ISRC {isrc:?} in the statements"));
            return Ok(out);
        };
        let mut store_part = String::new();
        if let Some(store) = store
            && let Some(name) = self.store_names().await?.get(&store)
        {
            store_part = format!(" on {name}");
        }
        let label = match by {
            By::Country => "Territory",
            By::Store => "Store",
            _ => "Sale month",
        };
        let mut out = blank(id, format!("{track_title} ({isrc}){store_part} {title}"), label);
        let filter = LineFilter { store, track: Some(track_id), ..self.lines() };
        let groups = statements::revenue(self.db, self.rates, &filter, by).await?;
        if by == By::Country {
            self.ranking(&mut out, &groups, |k| Some((territory_name(&k.2), String::new())));
            out.drill_keys.clear();
        } else if by == By::Store {
            let names = self.store_names().await?;
            self.ranking(&mut out, &groups, |k| names.get(&k.0).cloned().map(|n| (n, String::new())));
            out.drill_keys.clear();
        } else {
            let mut warnings = BTreeSet::new();
            let mut months: Vec<(&GroupKey, &Group)> = groups.iter().collect();
            months.sort_by_key(|(k, _)| k.0);
            out.categories =
                months.iter().filter_map(|(k, _)| YearMonth::from_int(k.0)).map(|m| m.to_string()).collect();
            let values = months.iter().map(|(_, g)| usd(&g.usd, &mut warnings)).collect();
            out.series.push(Series::new("Revenue", SeriesKind::Bar, Unit::Usd, values));
            out.warnings = warnings.into_iter().collect();
        }
        Ok(out)
    }

    /// A track's streams per platform per day: Spotify's song timelines, which name the song
    /// by its title.
    async fn track_streams(&self, isrc: Option<&str>) -> Result<ChartData, KpiError> {
        let isrc = isrc.unwrap_or_default();
        let mut out = blank(ChartId::TrackStreams, "Streams per day", "Day");
        let Some((_, name)) = names::track_by_isrc(self.db, isrc).await? else {
            out.empty_reason = Some(format!("No track with ISRC {isrc:?} in the statements"));
            return Ok(out);
        };
        out.title = format!("{} — streams per day", name.label());
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT d.day, SUM(d.value) FROM daily_facts d JOIN entities e ON e.id = d.entity_id \
             WHERE d.source = 'spotify' AND d.metric = ?1 AND lower(e.name) = lower(?2) \
               AND d.day BETWEEN ?3 AND ?4 AND (?5 IS NULL OR d.artist_id = ?5) GROUP BY d.day ORDER BY d.day",
        )
        .bind(metric::TRACK_STREAMS)
        .bind(&name.title)
        .bind(crate::time::date_int(self.period.from))
        .bind(crate::time::date_int(self.period.to))
        .bind(self.artist)
        .fetch_all(self.db.pool())
        .await?;
        let days: Vec<(NaiveDate, i64)> =
            rows.into_iter().filter_map(|(d, v)| Some((crate::time::date_from_int(d)?, v))).collect();
        out.categories = days.iter().map(|(d, _)| d.to_string()).collect();
        let values = days.iter().map(|(_, v)| Some(Decimal::from(*v))).collect();
        if !days.is_empty() {
            out.series.push(Series::new("Spotify", SeriesKind::Line, Unit::Count, values));
        } else {
            out.empty_reason = Some(format!(
                "No per-song streams for {} in {} .. {}: Spotify for Artists' song timelines (<Song Title>-timeline.csv) bring them",
                name.title, self.period.from, self.period.to
            ));
        }
        Ok(out)
    }

    /// Revenue by territory, biggest first; a click opens the territory's stores and tracks.
    async fn revenue_by_territory(&self) -> Result<ChartData, KpiError> {
        let mut out = blank(ChartId::RevenueByTerritory, "Revenue by territory", "Territory");
        let groups = statements::revenue(self.db, self.rates, &self.lines(), By::Country).await?;
        self.ranking(&mut out, &groups, |k| Some((territory_name(&k.2), k.2.clone())));
        Ok(out)
    }

    /// A territory's drill-down: its revenue by store (a click opens the store's tracks) or by
    /// track (a click opens the track).
    async fn territory(&self, code: &str, by: By) -> Result<ChartData, KpiError> {
        let (id, what, label) = match by {
            By::Store => (ChartId::TerritoryStores, "store", "Store"),
            _ => (ChartId::TerritoryTracks, "track", "Track"),
        };
        let name = territory_name(code);
        let mut out = blank(id, format!("Revenue by {what} — {name}"), label);
        let Some(country) = statements::Country::parse(code) else {
            out.empty_reason = Some(format!("{code:?} is not a territory code (two capital letters)"));
            return Ok(out);
        };
        let filter = LineFilter { country: Some(country), ..self.lines() };
        let groups = statements::revenue(self.db, self.rates, &filter, by).await?;
        if by == By::Store {
            let names = self.store_names().await?;
            self.ranking(&mut out, &groups, |k| names.get(&k.0).cloned().map(|n| (n, k.0.to_string())));
        } else {
            let tracks = self.tracks().await?;
            self.ranking(&mut out, &groups, |k| {
                tracks.get(&k.0).map(|(isrc, title)| (format!("{title} ({isrc})"), isrc.clone()))
            });
            self.name_tracks(&mut out, &tracks).await?;
        }
        Ok(out)
    }

    /// The biggest groups as bars (the rest summed as "Other"), with their drill keys.
    fn ranking(
        &self,
        out: &mut ChartData,
        groups: &HashMap<GroupKey, Group>,
        name: impl Fn(&GroupKey) -> Option<(String, String)>,
    ) {
        let mut warnings = BTreeSet::new();
        let mut rows: Vec<(String, String, Option<Decimal>, &UsdSum)> = groups
            .iter()
            .filter_map(|(k, g)| name(k).map(|(n, key)| (n, key, usd(&g.usd, &mut warnings), &g.usd)))
            .collect();
        rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let mut values = Vec::new();
        for (name, key, value, _) in rows.iter().take(RANKED) {
            out.categories.push(name.clone());
            out.drill_keys.push(key.clone());
            values.push(*value);
        }
        if rows.len() > RANKED {
            let mut other = UsdSum::default();
            for (_, _, _, sum) in &rows[RANKED..] {
                other.merge(sum);
            }
            out.categories.push(format!("Other ({})", rows.len() - RANKED));
            out.drill_keys.push(String::new());
            values.push(usd(&other, &mut warnings));
        }
        out.series.push(Series::new("Revenue", SeriesKind::Bar, Unit::Usd, values));
        out.warnings = warnings.into_iter().collect();
    }

    /// Ad spend and statement revenue per month, with ROAS on the right axis.
    async fn ads_vs_revenue(&self) -> Result<ChartData, KpiError> {
        let mut out = blank(ChartId::AdsVsRevenue, "Ad spend vs revenue, with ROAS", "Month");
        let mut warnings = BTreeSet::new();
        let revenue = statements::revenue(self.db, self.rates, &self.lines(), By::Month).await?;
        // Spend per calendar month of the period (already in USD; `None`: an amount had no rate).
        let (from, to) = (self.period.from, self.period.to);
        let rows =
            daily::days(self.db, ("meta_ads", metric::AD_SPEND), Some(""), from, to, self.artist).await?;
        let mut spend: BTreeMap<YearMonth, Option<Decimal>> = BTreeMap::new();
        for r in &rows {
            let month = spend.entry(YearMonth::of(r.day)).or_insert(Some(Decimal::ZERO));
            *month = match (*month, r.amount, r.missing_rate) {
                (Some(sum), Some(a), false) => Some(sum + a),
                _ => None,
            };
        }
        if spend.values().any(Option::is_none) {
            warnings.insert(
                "ad spend: some amounts have no exchange rate; import rates to include them".to_string(),
            );
        }
        let mut months: BTreeSet<YearMonth> = spend.keys().copied().collect();
        months.extend(revenue.keys().filter_map(|k| YearMonth::from_int(k.0)));
        let (mut spent, mut earned, mut roas) = (Vec::new(), Vec::new(), Vec::new());
        for month in &months {
            let s = spend.get(month).copied().flatten();
            let r = revenue.get(&(month.as_int(), 0, String::new())).and_then(|g| usd(&g.usd, &mut warnings));
            roas.push(r.zip(s).and_then(|(r, s)| (!s.is_zero()).then(|| r / s)));
            spent.push(s);
            earned.push(r);
        }
        out.categories = months.iter().map(ToString::to_string).collect();
        out.drill_keys = out.categories.clone();
        out.series.push(Series::new("Ad spend", SeriesKind::Bar, Unit::Usd, spent));
        out.series.push(Series::new("Revenue (statements)", SeriesKind::Bar, Unit::Usd, earned));
        out.series.push(Series::new("ROAS", SeriesKind::Line, Unit::Ratio, roas).on_right_axis());
        out.warnings = warnings.into_iter().collect();
        Ok(out)
    }

    /// Daily TikTok video views, YouTube views and Linktree views.
    async fn social_growth(&self) -> Result<ChartData, KpiError> {
        let mut out = blank(ChartId::SocialGrowth, "TikTok, YouTube and Linktree views per day", "Day");
        let (from, to) = (self.period.from, self.period.to);
        let mut series = Vec::new();
        for (name, source, m) in [
            ("TikTok video views", SourceId::Tiktok, metric::VIDEO_VIEWS),
            ("YouTube views", SourceId::Youtube, metric::VIEWS),
            ("Linktree views", SourceId::Linktree, metric::LINK_VIEWS),
        ] {
            let rows: HashMap<NaiveDate, i64> =
                daily::days(self.db, (source.as_str(), m), Some(""), from, to, self.artist)
                    .await?
                    .into_iter()
                    .filter_map(|r| Some((r.day, r.value?)))
                    .collect();
            series.push((name, rows));
        }
        let days: BTreeSet<NaiveDate> = series.iter().flat_map(|(_, rows)| rows.keys().copied()).collect();
        out.categories = days.iter().map(NaiveDate::to_string).collect();
        out.drill_keys = out.categories.clone();
        for (name, rows) in series {
            if rows.is_empty() {
                continue;
            }
            let values = days.iter().map(|d| rows.get(d).map(|v| Decimal::from(*v))).collect();
            out.series.push(Series::new(name, SeriesKind::Line, Unit::Count, values));
        }
        Ok(out)
    }

    /// Open and click rate of each campaign sent in the period.
    async fn email_campaigns(&self) -> Result<ChartData, KpiError> {
        let mut out = blank(ChartId::EmailCampaigns, "Email open and click rate per campaign", "Campaign");
        let campaigns = email::campaigns(self.db, self.period.from, self.period.to, self.artist).await?;
        let rate = |n: Option<i64>, d: Option<i64>| match (n, d) {
            (Some(n), Some(d)) if d > 0 => Some(Decimal::from(n) * Decimal::ONE_HUNDRED / Decimal::from(d)),
            _ => None,
        };
        out.categories = campaigns.iter().map(|c| format!("{} ({})", c.title, c.send_day)).collect();
        // A campaign opens its day: the e-mail cards then hold that campaign's figures.
        out.drill_keys = campaigns.iter().map(|c| c.send_day.to_string()).collect();
        let opens = campaigns.iter().map(|c| rate(c.unique_opens, c.delivered)).collect();
        let clicks = campaigns.iter().map(|c| rate(c.unique_clicks, c.delivered)).collect();
        out.series.push(Series::new("Open rate", SeriesKind::Bar, Unit::Percent, opens));
        out.series.push(Series::new("Click rate", SeriesKind::Bar, Unit::Percent, clicks));
        Ok(out)
    }
}

fn platform_name(key: &str) -> String {
    match key {
        "spotify" => "Spotify".to_string(),
        "apple" => "Apple Music".to_string(),
        other => other.to_string(),
    }
}
