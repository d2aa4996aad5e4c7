//! The KPI catalogue. The ids are a contract shared by the dashboard, the API and
//! `soundcheck kpi --json`: never rename one.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::SourceId;

/// How a KPI's value is typed in `kpi --json` and formatted in the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KpiKind {
    /// A sum of money in USD: a decimal string with every stored digit.
    MoneySum,
    /// A whole count: a JSON integer.
    Count,
    /// A fraction (0.05 = 5%), or a ratio such as ROAS: a JSON number.
    Ratio,
    /// A percentage (`_pct` ids): a JSON number.
    Percent,
    /// A number that is neither a count nor a ratio (an average, hours, money per unit): a JSON number.
    Number,
    /// A name (store, ISRC, country code): a JSON string.
    Text,
}

/// Which previous-period rule a KPI follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    /// Daily facts: the same number of days just before `from`.
    Daily,
    /// Statement lines: the months whose first day lies in the period, and as many before them.
    Monthly,
    /// Built from other KPIs (each part follows its own rule).
    Derived,
}

/// The dashboard's groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Area {
    Revenue,
    Streaming,
    Social,
    Advertising,
    Email,
}

impl Area {
    pub const ALL: [Area; 5] = [Area::Revenue, Area::Streaming, Area::Social, Area::Advertising, Area::Email];

    pub fn label(self) -> &'static str {
        match self {
            Area::Revenue => "Revenue",
            Area::Streaming => "Streaming",
            Area::Social => "Social",
            Area::Advertising => "Advertising",
            Area::Email => "Email",
        }
    }
}

macro_rules! kpis {
    ($( $variant:ident = $id:literal, $kind:ident, $basis:ident, $area:ident, $label:literal; )*) => {
        /// Every KPI of the catalogue.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum KpiId { $( #[serde(rename = $id)] $variant, )* }

        impl KpiId {
            pub const ALL: &'static [KpiId] = &[ $( KpiId::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( KpiId::$variant => $id, )* }
            }

            pub fn kind(self) -> KpiKind {
                match self { $( KpiId::$variant => KpiKind::$kind, )* }
            }

            pub fn basis(self) -> Basis {
                match self { $( KpiId::$variant => Basis::$basis, )* }
            }

            pub fn area(self) -> Area {
                match self { $( KpiId::$variant => Area::$area, )* }
            }

            /// The card title.
            pub fn label(self) -> &'static str {
                match self { $( KpiId::$variant => $label, )* }
            }
        }
    };
}

kpis! {
    RevenueUsd = "revenue_usd", MoneySum, Monthly, Revenue, "Revenue";
    RevenueChangePct = "revenue_change_pct", Percent, Monthly, Revenue, "Revenue change";
    RoyaltyUnits = "royalty_units", Count, Monthly, Revenue, "Royalty units";
    RevenuePer1kUnits = "revenue_per_1k_units", Number, Derived, Revenue, "Revenue per 1,000 units";
    TopStore = "top_store", Text, Monthly, Revenue, "Top store";
    TopTrack = "top_track", Text, Monthly, Revenue, "Top track";
    TopTerritory = "top_territory", Text, Monthly, Revenue, "Top territory";
    AvgReportingLagDays = "avg_reporting_lag_days", Number, Monthly, Revenue, "Average reporting lag (days)";
    Streams = "streams", Count, Daily, Streaming, "Streams";
    StreamsChangePct = "streams_change_pct", Percent, Daily, Streaming, "Streams change";
    SpotifyFollowers = "spotify_followers", Count, Daily, Streaming, "Spotify followers";
    SpotifyFollowersGained = "spotify_followers_gained", Count, Daily, Streaming, "Spotify followers gained";
    SpotifySaves = "spotify_saves", Count, Daily, Streaming, "Spotify saves";
    TiktokViews = "tiktok_views", Count, Daily, Social, "TikTok video views";
    TiktokProfileViews = "tiktok_profile_views", Count, Daily, Social, "TikTok profile views";
    TiktokEngagementRate = "tiktok_engagement_rate", Ratio, Derived, Social, "TikTok engagement rate";
    TiktokFollowersGained = "tiktok_followers_gained", Count, Daily, Social, "TikTok followers gained";
    YoutubeViews = "youtube_views", Count, Daily, Social, "YouTube views";
    YoutubeWatchHours = "youtube_watch_hours", Number, Daily, Social, "YouTube watch hours";
    YoutubeSubscribersGained = "youtube_subscribers_gained", Count, Daily, Social, "YouTube subscribers gained (net)";
    YoutubeRevenueUsd = "youtube_revenue_usd", MoneySum, Daily, Social, "YouTube revenue";
    LinkViews = "link_views", Count, Daily, Social, "Link-in-bio views";
    LinkClicks = "link_clicks", Count, Daily, Social, "Link-in-bio clicks";
    LinkCtr = "link_ctr", Ratio, Derived, Social, "Link-in-bio click rate";
    AdSpendUsd = "ad_spend_usd", MoneySum, Daily, Advertising, "Ad spend";
    AdImpressions = "ad_impressions", Count, Daily, Advertising, "Ad impressions";
    AdClicks = "ad_clicks", Count, Daily, Advertising, "Ad link clicks";
    AdCpmUsd = "ad_cpm_usd", Number, Derived, Advertising, "Cost per 1,000 impressions";
    AdCpcUsd = "ad_cpc_usd", Number, Derived, Advertising, "Cost per click";
    AdCtr = "ad_ctr", Ratio, Derived, Advertising, "Ad click-through rate";
    Roas = "roas", Ratio, Derived, Advertising, "Return on ad spend";
    CostPer1kStreamsUsd = "cost_per_1k_streams_usd", Number, Derived, Advertising, "Ad cost per 1,000 streams";
    EmailCampaignsSent = "email_campaigns_sent", Count, Daily, Email, "Email campaigns sent";
    EmailDelivered = "email_delivered", Count, Daily, Email, "Emails delivered";
    EmailOpenRate = "email_open_rate", Ratio, Derived, Email, "Email open rate";
    EmailClickRate = "email_click_rate", Ratio, Derived, Email, "Email click rate";
    EmailUnsubscribeRate = "email_unsubscribe_rate", Ratio, Derived, Email, "Email unsubscribe rate";
    EmailSubscribers = "email_subscribers", Count, Daily, Email, "Email subscribers";
}

