//! CSV cells that a spreadsheet opens as text, not as a formula (OWASP "CSV injection"): a
//! statement's title or a quarantined line can start with `=`, and Excel or LibreOffice would
//! run it when the user opens the download.

use std::borrow::Cow;

/// The cell as it should be written: text starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`, which spreadsheets read as "this is text" and do not show. A plain
/// number such as `-12.50` or `+3` is left alone, so a negative amount stays a number.
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("-12.50", "-12.50"),
            ("+3", "+3"),
            ("-0.000000000001", "-0.000000000001"),
            ("Spotify", "Spotify"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(neutralised(cell), written, "{cell:?}");
        }
    }
}
