//! Realistic demo exports for every source: two artists, a year of data ending at `today`, a
//! couple of ad campaigns. The same `today` always gives the same files (a seeded generator), so
//! a demo dashboard can be compared across runs.

use std::{
    fmt::Write as _,
    io::Write as _,
    path::{Path, PathBuf},
};

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::{etl::ImportOptions, time::YearMonth};

/// A demo file and how to import it.
pub struct DemoFile {
    pub path: PathBuf,
    pub options: ImportOptions,
}

struct Artist {
    name: &'static str,
    /// How the artist appears in Spotify/TikTok file names (the alias table joins them).
    handle: &'static str,
    tracks: &'static [(&'static str, &'static str)],
    scale: f64,
}

const ARTISTS: [Artist; 2] = [
    Artist {
        name: "ZONE A0",
        handle: "zone.a0",
        tracks: &[("HOLD ON II", "QZTAW2496366"), ("LUNA", "QZTB92494812"), ("STATIC BLOOM", "QZTB92494813")],
        scale: 1.0,
    },
    Artist {
        name: "Night Owls",
        handle: "night_owls",
        tracks: &[("AI GENERATED GHOST JOBS", "QZTB92500001"), ("3AM TAXI", "QZTB92500002")],
        scale: 0.45,
    },
];

/// Stores and what one stream pays there, in nano-dollars (money stays integer/decimal).
const STORES: [(&str, i64); 6] = [
    ("Spotify", 3_600_000),
    ("Apple Music", 7_200_000),
    ("YouTube (Ads)", 1_100_000),
    ("Amazon Unlimited (Streaming)", 5_200_000),
    ("TikTok", 400_000),
    ("Deezer", 3_100_000),
];
const COUNTRIES: [(&str, f64); 5] = [("US", 0.42), ("GB", 0.16), ("DE", 0.14), ("BR", 0.12), ("OU", 0.16)];

/// xorshift: small, deterministic, good enough for plausible noise.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A whole number in `lo..hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + ((hi - lo) as f64 * self.unit()) as i64
    }

    /// `base` scaled by ±`spread` noise, never negative.
    fn around(&mut self, base: f64, spread: f64) -> i64 {
        (base * (1.0 + spread * (2.0 * self.unit() - 1.0))).max(0.0).round() as i64
    }
}

/// Daily audience shape: slow growth, weekend lift, a release spike two months before `today`.
fn daily_level(day: NaiveDate, today: NaiveDate) -> f64 {
    let age = (today - day).num_days() as f64;
    let growth = 1.0 + (365.0 - age) / 365.0 * 0.8;
    let weekend = if day.weekday().number_from_monday() >= 6 { 1.15 } else { 1.0 };
    let since_release = (age - 60.0).abs();
    let spike = 1.0 + 1.5 * (-since_release / 9.0).exp();
    growth * weekend * spike
}

fn days(today: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    (0..365).rev().map(move |back| today - Duration::days(back))
}

/// Writes every demo export into `dir` and says how to import each.
pub fn write_exports(dir: &Path, today: NaiveDate) -> std::io::Result<Vec<DemoFile>> {
    std::fs::create_dir_all(dir)?;
    let seed = u64::try_from(today.num_days_from_ce()).unwrap_or(1) * 0x9E37_79B9;
    let mut rng = Rng::new(seed);
    let mut files = Vec::new();
    let plain = |path: PathBuf| DemoFile { path, options: ImportOptions::default() };
    let for_artist = |path: PathBuf, artist: &str| DemoFile {
        path,
        options: ImportOptions { artist: Some(artist.to_string()), ..ImportOptions::default() },
    };

    files.push(plain(distrokid(dir, today, &mut rng)?));
    let (sales, analytics) = toolost(dir, today, &mut rng)?;
    files.push(plain(sales));
    files.push(for_artist(analytics, ARTISTS[1].name));
    files.push(plain(exchange_rates(dir, today)?));
    for artist in &ARTISTS {
        files.push(plain(spotify_timeline(dir, today, artist, &mut rng)?));
        files.push(for_artist(youtube(dir, today, artist, &mut rng)?, artist.name));
        files.push(DemoFile {
            path: tiktok(dir, today, artist, &mut rng)?,
            options: ImportOptions { export_date: Some(today), ..ImportOptions::default() },
        });
    }
    files.push(for_artist(linktree(dir, today, &mut rng)?, ARTISTS[0].name));
    files.push(for_artist(meta_ads(dir, today, &mut rng)?, ARTISTS[0].name));
    files.push(for_artist(mailchimp(dir, today, &mut rng)?, ARTISTS[0].name));
    Ok(files)
}

