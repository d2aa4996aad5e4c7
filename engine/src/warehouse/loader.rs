//! Writes one file's records into the warehouse, inside a transaction the caller owns (so the
//! file goes in whole or not at all). Dimension ids are cached for the file; facts are inserted
//! in multi-row batches; a fact whose natural key is already stored is skipped or replaced by the
//! rules of its table.

use std::collections::{BTreeSet, HashMap};

use compact_str::CompactString;
use model::SourceId;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{
    ArtistProfile, DailyFact, EmailCampaign, EntityRef, ExchangeRate, Measure, Record, WindowFact, alias_key,
    attribution::{self, LoadRules, RuleKind},
    daily_series,
    packed_line::{FreshValues, LinePacker, NONE, PackedLine, ValueTable},
    statement_load::{LineIds, StatementLoad},
    writer::Writer,
};
use crate::{kpi::currency::Rates, sources::meta_ads::CAMPAIGN_BY_NAME, time::date_int};

/// Facts per batch: they bind 12 values at most, so a batch of them fits SQLite's 32,766.
const BATCH_ROWS: usize = 2300;

/// A daily or window fact with its dimension ids resolved.
struct PendingFact {
    line: u64,
    source: &'static str,
    metric: &'static str,
    artist_id: i64,
    /// The artist came from an attribution rule.
    artist_by_rule: bool,
    entity_id: i64,
    days: (i64, i64),
    measure: Measure,
}

