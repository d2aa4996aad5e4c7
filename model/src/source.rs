use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// The platforms Soundcheck ingests. The ids are part of the command-line contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceId {
    Distrokid,
    Toolost,
    Spotify,
    Youtube,
    Tiktok,
    Linktree,
    MetaAds,
    Mailchimp,
}

/// How a source's data reaches Soundcheck.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// Only through files the user downloads from the platform.
    ExportOnly,
    /// Through export files and the platform's API.
    ExportAndApi,
}

impl SourceId {
    pub const ALL: [SourceId; 8] = [
        SourceId::Distrokid,
        SourceId::Toolost,
        SourceId::Spotify,
        SourceId::Youtube,
        SourceId::Tiktok,
        SourceId::Linktree,
        SourceId::MetaAds,
        SourceId::Mailchimp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceId::Distrokid => "distrokid",
            SourceId::Toolost => "toolost",
            SourceId::Spotify => "spotify",
            SourceId::Youtube => "youtube",
            SourceId::Tiktok => "tiktok",
            SourceId::Linktree => "linktree",
            SourceId::MetaAds => "meta_ads",
            SourceId::Mailchimp => "mailchimp",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            SourceId::Distrokid => "DistroKid",
            SourceId::Toolost => "TooLost",
            SourceId::Spotify => "Spotify for Artists",
            SourceId::Youtube => "YouTube",
            SourceId::Tiktok => "TikTok",
            SourceId::Linktree => "Linktree",
            SourceId::MetaAds => "Meta Ads",
            SourceId::Mailchimp => "Mailchimp",
        }
    }

    /// What the source provides, in the words a user knows from the platform.
    pub fn provides(self) -> &'static str {
        match self {
            SourceId::Distrokid => "royalty statements (bank details export)",
            SourceId::Toolost => "sales reports and streaming analytics",
            SourceId::Spotify => "streams, listeners, followers and saves",
            SourceId::Youtube => "views, watch time, subscribers and revenue",
            SourceId::Tiktok => "video views, profile views and followers",
            SourceId::Linktree => "link-in-bio views and clicks",
            SourceId::MetaAds => "ad spend, impressions and link clicks",
            SourceId::Mailchimp => "email campaigns, opens and clicks",
        }
    }

    pub fn kind(self) -> SourceKind {
        match self {
            SourceId::Distrokid | SourceId::Toolost | SourceId::Linktree => SourceKind::ExportOnly,
            SourceId::Spotify
            | SourceId::Youtube
            | SourceId::Tiktok
            | SourceId::MetaAds
            | SourceId::Mailchimp => SourceKind::ExportAndApi,
        }
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown source {0:?}: expected one of distrokid, toolost, spotify, youtube, tiktok, linktree, meta_ads, mailchimp"
)]
pub struct ParseSourceError(pub String);

impl FromStr for SourceId {
    type Err = ParseSourceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceId::ALL.into_iter().find(|id| id.as_str() == s).ok_or_else(|| ParseSourceError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_the_contract() {
        let ids: Vec<&str> = SourceId::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            ids,
            ["distrokid", "toolost", "spotify", "youtube", "tiktok", "linktree", "meta_ads", "mailchimp"]
        );
        for id in SourceId::ALL {
            assert_eq!(id.as_str().parse::<SourceId>(), Ok(id));
        }
        assert!("meta-ads".parse::<SourceId>().is_err());
    }
}

/// What the warehouse holds for a source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub source: SourceId,
    pub files_loaded: i64,
    /// Values stored (statement lines, daily figures, campaigns…).
    pub values: i64,
    /// When the latest file was loaded (RFC 3339).
    pub last_import: Option<String>,
    /// The latest day the data covers (statements: the latest reporting date), `YYYY-MM-DD`.
    pub latest_data_day: Option<String>,
}