/// The months whose statements have been posted by `today` (DistroKid posts 2–3 months late).
fn statement_months(today: NaiveDate) -> Vec<(YearMonth, NaiveDate)> {
    (3..15)
        .rev()
        .filter_map(|back| {
            let first = YearMonth::of(today).first_day().checked_sub_months(chrono::Months::new(back))?;
            let reported = first.checked_add_months(chrono::Months::new(2))? + Duration::days(24);
            (reported <= today).then_some((YearMonth::of(first), reported))
        })
        .collect()
}

/// `nanos` billionths of a unit as an exact decimal string.
fn nano(nanos: i64) -> String {
    Decimal::new(nanos, 9).normalize().to_string()
}

fn distrokid(dir: &Path, today: NaiveDate, rng: &mut Rng) -> std::io::Result<PathBuf> {
    let mut out = String::from(
        "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\r\n",
    );
    for (month, reported) in statement_months(today) {
        let level = daily_level(month.first_day() + Duration::days(14), today);
        for artist in &ARTISTS {
            for (ti, (title, isrc)) in artist.tracks.iter().enumerate() {
                for (store, rate) in STORES {
                    for (country, share) in COUNTRIES {
                        let units = rng.around(900.0 * artist.scale * level * share / (ti as f64 + 1.0), 0.5);
                        if units == 0 {
                            continue;
                        }
                        let earned = units * rate * rng.between(900, 1100) / 1000;
                        let _ = write!(
                            out,
                            "{reported}\t{month}\t{store}\t{}\t{title}\t{isrc}\t1988915{:05}\t{units}\t100\tSong\t{country}\t0\t{}\r\n",
                            artist.name,
                            ti,
                            nano(earned)
                        );
                    }
                }
            }
        }
        // A correction DistroKid posts now and then: negative earnings, positive quantity.
        let _ = write!(
            out,
            "{reported}\t{month}\tSpotify\t{}\t{}\t{}\t198891500000\t3\t100\tSong\tUS\t0\t-0.01133519\r\n",
            ARTISTS[0].name, ARTISTS[0].tracks[0].0, ARTISTS[0].tracks[0].1
        );
    }
    let path = dir.join("distrokid_bank_details.tsv");
    std::fs::write(&path, out)?;
    Ok(path)
}

fn toolost(dir: &Path, today: NaiveDate, rng: &mut Rng) -> std::io::Result<(PathBuf, PathBuf)> {
    let artist = &ARTISTS[1];
    let mut sales = String::from(
        "transaction_id,sale_date,accounting_date,reporting_date,release_title,release_id,track_title,track_id,channel,country,isrc,upc,units,unit_price,original_currency,split_id,share,rev_fee,net_revenue\n",
    );
    let mut n = 0;
    for (month, reported) in statement_months(today) {
        for (ti, (title, isrc)) in artist.tracks.iter().enumerate() {
            for (channel, country) in [("Tidal", "NO"), ("Anghami", "AE")] {
                n += 1;
                let units = rng.around(140.0 / (ti as f64 + 1.0), 0.4);
                let net = units * 6_100_000 * rng.between(900, 1100) / 1000;
                let _ = writeln!(
                    sales,
                    "TL-{n:06},{},{},{reported},Night Drives,R-77,{title},T-{ti},{channel},{country},{isrc},198891509999,{units},0.0068,EUR,S-1,100,10,{}",
                    month.first_day() + Duration::days(9),
                    reported - Duration::days(5),
                    nano(net)
                );
            }
        }
    }
    let sales_path = dir.join("toolost_sales_report_by_track.csv");
    std::fs::write(&sales_path, sales)?;

    // The portal's Spotify analytics for the last 90 days: streams as strings, dates unsorted.
    let mut entries: Vec<String> = days(today)
        .skip(275)
        .map(|d| {
            format!("{{\"date\":\"{d}\",\"streams\":\"{}\"}}", rng.around(260.0 * daily_level(d, today), 0.2))
        })
        .collect();
    entries.reverse();
    let json = format!(
        "{{\"streams\":[{}],\"discovery\":[{{\"date\":\"{}\",\"streams\":\"3592\",\"fees\":\"2.93076245\"}}]}}",
        entries.join(","),
        YearMonth::of(today).first_day()
    );
    let analytics_path = dir.join("toolost_analytics_spotify.json");
    std::fs::write(&analytics_path, json)?;
    Ok((sales_path, analytics_path))
}

