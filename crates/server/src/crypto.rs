//! Encryption at rest for children's sensitive personal information (PIPL art. 28): resident ID
//! numbers and health notes are sealed with XChaCha20-Poly1305 before they reach the database, bound
//! to their row and field (so a ciphertext cannot be moved to another child), and looked up by a
//! keyed blind index (HMAC-SHA256) instead of the plain number.
//!
//! The key comes from `TUOGUAN_DATA_KEY` (64 hex digits). Without it, a production server refuses to
//! start; a development server on SQLite keeps a generated key in `<database>.key` beside the file
//! (mode 0600) so the demo works out of the box.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of a sealed value: format version 1 = hex(nonce ‖ ciphertext).
const V1: &str = "v1:";

/// The data key, split into an encryption key and an index key.
#[derive(Clone)]
pub struct DataKey {
    cipher: XChaCha20Poly1305,
    index_key: [u8; 32],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// A sealed value could not be opened: wrong key, tampered, or moved to another row.
#[derive(Debug, thiserror::Error)]
#[error("sealed value cannot be opened")]
pub struct OpenError;

/// HMAC-SHA256 (RFC 2104).
fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

impl DataKey {
    /// Derives the two working keys from a 32-byte master key.
    pub fn from_master(master: &[u8; 32]) -> DataKey {
        let enc = hmac(master, &[b"tuoguan encryption v1"]);
        let index_key = hmac(master, &[b"tuoguan blind index v1"]);
        DataKey {
            cipher: XChaCha20Poly1305::new(&enc.into()),
            index_key,
        }
    }

    /// Parses 64 hex digits.
    pub fn from_hex(hex_key: &str) -> anyhow::Result<DataKey> {
        let bytes =
            hex::decode(hex_key.trim()).context("TUOGUAN_DATA_KEY must be 64 hex digits")?;
        let master: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("TUOGUAN_DATA_KEY must be 64 hex digits (32 bytes)"))?;
        Ok(DataKey::from_master(&master))
    }

    /// Seals `plaintext` for the field `aad` (e.g. `"children.id_number:<child id>"`).
    pub fn seal(&self, aad: &str, plaintext: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: aad.as_bytes(),
        };
        let ct = self
            .cipher
            .encrypt(&XNonce::from(nonce), payload)
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = Vec::with_capacity(24 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(format!("{V1}{}", hex::encode(out)))
    }

    /// Opens a value sealed for the same `aad`.
    pub fn open(&self, aad: &str, sealed: &str) -> Result<String, OpenError> {
        let raw = sealed
            .strip_prefix(V1)
            .and_then(|h| hex::decode(h).ok())
            .ok_or(OpenError)?;
        if raw.len() < 24 + 16 {
            return Err(OpenError);
        }
        let (nonce, ct) = raw.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| OpenError)?;
        let pt = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| OpenError)?;
        String::from_utf8(pt).map_err(|_| OpenError)
    }

    /// A stable, keyed fingerprint of `value` of a given `kind` (equal values → equal index), to find
    /// duplicates and look up by ID number without storing or comparing the number itself.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        hex::encode(hmac(
            &self.index_key,
            &[kind.as_bytes(), b"\0", value.as_bytes()],
        ))
    }
}

/// Where a development key is kept for a SQLite database URL.
fn key_file_for(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(format!("{path}.key")))
}

fn read_or_create(file: &Path) -> anyhow::Result<DataKey> {
    if let Ok(text) = std::fs::read_to_string(file) {
        return DataKey::from_hex(&text)
            .with_context(|| format!("{} is not a valid key file", file.display()));
    }
    let mut master = [0u8; 32];
    rand::rng().fill_bytes(&mut master);
    std::fs::write(file, hex::encode(master))
        .with_context(|| format!("cannot write {}", file.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    }
    tracing::warn!(file = %file.display(), "no TUOGUAN_DATA_KEY: generated a development data key beside the database");
    Ok(DataKey::from_master(&master))
}

/// The data key for this configuration (see the module documentation).
pub fn load(key: Option<&str>, production: bool, database_url: &str) -> anyhow::Result<DataKey> {
    match (key.filter(|k| !k.trim().is_empty()), production) {
        (Some(k), _) => DataKey::from_hex(k),
        (None, true) => bail!(
            "TUOGUAN_DATA_KEY is required in production (TUOGUAN_PRODUCTION=true): refusing to start"
        ),
        (None, false) => match key_file_for(database_url) {
            Some(file) => read_or_create(&file),
            None => {
                bail!("TUOGUAN_DATA_KEY is required with a PostgreSQL database: set 64 hex digits")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_master(&[7u8; 32])
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_field() {
        let k = key();
        let a = k
            .seal("children.id_number:c1", "11010519491231002X")
            .unwrap();
        let b = k
            .seal("children.id_number:c1", "11010519491231002X")
            .unwrap();
        assert_ne!(a, b, "a fresh nonce every time");
        assert!(!a.contains("11010519491231002X"));
        assert_eq!(
            k.open("children.id_number:c1", &a).unwrap(),
            "11010519491231002X"
        );
        assert!(
            k.open("children.id_number:c2", &a).is_err(),
            "bound to its row"
        );
        assert!(
            DataKey::from_master(&[8u8; 32])
                .open("children.id_number:c1", &a)
                .is_err(),
            "wrong key"
        );
        let mut tampered = a.clone();
        tampered.replace_range(a.len() - 2.., if a.ends_with("00") { "01" } else { "00" });
        assert!(
            k.open("children.id_number:c1", &tampered).is_err(),
            "tampering is detected"
        );
        assert!(k.open("x", "plain text").is_err());
    }

    #[test]
    fn the_blind_index_is_stable_keyed_and_kind_separated() {
        let k = key();
        assert_eq!(
            k.blind_index("id", "11010519491231002X"),
            k.blind_index("id", "11010519491231002X")
        );
        assert_ne!(
            k.blind_index("id", "11010519491231002X"),
            k.blind_index("phone", "11010519491231002X")
        );
        assert_ne!(
            k.blind_index("id", "11010519491231002X"),
            DataKey::from_master(&[8u8; 32]).blind_index("id", "11010519491231002X")
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn keys_come_from_configuration_or_a_development_file() {
        assert!(
            load(None, true, "sqlite://x.db")
                .unwrap_err()
                .to_string()
                .contains("required in production")
        );
        assert!(load(Some("abc"), false, "sqlite://x.db").is_err());
        assert!(load(None, false, "postgres://u@h/db").is_err());
        let db = std::env::temp_dir().join(format!("tuoguan-key-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}", db.display());
        let first = load(None, false, &url).unwrap();
        let sealed = first.seal("f", "secret").unwrap();
        let again = load(None, false, &url).unwrap();
        assert_eq!(
            again.open("f", &sealed).unwrap(),
            "secret",
            "the same key after a restart"
        );
        let _ = std::fs::remove_file(format!("{}.key", db.display()));
        assert!(load(Some(&"ab".repeat(32)), true, "postgres://u@h/db").is_ok());
    }
}
