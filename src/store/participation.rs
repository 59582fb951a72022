//! How many people have taken part in each published contest (started an
//! attempt), for the home page's live count: one grouped count over the attempts index,
//! kept 30 seconds. A stale figure is answered at once while one request
//! counts again in the background, so no page ever waits for the count but
//! the very first.

use super::{Db, col};
use anyhow::Context;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a count is shown before it is counted again.
const FRESH: Duration = Duration::from_secs(30);

type Counts = Arc<HashMap<String, i64>>;

#[derive(Clone, Default)]
pub struct Participation {
    kept: Arc<Mutex<Option<(Instant, Counts)>>>,
    counting: Arc<AtomicBool>,
}

impl Participation {
    /// People per contest id.
    pub async fn counts(&self, db: &Db) -> anyhow::Result<Counts> {
        let kept = self.kept.lock().map(|k| k.clone()).unwrap_or(None);
        match kept {
            Some((at, counts)) if at.elapsed() < FRESH => Ok(counts),
            Some((_, counts)) => {
                if !self.counting.swap(true, Ordering::AcqRel) {
                    let (me, db) = (self.clone(), db.clone());
                    tokio::spawn(async move {
                        if let Err(e) = me.count(&db).await {
                            tracing::warn!(error = %format!("{e:#}"), "counting participants");
                        }
                        me.counting.store(false, Ordering::Release);
                    });
                }
                Ok(counts)
            }
            None => self.count(db).await,
        }
    }

    async fn count(&self, db: &Db) -> anyhow::Result<Counts> {
        let rows = db
            .conn
            .query_all_raw(db.stmt(
                // Published contests only: a finalized one's count no longer
                // changes and is not shown, and its attempts (up to millions)
                // need not be counted again every 30 seconds.
                "SELECT a.contest_id, COUNT(DISTINCT a.user_id) AS people
                 FROM attempts a JOIN contests c ON c.id = a.contest_id
                 WHERE c.state = 'published'
                 GROUP BY a.contest_id",
                [],
            ))
            .await
            .context("counting participants")?;
        let mut counts = HashMap::with_capacity(rows.len());
        for row in rows {
            counts.insert(
                col::<String>(&row, "contest_id")?,
                col::<i64>(&row, "people")?,
            );
        }
        let counts = Arc::new(counts);
        if let Ok(mut kept) = self.kept.lock() {
            *kept = Some((Instant::now(), counts.clone()));
        }
        Ok(counts)
    }
}
