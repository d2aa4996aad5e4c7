//! Settings. Precedence, highest first: command-line flags, `SOUNDCHECK_*` environment variables,
//! Leptos' own `LEPTOS_*` variables, the config file, the defaults.
//!
//! The config file is TOML, read from `--config FILE` or else `soundcheck.toml` in the data
//! directory when it exists:
//! ```toml
//! listen = "0.0.0.0:8080"
//! site_dir = "/opt/soundcheck/site"
//! secure_cookies = true
//! session_idle_minutes = 720
//! archive_retention_days = 90   # 0 keeps processed landing files forever
//! upload_max_mb = 512            # largest export the admin page accepts
//! live_max_connections = 2000    # live-update WebSockets, in total
//! live_max_connections_per_user = 20
//! public_url = "https://music.example.com"   # the origin browsers use, when behind a proxy
//! time_zone = "Europe/Berlin"    # IANA zone the schedules run in and the Admin page shows times in
//! trusted_proxies = ["127.0.0.1", "10.0.0.0/8"] # only these may set X-Forwarded-For
//!
//! [api]                          # where the platforms' APIs are (tests point them at a mock)
//! mailchimp = "https://{dc}.api.mailchimp.com/3.0"
//! youtube_analytics = "https://youtubeanalytics.googleapis.com"
//! youtube_data = "https://www.googleapis.com"
//! google_token = "https://oauth2.googleapis.com/token"
//! google_authorize = "https://accounts.google.com/o/oauth2/v2/auth"
//! spotify_api = "https://api.spotify.com"
//! spotify_accounts = "https://accounts.spotify.com"
//! meta_graph = "https://graph.facebook.com/v21.0"
//! tiktok = "https://open.tiktokapis.com"
//! tiktok_token = "https://open.tiktokapis.com/v2/oauth/token/"
//! tiktok_authorize = "https://www.tiktok.com/v2/auth/authorize/"
//! ```

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use chrono::NaiveDate;
use serde::Deserialize;

pub use self::network::{Origin, TrustedProxies};

mod network;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
pub const DEFAULT_SESSION_IDLE_MINUTES: u64 = 12 * 60;
pub const CONFIG_FILE_NAME: &str = "soundcheck.toml";
pub const DATABASE_FILE_NAME: &str = "soundcheck.db";
pub const DEFAULT_ARCHIVE_RETENTION_DAYS: u32 = 90;
pub const DEFAULT_UPLOAD_MAX_MB: u64 = 512;
pub const DEFAULT_LIVE_MAX_CONNECTIONS: usize = 2000;
pub const DEFAULT_LIVE_MAX_PER_USER: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the config file {path} is not valid: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("{name} = {value:?} is not valid: {reason}")]
    Invalid { name: String, value: String, reason: String },
}

/// The config file's keys; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub site_dir: Option<PathBuf>,
    pub secure_cookies: Option<bool>,
    pub session_idle_minutes: Option<u64>,
    pub archive_retention_days: Option<u32>,
    pub upload_max_mb: Option<u64>,
    pub live_max_connections: Option<usize>,
    pub live_max_connections_per_user: Option<usize>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub time_zone: Option<String>,
    pub api: Option<ApiFile>,
}

/// `[api]`: base URLs of the platforms' APIs; each defaults to the real one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiFile {
    pub mailchimp: Option<String>,
    pub youtube_analytics: Option<String>,
    pub youtube_data: Option<String>,
    pub google_token: Option<String>,
    pub google_authorize: Option<String>,
    pub spotify_api: Option<String>,
    pub spotify_accounts: Option<String>,
    pub meta_graph: Option<String>,
    pub tiktok: Option<String>,
    pub tiktok_token: Option<String>,
    pub tiktok_authorize: Option<String>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.to_path_buf(), source })
    }
}

/// Values given on the command line (they win over everything else).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub site_dir: PathBuf,
    pub secure_cookies: bool,
    pub session_idle: Duration,
    /// Days processed landing files stay in the lake's archive (0: forever).
    pub archive_retention_days: u32,
    /// Encrypts stored API tokens (used by the API connectors).
    pub secret_key: Option<String>,
    /// The platforms' APIs.
    pub endpoints: engine::pull::Endpoints,
    /// Overrides today's date (tests and demos).
    pub today: Option<NaiveDate>,
    /// The largest file an upload may carry.
    pub upload_max_bytes: u64,
    pub live: LiveLimits,
    /// The origin browsers reach Soundcheck at (`public_url`); without it, each request's own
    /// host is the origin.
    pub public_origin: Option<Origin>,
    /// The proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// The IANA time zone whose wall clock the schedules follow and the Admin page shows run
    /// times in (`time_zone`; UTC by default).
    pub time_zone: engine::time::Tz,
}

