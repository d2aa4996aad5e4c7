//! Meta Ads Manager exports (CSV and XLSX) into the warehouse.

mod common;

use std::{io::Write, path::Path};

use common::Env;
use engine::etl::{ImportOptions, Outcome};
use model::SourceId;

/// (metric, campaign key, day, count, amount, currency, line) of the Meta Ads daily facts.
type Fact = (String, String, i64, Option<i64>, Option<String>, Option<String>, i64);

async fn facts(env: &Env) -> Vec<Fact> {
    sqlx::query_as(
        "SELECT f.metric, e.key, f.day, f.value, f.amount, f.currency, f.line FROM daily_facts f \
         JOIN entities e ON e.id = f.entity_id WHERE f.source = 'meta_ads' ORDER BY e.key, f.day, f.metric",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("daily facts")
}

async fn campaigns(env: &Env) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT kind, key, name FROM entities WHERE source = 'meta_ads' ORDER BY key")
        .fetch_all(env.db.pool())
        .await
        .expect("entities")
}

fn count(metric: &str, key: &str, day: i64, value: i64, line: i64) -> Fact {
    (metric.into(), key.into(), day, Some(value), None, None, line)
}

fn money(key: &str, day: i64, amount: &str, currency: &str, line: i64) -> Fact {
    ("ad_spend".into(), key.into(), day, None, Some(amount.into()), Some(currency.into()), line)
}

const BERLIN: &str = "120210987654321098";
const LUNA: &str = "120210987654329999";

