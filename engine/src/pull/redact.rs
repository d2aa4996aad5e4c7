//! Credentials taken out of whatever a pull stores. A pulled file goes to landing and then to
//! raw, which is kept forever and never rewritten, and platforms echo credentials back: Meta's
//! Graph API puts the access token into every `paging.next` URL it returns. So every request
//! line, response and account fact passes through here before a pulled file is written (see
//! `envelope::PullWriter`), and so does every message a run records.
//!
//! What goes: the values of credential query parameters wherever a URL appears in a text
//! (`?access_token=…`, `&client_secret=…`, OAuth's `code`…), the credential of an
//! `Authorization:` header copied into a text, and the values of JSON fields named like
//! credentials. A `Bearer` or `Basic` alone is left: it may be a word of a campaign's title. A JSON field named `code` stays: platforms use it for error codes (Meta's
//! throttles, TikTok's `"ok"`), which the parsers read; as a query parameter it is OAuth's
//! authorization code and goes.

use std::borrow::Cow;

use serde_json::Value;

/// What a credential is replaced with.
pub const REDACTED: &str = "REDACTED";

/// Query parameters that carry credentials (compared without case).
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "id_token",
    "code",
    "api_key",
    "apikey",
    "key",
    "token",
    "password",
    "appsecret_proof",
    "fb_exchange_token",
    "client_assertion",
];

/// JSON fields that hold credentials (compared without case).
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "id_token",
    "api_key",
    "apikey",
    "password",
    "token",
    "appsecret_proof",
    "authorization",
];

/// A header line that carries a credential.
const AUTH_HEADER: &str = "authorization:";

/// `value` with every credential in it replaced, in place.
pub fn value(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Cow::Owned(clean) = text(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(self::value),
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                let secret = SECRET_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name));
                if secret && matches!(field, Value::String(_) | Value::Number(_)) {
                    *field = Value::String(REDACTED.into());
                } else {
                    self::value(field);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `text` with the values of credential query parameters and the tokens of `Authorization`
/// values replaced; borrowed when there was nothing to replace (most texts).
pub fn text(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    // Bytes of `text` up to here are in `out` (or need no change when `out` is empty).
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let Some(value_at) = secret_at(text, at) else {
            at += 1;
            continue;
        };
        let end = value_end(bytes, value_at);
        if end > value_at {
            out.push_str(&text[copied..value_at]);
            out.push_str(REDACTED);
            copied = end;
        }
        at = end.max(at + 1);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Where a credential's value starts, if one starts right after `at`: a query parameter (after
/// `?`, `&`, `#` or `;`) named in [`SECRET_PARAMS`], or an `Authorization:` header's value
/// (after its scheme, which stays).
fn secret_at(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if matches!(bytes[at], b'?' | b'&' | b'#' | b';') {
        let rest = &bytes[at + 1..];
        return SECRET_PARAMS.iter().find_map(|name| {
            let n = name.len();
            (rest.len() > n && rest[..n].eq_ignore_ascii_case(name.as_bytes()) && rest[n] == b'=')
                .then_some(at + 1 + n + 1)
        });
    }
    let rest = &bytes[at..];
    let n = AUTH_HEADER.len();
    if rest.len() <= n || !rest[..n].eq_ignore_ascii_case(AUTH_HEADER.as_bytes()) {
        return None;
    }
    let skip = |from: usize, what: fn(&u8) -> bool| {
        bytes[from..].iter().position(|b| !what(b)).map_or(bytes.len(), |k| from + k)
    };
    let value = skip(at + n, |b| *b == b' ');
    let scheme_end = skip(value, u8::is_ascii_alphabetic);
    // `Bearer xyz` keeps its scheme; a bare credential goes whole.
    if scheme_end < bytes.len() && bytes[scheme_end] == b' ' && scheme_end > value {
        return Some(skip(scheme_end, |b| *b == b' '));
    }
    Some(value)
}

/// The end of a credential's value: the next separator of a URL or of prose.
fn value_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| {
            matches!(b, b'&' | b'#' | b'"' | b'\'' | b'<' | b'>' | b',' | b')') || b.is_ascii_whitespace()
        })
        .map_or(bytes.len(), |n| from + n)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn credential_parameters_leave_urls_and_the_rest_stays() {
        let next =
            "https://graph.facebook.com/v21.0/act_1/insights?after=QVFI&access_token=EAAGsecret&limit=500";
        assert_eq!(
            text(next),
            "https://graph.facebook.com/v21.0/act_1/insights?after=QVFI&access_token=REDACTED&limit=500"
        );
        assert_eq!(
            text("GET /cb?code=4/0Adeu5B&state=xyz#id_token=eyJhbGc"),
            "GET /cb?code=REDACTED&state=xyz#id_token=REDACTED"
        );
        assert_eq!(text("?Client_Secret=s3cr3t"), "?Client_Secret=REDACTED");
        assert_eq!(
            text("sent authorization: Bearer act.abc123, refused"),
            "sent authorization: Bearer REDACTED, refused"
        );
        assert_eq!(text("Authorization: 0123abc-us21"), "Authorization: REDACTED");
        assert!(matches!(text("GET /reports?count=500&offset=0"), Cow::Borrowed(_)));
        // Parameters that only end like a credential's name stay.
        assert_eq!(text("?page_token=abc&mycode=1"), "?page_token=abc&mycode=1");
        // A word of a title is not a header.
        assert!(matches!(text("Torch Bearer tour, Basic plan"), Cow::Borrowed(_)));
    }

    #[test]
    fn credential_fields_go_at_any_depth_and_error_codes_stay() {
        let mut v = json!({
            "data": [{"spend": "1.00"}],
            "paging": {"next": "https://x/?access_token=EAAGsecret&after=1"},
            "access_token": "act.secret",
            "nested": [{"Refresh_Token": "rft.secret", "expires_in": 86400}],
            "error": {"code": 17, "message": "User request limit reached"}
        });
        value(&mut v);
        assert_eq!(
            v,
            json!({
                "data": [{"spend": "1.00"}],
                "paging": {"next": "https://x/?access_token=REDACTED&after=1"},
                "access_token": "REDACTED",
                "nested": [{"Refresh_Token": "REDACTED", "expires_in": 86400}],
                "error": {"code": 17, "message": "User request limit reached"}
            })
        );
    }
}