/// Caps on live-update connections, and how often they beat.
#[derive(Debug, Clone, Copy)]
pub struct LiveLimits {
    pub max_connections: usize,
    pub max_per_user: usize,
    pub heartbeat: Duration,
}

impl Default for LiveLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_LIVE_MAX_CONNECTIONS,
            max_per_user: DEFAULT_LIVE_MAX_PER_USER,
            heartbeat: Duration::from_secs(15),
        }
    }
}

impl Settings {
    /// The API connectors, with their stored connections (secrets open only with a secret key).
    pub fn pulls(&self, db: &engine::Database) -> engine::pull::Pulls {
        // The key was checked when the settings were read.
        let secrets = engine::pull::secrets::SecretBox::from_key(self.secret_key.as_deref()).ok();
        engine::pull::Pulls::new(
            engine::pull::ConnectionStore::new(db.pool().clone(), secrets),
            self.endpoints.clone(),
            engine::pull::RetryPolicy::default(),
        )
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE_NAME)
    }

    /// Settings from the process environment.
    pub fn from_env(flags: &Flags) -> Result<Self, ConfigError> {
        Self::resolve(flags, |name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Settings from `flags`, an environment lookup and the config file it points at.
    pub fn resolve(flags: &Flags, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let pre_file_data_dir =
            flags.data_dir.clone().or_else(|| env("SOUNDCHECK_DATA_DIR").map(PathBuf::from));
        let file = match &flags.config {
            Some(path) => ConfigFile::load(path)?,
            None => {
                let dir = pre_file_data_dir.clone().unwrap_or_else(|| PathBuf::from("./data"));
                let candidate = dir.join(CONFIG_FILE_NAME);
                if candidate.is_file() { ConfigFile::load(&candidate)? } else { ConfigFile::default() }
            }
        };

        let data_dir = pre_file_data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("./data"));

        let listen_text = flags
            .listen
            .clone()
            .or_else(|| env("SOUNDCHECK_LISTEN"))
            .or_else(|| env("LEPTOS_SITE_ADDR"))
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen_text.parse::<SocketAddr>().map_err(|e| ConfigError::Invalid {
            name: "listen address".into(),
            value: listen_text.clone(),
            reason: format!("{e}; expected HOST:PORT such as 127.0.0.1:3000"),
        })?;

        let site_dir = env("SOUNDCHECK_SITE_DIR")
            .map(PathBuf::from)
            .or_else(|| env("LEPTOS_SITE_ROOT").map(PathBuf::from))
            .or(file.site_dir)
            .unwrap_or_else(default_site_dir);

        let secure_cookies = match env("SOUNDCHECK_SECURE_COOKIES") {
            Some(v) => parse_bool("SOUNDCHECK_SECURE_COOKIES", &v)?,
            None => file.secure_cookies.unwrap_or(false),
        };

        let minutes = file.session_idle_minutes.unwrap_or(DEFAULT_SESSION_IDLE_MINUTES);
        if minutes == 0 {
            return Err(ConfigError::Invalid {
                name: "session_idle_minutes".into(),
                value: "0".into(),
                reason: "must be at least 1".into(),
            });
        }

        let today = env("SOUNDCHECK_TODAY")
            .map(|v| {
                NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|e| ConfigError::Invalid {
                    name: "SOUNDCHECK_TODAY".into(),
                    value: v.clone(),
                    reason: format!("{e}; expected YYYY-MM-DD"),
                })
            })
            .transpose()?;

        let at_least_one = |name: &str, v: u64| {
            if v == 0 {
                Err(ConfigError::Invalid {
                    name: name.into(),
                    value: "0".into(),
                    reason: "must be at least 1".into(),
                })
            } else {
                Ok(v)
            }
        };
        let secret_key = env("SOUNDCHECK_SECRET_KEY").filter(|k| !k.is_empty());
        if let Some(key) = &secret_key
            && let Err(err) = engine::pull::secrets::SecretBox::from_key(Some(key))
        {
            return Err(ConfigError::Invalid {
                name: "SOUNDCHECK_SECRET_KEY".into(),
                value: "(hidden)".into(),
                reason: err.to_string(),
            });
        }
        let mut endpoints = engine::pull::Endpoints::default();
        if let Some(api) = file.api {
            let e = &mut endpoints;
            for (given, slot) in [
                (api.mailchimp, &mut e.mailchimp),
                (api.youtube_analytics, &mut e.youtube_analytics),
                (api.youtube_data, &mut e.youtube_data),
                (api.google_token, &mut e.google_token),
                (api.google_authorize, &mut e.google_authorize),
                (api.spotify_api, &mut e.spotify_api),
                (api.spotify_accounts, &mut e.spotify_accounts),
                (api.meta_graph, &mut e.meta_graph),
                (api.tiktok, &mut e.tiktok),
            ] {
                if let Some(url) = given {
                    *slot = url.trim_end_matches('/').to_string();
                }
            }
            // Full URLs, not bases: TikTok's endpoints end in a slash they need.
            for (given, slot) in
                [(api.tiktok_token, &mut e.tiktok_token), (api.tiktok_authorize, &mut e.tiktok_authorize)]
            {
                if let Some(url) = given {
                    *slot = url.trim().to_string();
                }
            }
        }
        let upload_mb = at_least_one("upload_max_mb", file.upload_max_mb.unwrap_or(DEFAULT_UPLOAD_MAX_MB))?;
        let max_connections = at_least_one(
            "live_max_connections",
            file.live_max_connections.unwrap_or(DEFAULT_LIVE_MAX_CONNECTIONS) as u64,
        )?;
        let max_per_user = at_least_one(
            "live_max_connections_per_user",
            file.live_max_connections_per_user.unwrap_or(DEFAULT_LIVE_MAX_PER_USER) as u64,
        )?;

        let public_origin = flags
            .public_url
            .clone()
            .or_else(|| env("SOUNDCHECK_PUBLIC_URL"))
            .or(file.public_url)
            .map(|url| {
                Origin::parse(&url).map_err(|reason| ConfigError::Invalid {
                    name: "public_url".into(),
                    value: url.clone(),
                    reason: format!("{reason}; expected a URL such as https://music.example.com"),
                })
            })
            .transpose()?;
        let proxies_text = env("SOUNDCHECK_TRUSTED_PROXIES")
            .map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .or(file.trusted_proxies)
            .unwrap_or_default();
        let trusted_proxies =
            TrustedProxies::parse(proxies_text.iter().map(String::as_str)).map_err(|reason| {
                ConfigError::Invalid { name: "trusted_proxies".into(), value: proxies_text.join(","), reason }
            })?;

        let time_zone = flags
            .time_zone
            .clone()
            .or_else(|| env("SOUNDCHECK_TIME_ZONE"))
            .or(file.time_zone)
            .map(|name| {
                engine::time::parse_zone(&name).map_err(|reason| ConfigError::Invalid {
                    name: "time_zone".into(),
                    value: name.clone(),
                    reason,
                })
            })
            .transpose()?
            .unwrap_or(engine::time::Tz::UTC);

        Ok(Settings {
            data_dir,
            listen,
            site_dir,
            secure_cookies,
            session_idle: Duration::from_secs(minutes * 60),
            archive_retention_days: file.archive_retention_days.unwrap_or(DEFAULT_ARCHIVE_RETENTION_DAYS),
            secret_key,
            endpoints,
            today,
            upload_max_bytes: upload_mb.saturating_mul(1024 * 1024),
            live: LiveLimits {
                max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
                max_per_user: usize::try_from(max_per_user).unwrap_or(usize::MAX),
                ..LiveLimits::default()
            },
            public_origin,
            trusted_proxies,
            time_zone,
        })
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name: name.into(),
            value: value.into(),
            reason: "expected true or false".into(),
        }),
    }
}

