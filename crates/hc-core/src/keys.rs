//! Secrets and identifiers in healthchecks' formats: API keys (`hcw_`/`hcr_` + 28
//! characters, stored as a prefix plus an HMAC), ping keys, check `unique_key`s, and
//! password hashes (argon2).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::distributions::Alphanumeric;
use rand::{Rng, RngCore};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// A fresh lower-case UUID v4 string.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `len` random letters and digits.
pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Random bytes as URL-safe base64 without `-` or `_`, retried until clean, as
/// healthchecks does so keys are easy to double-click and copy.
fn clean_base64(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    loop {
        rand::thread_rng().fill_bytes(&mut bytes);
        let s = URL_SAFE_NO_PAD.encode(&bytes);
        if !s.contains(['-', '_']) {
            return s;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    ReadWrite,
    ReadOnly,
}

impl KeyKind {
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::ReadWrite => "hcw_",
            KeyKind::ReadOnly => "hcr_",
        }
    }
}

/// A new API key: what the user sees once, and what the database keeps.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub shown: String,
    pub stored: String,
}

pub fn new_api_key(kind: KeyKind, secret_key: &str) -> NewApiKey {
    let shown = format!("{}{}", kind.prefix(), clean_base64(21));
    let stored = stored_api_key(&shown, secret_key);
    NewApiKey { shown, stored }
}

/// `<first 8 characters of the secret>.<hex HMAC-SHA256(SECRET_KEY, full key)>`.
pub fn stored_api_key(full_key: &str, secret_key: &str) -> String {
    let prefix = lookup_prefix(full_key).unwrap_or_default();
    format!("{prefix}.{}", hmac_hex(secret_key, full_key))
}

/// The part of a presented `hcw_`/`hcr_` key used to find candidate projects.
pub fn lookup_prefix(full_key: &str) -> Option<&str> {
    full_key.get(4..12)
}

/// Does a presented key match what is stored? Hashed values are compared by HMAC,
/// legacy 32-character plaintext keys directly; both in constant time.
pub fn api_key_matches(stored: &str, presented: &str, secret_key: &str) -> bool {
    if stored.is_empty() {
        return false;
    }
    match stored.split_once('.') {
        Some((_, mac)) => {
            let is_new_format = presented.starts_with("hcw_") || presented.starts_with("hcr_");
            is_new_format
                && bool::from(
                    mac.as_bytes()
                        .ct_eq(hmac_hex(secret_key, presented).as_bytes()),
                )
        }
        None => bool::from(stored.as_bytes().ct_eq(presented.as_bytes())),
    }
}

/// Hex HMAC-SHA256 of `message` under `secret_key`.
pub fn hmac_hex(secret_key: &str, message: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Hex SHA-256, the stored form of one-time secrets (session keys, login links).
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time string equality, for comparing presented secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A project's ping key: 22 characters of `[a-z0-9]`.
pub fn new_ping_key() -> String {
    clean_base64(16).to_lowercase()
}

/// SHA-1 hex of the first 16 hex digits of the UUID (dashes removed): healthchecks'
/// stable, non-secret check identifier for read-only API answers.
pub fn unique_key(code: &str) -> String {
    let digits: String = code.chars().filter(|c| *c != '-').take(16).collect();
    hex::encode(Sha1::digest(digits.as_bytes()))
}

/// An argon2id hash in PHC string format.
pub fn hash_password(password: &str) -> Result<String, crate::Error> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| crate::Error::invalid(format!("cannot hash password: {e}")))
}

/// False for unusable (empty) and unparseable hashes.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn api_keys_have_healthchecks_format() {
        let key = new_api_key(KeyKind::ReadWrite, "s3cret");
        assert_eq!(key.shown.len(), 32);
        assert!(key.shown.starts_with("hcw_"));
        assert!(key.shown[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        let (prefix, mac) = key.stored.split_once('.').unwrap();
        assert_eq!(prefix, &key.shown[4..12]);
        assert_eq!(mac.len(), 64);
        assert!(api_key_matches(&key.stored, &key.shown, "s3cret"));
        assert!(!api_key_matches(&key.stored, &key.shown, "other secret"));
        let ro = new_api_key(KeyKind::ReadOnly, "s3cret");
        assert!(ro.shown.starts_with("hcr_"));
        assert!(!api_key_matches(&key.stored, &ro.shown, "s3cret"));
    }

    #[test]
    fn hmac_matches_a_known_vector() {
        assert_eq!(
            hmac_hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn legacy_plaintext_keys_match_exactly() {
        let legacy = "abcdefghijklmnopqrstuvwxyz012345";
        assert!(api_key_matches(legacy, legacy, "s"));
        assert!(!api_key_matches(
            legacy,
            "abcdefghijklmnopqrstuvwxyz012346",
            "s"
        ));
        assert!(!api_key_matches("", "", "s"));
        // A hashed stored value never matches a presented legacy-looking key.
        assert!(!api_key_matches("abcdefgh.00", legacy, "s"));
    }

    #[test]
    fn ping_keys_are_22_lower_case_alphanumerics() {
        for _ in 0..50 {
            let k = new_ping_key();
            assert_eq!(k.len(), 22);
            assert!(k
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        }
    }

    #[test]
    fn unique_key_is_sha1_of_the_first_16_hex_digits() {
        // python: hashlib.sha1(b"6f0c1b2a3d4e4f50").hexdigest()
        assert_eq!(
            unique_key("6f0c1b2a-3d4e-4f50-8a9b-0c1d2e3f4a5b"),
            "d73e7eb91c4be6bac182ec88027cd1f8588117e9"
        );
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("", ""));
    }
}
