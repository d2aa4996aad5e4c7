//! The names of the bundle's files under `/pkg`. `build-site.sh` gives them content hashes (so
//! browsers may cache them for a year) and lists the hashes in `hash.txt`, which the server reads
//! at start-up and provides as context for the shell.

/// File names under `/pkg`, without the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetNames {
    pub css: String,
    pub echarts: String,
}

impl Default for AssetNames {
    /// The plain names, for a site built without hashes.
    fn default() -> Self {
        Self { css: "soundcheck.css".into(), echarts: "echarts.min.js".into() }
    }
}

impl AssetNames {
    /// Reads `hash.txt` (`key: hash` lines, the format Leptos' hydration script reads for the JS
    /// and WASM). Keys that are missing keep their plain names.
    pub fn from_hash_file(text: &str) -> Self {
        let mut names = Self::default();
        for (key, hash) in text.lines().filter_map(|line| line.split_once(':')) {
            let hash = hash.trim();
            if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            match key.trim() {
                "css" => names.css = format!("soundcheck.{hash}.css"),
                "echarts" => names.echarts = format!("echarts.{hash}.min.js"),
                _ => {}
            }
        }
        names
    }

    pub fn css_href(&self) -> String {
        format!("/pkg/{}", self.css)
    }

    pub fn echarts_src(&self) -> String {
        format!("/pkg/{}", self.echarts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let names = AssetNames::from_hash_file("js: aa11\nwasm: bb22\ncss: cc33\necharts: dd44\n");
        assert_eq!(names.css_href(), "/pkg/soundcheck.cc33.css");
        assert_eq!(names.echarts_src(), "/pkg/echarts.dd44.min.js");
    }

    #[test]
    fn missing_or_odd_entries_keep_the_plain_names() {
        let names = AssetNames::from_hash_file("css:\necharts: ../../x\n");
        assert_eq!(names, AssetNames::default());
    }
}
