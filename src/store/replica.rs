//! Reads that tolerate a second of lag, on a PostgreSQL streaming replica
//! (`database.read_url`).
//!
//! A monitor asks both servers every 200 ms how far the replica has replayed
//! the primary's WAL. The replica serves the lag-tolerant routes only while
//! it answers and is less than `database.max_lag_seconds` behind; otherwise,
//! and until it is again, those routes read from the primary. Lag is time,
//! not bytes: the time since the primary was at the position the replica has
//! replayed to (a replica that has replayed everything the primary had at
//! the last look is not behind, however idle the primary).

use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(200);
const QUERY_TIMEOUT: Duration = Duration::from_secs(1);

/// The replica's pool and the monitor's verdict.
#[derive(Debug)]
pub struct Replica {
    pub conn: DatabaseConnection,
    usable: AtomicBool,
    /// The last measured lag in milliseconds; -1 when unknown (down).
    lag_ms: AtomicI64,
}

impl Replica {
    pub fn new(conn: DatabaseConnection) -> Self {
        Self {
            conn,
            usable: AtomicBool::new(false),
            lag_ms: AtomicI64::new(-1),
        }
    }

    pub fn usable(&self) -> bool {
        self.usable.load(Ordering::Acquire)
    }

    pub fn lag_ms(&self) -> i64 {
        self.lag_ms.load(Ordering::Acquire)
    }

    fn set(&self, lag: Option<Duration>, max_lag: Duration) {
        let ms = lag.map_or(-1, |l| i64::try_from(l.as_millis()).unwrap_or(i64::MAX));
        self.lag_ms.store(ms, Ordering::Release);
        let usable = lag.is_some_and(|l| l <= max_lag);
        let was = self.usable.swap(usable, Ordering::AcqRel);
        if was != usable {
            if usable {
                tracing::info!(lag_ms = ms, "the replica serves lag-tolerant reads again");
            } else {
                tracing::warn!(
                    lag_ms = ms,
                    "the replica is down or behind: lag-tolerant reads go to the primary"
                );
            }
        }
        metrics::gauge!("crane_replica_usable").set(f64::from(u8::from(usable)));
        metrics::gauge!("crane_replica_lag_seconds").set(ms as f64 / 1e3);
    }
}

/// A PostgreSQL LSN, `16/B374D848`, as a number.
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.trim().split_once('/')?;
    let high = u64::from_str_radix(high, 16).ok()?;
    let low = u64::from_str_radix(low, 16).ok()?;
    (high <= u64::from(u32::MAX) && low <= u64::from(u32::MAX)).then_some((high << 32) | low)
}

/// Where the primary's WAL stood, and when: the replica's lag is the age of
/// the newest look at the primary that its replay position has reached.
#[derive(Debug, Default)]
pub struct LagTracker {
    seen: VecDeque<(Instant, u64)>,
}

impl LagTracker {
    /// Records the primary's position at `now` and measures a replica that
    /// has replayed up to `replayed`. None: further behind than any look kept
    /// (`window`).
    pub fn lag(
        &mut self,
        now: Instant,
        primary: u64,
        replayed: u64,
        window: Duration,
    ) -> Option<Duration> {
        self.seen.push_back((now, primary));
        while self
            .seen
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > window)
        {
            self.seen.pop_front();
        }
        self.seen
            .iter()
            .rev()
            .find(|(_, lsn)| *lsn <= replayed)
            .map(|(t, _)| now.duration_since(*t))
    }
}

async fn text(conn: &DatabaseConnection, sql: &str) -> Option<String> {
    let stmt = sea_orm::Statement::from_string(conn.get_database_backend(), sql);
    let row = tokio::time::timeout(QUERY_TIMEOUT, conn.query_one_raw(stmt))
        .await
        .ok()?
        .ok()??;
    row.try_get_by_index::<Option<String>>(0).ok().flatten()
}

/// Watches the replica until the process ends.
pub fn spawn_monitor(primary: DatabaseConnection, replica: Arc<Replica>, max_lag: Duration) {
    tokio::spawn(async move {
        let mut tracker = LagTracker::default();
        let window = (max_lag * 3).max(Duration::from_secs(10));
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let primary_at = text(&primary, "SELECT pg_current_wal_lsn()::text").await;
            let replica_at = text(
                &replica.conn,
                "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text ELSE 'primary' END",
            )
            .await;
            let lag = match (
                primary_at.as_deref().and_then(parse_lsn),
                replica_at.as_deref(),
            ) {
                // A server that is not replaying (read_url naming a primary,
                // or a replica promoted) is never behind.
                (_, Some("primary")) => Some(Duration::ZERO),
                (Some(p), Some(r)) => {
                    parse_lsn(r).and_then(|r| tracker.lag(Instant::now(), p, r, window))
                }
                _ => None,
            };
            replica.set(lag, max_lag);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsns_read_as_numbers() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert!(parse_lsn("16/B374D848").unwrap() > parse_lsn("15/FFFFFFFF").unwrap());
        assert_eq!(parse_lsn("nonsense"), None);
        assert_eq!(parse_lsn(""), None);
    }

    #[test]
    fn a_replica_that_has_replayed_the_latest_position_is_not_behind() {
        let mut t = LagTracker::default();
        let start = Instant::now();
        let w = Duration::from_secs(10);
        assert_eq!(t.lag(start, 100, 100, w), Some(Duration::ZERO));
        // An idle primary: nothing new, however long.
        let later = start + Duration::from_secs(30);
        assert_eq!(t.lag(later, 100, 100, w), Some(Duration::ZERO));
    }

    #[test]
    fn lag_is_the_age_of_the_newest_position_replayed() {
        let mut t = LagTracker::default();
        let s = Instant::now();
        let w = Duration::from_secs(10);
        let ms = Duration::from_millis;
        t.lag(s, 100, 100, w);
        t.lag(s + ms(200), 200, 100, w);
        t.lag(s + ms(400), 300, 150, w);
        // Replayed up to 250: the primary was past that from 400 ms on, at or
        // before it at 200 ms: 1,000 ms − 200 ms behind.
        assert_eq!(t.lag(s + ms(1000), 400, 250, w), Some(ms(800)));
        // Replay paused: the lag grows with the clock.
        assert_eq!(t.lag(s + ms(3000), 500, 250, w), Some(ms(2800)));
        // Further back than the window: unknown, so behind.
        assert_eq!(t.lag(s + ms(20_000), 600, 250, w), None);
    }
}