#[tokio::test]
async fn per_ad_export_adds_up_each_campaign_day_in_the_account_currency() {
    let env = Env::new().await;
    let report = env.import(&["meta_ads/ads_manager_per_ad_daily_eur.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::MetaAds.into()));

    assert_eq!(
        facts(&env).await,
        vec![
            // two ads on 2025-02-01 (lines 3 and 4): summed, and no reach (audiences overlap)
            count("ad_clicks_all", BERLIN, 20250201, 66, 3),
            count("ad_impressions", BERLIN, 20250201, 15000, 3),
            count("ad_link_clicks", BERLIN, 20250201, 48, 3),
            count("ad_results", BERLIN, 20250201, 48, 3),
            money(BERLIN, 20250201, "15.50", "EUR", 3),
            // one ad delivered on 2025-02-02, the other's row is blank but for zeros: still two rows
            count("ad_clicks_all", BERLIN, 20250202, 49, 5),
            count("ad_impressions", BERLIN, 20250202, 10001, 5),
            count("ad_link_clicks", BERLIN, 20250202, 35, 5),
            count("ad_results", BERLIN, 20250202, 35, 5),
            money(BERLIN, 20250202, "11.25", "EUR", 5),
            // a single row: reach is its own; quoted numbers with separators
            count("ad_clicks_all", LUNA, 20250201, 1500, 6),
            count("ad_impressions", LUNA, 20250201, 1234567, 6),
            count("ad_link_clicks", LUNA, 20250201, 1024, 6),
            count("ad_reach", LUNA, 20250201, 654321, 6),
            count("ad_results", LUNA, 20250201, 1024, 6),
            money(LUNA, 20250201, "1204.56", "EUR", 6),
        ]
    );
    assert_eq!(
        campaigns(&env).await,
        vec![
            ("campaign".into(), BERLIN.into(), Some("Spring Tour – Berlin".into())),
            ("campaign".into(), LUNA.into(), Some("LUNA, acoustic".into())),
        ]
    );
    // the total row on line 2 is skipped: nothing on the reporting range as a whole
    assert!(facts(&env).await.iter().all(|f| f.6 != 2));
}

#[tokio::test]
async fn campaign_level_export_without_ids_keys_by_name() {
    let env = Env::new().await;
    let options = ImportOptions { artist: Some("Night Owls".into()), ..ImportOptions::default() };
    let report = env.import_with(&["meta_ads/ads_manager_campaigns_daily_sgd.csv"], options).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let rows = facts(&env).await;
    assert!(rows.contains(&money("Summer Single", 20250301, "25.5", "SGD", 2)));
    assert!(rows.contains(&count("ad_reach", "Summer Single", 20250301, 900, 2)));
    assert!(rows.contains(&count("ad_impressions", "Summer Single", 20250301, 1350, 2)));
    assert_eq!(rows.len(), 6);
    let artists: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT a.name FROM daily_facts f JOIN artists a ON a.id = f.artist_id WHERE f.source = 'meta_ads'",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("artists");
    assert_eq!(artists, ["Night Owls"]);
}

#[tokio::test]
async fn an_export_without_days_is_refused_with_the_way_to_get_them() {
    let env = Env::new().await;
    let report = env.import(&["meta_ads/ads_manager_no_day.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!(f.source, Some(SourceId::MetaAds.into()));
    let message = f.message.clone().unwrap_or_default();
    assert!(message.contains("Breakdown → By time → Day"), "{message}");
    assert!(facts(&env).await.is_empty());
}

#[tokio::test]
async fn bad_rows_are_quarantined_and_nothing_of_the_file_loads() {
    let env = Env::new().await;
    let report = env.import(&["meta_ads/ads_manager_bad_rows.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!(f.rows_rejected, 2);
    let quarantined: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason FROM quarantine ORDER BY line")
            .fetch_all(env.db.pool())
            .await
            .expect("quarantine");
    assert_eq!(quarantined.len(), 2);
    assert_eq!((quarantined[0].0, quarantined[0].1.as_str()), (3, "Day"));
    assert!(quarantined[0].2.contains("2025-02-30"), "{}", quarantined[0].2);
    assert_eq!((quarantined[1].0, quarantined[1].1.as_str()), (4, "Impressions"));
    assert!(facts(&env).await.is_empty());
}

#[tokio::test]
async fn a_newer_export_restates_a_campaign_day() {
    let env = Env::new().await;
    env.import(&["meta_ads/ads_manager_campaigns_daily_sgd.csv"]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let restated = dir.path().join("restated.csv");
    std::fs::write(
        &restated,
        "Campaign name,Day,Reach,Impressions,Amount spent (SGD)\nSummer Single,2025-03-01,950,1400,26.10\n",
    )
    .expect("write");
    env.import_paths(&[restated], ImportOptions::default()).await;
    let rows = facts(&env).await;
    assert!(rows.contains(&money("Summer Single", 20250301, "26.10", "SGD", 2)));
    assert!(rows.contains(&count("ad_reach", "Summer Single", 20250301, 950, 2)));
    // metrics the newer file does not have keep their values
    assert!(rows.iter().any(|r| r.0 == "ad_link_clicks" && r.3 == Some(12)));
}

/// A cell of the generated workbook.
enum Cell<'a> {
    Text(&'a str),
    /// A number as the sheet's XML writes it.
    Number(&'a str),
    /// An Excel serial day with a date format.
    Date(u32),
}

/// Writes a minimal XLSX (the parts Excel itself writes: content types, relationships, workbook,
/// shared strings, styles and one sheet) with the `zip` crate, so no binary fixture is committed
/// and no spreadsheet library is needed.
fn write_xlsx(path: &Path, rows: &[Vec<Cell<'_>>]) {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut strings: Vec<String> = Vec::new();
    let mut sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>"#
    );
    for (r, row) in rows.iter().enumerate() {
        let r = r + 1;
        sheet.push_str(&format!(r#"<row r="{r}">"#));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{r}", char::from(b'A' + u8::try_from(c).expect("column")));
            match cell {
                Cell::Text(t) => {
                    let i = strings.iter().position(|s| s == t).unwrap_or_else(|| {
                        strings.push((*t).to_string());
                        strings.len() - 1
                    });
                    sheet.push_str(&format!(r#"<c r="{at}" t="s"><v>{i}</v></c>"#));
                }
                Cell::Number(n) => sheet.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
                Cell::Date(d) => sheet.push_str(&format!(r#"<c r="{at}" s="1"><v>{d}</v></c>"#)),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" count="{n}" uniqueCount="{n}">{}</sst>"#,
        strings.iter().map(|s| format!("<si><t>{}</t></si>", escape(s))).collect::<String>(),
        n = strings.len()
    );
    let ct = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Raw Data Report" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            ),
        ),
        ("xl/sharedStrings.xml", shared),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, body) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).expect("start");
        zip.write_all(body.as_bytes()).expect("write");
    }
    zip.finish().expect("finish");
}

/// The header row of a GBP ad account's per-ad export.
fn header() -> Vec<Cell<'static>> {
    [
        "Campaign name",
        "Ad name",
        "Day",
        "Results",
        "Result indicator",
        "Reach",
        "Amount spent (GBP)",
        "Impressions",
        "CPM (cost per 1,000 impressions) (GBP)",
        "Link clicks",
        "Clicks (all)",
        "Campaign ID",
        "Ad ID",
    ]
    .into_iter()
    .map(Cell::Text)
    .collect()
}

#[tokio::test]
async fn xlsx_export_reads_like_the_csv() {
    use Cell::{Date, Number, Text};
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    // no extension: recognised by its content
    let path = dir.path().join("Meta-Ads-Report");
    write_xlsx(
        &path,
        &[
            header(),
            // 45689 = 2025-02-01, formatted as a date
            vec![
                Text("Spring Tour – Berlin"),
                Text("Video 15s"),
                Date(45689),
                Number("40"),
                Text("actions:link_click"),
                Number("9800"),
                Number("12.4"),
                Number("12345"),
                Number("1.0044552450384771"),
                Number("40"),
                Number("55"),
                Text(BERLIN),
                Text("120210987654321501"),
            ],
            // the day as text, a second ad of the same campaign-day
            vec![
                Text("Spring Tour – Berlin"),
                Text("Carousel"),
                Text("2025-02-01"),
                Number("8"),
                Text("actions:link_click"),
                Number("2100"),
                Number("3.1"),
                Number("2655"),
                Number("1.1676082862523542"),
                Number("8"),
                Number("11"),
                Text(BERLIN),
                Text("120210987654321502"),
            ],
            // a numeric id small enough to be exact
            vec![
                Text("Old campaign"),
                Text("Static"),
                Date(45690),
                Number(""),
                Text(""),
                Number("310"),
                Number("0.07"),
                Number("420"),
                Number("0.16666666666666666"),
                Number("2"),
                Number("3"),
                Number("23851234567"),
                Number("23851234999"),
            ],
        ],
    );
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::MetaAds.into()));
    assert_eq!(
        facts(&env).await,
        vec![
            count("ad_clicks_all", BERLIN, 20250201, 66, 2),
            count("ad_impressions", BERLIN, 20250201, 15000, 2),
            count("ad_link_clicks", BERLIN, 20250201, 48, 2),
            count("ad_results", BERLIN, 20250201, 48, 2),
            money(BERLIN, 20250201, "15.5", "GBP", 2),
            count("ad_clicks_all", "23851234567", 20250202, 3, 4),
            count("ad_impressions", "23851234567", 20250202, 420, 4),
            count("ad_link_clicks", "23851234567", 20250202, 2, 4),
            count("ad_reach", "23851234567", 20250202, 310, 4),
            money("23851234567", 20250202, "0.07", "GBP", 4),
        ]
    );
    assert_eq!(
        campaigns(&env).await[1],
        ("campaign".into(), "23851234567".into(), Some("Old campaign".into()))
    );
}

#[tokio::test]
async fn xlsx_ids_stored_as_numbers_that_lost_digits_are_refused() {
    use Cell::{Number, Text};
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.xlsx");
    let row = |id: &'static str| {
        vec![
            Text("Spring Tour – Berlin"),
            Text("Video 15s"),
            Text("2025-02-01"),
            Number("40"),
            Text("actions:link_click"),
            Number("9800"),
            Number("12.4"),
            Number("12345"),
            Number("1.0"),
            Number("40"),
            Number("55"),
            Number(id),
            Number(id),
        ]
    };
    // Excel keeps 15 significant digits: 120210987654321098 is written back as 1.20210987654321E+17
    write_xlsx(&path, &[header(), row("23851234567"), row("1.20210987654321E+17")]);
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!(f.rows_rejected, 1);
    let err = &f.quarantined[0];
    assert_eq!((err.line, err.column.as_deref()), (Some(3), Some("Campaign ID")));
    assert!(err.reason.contains("export the report as CSV"), "{}", err.reason);
    assert!(facts(&env).await.is_empty());
}
