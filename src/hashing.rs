//! Argon2id on a bounded pool. Hashing is CPU- and memory-heavy (19 MiB each):
//! at most one hash per core runs at once, a bounded queue waits, and beyond it
//! callers get `Busy` (503 with Retry-After) instead of piling up threads — an
//! unbounded pool was measured here to collapse to a third of the throughput.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordVerifier, Version};
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

const M_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;

/// The parameters docs/design.md states: m = 19456 KiB, t = 2, p = 1.
fn params() -> Params {
    Params::new(M_KIB, T_COST, P_COST, Some(OUTPUT_LEN))
        .expect("constant Argon2 parameters are valid")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

thread_local! {
    /// Each hashing thread keeps its 19 MiB of Argon2 blocks for good, instead
    /// of allocating and freeing them for every hash (which the allocator keeps
    /// anyway, in ever more fragments).
    static BLOCKS: RefCell<Vec<Block>> = RefCell::new(vec![Block::default(); M_KIB as usize]);
}

fn raw_hash(password: &[u8], salt: &[u8]) -> Result<[u8; OUTPUT_LEN], String> {
    let mut out = [0u8; OUTPUT_LEN];
    BLOCKS
        .with(|b| {
            argon2().hash_password_into_with_memory(password, salt, &mut out, &mut *b.borrow_mut())
        })
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for a new password.
fn hash_phc(password: &[u8]) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let out = raw_hash(password, &salt)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(0x13),
        params: ParamsString::try_from(&params()).map_err(|e| e.to_string())?,
        salt: Some(Salt::new(&salt).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// The hash of an account no password opens (signed in through a citizen
/// app): a well-formed PHC string whose output is random bytes, so no
/// password hashes to it, and no hashing slot is spent making it. The person
/// can set a password later with an SMS code (`POST /auth/reset`).
pub fn unusable_hash() -> String {
    let mut salt = [0u8; 16];
    let mut out = [0u8; OUTPUT_LEN];
    rand::fill(&mut salt);
    rand::fill(&mut out);
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(0x13),
        params: ParamsString::try_from(&params()).expect("constant Argon2 parameters"),
        salt: Some(Salt::new(&salt).expect("16 bytes make a salt")),
        hash: Some(Output::new(&out).expect("32 bytes make an output")),
    };
    phc.to_string()
}

/// Checks a password against a PHC string; hashes with our parameters reuse
/// the thread's blocks, any other (older) parameters take the general path.
fn verify_phc(password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let ours = parsed.algorithm == argon2::ARGON2ID_IDENT
        && Params::try_from(&parsed)
            .is_ok_and(|p| p.m_cost() == M_KIB && p.t_cost() == T_COST && p.p_cost() == P_COST);
    match (ours, &parsed.salt, &parsed.hash) {
        (true, Some(salt), Some(expected)) if expected.len() == OUTPUT_LEN => {
            match raw_hash(password, salt) {
                // Constant-time comparison: every byte is looked at.
                Ok(out) => {
                    out.iter()
                        .zip(expected.as_bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
                }
                Err(_) => false,
            }
        }
        _ => argon2().verify_password(password, stored).is_ok(),
    }
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
        let dummy = hash_phc(b"crane-dummy-password-for-unknown-phones")
            .expect("hashing the dummy password");
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
        self.run(move || hash_phc(password.as_bytes()))
            .await?
            .map_err(HashError::Failed)
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
            .run(move || verify_phc(password.as_bytes(), &hash))
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

    #[test]
    fn our_hashes_are_standard_phc_strings_both_ways() {
        use argon2::PasswordHasher;
        let ours = hash_phc(b"m\xe1\xba\xadt kh\xe1\xba\xa9u").unwrap();
        assert!(
            argon2()
                .verify_password("mật khẩu".as_bytes(), ours.as_str())
                .is_ok()
        );
        let theirs = argon2()
            .hash_password("mật khẩu".as_bytes())
            .unwrap()
            .to_string();
        assert!(verify_phc("mật khẩu".as_bytes(), &theirs));
        assert!(!verify_phc("mật khẩu!".as_bytes(), &theirs));
        assert!(!verify_phc(b"x", "not a phc string"));
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
