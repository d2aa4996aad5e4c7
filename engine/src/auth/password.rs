//! Password parsing and argon2id hashing.

use std::fmt;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

/// Longest password accepted: bounds the hashing work an attacker can ask for.
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password is empty")]
    Empty,
    #[error("the password is longer than {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
    #[error("the stored password hash is not a valid argon2 hash: {0}")]
    BadHash(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// A password as typed by a user. Never printed: `Debug` hides it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: impl Into<String>) -> Result<Self, PasswordError> {
        let raw = raw.into();
        if raw.is_empty() {
            return Err(PasswordError::Empty);
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(raw))
    }

    fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Hashes with argon2id and a random salt into a PHC string (`$argon2id$v=19$…`).
pub fn hash(password: &Password) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Checks a password against a stored PHC string.
pub fn verify(password: &Password, phc: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(phc).map_err(|e| PasswordError::BadHash(e.to_string()))?;
    match Argon2::default().verify_password(password.expose(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(PasswordError::BadHash(e.to_string())),
    }
}

/// A valid hash of a password nobody knows: verifying against it when the user does not exist
/// makes a failed login take as long whether or not the name exists.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c291bmRjaGVja2RlY295$Qmq1dbtIWEC55cTl4hwmpLo+hOHjMnKIhnbDZqDm8iM"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let pw = Password::parse("correct horse battery staple").expect("valid");
        let a = hash(&pw).expect("hash");
        let b = hash(&pw).expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify(&pw, &a).expect("verify"));
        let wrong = Password::parse("correct horse battery stapler").expect("valid");
        assert!(!verify(&wrong, &a).expect("verify"));
    }

    #[test]
    fn the_hash_does_not_contain_the_password() {
        let pw = Password::parse("s3cret-value").expect("valid");
        assert!(!hash(&pw).expect("hash").contains("s3cret-value"));
    }

    #[test]
    fn rejects_empty_and_oversized_passwords() {
        assert_eq!(Password::parse("").err(), Some(PasswordError::Empty));
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(Password::parse(long).err(), Some(PasswordError::TooLong));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let pw = Password::parse("hunter2").expect("valid");
        assert_eq!(format!("{pw:?}"), "Password(***)");
    }

    #[test]
    fn garbage_hash_is_an_error_not_a_match() {
        let pw = Password::parse("x").expect("valid");
        assert!(verify(&pw, "not a hash").is_err());
    }

    #[test]
    fn decoy_hash_parses_and_matches_nothing_common() {
        let pw = Password::parse("password").expect("valid");
        assert!(!verify(&pw, decoy_hash()).expect("decoy parses"));
    }
}