fn exchange_rates(dir: &Path, today: NaiveDate) -> std::io::Result<PathBuf> {
    let mut out = String::from("date,currency,usd_per_unit\n");
    let mut month = YearMonth::of(today - Duration::days(480)).first_day();
    while month <= today {
        let rate = Decimal::new(10_600 + i64::from(month.month()) * 40, 4);
        let _ = writeln!(out, "{month},EUR,{rate}");
        month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(today + Duration::days(1));
    }
    let path = dir.join("exchange_rates.csv");
    std::fs::write(&path, out)?;
    Ok(path)
}

fn spotify_timeline(
    dir: &Path,
    today: NaiveDate,
    artist: &Artist,
    rng: &mut Rng,
) -> std::io::Result<PathBuf> {
    let mut out = String::from(
        "\u{feff}date,listeners,monthly listeners,monthly active listeners,streams,playlist adds,saves,followers\n",
    );
    let mut followers = (4200.0 * artist.scale) as i64;
    for day in days(today) {
        let level = daily_level(day, today) * artist.scale;
        let listeners = rng.around(520.0 * level, 0.15);
        let streams = rng.around(1400.0 * level, 0.15);
        followers += rng.around(9.0 * level, 0.8);
        let _ = writeln!(
            out,
            "{day},{listeners},\"{}\",{},{streams},{},{},{followers}",
            thousands(rng.around(16000.0 * level, 0.05)),
            rng.around(7000.0 * level, 0.05),
            rng.around(5.0 * level, 0.9),
            rng.around(40.0 * level, 0.4)
        );
    }
    let path = dir.join(format!("{}-audience-timeline.csv", artist.handle));
    std::fs::write(&path, out)?;
    Ok(path)
}

fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn youtube(dir: &Path, today: NaiveDate, artist: &Artist, rng: &mut Rng) -> std::io::Result<PathBuf> {
    let mut rows = Vec::new();
    let (mut views_total, mut hours_total) = (0i64, Decimal::ZERO);
    for day in days(today) {
        let level = daily_level(day, today) * artist.scale;
        let views = rng.around(800.0 * level, 0.2);
        let hours = Decimal::new(views * 45, 3);
        let gained = rng.around(6.0 * level, 0.6);
        let lost = rng.around(1.5, 0.9);
        let earned = Decimal::new(views * 11, 4);
        views_total += views;
        hours_total += hours;
        rows.push(format!("{day},{views},{hours},{gained},{lost},{earned}"));
    }
    rows.reverse(); // newest first, as Studio exports them
    let mut out = String::from(
        "Date,Views,Watch time (hours),Subscribers gained,Subscribers lost,Estimated revenue (USD)\n",
    );
    let _ = writeln!(out, "Total,{views_total},{hours_total},,,");
    for r in rows {
        let _ = writeln!(out, "{r}");
    }
    let sub = dir.join(format!("youtube-{}", artist.handle));
    std::fs::create_dir_all(&sub)?;
    let path = sub.join("Table data.csv");
    std::fs::write(&path, out)?;
    Ok(path)
}

fn tiktok(dir: &Path, today: NaiveDate, artist: &Artist, rng: &mut Rng) -> std::io::Result<PathBuf> {
    let mut out = String::from("Date,Video Views,Profile Views,Likes,Comments,Shares\n");
    for day in days(today) {
        let level = daily_level(day, today) * artist.scale;
        let views = rng.around(2500.0 * level, 0.35);
        let _ = writeln!(
            out,
            "{},{views},{},{},{},{}",
            day.format("%B %-d"),
            rng.around(views as f64 * 0.03, 0.3),
            rng.around(views as f64 * 0.08, 0.3),
            rng.around(views as f64 * 0.004, 0.5),
            rng.around(views as f64 * 0.002, 0.5)
        );
    }
    let mut followers_csv = String::from("Date,Followers,Difference in followers from previous day\n");
    let mut followers = (8000.0 * artist.scale) as i64;
    for day in days(today) {
        let gained = rng.around(40.0 * daily_level(day, today) * artist.scale, 0.5) - rng.between(0, 8);
        followers += gained;
        let _ = writeln!(followers_csv, "{},\"{}\",{gained}", day.format("%-d %b"), thousands(followers));
    }
    // The name TikTok gives the zip: first day of the window, export time, account.
    let first = today - Duration::days(364);
    let epoch = today.and_hms_opt(12, 0, 0).map_or(0, |t| t.and_utc().timestamp());
    let path = dir.join(format!("Overview_{first}_{epoch}_{}.zip", artist.handle));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path)?);
    zip.start_file("Overview.csv", zip::write::SimpleFileOptions::default())
        .map_err(std::io::Error::other)?;
    zip.write_all(out.as_bytes())?;
    zip.start_file("FollowerHistory.csv", zip::write::SimpleFileOptions::default())
        .map_err(std::io::Error::other)?;
    zip.write_all(followers_csv.as_bytes())?;
    zip.finish().map_err(std::io::Error::other)?;
    Ok(path)
}

