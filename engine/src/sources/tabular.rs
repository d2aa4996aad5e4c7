//! Reading the CSV/TSV exports platforms hand out: a UTF-8 BOM or none, CRLF, LF or bare-CR line
//! ends, comma/tab/semicolon delimiters (sniffed from the header), UTF-8 or ISO-8859-1 text, and
//! headers matched by name (trimmed, case-insensitive), never by position.

use std::{borrow::Cow, io::Read};

use csv::{ByteRecord, ReaderBuilder, Trim};

use super::{FileError, Flow, RecordSink, RowError, send};
use crate::warehouse::{Record, StatementLine};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a field: UTF-8 when valid, else ISO-8859-1 (every byte is a code point), which is what
/// DistroKid's older TSV exports use.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// `str::trim`, answering at once for the usual field that starts and ends with a visible ASCII
/// character (`trim` decodes characters from both ends: a few per cent of parsing a statement).
fn trim(field: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    let bytes = field.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) { field } else { field.trim() }
}

/// Normalises a header for matching: BOM and surrounding space removed, lower case, inner runs of
/// whitespace collapsed.
pub fn header_key(raw: &str) -> String {
    raw.trim_start_matches('\u{feff}').split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The delimiter the first line of `head` uses most.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let first = head.split(|&b| b == b'\n' || b == b'\r').next().unwrap_or_default();
    let count = |d: u8| first.iter().filter(|&&b| b == d).count();
    [b'\t', b',', b';'].into_iter().max_by_key(|&d| count(d)).filter(|&d| count(d) > 0).unwrap_or(b',')
}

/// The header row of `head`, decoded and normalised (for detection).
pub fn sniff_headers(head: &[u8]) -> Vec<String> {
    let delimiter = sniff_delimiter(head);
    let body = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let mut reader = builder(delimiter).from_reader(body);
    match reader.byte_headers() {
        Ok(h) => h.iter().map(|f| header_key(&decode(f))).collect(),
        Err(_) => Vec::new(),
    }
}

fn builder(delimiter: u8) -> ReaderBuilder {
    let mut b = ReaderBuilder::new();
    b.delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .trim(Trim::None)
        // Tab-separated exports do not quote: a `"` inside a title is a character, not a quote.
        .quoting(delimiter != b'\t');
    b
}

/// A reader that drops a leading UTF-8 BOM.
struct SkipBom<R> {
    inner: R,
    checked: bool,
    pending: Vec<u8>,
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let mut start = [0u8; 3];
            let mut n = 0;
            while n < 3 {
                let got = self.inner.read(&mut start[n..])?;
                if got == 0 {
                    break;
                }
                n += got;
            }
            if &start[..n] != UTF8_BOM {
                self.pending.extend_from_slice(&start[..n]);
            }
        }
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// A table being read row by row.
pub struct Table<R: Read> {
    reader: csv::Reader<SkipBom<R>>,
    headers: Vec<String>,
    delimiter: u8,
    record: ByteRecord,
    rows_seen: u64,
    /// The reader counts one line too few after a CRLF-terminated header.
    crlf: bool,
}

/// One data row.
pub struct Row<'t> {
    pub line: u64,
    record: &'t ByteRecord,
    delimiter: u8,
}

