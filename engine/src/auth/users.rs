//! The users table.

use std::fmt;

use chrono::{SecondsFormat, Utc};
use model::{Role, UserInfo};
use sqlx::{FromRow, SqlitePool};

use super::password::{self, Password, PasswordError};
use crate::Database;

/// The longest user name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user name cannot be empty")]
    EmptyName,
    #[error("a user name is at most {MAX_NAME_CHARS} characters")]
    NameTooLong,
    #[error("a user name cannot contain control characters or spaces at its ends")]
    BadName,
    #[error("a user named {0:?} already exists")]
    Exists(String),
    #[error("no user named {0:?}")]
    NotFound(String),
    #[error("no user with id {0}")]
    NoSuchId(i64),
    #[error("{0:?} is the last active admin: make another admin first")]
    LastAdmin(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("password hashing was interrupted: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A user name: 1–64 characters, no control characters. Compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, UserError> {
        if raw.is_empty() {
            return Err(UserError::EmptyName);
        }
        if raw.chars().count() > MAX_NAME_CHARS {
            return Err(UserError::NameTooLong);
        }
        if raw.trim() != raw || raw.chars().any(char::is_control) {
            return Err(UserError::BadName);
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, FromRow)]
struct UserRow {
    id: i64,
    name: String,
    role: String,
    password_hash: String,
    disabled: bool,
    session_epoch: i64,
    created_at: String,
    last_login_at: Option<String>,
}

/// A stored user. The hash stays inside the engine.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub session_epoch: i64,
    pub created_at: String,
    pub last_login_at: Option<String>,
    password_hash: String,
}

impl User {
    pub fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id,
            name: self.name.clone(),
            role: self.role,
            disabled: self.disabled,
            created_at: self.created_at.clone(),
            last_login_at: self.last_login_at.clone(),
        }
    }
}

