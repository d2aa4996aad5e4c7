//! Users, passwords and sessions.
//!
//! Passwords exist only as argon2id hashes. A session holds the user's id and the user's
//! session epoch; [`session::current_user`] re-reads the user on every request, so disabling a
//! user or resetting a password takes effect at once.

pub mod password;
pub mod session;
pub mod users;

pub use password::{Password, PasswordError};
pub use session::{SessionError, current_user, log_in, log_out};
pub use users::{User, UserError, UserName, UserStore};