impl Row<'_> {
    /// The field at `index`, decoded and trimmed; empty when the row is short.
    pub fn text(&self, index: usize) -> Cow<'_, str> {
        match decode(self.record.get(index).unwrap_or_default()) {
            Cow::Borrowed(s) => Cow::Borrowed(trim(s)),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        }
    }

    /// A text cell that must not be empty; `if_empty` is the reason given when it is.
    pub fn required_text(&self, index: usize, column: &str, if_empty: &str) -> Result<String, RowError> {
        let text = self.text(index);
        if text.is_empty() {
            return Err(self.error(Some(column), if_empty));
        }
        Ok(text.into_owned())
    }

    /// A count cell that must hold a whole number.
    pub fn required_count(&self, index: usize, column: &str, if_empty: &str) -> Result<i64, RowError> {
        super::values::count(&self.text(index))
            .map_err(|e| self.error(Some(column), e))?
            .ok_or_else(|| self.error(Some(column), if_empty))
    }

    /// An amount cell that must hold an exact decimal.
    pub fn required_decimal(
        &self,
        index: usize,
        column: &str,
        if_empty: &str,
    ) -> Result<rust_decimal::Decimal, RowError> {
        super::values::decimal(&self.text(index))
            .map_err(|e| self.error(Some(column), e))?
            .ok_or_else(|| self.error(Some(column), if_empty))
    }

    pub fn is_blank(&self) -> bool {
        self.record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
    }

    /// The row as it stood in the file (for the quarantine).
    pub fn content(&self) -> String {
        let sep = char::from(self.delimiter).to_string();
        self.record.iter().map(|f| decode(f).into_owned()).collect::<Vec<_>>().join(&sep)
    }

    pub fn error(&self, column: Option<&str>, reason: impl Into<String>) -> RowError {
        RowError {
            line: Some(self.line),
            column: column.map(str::to_string),
            reason: reason.into(),
            content: Some(self.content()),
        }
    }
}