impl KpiId {
    /// Whether a fall is good news (costs, unsubscribes, reporting lag).
    pub fn lower_is_better(self) -> bool {
        matches!(
            self,
            KpiId::AdCpmUsd
                | KpiId::AdCpcUsd
                | KpiId::CostPer1kStreamsUsd
                | KpiId::EmailUnsubscribeRate
                | KpiId::AvgReportingLagDays
        )
    }

    /// The sources a KPI is computed from (a card without data names them).
    pub fn sources(self) -> &'static [SourceId] {
        use KpiId::*;
        use SourceId as S;
        match self {
            RevenueUsd | RevenueChangePct | RoyaltyUnits | RevenuePer1kUnits | TopStore | TopTrack
            | TopTerritory | AvgReportingLagDays => &[S::Distrokid, S::Toolost],
            Streams | StreamsChangePct => &[S::Spotify, S::Toolost],
            SpotifyFollowers | SpotifyFollowersGained | SpotifySaves => &[S::Spotify],
            TiktokViews | TiktokProfileViews | TiktokEngagementRate | TiktokFollowersGained => &[S::Tiktok],
            YoutubeViews | YoutubeWatchHours | YoutubeSubscribersGained | YoutubeRevenueUsd => &[S::Youtube],
            LinkViews | LinkClicks | LinkCtr => &[S::Linktree],
            AdSpendUsd | AdImpressions | AdClicks | AdCpmUsd | AdCpcUsd | AdCtr => &[S::MetaAds],
            Roas => &[S::MetaAds, S::Distrokid, S::Toolost],
            CostPer1kStreamsUsd => &[S::MetaAds, S::Spotify, S::Toolost],
            EmailCampaignsSent | EmailDelivered | EmailOpenRate | EmailClickRate | EmailUnsubscribeRate
            | EmailSubscribers => &[S::Mailchimp],
        }
    }
}

impl fmt::Display for KpiId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KpiId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        KpiId::ALL.iter().copied().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown KPI id {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract: every id of design.md's catalogue, spelled exactly.
    const CATALOGUE: &[&str] = &[
        "revenue_usd",
        "revenue_change_pct",
        "royalty_units",
        "revenue_per_1k_units",
        "top_store",
        "top_track",
        "top_territory",
        "avg_reporting_lag_days",
        "streams",
        "streams_change_pct",
        "spotify_followers",
        "spotify_followers_gained",
        "spotify_saves",
        "tiktok_views",
        "tiktok_profile_views",
        "tiktok_engagement_rate",
        "tiktok_followers_gained",
        "youtube_views",
        "youtube_watch_hours",
        "youtube_subscribers_gained",
        "youtube_revenue_usd",
        "link_views",
        "link_clicks",
        "link_ctr",
        "ad_spend_usd",
        "ad_impressions",
        "ad_clicks",
        "ad_cpm_usd",
        "ad_cpc_usd",
        "ad_ctr",
        "roas",
        "cost_per_1k_streams_usd",
        "email_campaigns_sent",
        "email_delivered",
        "email_open_rate",
        "email_click_rate",
        "email_unsubscribe_rate",
        "email_subscribers",
    ];

    #[test]
    fn the_catalogue_is_complete_and_spelled_as_the_contract() {
        let ids: Vec<&str> = KpiId::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(ids, CATALOGUE);
        for id in CATALOGUE {
            assert_eq!(id.parse::<KpiId>().map(|k| k.as_str()), Ok(*id));
        }
    }

    #[test]
    fn kinds_follow_the_json_rules() {
        for id in KpiId::ALL {
            let name = id.as_str();
            match id.kind() {
                KpiKind::Percent => assert!(name.ends_with("_pct"), "{name}"),
                KpiKind::MoneySum => {
                    assert!(["revenue_usd", "youtube_revenue_usd", "ad_spend_usd"].contains(&name), "{name}")
                }
                KpiKind::Text => assert!(name.starts_with("top_"), "{name}"),
                _ => assert!(!name.ends_with("_pct"), "{name}"),
            }
        }
    }

    #[test]
    fn serde_uses_the_ids() {
        for id in KpiId::ALL {
            let json = serde_json::to_string(id).expect("serialise");
            assert_eq!(json, format!("\"{}\"", id.as_str()));
            assert_eq!(serde_json::from_str::<KpiId>(&json).expect("deserialise"), *id);
        }
    }
}
