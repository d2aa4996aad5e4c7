//! What a pull writes into landing: one JSON Lines file. Line 1 says what was pulled (source,
//! endpoint, window, account facts the responses lack, such as Meta's account currency); every
//! other line is one request and the platform's response, as the platform sent it. Raw keeps it
//! like any export, so `etl rebuild` replays pulls too, and a rejected line names the response.
//!
//! Credentials never reach the file: everything written passes through `redact` first.
//!
//! The file holds no pull time: pulling the same window with the same answers gives the same
//! bytes, which the lake recognises as already imported.

use std::io::{BufRead, BufReader};

use chrono::NaiveDate;
use model::SourceId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::redact;
use crate::sources::{FileError, Input, Sample};

/// The first line's marker.
const MARKER: &str = "soundcheck_pull";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PullHeader {
    /// Format version (1).
    pub soundcheck_pull: u32,
    pub source: String,
    pub endpoint: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub account: Map<String, Value>,
    /// The artist the connection's facts are attributed to when it was pulled (a setting of the
    /// connection, not something the platform says). Left out when none, so a pull without one
    /// keeps the bytes it always had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
}

impl PullHeader {
    pub fn account_str(&self, key: &str) -> Option<&str> {
        self.account.get(key).and_then(Value::as_str)
    }
}

#[derive(Serialize, Deserialize)]
struct ResponseLine {
    request: String,
    response: Value,
}

/// A pulled file, ready to land.
#[derive(Clone, Debug, PartialEq)]
pub struct Pulled {
    pub name: String,
    pub bytes: Vec<u8>,
    pub to: NaiveDate,
}

/// Builds a pulled file.
pub struct PullWriter {
    header: PullHeader,
    body: Vec<u8>,
}

impl PullWriter {
    pub fn new(source: SourceId, endpoint: &str, from: NaiveDate, to: NaiveDate) -> Self {
        let header = PullHeader {
            soundcheck_pull: 1,
            source: source.as_str().to_string(),
            endpoint: endpoint.to_string(),
            from,
            to,
            account: Map::new(),
            artist: None,
        };
        Self { header, body: Vec::new() }
    }

    /// Records the artist the pulled facts are attributed to.
    pub fn artist(mut self, artist: Option<&str>) -> Self {
        self.header.artist = artist.map(str::to_string);
        self
    }

    pub fn account(mut self, key: &str, value: impl Into<Value>) -> Self {
        let mut value = value.into();
        redact::value(&mut value);
        self.header.account.insert(key.to_string(), value);
        self
    }

    /// Adds a request and the platform's response, their credentials taken out.
    pub fn push(&mut self, request: &str, mut response: Value) {
        redact::value(&mut response);
        let line = ResponseLine { request: redact::text(request).into_owned(), response };
        // Serialising a Value into a Vec cannot fail.
        if serde_json::to_writer(&mut self.body, &line).is_ok() {
            self.body.push(b'\n');
        }
    }

    pub fn finish(self) -> Pulled {
        let h = &self.header;
        let name = format!("{}-api-{}-{}_{}.jsonl", h.source, h.endpoint, h.from, h.to);
        let mut bytes = serde_json::to_vec(&self.header).unwrap_or_default();
        bytes.push(b'\n');
        bytes.extend_from_slice(&self.body);
        Pulled { name, bytes, to: self.header.to }
    }
}

/// The endpoint of a pulled file of `source`, from its first line.
pub fn detect(sample: &Sample<'_>, source: SourceId) -> Option<String> {
    let first = sample.head.split(|b| *b == b'\n').next()?;
    if !first.starts_with(b"{") || !first.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()) {
        return None;
    }
    let header: PullHeader = serde_json::from_slice(first).ok()?;
    (header.soundcheck_pull == 1 && header.source == source.as_str()).then_some(header.endpoint)
}

/// One response of a pulled file, with its line number.
pub struct Response {
    pub line: u64,
    pub request: String,
    pub body: Value,
}

