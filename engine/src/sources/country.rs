//! The country of a statement line (DistroKid's `Country of Sale`, TooLost's `country`): an ISO
//! 3166-1 alpha-2 code, or one of the few codes the platforms write for a territory that is no
//! country or is not known. Anything else is a bad row: `top_territory` and the revenue by
//! country would otherwise list a typo, a shifted column or a spreadsheet's `#N/A` as a territory.
//!
//! Every code accepted is listed here and nowhere else.
//!
//! Checking a line's code costs two array reads (a bit per pair of capital letters, built at
//! compile time), less than numbering the value once it is read (`warehouse::packed_line`), so
//! it is done on the parser's line path, where a rejected row still has its line and content.

use compact_str::CompactString;

/// ISO 3166-1 alpha-2, the officially assigned codes: all 249 of them, as published by the ISO
/// 3166 Maintenance Agency (Online Browsing Platform) and carried by Debian's `iso-codes` 4.15.0
/// (`iso_3166-1.json`). No code was assigned or withdrawn since `SS` (South Sudan, 2011).
/// Reserved codes such as `UK`, `EU` or `AC` are not in it (see [`PLATFORM_CODES`]).
pub const ISO_3166_1_ALPHA_2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA",
    "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV",
    "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU",
    "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES",
    "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM",
    "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE",
    "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM",
    "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
    "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT",
    "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU",
    "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA",
    "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM",
    "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL",
    "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE",
    "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Codes outside ISO 3166-1 that stores write into statements, and what they stand for. An
/// empty cell is no code at all: the line has no country (not reported), and is kept.
pub const PLATFORM_CODES: [(&str, &str); 6] = [
    // formats.md: DistroKid's Instagram/Facebook lines.
    ("OU", "outside the US"),
    // Kosovo has no ISO code; the stores use the user-assigned XK, as the EU and SWIFT do.
    ("XK", "Kosovo"),
    // ISO 3166-1's user-assigned codes for "unknown": ZZ is CLDR's and Google's (YouTube) unknown
    // region, XX the other common spelling of it.
    ("ZZ", "unknown"),
    ("XX", "unknown"),
    // Sales not tied to one country: worldwide, and the European Union (exceptionally reserved
    // for it by ISO 3166 and used by stores that report EU-wide sales).
    ("WW", "worldwide"),
    ("EU", "European Union"),
];

/// ISO's names that are too formal to read on a chart's axis, as people say them.
const SHORT_NAMES: [(&str, &str); 12] = [
    ("GB", "United Kingdom"),
    ("US", "United States"),
    ("KR", "South Korea"),
    ("KP", "North Korea"),
    ("RU", "Russia"),
    ("TW", "Taiwan"),
    ("IR", "Iran"),
    ("VN", "Vietnam"),
    ("BO", "Bolivia"),
    ("VE", "Venezuela"),
    ("TZ", "Tanzania"),
    ("MD", "Moldova"),
];

/// A territory as people read it: the country's name, what a platform's own code stands for
/// ("Outside the US (OU)"), or "Unknown" for a line without a country.
pub fn territory_name(code: &str) -> String {
    if code.is_empty() {
        return "Unknown".to_string();
    }
    if let Some((_, short)) = SHORT_NAMES.iter().find(|(c, _)| *c == code) {
        return (*short).to_string();
    }
    if let Some((_, meaning)) = PLATFORM_CODES.iter().find(|(c, _)| *c == code) {
        let mut chars = meaning.chars();
        let meaning: String =
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        return format!("{meaning} ({code})");
    }
    isocountry::CountryCode::for_alpha2(code).map_or_else(|_| code.to_string(), |c| c.name().to_string())
}

/// A bit per pair of capital letters, `KNOWN[first] >> second`, set for each code accepted.
static KNOWN: [u32; 26] = known();

