//! Spotify for Artists CSV exports (there is no public API for artist statistics):
//! - audience timeline `<artistId>-audience-timeline.csv`: `date,listeners,streams,followers`
//!   (older) or with `monthly listeners`, `monthly active listeners`, `super listeners`,
//!   `playlist adds`, `saves` (newer; `super listeners` may be absent);
//! - songs `<artistId>-songs-1year.csv` / `-songs-28day.csv`: `song,listeners,streams,saves,
//!   release_date`, totals over a window that only the file name tells, ending at the export date;
//! - song timeline `<Song Title>-timeline.csv`: `date,streams` for one song named by the file.
//!
//! `followers` is cumulative (a snapshot per day); `listeners` and `streams` are daily. Days are
//! Spotify's own. An empty cell means "not reported" and stores nothing.

use chrono::Duration;
use model::SourceId;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, FileFacts, Input, RecordSink, RowError, Sample,
    tabular::{Row, Table, sniff_headers},
    values,
};
use crate::warehouse::{DailyFact, EntityRef, Measure, Record, WindowFact, metric};

pub struct Spotify;

const AUDIENCE: &str = "spotify.audience_timeline";
const SONGS: &str = "spotify.songs";
const SONG_TIMELINE: &str = "spotify.song_timeline";
/// A pull of the Web API's artist metadata (see `crate::pull::spotify`).
const API: &str = "spotify.api_artists";

/// Audience-timeline columns and the metric each feeds.
const AUDIENCE_COLUMNS: &[(&str, &str)] = &[
    ("listeners", metric::LISTENERS),
    ("streams", metric::STREAMS),
    ("followers", metric::FOLLOWERS),
    ("monthly listeners", metric::MONTHLY_LISTENERS),
    ("monthly active listeners", metric::MONTHLY_ACTIVE_LISTENERS),
    ("super listeners", metric::SUPER_LISTENERS),
    ("playlist adds", metric::PLAYLIST_ADDS),
    ("saves", metric::SAVES),
];

/// `<artistId>-audience-timeline.csv` → the artist id.
fn artist_from_name(name: &str) -> Option<String> {
    let stem = name.rsplit(['/', '\\']).next()?.strip_suffix(".csv")?;
    let id = stem
        .strip_suffix("-audience-timeline")
        .or_else(|| stem.strip_suffix("-songs-1year"))
        .or_else(|| stem.strip_suffix("-songs-28day"))
        .or_else(|| stem.strip_suffix("-songs-28days"))?;
    (!id.is_empty()).then(|| id.to_string())
}

fn window_from_name(name: &str) -> Option<u32> {
    if name.contains("-songs-1year") {
        Some(365)
    } else if name.contains("-songs-28day") {
        Some(28)
    } else {
        None
    }
}

/// `<Song Title>-timeline.csv` → the song title.
fn song_from_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next()?;
    let title = base.strip_suffix("-timeline.csv")?.trim();
    (!title.is_empty()).then(|| title.to_string())
}

impl Connector for Spotify {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::Spotify)
    }

    fn expects(&self) -> &'static str {
        "Spotify for Artists audience timeline (date,listeners,streams,followers…), songs table \
         (song,listeners,streams,saves,release_date) or song timeline (date,streams)"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        if crate::pull::envelope::detect(sample, SourceId::Spotify).is_some() {
            return Some(Detection { format: API, confidence: Confidence::Certain });
        }
        let headers = sniff_headers(sample.head);
        let has = |h: &str| headers.iter().any(|x| x == h);
        let (format, confidence) = if has("date") && has("listeners") && has("streams") && has("followers") {
            (AUDIENCE, Confidence::Certain)
        } else if has("song") && has("streams") && has("listeners") {
            (SONGS, Confidence::Certain)
        } else if headers == ["date", "streams"] {
            let named = sample.name.ends_with("-timeline.csv");
            (SONG_TIMELINE, if named { Confidence::Certain } else { Confidence::Possible })
        } else {
            return None;
        };
        Some(Detection { format, confidence })
    }

    fn facts_from_name(&self, name: &str) -> FileFacts {
        FileFacts { artist: artist_from_name(name), export_date: None, window_days: window_from_name(name) }
    }

    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
        if format == API {
            return crate::pull::spotify::parse(input, sink);
        }
        let mut table = Table::open(input.open()?, &input.head)?;
        match format {
            AUDIENCE => audience(&mut table, input, sink),
            SONGS => songs(&mut table, input, sink),
            _ => song_timeline(&mut table, input, sink),
        }
    }
}

fn count_cell(row: &Row<'_>, col: usize, name: &str) -> Result<Option<i64>, RowError> {
    values::count(&row.text(col)).map_err(|e| row.error(Some(name), e))
}

