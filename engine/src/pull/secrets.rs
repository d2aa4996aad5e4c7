//! Sealing stored API secrets. The key comes from configuration (`SOUNDCHECK_SECRET_KEY`); the
//! database holds only nonce ‖ ciphertext, so a copy of the database file alone reveals no token.

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;
/// A shorter key is refused: the secret key is the only thing between the database file and the
/// tokens it holds.
pub const MIN_KEY_CHARS: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error(
        "no secret key is configured (SOUNDCHECK_SECRET_KEY): API tokens cannot be stored or read without it"
    )]
    NoKey,
    #[error("the secret key must have at least {MIN_KEY_CHARS} characters")]
    KeyTooShort,
    #[error("a stored secret cannot be opened: the secret key changed, or the data was altered")]
    Tampered,
}

/// The key that seals and opens stored secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Derives the cipher key from the configured secret (SHA-256 of its bytes: the secret is
    /// meant to be long and random, not a password).
    pub fn from_key(key: Option<&str>) -> Result<Self, SecretError> {
        let key = key.ok_or(SecretError::NoKey)?;
        if key.chars().count() < MIN_KEY_CHARS {
            return Err(SecretError::KeyTooShort);
        }
        let digest = Sha256::digest(key.as_bytes());
        let cipher = XChaCha20Poly1305::new_from_slice(&digest).map_err(|_| SecretError::KeyTooShort)?;
        Ok(Self { cipher })
    }

    /// `context` (the source id) is bound to the result: it must be given again to open it.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        // Encryption with a fresh nonce and an in-memory buffer cannot fail.
        let sealed = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: context.as_bytes() })
            .unwrap_or_default();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Tampered);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| SecretError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a-long-random-secret-key-for-tests-0123456789";

    #[test]
    fn sealed_secrets_open_with_the_same_key_and_context_only() {
        let sb = SecretBox::from_key(Some(KEY)).expect("key");
        let sealed = sb.seal(b"refresh-token-value", "youtube");
        assert!(!sealed.windows(5).any(|w| w == b"token"), "no plaintext in the sealed bytes");
        assert_eq!(sb.open(&sealed, "youtube").expect("open"), b"refresh-token-value");
        assert_eq!(sb.open(&sealed, "tiktok"), Err(SecretError::Tampered));
        let other = SecretBox::from_key(Some("another-long-random-secret-key-0123456789")).expect("key");
        assert_eq!(other.open(&sealed, "youtube"), Err(SecretError::Tampered));
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(sb.open(&altered, "youtube"), Err(SecretError::Tampered));
        assert_eq!(sb.open(&[1, 2, 3], "youtube"), Err(SecretError::Tampered));
        // Two seals of the same secret differ (fresh nonces).
        assert_ne!(sb.seal(b"x", "youtube"), sb.seal(b"x", "youtube"));
    }

    #[test]
    fn a_missing_or_short_key_is_refused() {
        assert_eq!(SecretBox::from_key(None).err(), Some(SecretError::NoKey));
        assert_eq!(SecretBox::from_key(Some("short")).err(), Some(SecretError::KeyTooShort));
    }
}