fn linktree(dir: &Path, today: NaiveDate, rng: &mut Rng) -> std::io::Result<PathBuf> {
    let points: Vec<String> = days(today)
        .map(|d| {
            let level = daily_level(d, today);
            let views = rng.around(60.0 * level, 0.3);
            let clicks = rng.around(views as f64 * 0.55, 0.3);
            format!(
                "{{\"date\":\"{d}\",\"totalViews\":{views},\"uniqueViews\":{},\"totalClicks\":{clicks},\"uniqueClicks\":{},\"clickThroughRate\":0}}",
                rng.around(views as f64 * 0.8, 0.1),
                rng.around(clicks as f64 * 0.6, 0.1)
            )
        })
        .collect();
    let json = format!(
        "{{\"data\":{{\"getAccountAnalytics\":{{\"overview\":{{\"timeseries\":[{}]}}}}}}}}",
        points.join(",")
    );
    let path = dir.join("linktree_analytics.json");
    std::fs::write(&path, json)?;
    Ok(path)
}

fn meta_ads(dir: &Path, today: NaiveDate, rng: &mut Rng) -> std::io::Result<PathBuf> {
    let mut out = String::from(
        "\u{feff}Reporting starts,Reporting ends,Campaign name,Ad set name,Day,Results,Result indicator,Reach,Impressions,Amount spent (USD),Link clicks,Clicks (all),Campaign ID\n",
    );
    let campaigns = [
        ("LUNA release push", "120210000000000001", 90, 45),
        ("Always-on fans", "120210000000000002", 150, 0),
    ];
    for (name, id, start_back, end_back) in campaigns {
        for back in (end_back..start_back).rev() {
            let day = today - Duration::days(back);
            let impressions = rng.around(5200.0, 0.3);
            let spent = Decimal::new(impressions * 42, 4).round_dp(2);
            let clicks = rng.around(impressions as f64 * 0.011, 0.3);
            let _ = writeln!(
                out,
                "{day},{day},{name},Fans 18-34,{day},{clicks},actions:link_click,{},{impressions},{spent},{clicks},{},{id}",
                rng.around(impressions as f64 * 0.7, 0.1),
                rng.around(clicks as f64 * 1.6, 0.2)
            );
        }
    }
    let path = dir.join("meta_ads_manager_export.csv");
    std::fs::write(&path, out)?;
    Ok(path)
}

fn mailchimp(dir: &Path, today: NaiveDate, rng: &mut Rng) -> std::io::Result<PathBuf> {
    let mut out = String::from(
        "Title,Subject,Send Date,Successful Deliveries,Unique Opens,Open Rate,Unique Clicks,Click Rate,Hard Bounces,Soft Bounces,Unsubscribes,Abuse Complaints,Unique Id\n",
    );
    for i in 0..12 {
        let day = today - Duration::days(350 - i * 30);
        let delivered = 1800 + i * 40;
        let opens = rng.around(delivered as f64 * 0.38, 0.15);
        let clicks = rng.around(delivered as f64 * 0.045, 0.3);
        let _ = writeln!(
            out,
            "Newsletter {},\"News from the studio, part {}\",\"{} 10:00 am\",{delivered},{opens},{:.1}%,{clicks},{:.1}%,{},{},{},0,demo{:04}",
            i + 1,
            i + 1,
            day.format("%b %d, %Y"),
            opens as f64 / delivered as f64 * 100.0,
            clicks as f64 / delivered as f64 * 100.0,
            rng.around(3.0, 0.9),
            rng.around(6.0, 0.9),
            rng.around(4.0, 0.9),
            i + 1
        );
    }
    let path = dir.join("mailchimp_campaigns.csv");
    std::fs::write(&path, out)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_day_gives_the_same_files() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        let fa = write_exports(a.path(), today).expect("write");
        let fb = write_exports(b.path(), today).expect("write");
        assert_eq!(fa.len(), fb.len());
        for (x, y) in fa.iter().zip(&fb) {
            let name = x.path.file_name();
            assert_eq!(name, y.path.file_name());
            if x.path.extension().is_some_and(|e| e == "zip") {
                continue; // zip headers carry timestamps
            }
            assert_eq!(std::fs::read(&x.path).expect("a"), std::fs::read(&y.path).expect("b"), "{name:?}");
        }
    }

    #[test]
    fn statements_cover_only_posted_months() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
        let months = statement_months(today);
        assert_eq!(months.len(), 12);
        assert!(months.iter().all(|(_, reported)| *reported <= today));
    }
}
