//! argon2id password hashing on a small pool of dedicated threads (one per core). Each thread
//! hashes into one block buffer it keeps and reuses, so a burst of sign-ins neither stalls the
//! async runtime nor grows memory: letting argon2 allocate 19 MiB per call left hundreds of MB in
//! the allocator's arenas (measured: 477 MB resident after a 50-client burst).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use anyhow::{Context, anyhow};
use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::RngCore;
use tokio::sync::oneshot;

/// A hashing thread's reusable memory.
struct Worker {
    blocks: Vec<Block>,
}

impl Worker {
    /// `out` ← argon2(`password`, `salt`) with the given parameters, in this thread's buffer.
    fn run(
        &mut self,
        alg: Algorithm,
        version: Version,
        params: Params,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> anyhow::Result<()> {
        let needed = params.block_count();
        if self.blocks.len() < needed {
            self.blocks.resize(needed, Block::new());
        }
        Argon2::new(alg, version, params)
            .hash_password_into_with_memory(password, salt, out, &mut self.blocks[..needed])
            .map_err(|e| anyhow!("argon2: {e}"))
    }
}

type Job = Box<dyn FnOnce(&mut Worker) + Send>;

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    params: Params,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
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
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut worker = Worker { blocks: Vec::new() };
                    loop {
                        // The lock is held only to take the next job; a closed channel (every Hasher
                        // dropped) or a poisoned lock ends the thread.
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut worker),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Hasher { jobs: tx, params }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Worker) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |w| {
            let _ = tx.send(f(w));
        });
        self.jobs
            .send(job)
            .map_err(|_| anyhow!("password hashing pool stopped"))?;
        rx.await.map_err(|_| anyhow!("password hashing job lost"))
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        let params = self.params.clone();
        self.run(move |w| {
            let mut salt = [0u8; 16];
            rand::rng().fill_bytes(&mut salt);
            let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
            w.run(
                Algorithm::Argon2id,
                Version::V0x13,
                params.clone(),
                password.as_bytes(),
                &salt,
                &mut out,
            )?;
            let phc = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params).map_err(|e| anyhow!("{e}"))?,
                salt: Some(Salt::new(&salt).map_err(|e| anyhow!("{e}"))?),
                hash: Some(Output::new(&out).map_err(|e| anyhow!("{e}"))?),
            };
            Ok(phc.to_string())
        })
        .await?
    }

    /// True when `password` matches the stored PHC string (with the parameters stored in it);
    /// false for a malformed one.
    pub async fn verify(&self, password: &str, phc: &str) -> anyhow::Result<bool> {
        let password = password.to_owned();
        let phc = phc.to_owned();
        self.run(move |w| {
            let Ok(h) = PasswordHash::new(&phc) else {
                return Ok(false);
            };
            let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
                return Ok(false);
            };
            let alg = Algorithm::try_from(h.algorithm.as_str()).context("algorithm")?;
            let version = Version::try_from(h.version.unwrap_or(0x13)).context("version")?;
            let params = Params::try_from(&h).map_err(|e| anyhow!("{e}"))?;
            let mut out = vec![0u8; expected.len()];
            w.run(
                alg,
                version,
                params,
                password.as_bytes(),
                salt.as_ref(),
                &mut out,
            )?;
            // Constant-time comparison.
            let diff = out
                .iter()
                .zip(expected.as_bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b));
            Ok(diff == 0)
        })
        .await?
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

    #[tokio::test]
    async fn hashes_are_standard_phc_strings_both_ways() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let ours = Hasher::new(true);
        let phc = ours.hash("Tuoguan#2026").await.unwrap();
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"Tuoguan#2026", &parsed)
                .is_ok(),
            "the argon2 crate accepts ours"
        );
        let theirs = Argon2::default()
            .hash_password(b"Tuoguan#2026")
            .unwrap()
            .to_string();
        assert!(
            ours.verify("Tuoguan#2026", &theirs).await.unwrap(),
            "we accept the argon2 crate's"
        );
        assert!(!ours.verify("tuoguan#2026", &theirs).await.unwrap());
    }
}
