use serde::{Deserialize, Serialize};

use crate::Role;

/// A user as the UI shows it: never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// RFC 3339 timestamps, formatted by the server.
    pub created_at: String,
    pub last_login_at: Option<String>,
}
