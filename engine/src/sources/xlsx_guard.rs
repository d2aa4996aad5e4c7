//! An XLSX workbook checked before a spreadsheet reader sees it. The reader (calamine) builds
//! each sheet as one rectangle from its first cell to its last, sized by the sheet's
//! `<dimension>` or by the cells it finds: a 2 KB file with cells A1 and XFD1048576 asks for 17
//! billion cells and aborts the process. So the workbook is first checked as a zip (see
//! `zipped`), then every worksheet's XML is streamed here, its declared dimension AND its
//! actual cell references measured (a file can lie about `<dimension>` or leave it out), and
//! the file is refused when either is too large.

use std::io::{BufRead, BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use super::{
    FileError,
    zipped::{self, ZipLimits},
};

/// A workbook is a few XML parts; a Meta Ads export is one sheet, its XML some 35 bytes a
/// cell (70 MB at the cell limit below). The parts are streamed, never held, except the shared
/// strings, which the reader keeps as a list: see [`MAX_SHARED_STRINGS_BYTES`].
const XLSX_LIMITS: ZipLimits =
    ZipLimits { max_members: 1_000, max_member_bytes: 128 << 20, max_total_bytes: 256 << 20, max_ratio: 200 };
/// The shared strings part, which the reader holds in memory whole.
const MAX_SHARED_STRINGS_BYTES: u64 = 32 << 20;

/// How large a sheet may be. A Meta Ads export has tens of thousands of rows (one a day per
/// ad) and some 20–60 columns (about 100 with every column chosen). The reader holds a sheet's
/// whole rectangle at 32 bytes a cell, plus each text cell's own string: 2 million cells are
/// some 64 MB plus their texts, which keeps an import under its 200 MB ceiling.
#[derive(Clone, Copy, Debug)]
pub struct SheetLimits {
    pub max_rows: u64,
    pub max_columns: u64,
    /// Cells of the rectangle from the first cell to the last.
    pub max_cells: u64,
}

pub const SHEET_LIMITS: SheetLimits =
    SheetLimits { max_rows: 200_000, max_columns: 1_024, max_cells: 2_000_000 };

/// Checks a workbook's bytes: the zip's limits, each part's real size, every sheet's extent.
pub fn check(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| FileError::Unreadable(format!("not a readable XLSX workbook: {e}")))?;
    zipped::check_directory(&mut archive, &XLSX_LIMITS)?;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| FileError::Unreadable(format!("cannot read part {i} of the workbook: {e}")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("part {i}"));
        let declared = entry.size();
        if name == "xl/sharedStrings.xml" && declared > MAX_SHARED_STRINGS_BYTES {
            return Err(FileError::Refused(format!(
                "the workbook's shared strings are {declared} bytes, more than the {MAX_SHARED_STRINGS_BYTES} \
                 allowed"
            )));
        }
        let mut part = entry;
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            sheet_extent(BufReader::new(part), &name, declared, &SHEET_LIMITS)?;
        } else {
            std::io::copy(&mut part, &mut std::io::sink())
                .map_err(|e| zipped::read_error(&name, declared, e))?;
        }
    }
    Ok(())
}

/// A cell's place: zero-based column and one-based row.
type Place = (u64, u64);

/// The extent of the cells seen so far, checked against the limits as it grows.
struct Extent<'a> {
    sheet: &'a str,
    limits: &'a SheetLimits,
    first: Option<(Place, Place)>,
    cells: u64,
}

impl Extent<'_> {
    fn add(&mut self, (col, row): Place) -> Result<(), FileError> {
        self.cells += 1;
        let (low, high) = match self.first {
            Some(((c0, r0), (c1, r1))) => ((c0.min(col), r0.min(row)), (c1.max(col), r1.max(row))),
            None => ((col, row), (col, row)),
        };
        self.first = Some((low, high));
        check_rectangle(self.sheet, "its cells span", low, high, self.limits)?;
        if self.cells > self.limits.max_cells {
            return Err(refused(self.sheet, &format!("it has more than {} cells", self.limits.max_cells)));
        }
        Ok(())
    }
}

fn refused(sheet: &str, why: &str) -> FileError {
    let sheet = sheet.rsplit('/').next().unwrap_or(sheet);
    FileError::Refused(format!(
        "the workbook's sheet {sheet} is too large to read: {why} (an Ads Manager export is far smaller; \
         export the report as CSV, or split it)"
    ))
}

fn check_rectangle(
    sheet: &str,
    what: &str,
    low: Place,
    high: Place,
    limits: &SheetLimits,
) -> Result<(), FileError> {
    let rows = high.1 - low.1 + 1;
    let columns = high.0 - low.0 + 1;
    if rows > limits.max_rows
        || columns > limits.max_columns
        || rows.saturating_mul(columns) > limits.max_cells
    {
        return Err(refused(
            sheet,
            &format!(
                "{what} {}:{} ({rows} rows × {columns} columns; at most {} rows, {} columns and {} cells)",
                cell_name(low),
                cell_name(high),
                limits.max_rows,
                limits.max_columns,
                limits.max_cells
            ),
        ));
    }
    Ok(())
}

