//! Argon2id on a bounded pool. Hashing is CPU- and memory-heavy (19 MiB each):
//! at most one hash per core runs at once, a bounded queue waits, and beyond it
//! callers get `Busy` (503 with Retry-After) instead of piling up threads — an
//! unbounded pool was measured here to collapse to a third of the throughput.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// DESIGN.md's parameters: m = 19456 KiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing queue is full")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// A job for the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

pub struct Hasher {
    /// Feeds a fixed set of OS threads. Argon2 allocates 19 MiB per hash and the
    /// allocator keeps it per thread: hashing on the general blocking pool (which
    /// grows to hundreds of threads) let memory climb without bound; a fixed set
    /// of threads keeps it at one working block per core.
    jobs: std::sync::mpsc::Sender<Job>,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Verified against when the phone is unknown, so the answer and its timing
    /// do not tell which phones are registered.
    dummy: String,
}

impl Hasher {
    pub fn new(concurrency: usize, max_waiting: usize) -> Self {
        let dummy = argon2()
            .hash_password(b"crane-dummy-password-for-unknown-phones")
            .expect("hashing the dummy password")
            .to_string();
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..concurrency.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        Self {
            jobs,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting,
            dummy,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        }
        let permit = self.slots.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let permit = permit.map_err(|e| HashError::Failed(e.to_string()))?;
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let out = work();
                drop(permit);
                let _ = done.send(out);
            }))
            .map_err(|_| HashError::Failed("hashing threads stopped".into()))?;
        result.await.map_err(|e| HashError::Failed(e.to_string()))
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| HashError::Failed(e.to_string()))
    }

    /// Checks a password; with no stored hash, checks the dummy and says no.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy.clone());
        let ok = self
            .run(move || {
                argon2()
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok()
            })
            .await?;
        Ok(ok && known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = Hasher::new(1, 4);
        let stored = h.hash("Sếu đầu đỏ 2024".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            h.verify("Sếu đầu đỏ 2024".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !h.verify("sếu đầu đỏ 2024".into(), Some(stored))
                .await
                .unwrap()
        );
        assert!(
            !h.verify("crane-dummy-password-for-unknown-phones".into(), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn beyond_the_queue_callers_are_told_to_come_back() {
        let h = Arc::new(Hasher::new(1, 2));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move { h.hash("mật khẩu dài".into()).await })
            })
            .collect();
        let mut busy = 0;
        for t in tasks {
            if matches!(t.await.unwrap(), Err(HashError::Busy)) {
                busy += 1;
            }
        }
        assert!(
            busy > 0,
            "12 concurrent hashes through 1 slot and a queue of 2 must refuse some"
        );
    }
}