/// Reads a pulled file whole (pulls are a few pages).
pub fn read(input: &Input) -> Result<(PullHeader, Vec<Response>), FileError> {
    let reader = BufReader::new(input.open()?);
    let mut lines = reader.lines();
    let first = lines
        .next()
        .transpose()
        .map_err(|e| FileError::Unreadable(format!("cannot read {}: {e}", input.name)))?
        .ok_or_else(|| FileError::Unreadable(format!("{} is empty", input.name)))?;
    let header: PullHeader = serde_json::from_str(&first)
        .map_err(|e| FileError::Unreadable(format!("line 1 is not a pull header: {e}")))?;
    let mut responses = Vec::new();
    for (i, line) in lines.enumerate() {
        let number = i as u64 + 2;
        let line = line.map_err(|e| FileError::Unreadable(format!("cannot read line {number}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: ResponseLine = serde_json::from_str(&line)
            .map_err(|e| FileError::Unreadable(format!("line {number} is not a recorded response: {e}")))?;
        responses.push(Response { line: number, request: parsed.request, body: parsed.response });
    }
    Ok((header, responses))
}

/// Reading values out of API JSON, which sends numbers as numbers or as strings.
pub mod json {
    use rust_decimal::Decimal;
    use serde_json::Value;

    /// `"12"` or `12` → 12; `null`/absent → None; anything else → an error naming the field.
    pub fn int(v: &Value, field: &str) -> Result<Option<i64>, String> {
        match v.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| format!("{field:?} is not a whole number: {n}")),
            Some(Value::String(s)) => s
                .trim()
                .replace(',', "")
                .parse::<i64>()
                .map(Some)
                .map_err(|_| format!("{field:?} is not a whole number: {s:?}")),
            Some(other) => Err(format!("{field:?} is not a number: {other}")),
        }
    }

    /// Like [`int`], but the field must be there.
    pub fn req_int(v: &Value, field: &str) -> Result<i64, String> {
        int(v, field)?
            .ok_or_else(|| format!("the response has no {field:?} (renamed or dropped by the platform?)"))
    }

    /// An exact decimal from a JSON number or string (the number's own digits, never a float).
    pub fn decimal(v: &Value, field: &str) -> Result<Option<Decimal>, String> {
        let text = match v.get(field) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(other) => return Err(format!("{field:?} is not a number: {other}")),
        };
        text.parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&text))
            .map(Some)
            .map_err(|_| format!("{field:?} is not a number: {text:?}"))
    }

    pub fn string(v: &Value, field: &str) -> Option<String> {
        match v.get(field)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    pub fn req_string(v: &Value, field: &str) -> Result<String, String> {
        string(v, field)
            .ok_or_else(|| format!("the response has no {field:?} (renamed or dropped by the platform?)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_written_pull_is_detected_and_read_back() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        let mut w = PullWriter::new(SourceId::Mailchimp, "reports", day(1), day(25)).account("dc", "us21");
        w.push("GET /reports?offset=0", json!({"reports": [], "total_items": 0}));
        w.push("GET /next?access_token=EAAGpushed", json!({"paging": {"next": "/n?access_token=EAAGpaged"}}));
        let pulled = w.finish();
        let text = String::from_utf8_lossy(&pulled.bytes);
        assert!(!text.contains("EAAGpushed") && !text.contains("EAAGpaged"), "{text}");
        assert_eq!(pulled.name, "mailchimp-api-reports-2026-11-01_2026-11-25.jsonl");
        let sample = Sample { name: &pulled.name, head: &pulled.bytes };
        assert_eq!(detect(&sample, SourceId::Mailchimp).as_deref(), Some("reports"));
        assert_eq!(detect(&sample, SourceId::Youtube), None);
        assert_eq!(detect(&Sample { name: "x.json", head: b"{\"reports\":[]}" }, SourceId::Mailchimp), None);

        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(&pulled.name);
        std::fs::write(&path, &pulled.bytes).expect("write");
        let input = Input {
            path,
            name: pulled.name.clone(),
            head: Vec::new(),
            facts: Default::default(),
            bytes_read: Default::default(),
        };
        let (header, responses) = read(&input).expect("read");
        assert_eq!(header.account_str("dc"), Some("us21"));
        assert_eq!(responses.len(), 2);
        assert_eq!(responses[0].line, 2);
        assert_eq!(responses[0].body["total_items"], 0);
    }

    #[test]
    fn numbers_arrive_as_numbers_or_strings() {
        let v = json!({"a": "1,234", "b": 5, "c": "x", "d": null, "e": "12.50", "f": 0.1});
        assert_eq!(json::int(&v, "a"), Ok(Some(1234)));
        assert_eq!(json::int(&v, "b"), Ok(Some(5)));
        assert!(json::int(&v, "c").is_err());
        assert_eq!(json::int(&v, "d"), Ok(None));
        assert!(json::req_int(&v, "zzz").expect_err("missing").contains("\"zzz\""));
        assert_eq!(json::decimal(&v, "e"), Ok(Some(rust_decimal::Decimal::new(1250, 2))));
        assert_eq!(json::decimal(&v, "f"), Ok(Some(rust_decimal::Decimal::new(1, 1))));
    }
}
