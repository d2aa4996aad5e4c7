//! The bundle under `/pkg`: the WASM, its JS, the CSS and ECharts. `build-site.sh` names them by
//! content hash and lists the hashes in `hash.txt`; hashed files are cached by browsers for a
//! year (a new build has new names), anything else is revalidated on every use. Pre-compressed
//! `.br` / `.gz` copies, when `build-site.sh --release` made them, go to browsers that accept them.

use std::path::{Path, PathBuf};

use app::AssetNames;
use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use tower_http::services::ServeDir;

const HASH_FILE: &str = "hash.txt";
/// The length of the hashes `build-site.sh` puts in names.
const HASH_LEN: usize = 16;

/// What the server needs to know about the built site's names.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    /// `hash.txt`, when the site was built with hashed names.
    pub hash_file: Option<PathBuf>,
    pub names: AssetNames,
}

impl Bundle {
    /// Reads `hash.txt` in the site directory; a site without one keeps the plain names.
    pub fn load(site_dir: &Path) -> Self {
        let path = site_dir.join(HASH_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self { names: AssetNames::from_hash_file(&text), hash_file: Some(path) },
            Err(err) => {
                if err.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(path = %path.display(), error = %err, "cannot read the site's hash file");
                }
                Self::default()
            }
        }
    }
}

/// Serves `/pkg` from `dir`.
pub fn service(dir: PathBuf) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn(cache_policy))
}

async fn cache_policy(request: Request, next: Next) -> Response {
    let immutable = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let value = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// `soundcheck.0123456789abcdef.wasm`: a name with a hash between its dots.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts = name.split('.');
    parts.next();
    parts.any(|part| part.len() == HASH_LEN && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_a_hash_are_immutable() {
        assert!(is_content_hashed("/soundcheck.0123456789abcdef.wasm"));
        assert!(is_content_hashed("/echarts.0123456789abcdef.min.js"));
        assert!(!is_content_hashed("/soundcheck.wasm"));
        assert!(!is_content_hashed("/snippets/x/inline0.js"));
        assert!(!is_content_hashed("/0123456789abcdef"));
        assert!(!is_content_hashed("/app.0123456789abcdeg.js"));
    }

    #[test]
    fn a_site_without_a_hash_file_keeps_plain_names() {
        let dir = tempfile::tempdir().expect("dir");
        let bundle = Bundle::load(dir.path());
        assert!(bundle.hash_file.is_none());
        assert_eq!(bundle.names, AssetNames::default());
        std::fs::write(dir.path().join(HASH_FILE), "css: 0123456789abcdef\n").expect("write");
        let bundle = Bundle::load(dir.path());
        assert_eq!(bundle.names.css, "soundcheck.0123456789abcdef.css");
        assert!(bundle.hash_file.is_some());
    }
}