const fn known() -> [u32; 26] {
    const fn set(table: &mut [u32; 26], code: &str) {
        let b = code.as_bytes();
        assert!(b.len() == 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase(), "two capitals");
        table[(b[0] - b'A') as usize] |= 1 << (b[1] - b'A');
    }
    let mut table = [0u32; 26];
    let mut i = 0;
    while i < ISO_3166_1_ALPHA_2.len() {
        set(&mut table, ISO_3166_1_ALPHA_2[i]);
        i += 1;
    }
    let mut i = 0;
    while i < PLATFORM_CODES.len() {
        set(&mut table, PLATFORM_CODES[i].0);
        i += 1;
    }
    table
}

/// Whether `code` is accepted as written: two capitals, listed above.
pub fn is_known(code: &str) -> bool {
    match code.as_bytes() {
        &[a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => {
            KNOWN[usize::from(a - b'A')] & (1 << (b - b'A')) != 0
        }
        _ => false,
    }
}

/// How a platform writes its codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// Capitals only (DistroKid: every statement seen writes `US`, `GB`, `OU`…); a lower-case
    /// code there means the file was edited or the column is not what it seems.
    Upper,
    /// Either case, stored in capitals (TooLost's sales report writes `de` beside `US`).
    Any,
}

/// A statement line's country cell (already trimmed): `None` when empty, the code in capitals
/// when it is one, else why not.
pub fn parse(raw: &str, case: Case) -> Result<Option<CompactString>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    if is_known(raw) {
        return Ok(Some(CompactString::new(raw)));
    }
    let upper = raw.to_ascii_uppercase();
    if is_known(&upper) {
        return match case {
            Case::Any => Ok(Some(CompactString::new(upper))),
            Case::Upper => {
                Err(format!("{raw:?} is not a country code as this statement writes them ({upper:?})"))
            }
        };
    }
    Err(format!(
        "{raw:?} is not a country code (ISO 3166-1 alpha-2, or {})",
        PLATFORM_CODES.map(|(code, _)| code).join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn territories_have_names() {
        assert_eq!(territory_name("DE"), "Germany");
        assert_eq!(territory_name("GB"), "United Kingdom");
        assert_eq!(territory_name("OU"), "Outside the US (OU)");
        assert_eq!(territory_name("XK"), "Kosovo (XK)");
        assert_eq!(territory_name(""), "Unknown");
        for code in ISO_3166_1_ALPHA_2 {
            assert_ne!(territory_name(code), code, "{code} has a name");
        }
    }

    #[test]
    fn every_listed_code_and_only_those_are_known() {
        let listed: std::collections::BTreeSet<&str> =
            ISO_3166_1_ALPHA_2.iter().copied().chain(PLATFORM_CODES.iter().map(|(c, _)| *c)).collect();
        assert_eq!(listed.len(), 249 + PLATFORM_CODES.len(), "no code listed twice");
        let mut known = 0;
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).expect("ascii");
                assert_eq!(is_known(&code), listed.contains(code.as_str()), "{code}");
                known += usize::from(is_known(&code));
            }
        }
        assert_eq!(known, listed.len());
        for not in ["", "U", "USA", "us", "U1", "1U", "ÜS", "UK", "--", "C0001"] {
            assert!(!is_known(not), "{not:?}");
        }
    }

    #[test]
    fn cells_are_read_by_the_platforms_case_rule() {
        assert_eq!(parse("US", Case::Upper), Ok(Some("US".into())));
        assert_eq!(parse("OU", Case::Upper), Ok(Some("OU".into())));
        assert_eq!(parse("", Case::Upper), Ok(None));
        assert_eq!(parse("de", Case::Any), Ok(Some("DE".into())));
        assert_eq!(parse("xk", Case::Any), Ok(Some("XK".into())));
        let lower = parse("de", Case::Upper).expect_err("DistroKid writes capitals");
        assert!(lower.contains("\"DE\""), "{lower}");
        let bad = parse("C0001", Case::Any).expect_err("not a code");
        assert!(bad.contains("ISO 3166-1") && bad.contains("OU"), "{bad}");
        assert!(parse("UK", Case::Any).is_err(), "the United Kingdom is GB");
        assert!(parse("Germany", Case::Any).is_err());
    }
}