fn audience(
    table: &mut Table<impl std::io::Read>,
    input: &Input,
    sink: &mut dyn RecordSink,
) -> Result<(), FileError> {
    let kind = "Spotify audience timeline";
    let date = table.require(kind, &["date"])?;
    let columns: Vec<(usize, &str, &'static str)> =
        AUDIENCE_COLUMNS.iter().filter_map(|(h, m)| table.column(&[h]).map(|i| (i, *h, *m))).collect();
    let artist = input.facts.artist.clone();
    table.send_rows(sink, |row| {
        let day = values::iso_date(&row.text(date)).map_err(|e| row.error(Some("date"), e))?;
        let mut records = Vec::new();
        for &(col, header, metric) in &columns {
            if let Some(v) = count_cell(row, col, header)? {
                let entity = (metric == metric::STREAMS).then(|| EntityRef::platform("spotify"));
                records.push(Record::Daily(Box::new(DailyFact {
                    source: SourceId::Spotify,
                    metric,
                    artist: artist.clone(),
                    entity,
                    day,
                    measure: Measure::Count(v),
                })));
            }
        }
        Ok(records)
    })
}

fn songs(
    table: &mut Table<impl std::io::Read>,
    input: &Input,
    sink: &mut dyn RecordSink,
) -> Result<(), FileError> {
    let kind = "Spotify songs export";
    let song = table.require(kind, &["song"])?;
    let columns: Vec<(usize, &str, &'static str)> =
        [("listeners", metric::LISTENERS), ("streams", metric::STREAMS), ("saves", metric::SAVES)]
            .iter()
            .filter_map(|(h, m)| table.column(&[h]).map(|i| (i, *h, *m)))
            .collect();
    let export_date = input.facts.export_date.ok_or_else(|| {
        FileError::NeedsInput(
            "a Spotify songs export does not say when it was exported: give --export-date".into(),
        )
    })?;
    let days = input.facts.window_days.ok_or_else(|| {
        FileError::NeedsInput(
            "the window of a Spotify songs export (1 year or 28 days) is only in its file name \
             (…-songs-1year.csv / …-songs-28day.csv): keep that name"
                .into(),
        )
    })?;
    let first_day = export_date - Duration::days(i64::from(days) - 1);
    let artist = input.facts.artist.clone();
    table.send_rows(sink, |row| {
        let title = row.text(song).into_owned();
        if title.is_empty() {
            return Err(row.error(Some("song"), "the song title is empty"));
        }
        let mut records = Vec::new();
        for &(col, header, metric) in &columns {
            if let Some(v) = count_cell(row, col, header)? {
                records.push(Record::Window(Box::new(WindowFact {
                    source: SourceId::Spotify,
                    metric,
                    artist: artist.clone(),
                    entity: Some(EntityRef { kind: "track", key: title.clone(), name: Some(title.clone()) }),
                    first_day,
                    last_day: export_date,
                    measure: Measure::Count(v),
                })));
            }
        }
        Ok(records)
    })
}

fn song_timeline(
    table: &mut Table<impl std::io::Read>,
    input: &Input,
    sink: &mut dyn RecordSink,
) -> Result<(), FileError> {
    let kind = "Spotify song timeline";
    let date = table.require(kind, &["date"])?;
    let streams = table.require(kind, &["streams"])?;
    let title = song_from_name(&input.name).ok_or_else(|| {
        FileError::NeedsInput(
            "a Spotify song timeline names its song only in the file name (<Song Title>-timeline.csv): keep that name"
                .into(),
        )
    })?;
    let artist = input.facts.artist.clone();
    table.send_rows(sink, |row| {
        let day = values::iso_date(&row.text(date)).map_err(|e| row.error(Some("date"), e))?;
        let streams = count_cell(row, streams, "streams")?;
        Ok(streams
            .map(|v| {
                Record::Daily(Box::new(DailyFact {
                    source: SourceId::Spotify,
                    metric: metric::TRACK_STREAMS,
                    artist: artist.clone(),
                    entity: Some(EntityRef { kind: "track", key: title.clone(), name: Some(title.clone()) }),
                    day,
                    measure: Measure::Count(v),
                }))
            })
            .into_iter()
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_artist_window_and_song() {
        assert_eq!(
            artist_from_name("4Z8W4fKeB5YxbusRsdQVPb-audience-timeline.csv").as_deref(),
            Some("4Z8W4fKeB5YxbusRsdQVPb")
        );
        assert_eq!(artist_from_name("abc-songs-1year.csv").as_deref(), Some("abc"));
        assert_eq!(artist_from_name("timeline.csv"), None);
        assert_eq!(window_from_name("abc-songs-28day.csv"), Some(28));
        assert_eq!(window_from_name("abc-songs-1year.csv"), Some(365));
        assert_eq!(song_from_name("Hold On II-timeline.csv").as_deref(), Some("Hold On II"));
    }

    #[test]
    fn detects_the_three_exports() {
        let d = |name: &str, head: &[u8]| {
            Spotify.detect(&Sample { name, head }).map(|d| (d.format, d.confidence))
        };
        assert_eq!(
            d("x.csv", b"\xEF\xBB\xBFdate,listeners,streams,followers\n"),
            Some((AUDIENCE, Confidence::Certain))
        );
        assert_eq!(
            d("x.csv", b"date,listeners,monthly listeners,monthly active listeners,streams,playlist adds,saves,followers\n"),
            Some((AUDIENCE, Confidence::Certain))
        );
        assert_eq!(
            d("x.csv", b"song,listeners,streams,saves,release_date\n"),
            Some((SONGS, Confidence::Certain))
        );
        assert_eq!(d("Luna-timeline.csv", b"date,streams\n"), Some((SONG_TIMELINE, Confidence::Certain)));
        assert_eq!(d("export.csv", b"date,streams\n"), Some((SONG_TIMELINE, Confidence::Possible)));
        assert_eq!(d("x.csv", b"Reporting Date,Sale Month\n"), None);
    }
}
