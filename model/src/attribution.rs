//! The Admin Artists page: figures that came without an artist, and the rules that attribute them.

use serde::{Deserialize, Serialize};

/// What a rule names: `release` (by UPC), `track` (by ISRC) or `campaign` (a Meta ad campaign's id).
pub const RULE_KINDS: [&str; 3] = ["release", "track", "campaign"];

/// Something stored without an artist that a rule could attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unattributed {
    /// One of [`RULE_KINDS`].
    pub kind: String,
    /// The ISRC, UPC or campaign id.
    pub key: String,
    /// Its title or name.
    pub name: String,
    /// What is stored for it without an artist: `$25.02 of revenue (2 lines)`, `$310.50 of ad spend`.
    pub figures: String,
    /// For a track: its release (UPC), which a release rule would attribute with its other tracks.
    pub release: Option<String>,
    /// The artist other files name for it (a DistroKid statement of the same ISRC), offered first.
    pub suggested: Option<String>,
}

/// A rule as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributionRule {
    pub kind: String,
    pub key: String,
    /// The title or name of what it names (its key when nothing stored names it yet).
    pub name: String,
    pub artist: String,
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// Every artist the warehouse knows, by name.
    pub artists: Vec<String>,
    pub unattributed: Vec<Unattributed>,
    /// Figures without an artist that no rule can reach (statement lines with neither ISRC nor
    /// UPC, accounts' figures), as a sentence.
    pub unreachable: Option<String>,
    pub rules: Vec<AttributionRule>,
}