/// Streams a worksheet's XML and refuses it when its declared dimension or its cells exceed
/// `limits`. A cell or row without a reference follows the one before it, as in the format.
pub fn sheet_extent(
    xml: impl BufRead,
    sheet: &str,
    declared: u64,
    limits: &SheetLimits,
) -> Result<(), FileError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut extent = Extent { sheet, limits, first: None, cells: 0 };
    let (mut row, mut col): (u64, Option<u64>) = (0, None);
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| match e {
            quick_xml::Error::Io(io) => {
                let io = std::sync::Arc::try_unwrap(io)
                    .unwrap_or_else(|shared| std::io::Error::other(shared.to_string()));
                zipped::read_error(sheet, declared, io)
            }
            other => FileError::Unreadable(format!("the workbook's sheet XML is not valid: {other}")),
        })?;
        match event {
            Event::Eof => return Ok(()),
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "dimension" => {
                    if let Some((low, high)) = attribute(&e, "ref").as_deref().and_then(range) {
                        check_rectangle(sheet, "it declares the cells", low, high, limits)?;
                    }
                }
                "row" => {
                    row = attribute(&e, "r").and_then(|r| r.parse().ok()).unwrap_or(row + 1);
                    col = None;
                }
                "c" => {
                    let place = attribute(&e, "r")
                        .as_deref()
                        .and_then(cell)
                        .unwrap_or((col.map_or(0, |c| c + 1), row.max(1)));
                    col = Some(place.0);
                    extent.add(place)?;
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let attr = e.try_get_attribute(name).ok()??;
    Some(attr.value.into_owned())
}

/// `A1:XFD1048576` (or a single cell `B2`) as its two corners.
fn range(text: &str) -> Option<(Place, Place)> {
    let (a, b) = text.split_once(':').unwrap_or((text, text));
    Some((cell(a)?, cell(b)?))
}

/// `XFD1048576` as (16383, 1048576). `$` signs are allowed; anything else is not a reference.
fn cell(text: &str) -> Option<Place> {
    let text = text.trim().replace('$', "");
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let col = letters.bytes().fold(0u64, |n, b| n * 26 + u64::from(b - b'A' + 1)) - 1;
    let row: u64 = digits.parse().ok().filter(|r| *r >= 1)?;
    Some((col, row))
}

fn cell_name((col, row): Place) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8_lossy(&letters))
}

/// Reads a workbook's bytes (at most `max` of them) for [`check`] and the reader.
pub fn read_bounded(mut from: impl Read, max: u64) -> Result<Vec<u8>, FileError> {
    let mut bytes = Vec::new();
    from.by_ref()
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::Unreadable(format!("cannot read the workbook: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(FileError::Refused(format!("the workbook is larger than {max} bytes")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str) -> Result<(), FileError> {
        let limits = SheetLimits { max_rows: 100, max_columns: 10, max_cells: 200 };
        sheet_extent(xml.as_bytes(), "xl/worksheets/sheet1.xml", xml.len() as u64, &limits)
    }

    #[test]
    fn references_read_as_places() {
        assert_eq!(cell("A1"), Some((0, 1)));
        assert_eq!(cell("$AB$12"), Some((27, 12)));
        assert_eq!(cell("XFD1048576"), Some((16_383, 1_048_576)));
        assert_eq!(cell("A0"), None);
        assert_eq!(cell("1A"), None);
        assert_eq!(range("B2:C3"), Some(((1, 2), (2, 3))));
        assert_eq!(cell_name((16_383, 1_048_576)), "XFD1048576");
        assert_eq!(cell_name((27, 12)), "AB12");
    }

    #[test]
    fn a_sheet_within_the_limits_passes() {
        let xml = r#"<worksheet><dimension ref="A1:J20"/><sheetData><row r="1"><c r="A1"/><c r="J1"/></row>
                     <row r="20"><c r="B20"><v>1</v></c></row></sheetData></worksheet>"#;
        assert!(scan(xml).is_ok());
    }

    #[test]
    fn a_lying_or_missing_dimension_is_measured_by_the_cells() {
        let declared = r#"<worksheet><dimension ref="A1:XFD1048576"/><sheetData/></worksheet>"#;
        let err = scan(declared).expect_err("declared too large").to_string();
        assert!(err.contains("declares the cells A1:XFD1048576"), "{err}");
        let lying = r#"<worksheet><dimension ref="A1"/><sheetData><row r="1"><c r="A1"/></row>
                       <row r="1048576"><c r="XFD1048576"/></row></sheetData></worksheet>"#;
        let err = scan(lying).expect_err("cells too far apart").to_string();
        assert!(err.contains("cells span A1:XFD1048576"), "{err}");
        // With a namespace prefix, and cells without references (they follow one another).
        let unreferenced = format!(
            r#"<x:worksheet xmlns:x="m"><x:sheetData><x:row>{}</x:row></x:sheetData></x:worksheet>"#,
            "<x:c><x:v>1</x:v></x:c>".repeat(11)
        );
        let err = scan(&unreferenced).expect_err("too wide").to_string();
        assert!(err.contains("11 columns"), "{err}");
        let rows = format!("<worksheet><sheetData>{}</sheetData></worksheet>", "<row><c/></row>".repeat(101));
        assert!(scan(&rows).expect_err("too long").to_string().contains("101 rows"));
    }
}
