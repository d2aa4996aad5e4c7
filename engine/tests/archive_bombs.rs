//! Zips and workbooks built to exhaust memory are refused with a reason before they are
//! inflated or laid out, and the process survives with its memory low.

mod common;

use std::{io::Write, path::Path};

use common::{Env, fixture};
use engine::etl::{ImportOptions, Outcome};

fn zip_of(path: &Path, members: &[(String, Vec<u8>)]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, bytes) in members {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish");
}

/// Imports `path` and returns why it was rejected.
async fn rejection(env: &Env, path: &Path) -> String {
    let report = env.import_paths(&[path.to_path_buf()], ImportOptions::default()).await;
    let file = &report.files[0];
    assert_eq!(file.outcome, Outcome::Rejected, "{:?}", file.message);
    file.message.clone().unwrap_or_default()
}

/// The peak resident memory of this process so far, in MB (Linux).
fn peak_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    kb / 1024
}

fn viewers() -> Vec<u8> {
    std::fs::read(fixture("tiktok/Viewers.csv")).expect("fixture")
}

#[tokio::test]
async fn a_member_that_inflates_past_its_declared_size_is_refused() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Viewers_2024-05-28_1748368733_zone.a0.zip");
    zip_of(&path, &[("Viewers.csv".into(), viewers())]);
    // Claim 16 bytes, in the local header and in the central directory.
    let mut bytes = std::fs::read(&path).expect("read");
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").expect("central directory");
    bytes[22..26].copy_from_slice(&16u32.to_le_bytes());
    bytes[central + 24..central + 28].copy_from_slice(&16u32.to_le_bytes());
    std::fs::write(&path, bytes).expect("write");

    let reason = rejection(&env, &path).await;
    assert!(
        reason.contains("Viewers.csv inside the zip inflates to more than the 16 bytes it declares"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_zip_with_too_many_members_is_refused_before_inflating() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Viewers_2024-05-28_1748368733_zone.a0.zip");
    let members: Vec<(String, Vec<u8>)> =
        (0..101).map(|i| (format!("d{i}/Viewers.csv"), viewers())).collect();
    zip_of(&path, &members);
    let reason = rejection(&env, &path).await;
    assert!(reason.contains("holds 101 files, more than the 100"), "{reason}");
}

#[tokio::test]
async fn a_member_that_inflates_a_thousandfold_is_refused() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Viewers_2024-05-28_1748368733_zone.a0.zip");
    let mut csv = viewers();
    csv.extend(std::iter::repeat_n(b' ', 8 << 20));
    zip_of(&path, &[("Viewers.csv".into(), csv)]);
    let reason = rejection(&env, &path).await;
    assert!(reason.contains("Viewers.csv inside the zip inflates") && reason.contains("-fold"), "{reason}");
    assert!(peak_mb() < 200, "peak memory {} MB", peak_mb());
}

/// A workbook of the parts a reader needs, its one sheet's XML given.
fn workbook(path: &Path, sheet: &str) {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    let ct = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Report" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{sheet}</worksheet>"#),
        ),
    ];
    zip_of(path, &parts.map(|(name, body)| (name.to_string(), body.into_bytes())));
}

#[tokio::test]
async fn a_workbook_whose_cells_span_the_whole_sheet_is_refused_and_the_process_survives() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    // Two cells, A1 and XFD1048576: a rectangle of 17 billion cells for a reader.
    let corners = dir.path().join("corners.xlsx");
    workbook(
        &corners,
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Day</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#,
    );
    assert!(std::fs::metadata(&corners).expect("size").len() < 4096);
    let reason = rejection(&env, &corners).await;
    assert!(
        reason.contains("sheet1.xml is too large to read") && reason.contains("A1:XFD1048576"),
        "{reason}"
    );

    // One cell, and a dimension that claims the whole sheet.
    let claims = dir.path().join("claims.xlsx");
    workbook(
        &claims,
        r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Day</t></is></c></row></sheetData>"#,
    );
    let reason = rejection(&env, &claims).await;
    assert!(reason.contains("declares the cells A1:XFD1048576"), "{reason}");
    assert!(peak_mb() < 200, "peak memory {} MB", peak_mb());
}