impl PendingFact {
    fn columns(&self) -> (Option<i64>, Option<String>, Option<String>) {
        match &self.measure {
            Measure::Count(v) => (Some(*v), None, None),
            Measure::Amount(d) => (None, Some(d.to_string()), None),
            Measure::Money(d, c) => (None, Some(d.to_string()), Some(c.clone())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("database error while loading: {0}")]
    Db(#[from] sqlx::Error),
    /// From a statement run through SQLite's own API (see `direct`).
    #[error("database error while loading: {0}")]
    Direct(#[from] rusqlite::Error),
    #[error("the warehouse did not store what was loaded: {0}")]
    Inconsistent(String),
    #[error("the file is too large to load at once: {0}")]
    TooLarge(String),
    #[error("cannot sum the revenue rollups: {0}")]
    Rollup(String),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Rows written (new or replacing an older value).
    pub rows_loaded: u64,
    /// Rows already stored from an earlier file (e.g. the old lines of a re-downloaded statement).
    pub rows_skipped: u64,
}

pub struct Loader<'c> {
    db: Writer<'c>,
    raw_file_id: i64,
    artist_override: Option<String>,
    artists: HashMap<String, i64>,
    artist_names: HashMap<String, Option<i64>, super::IntBuildHasher>,
    stores: HashMap<String, i64, super::IntBuildHasher>,
    tracks: HashMap<String, i64, super::IntBuildHasher>,
    releases: HashMap<String, i64, super::IntBuildHasher>,
    entities: HashMap<(SourceId, &'static str, String), i64>,
    /// The texts and amounts of the statement lines' numbers (see `packed_line`).
    values: ValueTable,
    /// Dimension ids by text number, for the texts met already.
    by_text: IdsByText,
    /// The artist id of `artist_override`, once known.
    override_id: Option<Option<i64>>,
    /// The attribution rules, read when the first line or fact needs them.
    rules: Option<LoadRules>,
    /// Numbers the statement lines given as records (the parser's thread numbers the others).
    packer: Option<LinePacker>,
    lines: StatementLoad,
    daily: Vec<PendingFact>,
    window: Vec<PendingFact>,
    /// Sources whose daily facts this file wrote: their `daily_series` are rebuilt at the end.
    daily_sources: BTreeSet<SourceId>,
    /// Exchange rates changed: every USD figure of `daily_series` is recomputed.
    rates_changed: bool,
    stats: LoadStats,
}

/// The dimension ids of the statement lines' texts, by text number.
#[derive(Default)]
struct IdsByText {
    stores: Vec<Option<i64>>,
    /// `Some(None)`: a name that stands for no artist (nothing but punctuation).
    artists: Vec<Option<Option<i64>>>,
    tracks: Vec<Option<i64>>,
    releases: Vec<Option<i64>>,
}

fn by_number<T: Copy>(ids: &[Option<T>], n: u32) -> Option<T> {
    ids.get(n as usize).copied().flatten()
}

fn remember<T>(ids: &mut Vec<Option<T>>, n: u32, id: T) {
    let at = n as usize;
    if ids.len() <= at {
        ids.resize_with(at + 1, || None);
    }
    if let Some(slot) = ids.get_mut(at) {
        *slot = Some(id);
    }
}

impl<'c> Loader<'c> {
    /// `artist_override`: the artist named at import, which beats what the file says.
    pub fn new(conn: &'c mut SqliteConnection, raw_file_id: i64, artist_override: Option<String>) -> Self {
        Self {
            db: Writer::new(conn),
            raw_file_id,
            artist_override,
            artists: HashMap::new(),
            artist_names: HashMap::default(),
            stores: HashMap::default(),
            tracks: HashMap::default(),
            releases: HashMap::default(),
            entities: HashMap::new(),
            values: ValueTable::default(),
            by_text: IdsByText::default(),
            override_id: None,
            rules: None,
            packer: None,
            lines: StatementLoad::new(raw_file_id),
            daily: Vec::new(),
            window: Vec::new(),
            daily_sources: BTreeSet::new(),
            rates_changed: false,
            stats: LoadStats::default(),
        }
    }

    /// Takes the values that lines packed from now on are numbered with (see `packed_line`).
    pub fn add_values(&mut self, fresh: FreshValues) -> Result<(), LoadError> {
        self.values.extend(fresh)
    }

    /// Takes a statement line without awaiting anything when its dimensions are known and its
    /// batch is not full — nearly every line of a large file. Gives the line back otherwise,
    /// for [`Loader::add_line`]. (Awaiting `add_line` for every line cost more than the work
    /// itself: its future, large enough for every query it may make, was moved at each call.)
    pub fn try_add_line(&mut self, line: PackedLine) -> Result<Option<PackedLine>, LoadError> {
        if !self.lines.has_room() {
            return Ok(Some(line));
        }
        match self.cached_ids(&line) {
            Some(ids) => {
                self.lines.push(line, ids, &self.values)?;
                Ok(None)
            }
            None => Ok(Some(line)),
        }
    }

    /// Takes a statement line, finding or making its dimensions, and stores its batch when full.
    pub async fn add_line(&mut self, line: PackedLine) -> Result<(), LoadError> {
        let ids = match self.cached_ids(&line) {
            Some(ids) => ids,
            None => self.line_ids(&line).await?,
        };
        self.lines.push(line, ids, &self.values)?;
        if self.lines.is_full() {
            self.lines.flush(&mut self.db, &mut self.stats, &self.values).await?;
        }
        Ok(())
    }

    /// A line's store, artist, track and release ids, when all are known already.
    fn cached_ids(&self, l: &PackedLine) -> Option<LineIds> {
        let artist_id = if self.artist_override.is_some() {
            self.override_id?
        } else if l.artist == NONE {
            None
        } else {
            by_number(&self.by_text.artists, l.artist)?
        };
        let store_id = by_number(&self.by_text.stores, l.store)?;
        let track_id = match l.isrc {
            NONE => None,
            isrc => Some(by_number(&self.by_text.tracks, isrc)?),
        };
        let release_id = match l.upc {
            NONE => None,
            upc => Some(by_number(&self.by_text.releases, upc)?),
        };
        let (artist_id, artist_by_rule) = self.by_rule(artist_id, track_id, release_id)?;
        Some(LineIds { store_id, artist_id, artist_by_rule, track_id, release_id })
    }

    /// A line's dimension ids, found or made, and remembered by text number.
    async fn line_ids(&mut self, l: &PackedLine) -> Result<LineIds, LoadError> {
        let text = |n: u32, what: &str| -> Result<Option<CompactString>, LoadError> {
            Ok(self.values.optional_text(n, what)?.map(CompactString::from))
        };
        let (store, artist, isrc, upc) =
            (text(l.store, "store")?, text(l.artist, "artist")?, text(l.isrc, "ISRC")?, text(l.upc, "UPC")?);
        let title = match isrc {
            Some(_) => text(l.title, "title")?,
            None => None,
        };
        let store =
            store.ok_or_else(|| LoadError::Inconsistent("a statement line without a store".into()))?;
        let store_id = self.store(&store).await?;
        remember(&mut self.by_text.stores, l.store, store_id);
        let artist_id = match (self.artist_override.clone(), artist) {
            (Some(name), _) => {
                let id = self.artist(&name).await?;
                self.override_id = Some(id);
                id
            }
            (None, Some(name)) => {
                let id = self.artist(&name).await?;
                remember(&mut self.by_text.artists, l.artist, id);
                id
            }
            (None, None) => None,
        };
        let track_id = match isrc {
            Some(isrc) => {
                let id = self.track(&isrc, title.as_deref().unwrap_or_default()).await?;
                remember(&mut self.by_text.tracks, l.isrc, id);
                self.load_rules().await?.learn(RuleKind::Track, &isrc, id);
                Some(id)
            }
            None => None,
        };
        let release_id = match upc {
            Some(upc) => {
                let id = self.release(&upc).await?;
                remember(&mut self.by_text.releases, l.upc, id);
                self.load_rules().await?.learn(RuleKind::Release, &upc, id);
                Some(id)
            }
            None => None,
        };
        let (artist_id, artist_by_rule) = match self.by_rule(artist_id, track_id, release_id) {
            Some(ids) => ids,
            None => {
                self.load_rules().await?;
                self.by_rule(artist_id, track_id, release_id).unwrap_or((artist_id, false))
            }
        };
        Ok(LineIds { store_id, artist_id, artist_by_rule, track_id, release_id })
    }

    /// A line's artist, its rule's when the file names none (and whether it is the rule's);
    /// `None` until the rules are read.
    fn by_rule(
        &self,
        artist_id: Option<i64>,
        track_id: Option<i64>,
        release_id: Option<i64>,
    ) -> Option<(Option<i64>, bool)> {
        if artist_id.is_some() || self.artist_override.is_some() {
            return Some((artist_id, false));
        }
        let rules = self.rules.as_ref()?;
        Some(match rules.line_artist(track_id, release_id) {
            Some(artist) => (Some(artist), true),
            None => (None, false),
        })
    }

    /// Reads the attribution rules, once per file, with their artists found or created.
    async fn load_rules(&mut self) -> Result<&mut LoadRules, LoadError> {
        if self.rules.is_none() {
            let mut rules = LoadRules::default();
            for (kind, key, stored, artist) in LoadRules::load(self.db.conn().await?).await? {
                if let Some(artist_id) = self.artist(&artist).await? {
                    rules.add(kind, key, stored, artist_id);
                }
            }
            self.rules = Some(rules);
        }
        Ok(self.rules.get_or_insert_with(LoadRules::default))
    }

    pub async fn add(&mut self, line: u64, record: Record) -> Result<(), LoadError> {
        match record {
            Record::StatementLine(rec) => {
                // Numbered here for a caller that hands over records rather than packed lines.
                let packer = self.packer.get_or_insert_with(LinePacker::default);
                let packed = packer.pack(line, &rec);
                let fresh = packer.take_fresh();
                self.values.extend(fresh)?;
                self.add_line(packed).await?;
            }
            Record::Daily(fact) => {
                let DailyFact { source, metric, artist, entity, day, measure } = *fact;
                self.daily_sources.insert(source);
                let (artist_id, artist_by_rule, entity_id) = self.ids(source, artist, entity).await?;
                let day = date_int(day);
                let source = source.as_str();
                self.daily.push(PendingFact {
                    line,
                    source,
                    metric,
                    artist_id,
                    artist_by_rule,
                    entity_id,
                    days: (day, day),
                    measure,
                });
                if self.daily.len() >= BATCH_ROWS {
                    self.flush_facts(false).await?;
                }
            }
            Record::Window(fact) => {
                let WindowFact { source, metric, artist, entity, first_day, last_day, measure } = *fact;
                let (artist_id, artist_by_rule, entity_id) = self.ids(source, artist, entity).await?;
                let days = (date_int(first_day), date_int(last_day));
                let source = source.as_str();
                let fact =
                    PendingFact { line, source, metric, artist_id, artist_by_rule, entity_id, days, measure };
                self.window.push(fact);
                if self.window.len() >= BATCH_ROWS {
                    self.flush_facts(true).await?;
                }
            }
            Record::EmailCampaign(campaign) => self.email_campaign(line, *campaign).await?,
            Record::ExchangeRate(rate) => self.exchange_rate(line, rate).await?,
            Record::ArtistProfile(profile) => self.artist_profile(line, *profile).await?,
        }
        Ok(())
    }

    pub async fn finish(mut self) -> Result<LoadStats, LoadError> {
        self.flush_facts(false).await?;
        self.flush_facts(true).await?;
        self.lines.finish(&mut self.db, &mut self.stats, &self.values).await?;
        if self.rates_changed {
            daily_series::refresh_all(self.db.conn().await?).await?;
        } else if !self.daily_sources.is_empty() {
            let rates = Rates::load_on(self.db.conn().await?).await?;
            for source in &self.daily_sources {
                daily_series::refresh(self.db.conn().await?, *source, &rates).await?;
            }
        }
        // The last upsert may still be running: its result decides whether the file commits.
        self.db.finish().await?;
        Ok(self.stats)
    }

    /// The artist (override first, else a Meta campaign's rule) and entity ids of a fact, 0 when
    /// there is none, and whether the artist is the rule's.
    async fn ids(
        &mut self,
        source: SourceId,
        artist: Option<String>,
        entity: Option<EntityRef>,
    ) -> Result<(i64, bool, i64), LoadError> {
        let artist = self.artist_override.clone().or(artist);
        let artist_id = match artist.as_deref() {
            Some(name) => self.artist(name).await?.unwrap_or(0),
            None => 0,
        };
        let Some(e) = entity else { return Ok((artist_id, false, 0)) };
        let campaign = (source == SourceId::MetaAds && e.kind == "campaign").then(|| e.key.clone());
        let entity_id = self.entity(source, e).await?;
        if artist_id != 0 || source != SourceId::MetaAds {
            return Ok((artist_id, false, entity_id));
        }
        let rules = self.load_rules().await?;
        if let Some(key) = campaign {
            rules.learn(RuleKind::Campaign, &key, entity_id);
        }
        Ok(match rules.campaign_artist(entity_id) {
            Some(artist) => (artist, true, entity_id),
            None => (0, false, entity_id),
        })
    }

    /// Daily and window facts: the newest import of a key replaces its value (a restated day,
    /// an API figure after an export's); keys a file does not mention are left alone.
    async fn flush_facts(&mut self, window: bool) -> Result<(), LoadError> {
        let pending = if window { &mut self.window } else { &mut self.daily };
        if pending.is_empty() {
            return Ok(());
        }
        let raw_file_id = self.raw_file_id;
        let mut qb = if window {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO window_facts (source, metric, artist_id, entity_id, first_day, last_day, value, amount, \
                 currency, raw_file_id, line) ",
            )
        } else {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO daily_facts (source, metric, artist_id, entity_id, day, value, amount, currency, \
                 raw_file_id, line, artist_by_rule) ",
            )
        };
        qb.push_values(pending.drain(..), |mut b, f| {
            let (value, amount, currency) = f.columns();
            b.push_bind(f.source).push_bind(f.metric).push_bind(f.artist_id).push_bind(f.entity_id);
            if window {
                b.push_bind(f.days.0).push_bind(f.days.1);
            } else {
                b.push_bind(f.days.0);
            }
            b.push_bind(value)
                .push_bind(amount)
                .push_bind(currency)
                .push_bind(raw_file_id)
                .push_bind(i64::try_from(f.line).unwrap_or(i64::MAX));
            if !window {
                b.push_bind(i64::from(f.artist_by_rule));
            }
        });
        qb.push(if window {
            " ON CONFLICT (source, metric, artist_id, entity_id, first_day, last_day) DO UPDATE SET "
        } else {
            " ON CONFLICT (source, metric, artist_id, entity_id, day) DO UPDATE SET "
        });
        qb.push(
            "value = excluded.value, amount = excluded.amount, currency = excluded.currency, \
             raw_file_id = excluded.raw_file_id, line = excluded.line",
        );
        if !window {
            // A Meta campaign-day is one fact whatever the artist (migration 0017's unique index):
            // an export imported with `--artist` and an API pull of the same day replace each
            // other instead of both counting. The newest import that names an artist sets it;
            // one that names none (a pull without the connection's artist) keeps it, and an
            // attribution rule's artist never replaces one a file named.
            const KEEP: &str = "excluded.artist_id = 0 \
                 OR (excluded.artist_by_rule = 1 AND artist_id <> 0 AND artist_by_rule = 0)";
            qb.push(format!(
                " ON CONFLICT (source, metric, entity_id, day) WHERE source = 'meta_ads' DO UPDATE SET \
                 artist_id = CASE WHEN {KEEP} THEN artist_id ELSE excluded.artist_id END, \
                 artist_by_rule = CASE WHEN {KEEP} THEN artist_by_rule ELSE excluded.artist_by_rule END, \
                 value = excluded.value, amount = excluded.amount, currency = excluded.currency, \
                 raw_file_id = excluded.raw_file_id, line = excluded.line"
            ));
        }
        let done = qb.build().execute(self.db.conn().await?).await?;
        self.stats.rows_loaded += done.rows_affected();
        Ok(())
    }

    /// A campaign's newest figures win; a field a later file does not report (NULL: not
    /// reported) keeps what an earlier file said.
    /// An artist's Spotify profile. Its Spotify id becomes an alias of the artist, so Spotify for
    /// Artists exports named by that id are attributed to the same artist.
    async fn artist_profile(&mut self, line: u64, p: ArtistProfile) -> Result<(), LoadError> {
        let name = self.artist_override.clone().unwrap_or_else(|| p.name.clone());
        let Some(artist_id) = self.artist(&name).await? else { return Ok(()) };
        sqlx::query("INSERT INTO artist_aliases (alias_key, artist_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(alias_key(&p.spotify_id))
            .bind(artist_id)
            .execute(self.db.conn().await?)
            .await?;
        sqlx::query(
            "INSERT INTO artist_profiles (spotify_id, artist_id, name, genres, image_url, raw_file_id, line) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (spotify_id) DO UPDATE SET artist_id = excluded.artist_id, \
             name = excluded.name, genres = excluded.genres, image_url = excluded.image_url, \
             raw_file_id = excluded.raw_file_id, line = excluded.line",
        )
        .bind(&p.spotify_id)
        .bind(artist_id)
        .bind(&p.name)
        .bind(serde_json::to_string(&p.genres).unwrap_or_else(|_| "[]".into()))
        .bind(&p.image_url)
        .bind(self.raw_file_id)
        .bind(i64::try_from(line).unwrap_or(i64::MAX))
        .execute(self.db.conn().await?)
        .await?;
        self.stats.rows_loaded += 1;
        Ok(())
    }

    async fn email_campaign(&mut self, line: u64, c: EmailCampaign) -> Result<(), LoadError> {
        let artist = self.artist_override.clone().or(c.artist.clone());
        let artist_id = match artist.as_deref() {
            Some(name) => self.artist(name).await?.unwrap_or(0),
            None => 0,
        };
        sqlx::query(
            "INSERT INTO email_campaigns (campaign_key, source, artist_id, title, subject, list_id, send_time, \
             send_day, delivered, unique_opens, unique_clicks, unsubscribes, hard_bounces, soft_bounces, \
             abuse_reports, raw_file_id, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (campaign_key) DO UPDATE SET source = excluded.source, \
             artist_id = CASE excluded.artist_id WHEN 0 THEN artist_id ELSE excluded.artist_id END, \
             title = COALESCE(excluded.title, title), subject = COALESCE(excluded.subject, subject), \
             list_id = COALESCE(excluded.list_id, list_id), send_time = COALESCE(excluded.send_time, send_time), \
             send_day = COALESCE(excluded.send_day, send_day), delivered = COALESCE(excluded.delivered, delivered), \
             unique_opens = COALESCE(excluded.unique_opens, unique_opens), \
             unique_clicks = COALESCE(excluded.unique_clicks, unique_clicks), \
             unsubscribes = COALESCE(excluded.unsubscribes, unsubscribes), \
             hard_bounces = COALESCE(excluded.hard_bounces, hard_bounces), \
             soft_bounces = COALESCE(excluded.soft_bounces, soft_bounces), \
             abuse_reports = COALESCE(excluded.abuse_reports, abuse_reports), \
             raw_file_id = excluded.raw_file_id, line = excluded.line",
        )
        .bind(&c.key)
        .bind(c.source.as_str())
        .bind(artist_id)
        .bind(&c.title)
        .bind(&c.subject)
        .bind(&c.list_id)
        .bind(c.send_time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
        .bind(c.send_time.map(|t| date_int(t.date_naive())))
        .bind(c.delivered)
        .bind(c.unique_opens)
        .bind(c.unique_clicks)
        .bind(c.unsubscribes)
        .bind(c.hard_bounces)
        .bind(c.soft_bounces)
        .bind(c.abuse_reports)
        .bind(self.raw_file_id)
        .bind(i64::try_from(line).unwrap_or(i64::MAX))
        .execute(self.db.conn().await?)
        .await?;
        self.stats.rows_loaded += 1;
        Ok(())
    }

    async fn exchange_rate(&mut self, line: u64, rate: ExchangeRate) -> Result<(), LoadError> {
        self.rates_changed = true;
        sqlx::query(
            "INSERT INTO exchange_rates (currency, day, usd_per_unit, raw_file_id, line) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (currency, day) DO UPDATE SET usd_per_unit = excluded.usd_per_unit, \
             raw_file_id = excluded.raw_file_id, line = excluded.line",
        )
        .bind(&rate.currency)
        .bind(date_int(rate.day))
        .bind(rate.usd_per_unit.to_string())
        .bind(self.raw_file_id)
        .bind(i64::try_from(line).unwrap_or(i64::MAX))
        .execute(self.db.conn().await?)
        .await?;
        self.stats.rows_loaded += 1;
        Ok(())
    }

    async fn entity(&mut self, source: SourceId, e: EntityRef) -> Result<i64, LoadError> {
        let cache_key = (source, e.kind, e.key.clone());
        if let Some(&id) = self.entities.get(&cache_key) {
            return Ok(id);
        }
        let id = if source == SourceId::MetaAds && matches!(e.kind, "campaign" | CAMPAIGN_BY_NAME) {
            self.meta_campaign(e).await?
        } else {
            self.upsert_entity(source, &e).await?
        };
        self.entities.insert(cache_key, id);
        Ok(id)
    }

    /// A Meta campaign's entity. Campaigns are keyed by their id, as the API and exports with a
    /// `Campaign ID` give it; an export without ids gives only names (see `CAMPAIGN_BY_NAME`):
    /// - a name-only campaign is the id-keyed campaign of that name when exactly one has it;
    ///   otherwise a campaign keyed by the name;
    /// - an id-keyed campaign takes over the days of the name-keyed campaign of its name (when
    ///   no other id-keyed campaign has that name), the newer figure of a day winning,
    ///
    /// so an export without ids and a pull of the same campaign-days are one fact in either order.
    async fn meta_campaign(&mut self, mut e: EntityRef) -> Result<i64, LoadError> {
        // Stored campaigns keyed by an id rather than by a name: Meta ids are digits.
        const BY_ID: &str = "source = 'meta_ads' AND kind = 'campaign' AND key NOT GLOB '*[^0-9]*'";
        if e.kind == CAMPAIGN_BY_NAME {
            let ids: Vec<i64> =
                sqlx::query_scalar(&format!("SELECT id FROM entities WHERE {BY_ID} AND name = ? LIMIT 2"))
                    .bind(&e.key)
                    .fetch_all(self.db.conn().await?)
                    .await?;
            if let [id] = ids[..] {
                return Ok(id);
            }
            e.kind = "campaign";
            return self.upsert_entity(SourceId::MetaAds, &e).await;
        }
        let id = self.upsert_entity(SourceId::MetaAds, &e).await?;
        let Some(name) = e.name.as_deref().filter(|_| e.key.bytes().all(|b| b.is_ascii_digit())) else {
            return Ok(id);
        };
        let namesakes: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM entities WHERE {BY_ID} AND name = ?"))
                .bind(name)
                .fetch_one(self.db.conn().await?)
                .await?;
        let by_name: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM entities WHERE source = 'meta_ads' AND kind = 'campaign' AND key = ? AND id <> ?",
        )
        .bind(name)
        .bind(id)
        .fetch_optional(self.db.conn().await?)
        .await?;
        let Some(old) = by_name.filter(|_| namesakes == 1 && !name.bytes().all(|b| b.is_ascii_digit()))
        else {
            return Ok(id);
        };
        tracing::info!(campaign = %e.key, name, "a Meta campaign known by its name gets its id");
        let conn = self.db.conn().await?;
        // Of a day both have, the older figure goes; the rest of the name's days become the id's.
        for (loser, winner) in [(old, id), (id, old)] {
            sqlx::query(
                "DELETE FROM daily_facts WHERE source = 'meta_ads' AND entity_id = ?1 AND EXISTS ( \
                 SELECT 1 FROM daily_facts g WHERE g.source = 'meta_ads' AND g.entity_id = ?2 \
                 AND g.metric = daily_facts.metric AND g.day = daily_facts.day \
                 AND g.raw_file_id > daily_facts.raw_file_id)",
            )
            .bind(loser)
            .bind(winner)
            .execute(&mut *conn)
            .await?;
        }
        // Same file on both sides (cannot happen: one file names a campaign one way): the id's stays.
        sqlx::query(
            "DELETE FROM daily_facts WHERE source = 'meta_ads' AND entity_id = ?1 AND EXISTS ( \
             SELECT 1 FROM daily_facts g WHERE g.source = 'meta_ads' AND g.entity_id = ?2 \
             AND g.metric = daily_facts.metric AND g.day = daily_facts.day)",
        )
        .bind(old)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE daily_facts SET entity_id = ?2 WHERE source = 'meta_ads' AND entity_id = ?1")
            .bind(old)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM entities WHERE id = ?").bind(old).execute(&mut *conn).await?;
        // Days only the name-keyed campaign had now change the id's series too.
        self.daily_sources.insert(SourceId::MetaAds);
        Ok(id)
    }

    async fn upsert_entity(&mut self, source: SourceId, e: &EntityRef) -> Result<i64, LoadError> {
        // The latest name wins (a renamed campaign shows its new name).
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO entities (source, kind, key, name) VALUES (?, ?, ?, ?) \
             ON CONFLICT (source, kind, key) DO UPDATE SET name = COALESCE(excluded.name, name) RETURNING id",
        )
        .bind(source.as_str())
        .bind(e.kind)
        .bind(&e.key)
        .bind(&e.name)
        .fetch_one(self.db.conn().await?)
        .await?;
        Ok(id)
    }

    async fn store(&mut self, name: &str) -> Result<i64, LoadError> {
        if let Some(&id) = self.stores.get(name) {
            return Ok(id);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO stores (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind(name)
        .fetch_one(self.db.conn().await?)
        .await?;
        self.stores.insert(name.to_string(), id);
        Ok(id)
    }

    /// The artist a name stands for, by its spelling as written first (a statement repeats the
    /// same few spellings on every line), then by its alias key.
    async fn artist(&mut self, name: &str) -> Result<Option<i64>, LoadError> {
        if let Some(&id) = self.artist_names.get(name) {
            return Ok(id);
        }
        let id = self.artist_by_key(name).await?;
        self.artist_names.insert(name.to_string(), id);
        Ok(id)
    }

    async fn artist_by_key(&mut self, name: &str) -> Result<Option<i64>, LoadError> {
        let key = alias_key(name);
        if let Some(&id) = self.artists.get(&key) {
            return Ok(Some(id));
        }
        let id = attribution::find_or_create_artist(self.db.conn().await?, name).await?;
        if let Some(id) = id {
            self.artists.insert(key, id);
        }
        Ok(id)
    }

    async fn release(&mut self, upc: &str) -> Result<i64, LoadError> {
        if let Some(&id) = self.releases.get(upc) {
            return Ok(id);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO releases (upc) VALUES (?) ON CONFLICT (upc) DO UPDATE SET upc = excluded.upc RETURNING id",
        )
        .bind(upc)
        .fetch_one(self.db.conn().await?)
        .await?;
        self.releases.insert(upc.to_string(), id);
        Ok(id)
    }

    async fn track(&mut self, isrc: &str, title: &str) -> Result<i64, LoadError> {
        if let Some(&id) = self.tracks.get(isrc) {
            return Ok(id);
        }
        // The first title seen is kept; later spellings do not rename the track.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tracks (isrc, title) VALUES (?, ?) \
             ON CONFLICT (isrc) DO UPDATE SET isrc = excluded.isrc RETURNING id",
        )
        .bind(isrc)
        .bind(title)
        .fetch_one(self.db.conn().await?)
        .await?;
        self.tracks.insert(isrc.to_string(), id);
        Ok(id)
    }
}