impl<R: Read> Table<R> {
    /// Opens a table; `head` is the start of the same file (for sniffing).
    pub fn open(input: R, head: &[u8]) -> Result<Self, FileError> {
        let delimiter = sniff_delimiter(head);
        let crlf = head
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .is_some_and(|i| head[i] == b'\r' && head.get(i + 1) == Some(&b'\n'));
        let mut reader =
            builder(delimiter).from_reader(SkipBom { inner: input, checked: false, pending: Vec::new() });
        let headers = reader
            .byte_headers()
            .map_err(|e| FileError::Unreadable(format!("cannot read the header row: {e}")))?
            .iter()
            .map(|f| header_key(&decode(f)))
            .collect();
        Ok(Self { reader, headers, delimiter, record: ByteRecord::new(), rows_seen: 0, crlf })
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The index of the first column named any of `names` (compared as [`header_key`]s).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| {
            let key = header_key(n);
            self.headers.iter().position(|h| *h == key)
        })
    }

    /// Like [`Table::column`], for a column the file must have.
    pub fn require(&self, file_kind: &str, names: &[&str]) -> Result<usize, FileError> {
        self.column(names).ok_or_else(|| FileError::MissingColumn {
            kind: file_kind.to_string(),
            column: names.first().copied().unwrap_or_default().to_string(),
            found: self.headers.join(", "),
        })
    }

    /// Maps every non-blank row to its records (or its error) and sends them to `sink`, until
    /// the end of the table or until the sink says stop.
    pub fn send_rows(
        &mut self,
        sink: &mut dyn RecordSink,
        mut map: impl FnMut(&Row<'_>) -> Result<Vec<Record>, RowError>,
    ) -> Result<(), FileError> {
        while let Some(row) = self.next_row()? {
            if row.is_blank() {
                continue;
            }
            let line = row.line;
            if send(sink, line, map(&row)) == Flow::Stop {
                break;
            }
        }
        Ok(())
    }

    /// Like [`Table::send_rows`] for a table of one statement line per row, each in a box from
    /// the sink (see [`RecordSink::line_box`]).
    pub fn send_lines(
        &mut self,
        sink: &mut dyn RecordSink,
        mut map: impl FnMut(&Row<'_>) -> Result<StatementLine, RowError>,
    ) -> Result<(), FileError> {
        while let Some(row) = self.next_row()? {
            if row.is_blank() {
                continue;
            }
            let flow = match map(&row) {
                Ok(line) => {
                    let boxed = sink.line_box(line);
                    sink.record(row.line, Record::StatementLine(boxed))
                }
                Err(err) => sink.reject(err),
            };
            if flow == Flow::Stop {
                break;
            }
        }
        Ok(())
    }

    /// The next row, or `None` at the end. A row the CSV reader cannot parse is a file error.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, FileError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                self.rows_seen += 1;
                // The reader counts `\n` only (a bare-CR file stays on line 1) and one too few
                // after a CRLF header; a row is never above its position among the rows.
                let counted = self.record.position().map_or(0, |p| p.line()) + u64::from(self.crlf);
                let line = counted.max(self.rows_seen + 1);
                Ok(Some(Row { line, record: &self.record, delimiter: self.delimiter }))
            }
            Err(e) => Err(FileError::Unreadable(format!("line {}: {e}", self.rows_seen + 2))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(bytes: &[u8]) -> Table<&[u8]> {
        Table::open(bytes, bytes).expect("open")
    }

    fn rows(bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut t = table(bytes);
        let mut out = Vec::new();
        let width = t.headers().len();
        while let Some(row) = t.next_row().expect("row") {
            out.push((row.line, (0..width).map(|i| row.text(i).into_owned()).collect()));
        }
        out
    }

    #[test]
    fn fields_are_trimmed_like_str_trim() {
        for field in
            ["", " ", "a", " a", "a ", "\u{a0}a\u{a0}", "a\u{2003}", "\u{b}a\u{c}", "é", "x y", "\t1\r"]
        {
            assert_eq!(trim(field), field.trim(), "{field:?}");
        }
    }

    #[test]
    fn reads_every_line_ending() {
        for bytes in [&b"a,b\n1,2\n3,4\n"[..], b"a,b\r\n1,2\r\n3,4\r\n", b"a,b\r1,2\r3,4", b"a,b\n1,2\n3,4"] {
            let got = rows(bytes);
            assert_eq!(got.len(), 2, "{:?}", String::from_utf8_lossy(bytes));
            assert_eq!(got[0], (2, vec!["1".to_string(), "2".to_string()]));
            assert_eq!(got[1], (3, vec!["3".to_string(), "4".to_string()]));
        }
    }

    #[test]
    fn line_numbers_follow_the_file() {
        let got = rows(b"a,b\r\n1,2\r\n\"x\ny\",4\r\n5,6\r\n");
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3, 5]);
        let got = rows(b"a,b\r1,2\r3,4\r");
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3], "bare CR");
    }

    #[test]
    fn strips_the_bom_and_matches_headers_loosely() {
        let t = table(b"\xEF\xBB\xBF Date ,Video  Views\n2025-01-01,3\n");
        assert_eq!(t.headers(), ["date", "video views"]);
        assert_eq!(t.column(&["DATE"]), Some(0));
        assert_eq!(t.column(&["Video Views"]), Some(1));
        assert!(t.column(&["Likes"]).is_none());
    }

    #[test]
    fn tabs_do_not_quote_and_latin1_decodes() {
        let got = rows(b"Title\tCountry\nCaf\xe9 \"Live\"\tFR\n");
        assert_eq!(got[0].1, ["Café \"Live\"", "FR"]);
    }

    #[test]
    fn sniffs_the_delimiter_from_the_header() {
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1,2\t3"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a\",\"b\"\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
        assert_eq!(sniff_headers(b"\xEF\xBB\xBF\"Date\",\"Views\"\n"), ["date", "views"]);
    }

    #[test]
    fn quoted_fields_keep_their_separators() {
        let got = rows(b"Date,Views\n2025-01-01,\"12,345\"\n");
        assert_eq!(got[0].1, ["2025-01-01", "12,345"]);
    }

    #[test]
    fn missing_columns_are_named_with_what_was_found() {
        let t = table(b"a,b\n");
        let err = t.require("DistroKid statement", &["Earnings (USD)"]).expect_err("missing");
        let text = err.to_string();
        assert!(text.contains("Earnings (USD)") && text.contains("a, b"), "{text}");
    }
}
