//! What a session may say about its user, and how it is checked on every request.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::users::{User, UserError, UserStore};

const USER_KEY: &str = "soundcheck.user";

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store error: {0}")]
    Store(#[from] tower_sessions::session::Error),
    #[error(transparent)]
    User(#[from] UserError),
}

/// What the session stores: the user and the epoch their credentials had at login.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
struct SessionUser {
    id: i64,
    epoch: i64,
}

/// Signs `user` into `session`. The session id is renewed first, so an id fixed by an attacker
/// before login is worthless after it.
pub async fn log_in(session: &Session, user: &User) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session.insert(USER_KEY, SessionUser { id: user.id, epoch: user.session_epoch }).await?;
    Ok(())
}

/// Ends the session: its data is deleted from the store and the cookie is cleared.
pub async fn log_out(session: &Session) -> Result<(), SessionError> {
    session.flush().await?;
    Ok(())
}

/// The user behind a session, re-read from the database: `None` when nobody is signed in, the user
/// was deleted or disabled, or their credentials changed since the session began.
pub async fn current_user(session: &Session, users: &UserStore) -> Result<Option<User>, SessionError> {
    let Some(signed_in) = session.get::<SessionUser>(USER_KEY).await? else {
        return Ok(None);
    };
    let user = users.by_id(signed_in.id).await?;
    Ok(user.filter(|u| !u.disabled && u.session_epoch == signed_in.epoch))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use model::Role;
    use tower_sessions::MemoryStore;

    use super::*;
    use crate::{
        Database,
        auth::{Password, UserName},
    };

    async fn fixture() -> (tempfile::TempDir, UserStore, User) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("t.db")).await.expect("open");
        let users = UserStore::new(&db);
        let user = users
            .create(&UserName::parse("ada").expect("name"), Role::Viewer, Password::parse("pw").expect("pw"))
            .await
            .expect("create");
        (dir, users, user)
    }

    fn new_session() -> Session {
        Session::new(None, Arc::new(MemoryStore::default()), None)
    }

    #[tokio::test]
    async fn anonymous_session_has_no_user() {
        let (_dir, users, _) = fixture().await;
        assert!(current_user(&new_session(), &users).await.expect("read").is_none());
    }

    #[tokio::test]
    async fn login_binds_the_user_and_logout_forgets_it() {
        let (_dir, users, user) = fixture().await;
        let session = new_session();
        log_in(&session, &user).await.expect("login");
        assert_eq!(current_user(&session, &users).await.expect("read").map(|u| u.id), Some(user.id));
        log_out(&session).await.expect("logout");
        assert!(current_user(&session, &users).await.expect("read").is_none());
    }

    #[tokio::test]
    async fn disabling_a_user_ends_their_sessions() {
        let (_dir, users, user) = fixture().await;
        let session = new_session();
        log_in(&session, &user).await.expect("login");
        sqlx::query("UPDATE users SET disabled = 1 WHERE id = ?")
            .bind(user.id)
            .execute(users_pool(&users))
            .await
            .expect("disable");
        assert!(current_user(&session, &users).await.expect("read").is_none());
    }

    #[tokio::test]
    async fn a_credentials_change_ends_older_sessions() {
        let (_dir, users, user) = fixture().await;
        let session = new_session();
        log_in(&session, &user).await.expect("login");
        sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?")
            .bind(user.id)
            .execute(users_pool(&users))
            .await
            .expect("bump");
        assert!(current_user(&session, &users).await.expect("read").is_none());
    }

    fn users_pool(users: &UserStore) -> &sqlx::SqlitePool {
        users.pool()
    }
}
