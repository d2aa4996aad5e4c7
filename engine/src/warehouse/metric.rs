//! Metric names stored in `daily_facts.metric` / `window_facts.metric`. Connectors write them,
//! the KPI engine reads them: one list keeps the two in step.

// Streams and listening (Spotify for Artists, TooLost analytics). `STREAMS` facts carry a
// `platform` entity ("spotify", "apple"), so the streams rule can pick one source per
// (platform, day).
pub const STREAMS: &str = "streams";
pub const LISTENERS: &str = "listeners";
pub const MONTHLY_LISTENERS: &str = "monthly_listeners";
pub const MONTHLY_ACTIVE_LISTENERS: &str = "monthly_active_listeners";
pub const SUPER_LISTENERS: &str = "super_listeners";
pub const PLAYLIST_ADDS: &str = "playlist_adds";
pub const SAVES: &str = "saves";
/// Cumulative follower count on that day (a snapshot, never summed over days).
pub const FOLLOWERS: &str = "followers";
/// A song's daily streams (Spotify song timeline): per-track views, not the totals.
pub const TRACK_STREAMS: &str = "track_streams";

// Social.
pub const VIDEO_VIEWS: &str = "video_views";
pub const PROFILE_VIEWS: &str = "profile_views";
pub const LIKES: &str = "likes";
pub const COMMENTS: &str = "comments";
pub const SHARES: &str = "shares";
/// Daily change in followers as reported (TikTok "Difference in followers from previous day").
pub const FOLLOWERS_GAINED: &str = "followers_gained";
pub const VIEWERS: &str = "viewers";
pub const NEW_VIEWERS: &str = "new_viewers";
pub const RETURNING_VIEWERS: &str = "returning_viewers";
// Lifetime totals as of a day (TikTok's Display API gives no daily figures): snapshots, kept
// apart from the daily `likes`, `video_views`… above, which the KPIs add up over days. On the
// account (likes received, videos posted) and per video (entity kind "video").
pub const LIKES_TOTAL: &str = "likes_total";
pub const VIDEO_VIEWS_TOTAL: &str = "video_views_total";
pub const COMMENTS_TOTAL: &str = "comments_total";
pub const SHARES_TOTAL: &str = "shares_total";
pub const VIDEO_COUNT: &str = "video_count";

// YouTube.
pub const VIEWS: &str = "views";
pub const WATCH_HOURS: &str = "watch_hours";
pub const SUBSCRIBERS_GAINED: &str = "subscribers_gained";
pub const SUBSCRIBERS_LOST: &str = "subscribers_lost";
/// Net subscriber change when only the net figure is exported.
pub const SUBSCRIBERS_NET: &str = "subscribers_net";
pub const ESTIMATED_REVENUE: &str = "estimated_revenue";
pub const IMPRESSIONS: &str = "impressions";
// YouTube Data API channel statistics (snapshots of the channel's totals on the day of a pull).
pub const CHANNEL_SUBSCRIBERS: &str = "channel_subscribers";
pub const CHANNEL_VIEWS: &str = "channel_views";
pub const CHANNEL_VIDEOS: &str = "channel_videos";

// Linktree.
pub const LINK_VIEWS: &str = "link_views";
pub const LINK_UNIQUE_VIEWS: &str = "link_unique_views";
pub const LINK_CLICKS: &str = "link_clicks";
pub const LINK_UNIQUE_CLICKS: &str = "link_unique_clicks";

// Mailchimp (per audience): the member count on that day (a snapshot).
pub const LIST_MEMBERS: &str = "list_members";

// Meta Ads (per campaign).
pub const AD_SPEND: &str = "ad_spend";
pub const AD_IMPRESSIONS: &str = "ad_impressions";
pub const AD_REACH: &str = "ad_reach";
pub const AD_LINK_CLICKS: &str = "ad_link_clicks";
pub const AD_CLICKS_ALL: &str = "ad_clicks_all";
pub const AD_RESULTS: &str = "ad_results";

// Derived by the loader into `daily_series` (never in `daily_facts`).
/// YouTube's net subscriber change per day: the exported net figure, else gained − lost.
pub const SUBSCRIBERS_NET_TOTAL: &str = "subscribers_net_total";

/// Snapshot metrics: a day's value is a level, not an amount of that day, so it is never summed
/// over days (the last known value counts).
pub fn is_snapshot(metric: &str) -> bool {
    matches!(
        metric,
        FOLLOWERS
            | LIST_MEMBERS
            | MONTHLY_LISTENERS
            | MONTHLY_ACTIVE_LISTENERS
            | CHANNEL_SUBSCRIBERS
            | CHANNEL_VIEWS
            | CHANNEL_VIDEOS
            | LIKES_TOTAL
            | VIDEO_VIEWS_TOTAL
            | COMMENTS_TOTAL
            | SHARES_TOTAL
            | VIDEO_COUNT
    )
}