/// The built site next to the binary (a deployed `soundcheck` + `site/`), else the build
/// output of a source checkout (`target/site`).
fn default_site_dir() -> PathBuf {
    let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf));
    if let Some(dir) = exe_dir {
        for candidate in [dir.join("site"), dir.join("../site")] {
            if candidate.join("pkg").is_dir() {
                return candidate;
            }
        }
    }
    PathBuf::from("target/site")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let flags = Flags { data_dir: Some(dir.path().to_path_buf()), ..Flags::default() };
        let s = Settings::resolve(&flags, env_of(&[])).expect("settings");
        assert_eq!(s.listen.to_string(), "127.0.0.1:3000");
        assert!(!s.secure_cookies);
        assert_eq!(s.session_idle, Duration::from_secs(720 * 60));
        assert!(s.today.is_none());
        assert_eq!(s.database_path(), dir.path().join("soundcheck.db"));
    }

    #[test]
    fn flags_beat_env_which_beats_leptos_env_which_beats_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "listen = \"127.0.0.1:1111\"\nsecure_cookies = true\nsite_dir = \"/from/file\"\nsession_idle_minutes = 5\n",
        )
        .expect("write");
        let flags = Flags { data_dir: Some(dir.path().to_path_buf()), ..Flags::default() };

        let from_file = Settings::resolve(&flags, env_of(&[])).expect("settings");
        assert_eq!(from_file.listen.port(), 1111);
        assert!(from_file.secure_cookies);
        assert_eq!(from_file.site_dir, PathBuf::from("/from/file"));
        assert_eq!(from_file.session_idle, Duration::from_secs(300));

        let leptos = env_of(&[("LEPTOS_SITE_ADDR", "127.0.0.1:2222"), ("LEPTOS_SITE_ROOT", "/leptos")]);
        let s = Settings::resolve(&flags, leptos).expect("settings");
        assert_eq!(s.listen.port(), 2222);
        assert_eq!(s.site_dir, PathBuf::from("/leptos"));

        let both = env_of(&[
            ("LEPTOS_SITE_ADDR", "127.0.0.1:2222"),
            ("SOUNDCHECK_LISTEN", "127.0.0.1:3333"),
            ("SOUNDCHECK_SITE_DIR", "/sc"),
            ("SOUNDCHECK_SECURE_COOKIES", "false"),
        ]);
        let s = Settings::resolve(&flags, both).expect("settings");
        assert_eq!(s.listen.port(), 3333);
        assert_eq!(s.site_dir, PathBuf::from("/sc"));
        assert!(!s.secure_cookies);

        let flagged = Flags { listen: Some("127.0.0.1:4444".into()), ..flags };
        let s = Settings::resolve(&flagged, env_of(&[("SOUNDCHECK_LISTEN", "127.0.0.1:3333")]))
            .expect("settings");
        assert_eq!(s.listen.port(), 4444);
    }

    #[test]
    fn data_dir_flag_beats_env() {
        let flags = Flags { data_dir: Some("/flag".into()), ..Flags::default() };
        let s = Settings::resolve(&flags, env_of(&[("SOUNDCHECK_DATA_DIR", "/env")])).expect("settings");
        assert_eq!(s.data_dir, PathBuf::from("/flag"));
        let s = Settings::resolve(&Flags::default(), env_of(&[("SOUNDCHECK_DATA_DIR", "/env")]))
            .expect("settings");
        assert_eq!(s.data_dir, PathBuf::from("/env"));
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let flags = Flags { data_dir: Some("/nonexistent-dir".into()), ..Flags::default() };
        let err = Settings::resolve(&flags, env_of(&[("SOUNDCHECK_LISTEN", "localhost")])).expect_err("bad");
        assert!(err.to_string().contains("\"localhost\""), "{err}");
        let err =
            Settings::resolve(&flags, env_of(&[("SOUNDCHECK_SECURE_COOKIES", "maybe")])).expect_err("bad");
        assert!(err.to_string().contains("SOUNDCHECK_SECURE_COOKIES"), "{err}");
        let err = Settings::resolve(&flags, env_of(&[("SOUNDCHECK_TODAY", "2025-13-01")])).expect_err("bad");
        assert!(err.to_string().contains("SOUNDCHECK_TODAY"), "{err}");
    }

    #[test]
    fn today_override_is_parsed() {
        let flags = Flags { data_dir: Some("/nonexistent-dir".into()), ..Flags::default() };
        let s = Settings::resolve(&flags, env_of(&[("SOUNDCHECK_TODAY", "2025-06-30")])).expect("settings");
        assert_eq!(s.today, NaiveDate::from_ymd_opt(2025, 6, 30));
    }

    #[test]
    fn api_endpoints_come_from_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "[api]\nmeta_graph = \"http://127.0.0.1:9/v21.0/\"\ntiktok = \"http://127.0.0.1:9/\"\n\
             tiktok_token = \"http://127.0.0.1:9/v2/oauth/token/\"\n",
        )
        .expect("write");
        let flags = Flags { data_dir: Some(dir.path().to_path_buf()), ..Flags::default() };
        let e = Settings::resolve(&flags, env_of(&[])).expect("settings").endpoints;
        assert_eq!(e.meta_graph, "http://127.0.0.1:9/v21.0");
        assert_eq!(e.tiktok, "http://127.0.0.1:9");
        // A full URL: TikTok's token endpoint keeps its trailing slash.
        assert_eq!(e.tiktok_token, "http://127.0.0.1:9/v2/oauth/token/");
        assert_eq!(e.mailchimp, engine::pull::Endpoints::default().mailchimp);
    }

    #[test]
    fn public_url_and_proxies_come_from_flag_env_or_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "public_url = \"https://file.example\"\ntrusted_proxies = [\"10.0.0.0/8\"]\n",
        )
        .expect("write");
        let flags = Flags { data_dir: Some(dir.path().to_path_buf()), ..Flags::default() };
        let s = Settings::resolve(&flags, env_of(&[])).expect("settings");
        assert_eq!(s.public_origin.map(|o| o.to_string()).as_deref(), Some("https://file.example"));
        assert!(s.trusted_proxies.contains("10.1.1.1".parse().expect("ip")));
        let env = env_of(&[
            ("SOUNDCHECK_PUBLIC_URL", "https://env.example:8443/"),
            ("SOUNDCHECK_TRUSTED_PROXIES", "127.0.0.1, ::1"),
        ]);
        let s = Settings::resolve(&flags, env).expect("settings");
        assert_eq!(s.public_origin.map(|o| o.to_string()).as_deref(), Some("https://env.example:8443"));
        assert!(!s.trusted_proxies.contains("10.1.1.1".parse().expect("ip")));
        let flagged = Flags { public_url: Some("http://flag.example".into()), ..flags.clone() };
        let s = Settings::resolve(&flagged, env_of(&[("SOUNDCHECK_PUBLIC_URL", "https://env.example")]))
            .expect("settings");
        assert_eq!(s.public_origin.map(|o| o.to_string()).as_deref(), Some("http://flag.example"));
        let err = Settings::resolve(&flags, env_of(&[("SOUNDCHECK_PUBLIC_URL", "music.example")]))
            .expect_err("no scheme");
        assert!(err.to_string().contains("public_url"), "{err}");
        let err = Settings::resolve(&flags, env_of(&[("SOUNDCHECK_TRUSTED_PROXIES", "proxy")]))
            .expect_err("not an address");
        assert!(err.to_string().contains("trusted_proxies"), "{err}");
    }

    #[test]
    fn the_time_zone_comes_from_flag_env_or_file_and_defaults_to_utc() {
        use engine::time::Tz;

        let dir = tempfile::tempdir().expect("tempdir");
        let flags = Flags { data_dir: Some(dir.path().to_path_buf()), ..Flags::default() };
        assert_eq!(Settings::resolve(&flags, env_of(&[])).expect("settings").time_zone, Tz::UTC);

        std::fs::write(dir.path().join(CONFIG_FILE_NAME), "time_zone = \"Europe/Berlin\"\n").expect("write");
        let s = Settings::resolve(&flags, env_of(&[])).expect("settings");
        assert_eq!(s.time_zone, Tz::Europe__Berlin);
        let env = env_of(&[("SOUNDCHECK_TIME_ZONE", "America/New_York")]);
        assert_eq!(Settings::resolve(&flags, env).expect("settings").time_zone, Tz::America__New_York);
        let flagged = Flags { time_zone: Some("Asia/Tokyo".into()), ..flags.clone() };
        let env = env_of(&[("SOUNDCHECK_TIME_ZONE", "America/New_York")]);
        assert_eq!(Settings::resolve(&flagged, env).expect("settings").time_zone, Tz::Asia__Tokyo);

        // A bad name stops start-up with the setting and the value named.
        for bad in ["Europe/Berln", "CET+1", "europe/berlin"] {
            let err = Settings::resolve(&flags, env_of(&[("SOUNDCHECK_TIME_ZONE", bad)])).expect_err(bad);
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("time_zone = {bad:?} is not valid: not an IANA time-zone name")),
                "{text}"
            );
        }
        std::fs::write(dir.path().join(CONFIG_FILE_NAME), "time_zone = \"Moon/Base\"\n").expect("write");
        let err = Settings::resolve(&flags, env_of(&[])).expect_err("bad file value");
        assert!(err.to_string().contains("\"Moon/Base\""), "{err}");
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "lissten = \"x\"\n").expect("write");
        let flags = Flags { config: Some(path), ..Flags::default() };
        let err = Settings::resolve(&flags, env_of(&[])).expect_err("unknown key");
        assert!(err.to_string().contains("lissten"), "{err}");
    }
}
