//! argon2id password hashing, run on the blocking pool and limited to one hash per core, so a burst
//! of sign-ins neither stalls the async runtime nor exhausts memory.

use std::sync::Arc;

use anyhow::anyhow;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

/// Hashes and verifies passwords.
#[derive(Clone, Debug)]
pub struct Hasher {
    params: Params,
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// Production parameters (argon2id, 19 MiB, t=2 — the OWASP minimum), or cheap ones for tests.
    pub fn new(fast: bool) -> Hasher {
        let params = if fast {
            Params::new(Params::MIN_M_COST.max(256), 1, 1, None)
        } else {
            Params::new(Params::DEFAULT_M_COST, Params::DEFAULT_T_COST, 1, None)
        }
        .unwrap_or(Params::DEFAULT);
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Hasher {
            params,
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string for `password`.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        let argon = self.argon();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            argon
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| anyhow!("password hashing failed: {e}"))
        })
        .await?
    }

    /// True when `password` matches the stored PHC string; false for a malformed one.
    pub async fn verify(&self, password: &str, phc: &str) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        let argon = self.argon();
        let password = password.to_owned();
        let phc = phc.to_owned();
        Ok(
            tokio::task::spawn_blocking(move || match PasswordHash::new(&phc) {
                Ok(h) => argon.verify_password(password.as_bytes(), &h).is_ok(),
                Err(_) => false,
            })
            .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = Hasher::new(true);
        let phc = h.hash("correct horse").await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify("correct horse", &phc).await.unwrap());
        assert!(!h.verify("wrong horse", &phc).await.unwrap());
        assert!(!h.verify("x", "not a hash").await.unwrap());
    }
}
