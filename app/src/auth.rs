//! Who is signed in, as the UI sees it, and the checks every server function makes.

use leptos::prelude::*;
use model::UserInfo;

/// Error text of a server function refused because nobody is signed in.
pub const NOT_SIGNED_IN: &str = "not signed in: sign in again";
/// Error text of a server function refused because the caller's role is too low.
pub const FORBIDDEN: &str = "forbidden: this needs the admin role";

/// The signed-in user, or `None`. Anyone may ask.
#[server(endpoint = "me")]
pub async fn current_user() -> Result<Option<UserInfo>, ServerFnError> {
    Ok(ssr::signed_in().await?.map(|u| u.info()))
}

/// Where to go after signing in: a path on this site, read the way a browser reads a URL (tabs
/// and line breaks dropped, backslashes taken as slashes), so that `/<TAB>/evil.example` cannot
/// become `//evil.example`; anything else is `/`. Bytes outside printable ASCII are
/// percent-encoded, so the answer is always a valid `Location`.
pub fn safe_next(next: Option<String>) -> String {
    use std::fmt::Write as _;
    let Some(raw) = next else {
        return "/".to_string();
    };
    let read: String = raw
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    if !read.starts_with('/') || read.starts_with("//") || read.chars().any(char::is_control) {
        return "/".to_string();
    }
    let mut out = String::with_capacity(read.len());
    for b in read.bytes() {
        if (0x21..=0x7e).contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// What the UI says when the session has ended.
pub const SIGNED_OUT_TEXT: &str = "Your session has ended. Sign in again.";
/// What the UI says when the role is too low.
pub const FORBIDDEN_TEXT: &str = "Only admins can see this.";

/// Whether a server function error means "sign in again" or "not allowed", for the UI.
pub fn describe_denial(err: &ServerFnError) -> Option<&'static str> {
    let text = err.to_string();
    if text.contains(NOT_SIGNED_IN) {
        Some(SIGNED_OUT_TEXT)
    } else if text.contains(FORBIDDEN) {
        Some(FORBIDDEN_TEXT)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_limited_to_local_paths() {
        assert_eq!(safe_next(Some("/admin".into())), "/admin");
        assert_eq!(safe_next(Some("/?from=2025-01-01".into())), "/?from=2025-01-01");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
        // What browsers drop or rewrite before reading a URL cannot smuggle another host in.
        for sneaky in
            ["/\t/evil.example", "/\r\n/evil.example", "\\/evil.example", " //evil.example", "/\n\\evil"]
        {
            assert_eq!(safe_next(Some(sneaky.into())), "/", "{sneaky:?}");
        }
        assert_eq!(safe_next(Some("/adm\tin".into())), "/admin");
        assert_eq!(safe_next(Some("/a b/é".into())), "/a%20b/%C3%A9");
        assert_eq!(safe_next(Some("/x\u{7f}".into())), "/");
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use engine::{
        Database,
        auth::{User, UserStore},
    };
    use http::StatusCode;
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use model::Role;
    use tower_sessions::Session;

    use super::{FORBIDDEN, NOT_SIGNED_IN};

    /// Logs an unexpected failure and gives the caller a generic error (no internals leak).
    pub fn internal_error(err: impl std::fmt::Display) -> ServerFnError {
        tracing::error!(error = %err, "server function failed");
        ServerFnError::ServerError("internal error; the server log has the details".into())
    }

    /// Input the server cannot use (a bad date, an unknown artist): a 400 with the reason.
    pub fn bad_request(message: impl std::fmt::Display) -> ServerFnError {
        deny(StatusCode::BAD_REQUEST, &message.to_string())
    }

    /// A request the server cannot carry out as it is configured (no secret key to seal API
    /// tokens with): a 409 with the reason and what to configure.
    pub fn conflict(message: impl std::fmt::Display) -> ServerFnError {
        deny(StatusCode::CONFLICT, &message.to_string())
    }

    /// Something asked for by name that does not exist (a run number): a 404 with the reason.
    pub fn not_found(message: impl std::fmt::Display) -> ServerFnError {
        deny(StatusCode::NOT_FOUND, &message.to_string())
    }

    fn deny(status: StatusCode, message: &str) -> ServerFnError {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(status);
        }
        ServerFnError::ServerError(message.into())
    }

    /// The warehouse handle the server provides to every server function.
    pub fn database() -> Result<Database, ServerFnError> {
        use_context::<Database>().ok_or_else(|| internal_error("the server did not provide the database"))
    }

    /// Today's date (the server's clock, or `SOUNDCHECK_TODAY`).
    pub fn today() -> chrono::NaiveDate {
        use_context::<engine::time::Clock>().unwrap_or_default().today()
    }

    /// The signed-in user, re-read from the database.
    pub async fn signed_in() -> Result<Option<User>, ServerFnError> {
        let session: Session = leptos_axum::extract().await.map_err(internal_error)?;
        let users = UserStore::new(&database()?);
        engine::auth::current_user(&session, &users).await.map_err(internal_error)
    }

    /// The signed-in user when their role allows `role`; otherwise a 401 or 403 error.
    pub async fn require(role: Role) -> Result<User, ServerFnError> {
        match signed_in().await? {
            None => Err(deny(StatusCode::UNAUTHORIZED, NOT_SIGNED_IN)),
            Some(user) if !user.role.allows(role) => {
                tracing::warn!(user = %user.name, required = %role, "server function refused");
                Err(deny(StatusCode::FORBIDDEN, FORBIDDEN))
            }
            Some(user) => Ok(user),
        }
    }
}