impl TryFrom<UserRow> for User {
    type Error = UserError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let role = row.role.parse::<Role>().map_err(|e| UserError::Db(sqlx::Error::Decode(Box::new(e))))?;
        Ok(User {
            id: row.id,
            name: row.name,
            role,
            disabled: row.disabled,
            session_epoch: row.session_epoch,
            created_at: row.created_at,
            last_login_at: row.last_login_at,
            password_hash: row.password_hash,
        })
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Hashing is CPU-heavy (tens of milliseconds by design): keep it off the async workers.
async fn hash_off_thread(password: Password) -> Result<String, UserError> {
    Ok(tokio::task::spawn_blocking(move || password::hash(&password)).await??)
}

/// The WHERE condition that keeps at least one active admin: `?3` says whether the updated user
/// stays an active admin. One statement, so two admins demoting each other at once cannot both win.
const KEEPS_AN_ADMIN: &str = "(?3 OR NOT (role = 'admin' AND disabled = 0) \
     OR (SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0) > 1)";

const SELECT_USER: &str =
    "SELECT id, name, role, password_hash, disabled, session_epoch, created_at, last_login_at FROM users";

#[derive(Clone, Debug)]
pub struct UserStore {
    pool: SqlitePool,
}

impl UserStore {
    pub fn new(db: &Database) -> Self {
        Self { pool: db.pool().clone() }
    }

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    #[tracing::instrument(skip(self, password), fields(name = %name))]
    pub async fn create(&self, name: &UserName, role: Role, password: Password) -> Result<User, UserError> {
        let hash = hash_off_thread(password).await?;
        let result =
            sqlx::query("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)")
                .bind(name.as_str())
                .bind(role.as_str())
                .bind(&hash)
                .bind(now())
                .execute(&self.pool)
                .await;
        match result {
            Ok(done) => self
                .by_id(done.last_insert_rowid())
                .await?
                .ok_or_else(|| UserError::NotFound(name.to_string())),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(UserError::Exists(name.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<User>, UserError> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{SELECT_USER} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn by_name(&self, name: &str) -> Result<Option<User>, UserError> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{SELECT_USER} WHERE name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn list(&self) -> Result<Vec<User>, UserError> {
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("{SELECT_USER} ORDER BY name")).fetch_all(&self.pool).await?;
        rows.into_iter().map(User::try_from).collect()
    }

    pub async fn count_admins(&self) -> Result<i64, UserError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Checks a name and password. `Ok(None)` for an unknown name, a wrong password or a disabled
    /// user alike, and in about the same time, so the answer does not reveal which names exist.
    #[tracing::instrument(skip(self, password))]
    pub async fn authenticate(&self, name: &str, password: Password) -> Result<Option<User>, UserError> {
        let user = self.by_name(name).await?;
        let phc =
            user.as_ref().map_or_else(|| password::decoy_hash().to_string(), |u| u.password_hash.clone());
        let matches = tokio::task::spawn_blocking(move || password::verify(&password, &phc)).await??;
        Ok(user.filter(|u| matches && !u.disabled))
    }

    /// Changes a user's role. The last active admin cannot be made a viewer.
    #[tracing::instrument(skip(self))]
    pub async fn set_role(&self, id: i64, role: Role) -> Result<User, UserError> {
        let done = sqlx::query(&format!("UPDATE users SET role = ?1 WHERE id = ?2 AND {KEEPS_AN_ADMIN}"))
            .bind(role.as_str())
            .bind(id)
            .bind(role == Role::Admin)
            .execute(&self.pool)
            .await?;
        self.changed(id, done.rows_affected()).await
    }

    /// Disables or enables a user. Disabling ends their sessions; the last active admin cannot be
    /// disabled.
    #[tracing::instrument(skip(self))]
    pub async fn set_disabled(&self, id: i64, disabled: bool) -> Result<User, UserError> {
        let done = sqlx::query(&format!(
            "UPDATE users SET disabled = ?1, session_epoch = session_epoch + ?1 WHERE id = ?2 AND {KEEPS_AN_ADMIN}"
        ))
        .bind(disabled)
        .bind(id)
        .bind(!disabled)
        .execute(&self.pool)
        .await?;
        self.changed(id, done.rows_affected()).await
    }

    /// Sets a new password and ends the user's sessions everywhere.
    #[tracing::instrument(skip(self, password))]
    pub async fn reset_password(&self, id: i64, password: Password) -> Result<User, UserError> {
        let hash = hash_off_thread(password).await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ?")
                .bind(&hash)
                .bind(id)
                .execute(&self.pool)
                .await?;
        self.changed(id, done.rows_affected()).await
    }

    /// The user after an update that touched `affected` rows; no row means an unknown id or the
    /// last-admin rule.
    async fn changed(&self, id: i64, affected: u64) -> Result<User, UserError> {
        let user = self.by_id(id).await?.ok_or(UserError::NoSuchId(id))?;
        if affected == 0 {
            return Err(UserError::LastAdmin(user.name));
        }
        Ok(user)
    }

    pub async fn record_login(&self, id: i64) -> Result<(), UserError> {
        sqlx::query("UPDATE users SET last_login_at = ? WHERE id = ?")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, UserStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("t.db")).await.expect("open");
        (dir, UserStore::new(&db))
    }

    fn pw(s: &str) -> Password {
        Password::parse(s).expect("valid password")
    }

    #[test]
    fn user_names_are_parsed() {
        assert!(UserName::parse("ada").is_ok());
        assert!(UserName::parse("Ada Lovelace").is_ok());
        assert!(matches!(UserName::parse(""), Err(UserError::EmptyName)));
        assert!(matches!(UserName::parse(" ada"), Err(UserError::BadName)));
        assert!(matches!(UserName::parse("a\nb"), Err(UserError::BadName)));
        assert!(matches!(UserName::parse(&"a".repeat(65)), Err(UserError::NameTooLong)));
    }

    #[tokio::test]
    async fn creates_and_authenticates() {
        let (_dir, users) = store().await;
        let name = UserName::parse("ada").expect("name");
        let created = users.create(&name, Role::Admin, pw("pw-1")).await.expect("create");
        assert_eq!(created.role, Role::Admin);
        assert!(created.password_hash.starts_with("$argon2id$"));

        let ok = users.authenticate("ada", pw("pw-1")).await.expect("auth");
        assert_eq!(ok.map(|u| u.id), Some(created.id));
        // names compare case-insensitively
        assert!(users.authenticate("ADA", pw("pw-1")).await.expect("auth").is_some());
        assert!(users.authenticate("ada", pw("pw-2")).await.expect("auth").is_none());
        assert!(users.authenticate("bob", pw("pw-1")).await.expect("auth").is_none());
    }

    #[tokio::test]
    async fn duplicate_names_are_refused_whatever_the_case() {
        let (_dir, users) = store().await;
        users.create(&UserName::parse("ada").expect("name"), Role::Viewer, pw("a")).await.expect("create");
        let err = users
            .create(&UserName::parse("Ada").expect("name"), Role::Admin, pw("b"))
            .await
            .expect_err("duplicate");
        assert!(matches!(err, UserError::Exists(_)), "{err}");
        assert_eq!(users.list().await.expect("list").len(), 1);
    }

    #[tokio::test]
    async fn the_last_admin_stays() {
        let (_dir, users) = store().await;
        let ada =
            users.create(&UserName::parse("ada").expect("name"), Role::Admin, pw("a")).await.expect("create");
        let bob = users
            .create(&UserName::parse("bob").expect("name"), Role::Viewer, pw("b"))
            .await
            .expect("create");

        let err = users.set_role(ada.id, Role::Viewer).await.expect_err("last admin");
        assert!(matches!(err, UserError::LastAdmin(ref n) if n == "ada"), "{err}");
        assert!(matches!(users.set_disabled(ada.id, true).await, Err(UserError::LastAdmin(_))));
        // Re-asserting the admin's own role is fine.
        users.set_role(ada.id, Role::Admin).await.expect("still admin");

        users.set_role(bob.id, Role::Admin).await.expect("promote");
        let ada = users.set_disabled(ada.id, true).await.expect("now bob is an admin too");
        assert!(ada.disabled);
        assert_eq!(ada.session_epoch, 1, "disabling ends the sessions");
        assert!(matches!(users.set_role(bob.id, Role::Viewer).await, Err(UserError::LastAdmin(_))));
        users.set_disabled(ada.id, false).await.expect("enable");
        users.set_role(bob.id, Role::Viewer).await.expect("ada is back");
        assert!(matches!(users.set_role(999, Role::Viewer).await, Err(UserError::NoSuchId(999))));
    }

    #[tokio::test]
    async fn a_reset_password_works_and_ends_sessions() {
        let (_dir, users) = store().await;
        let ada = users
            .create(&UserName::parse("ada").expect("name"), Role::Admin, pw("old"))
            .await
            .expect("create");
        let after = users.reset_password(ada.id, pw("new")).await.expect("reset");
        assert_eq!(after.session_epoch, ada.session_epoch + 1);
        assert!(users.authenticate("ada", pw("old")).await.expect("auth").is_none());
        assert!(users.authenticate("ada", pw("new")).await.expect("auth").is_some());
    }

    #[tokio::test]
    async fn disabled_users_cannot_authenticate() {
        let (_dir, users) = store().await;
        let u =
            users.create(&UserName::parse("ada").expect("name"), Role::Admin, pw("a")).await.expect("create");
        sqlx::query("UPDATE users SET disabled = 1 WHERE id = ?")
            .bind(u.id)
            .execute(&users.pool)
            .await
            .expect("disable");
        assert!(users.authenticate("ada", pw("a")).await.expect("auth").is_none());
        assert_eq!(users.count_admins().await.expect("count"), 0);
    }
}
