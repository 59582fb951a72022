//! Queries and transactions per aggregate. Functions take domain types and
//! return domain types; SQL stays in this module.
//!
//! Plain reads and writes go through the sea-orm entities (`crate::entities`).
//! The few statements a benchmark showed need it are hand-written, each with a
//! `hand-written:` comment saying why; their SQL is the subset SQLite and
//! PostgreSQL share, with `$1`-style parameters (both drivers accept them), so
//! one text serves both backends. [`Db::stmt`] builds those statements and
//! `values_list` / `in_list` their placeholder lists.

pub mod attempts;
pub mod audit;
pub mod backup;
pub mod contests;
mod error;
pub mod identities;
pub mod organisations;
pub mod participation;
pub mod phone_codes;
pub mod replica;
pub mod results;
pub mod sessions;
pub mod stats;
pub mod users;
pub mod writes;

pub use error::{StoreError, StoreResult};

use crate::settings::Settings;
use anyhow::Context;
use sea_orm::error::ConnAcquireErr;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, QueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    Value,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The database handle shared by all requests.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite has one writer at a time. Writers of this process queue here, in
    /// arrival order, instead of in SQLite's busy handler, which sleeps and
    /// retries (1, 2, 5, … 100 ms): under a submit storm that made a few
    /// unlucky requests wait seconds while the lock sat idle between sleeps.
    /// None on PostgreSQL, whose writers run concurrently.
    writer: Option<Arc<Semaphore>>,
    writer_wait: Duration,
    /// The replica of `database.read_url`, if any (see [`Db::lagging`]).
    replica: Option<Arc<replica::Replica>>,
    /// The queue of this database's writer of attempts (group commit, see
    /// [`writes`]). None on the writer's own handle and on replica handles.
    writes: Option<writes::Writes>,
}

/// A turn at writing: held until the transaction is committed or dropped.
#[must_use = "the turn must be held for the whole transaction"]
pub struct WriteTurn {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Db {
    /// Connects with the durability settings results need: on SQLite, WAL with
    /// `synchronous = FULL`, foreign keys on and a busy timeout.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let url = settings.database_url.clone();
        if let Some(path) = sqlite_path(&url)
            && let Some(parent) = std::path::Path::new(&path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let busy = Duration::from_millis(settings.database.busy_timeout_ms);
        let options = |connections: u32, cache_kib: i64, autocheckpoint: bool| {
            let mut opts = ConnectOptions::new(url.clone());
            opts.max_connections(connections)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(
                    settings.database.acquire_timeout_seconds,
                ))
                .sqlx_logging(false)
                .map_sqlx_sqlite_opts(move |o| {
                    let o = o
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Full)
                        .busy_timeout(busy)
                        .foreign_keys(true)
                        .create_if_missing(true);
                    // Negative: a size in KiB (SQLite's default is 2,000 KiB).
                    let o = if cache_kib > 0 {
                        o.pragma("cache_size", format!("-{cache_kib}"))
                    } else {
                        o
                    };
                    if autocheckpoint {
                        o
                    } else {
                        o.pragma("wal_autocheckpoint", "0")
                    }
                });
            opts
        };
        let conn = Database::connect(options(settings.pool_size(), 0, true))
            .await
            .with_context(|| format!("connecting to {}", crate::settings::redact_url(&url)))?;
        // The writer of attempts has a connection of its own: on SQLite a
        // connection drops its page cache whenever another one has written,
        // so a writer taking any pooled connection read every index page of
        // a batch from the file again. With its own, and a larger cache, the
        // pages of the last batches stay in memory. It never checkpoints:
        // copying the WAL into a large database file at a commit stalled
        // every request of the batch; a background task does it instead
        // (see `writes::checkpoint`).
        let mut writer_dbs = Vec::new();
        for _ in 0..settings.writers() {
            writer_dbs.push(
                Database::connect(options(1, 32 * 1024, false))
                    .await
                    .with_context(|| {
                        format!("connecting to {}", crate::settings::redact_url(&url))
                    })?,
            );
        }
        let writer =
            (conn.get_database_backend() == DbBackend::Sqlite).then(|| Arc::new(Semaphore::new(1)));
        let read_url = settings.database.read_url.trim();
        let replica = if read_url.is_empty() {
            None
        } else {
            if conn.get_database_backend() != DbBackend::Postgres
                || !read_url.starts_with("postgres")
            {
                anyhow::bail!(
                    "database.read_url is a PostgreSQL replica of a PostgreSQL database_url; SQLite serves one process and has none"
                );
            }
            // Lazy: a replica that is down must not stop the service starting.
            let mut ropts = ConnectOptions::new(read_url.to_owned());
            ropts
                .max_connections(settings.pool_size())
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(1))
                .connect_timeout(Duration::from_secs(1))
                .connect_lazy(true)
                .sqlx_logging(false);
            let rconn = Database::connect(ropts).await.with_context(|| {
                format!("connecting to {}", crate::settings::redact_url(read_url))
            })?;
            Some(Arc::new(replica::Replica::new(rconn)))
        };
        let mut db = Self {
            conn,
            writer,
            writer_wait: busy,
            replica,
            writes: None,
        };
        let writer_dbs = writer_dbs
            .into_iter()
            .map(|conn| Db { conn, ..db.clone() })
            .collect();
        db.writes = Some(writes::Writes::spawn(writer_dbs, &db, busy));
        Ok(db)
    }

    /// The writer that groups attempt writes into shared commits.
    pub fn writes(&self) -> StoreResult<&writes::Writes> {
        self.writes.as_ref().ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("this database handle takes no writes"))
        })
    }

    /// The handle for reads that tolerate `database.max_lag_seconds` of lag:
    /// the replica while it is up and close enough, else this one. Never
    /// for writes, nor for reads that a write of the same person must see.
    pub fn lagging(&self) -> Db {
        match &self.replica {
            Some(r) if r.usable() => {
                metrics::counter!("crane_lagging_reads_total", "on" => "replica").increment(1);
                Db {
                    conn: r.conn.clone(),
                    writer: None,
                    writer_wait: self.writer_wait,
                    replica: None,
                    writes: None,
                }
            }
            Some(_) => {
                metrics::counter!("crane_lagging_reads_total", "on" => "primary").increment(1);
                self.clone()
            }
            None => self.clone(),
        }
    }

    /// The replica, for its monitor.
    pub fn replica(&self) -> Option<Arc<replica::Replica>> {
        self.replica.clone()
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend() == DbBackend::Sqlite
    }

    /// Builds a statement for this backend.
    pub fn stmt(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
        Statement::from_sql_and_values(self.backend(), sql, values)
    }

    /// Starts a write transaction. On SQLite it begins IMMEDIATE: it takes the
    /// write lock up front and waits for it under the busy timeout, instead of
    /// failing with SQLITE_BUSY when a read upgrades to a write.
    ///
    /// On SQLite it first waits its turn among this process's writers (at most
    /// the busy timeout; then the same overload error as an exhausted pool,
    /// answered 503). Hold the returned turn until the transaction ends.
    pub async fn write(&self) -> Result<(WriteTurn, DatabaseTransaction), DbErr> {
        let turn = match &self.writer {
            Some(gate) => Some(
                tokio::time::timeout(self.writer_wait, gate.clone().acquire_owned())
                    .await
                    .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
                    .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?,
            ),
            None => None,
        };
        let tx = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok((WriteTurn { _permit: turn }, tx))
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        use migration::MigratorTrait;
        migration::Migrator::up(&self.conn, None)
            .await
            .context("running migrations")
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.conn.execute_unprepared("SELECT 1").await.is_ok()
    }
}

/// The file path of a `sqlite://` URL, if it names a file.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.to_owned())
}

/// Reads a column, naming it in the error.
pub(crate) fn col<T: sea_orm::TryGetable>(row: &QueryResult, name: &str) -> anyhow::Result<T> {
    row.try_get::<T>("", name)
        .with_context(|| format!("reading column {name}"))
}

/// True when an error means the database is overloaded rather than broken:
/// no pooled connection came free in time, SQLite's write lock stayed taken
/// past the busy timeout (SQLITE_BUSY / SQLITE_LOCKED and their extended
/// codes), or PostgreSQL gave up on a lock, a serialisation conflict, a
/// deadlock or its connection limit. Such requests are answered 503 with
/// Retry-After: the client may safely try again, nothing was written.
pub fn is_overload(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let Some(db) = cause.downcast_ref::<DbErr>() else {
            return false;
        };
        match db {
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => true,
            DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))
            | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
            | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => sqlx_overload(e),
            _ => false,
        }
    })
}

fn sqlx_overload(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        Error::PoolTimedOut => true,
        Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db
                .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // The primary code is the low byte of an extended code.
                code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
            } else {
                // serialization_failure, deadlock_detected, lock_not_available,
                // too_many_connections, cannot_connect_now
                matches!(&*code, "40001" | "40P01" | "55P03" | "53300" | "57P03")
            }
        }
        _ => false,
    }
}

/// Which unique index a database error violated, if any (the field it guards).
pub(crate) fn unique_violation(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(msg)) => Some(msg),
        _ => None,
    }
}

/// Reads a typed id column.
pub(crate) fn id_col<T: crate::domain::ids::TypedId>(
    row: &QueryResult,
    name: &str,
) -> anyhow::Result<T> {
    let text: String = col(row, name)?;
    T::parse(&text).with_context(|| format!("column {name} holds no {} id: {text}", T::KIND))
}

/// A statement for the backend of `c` (a connection or a transaction).
pub(crate) fn stmt<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Statement {
    Statement::from_sql_and_values(c.get_database_backend(), sql, values)
}

pub(crate) fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

/// `n` numbered placeholders from `$first`, for an IN list:
/// `in_list(3, 2)` is "$2, $3, $4".
pub(crate) fn in_list(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The placeholders of a multi-row VALUES list: `rows` tuples of `cols`
/// parameters numbered from `$first`: `values_list(2, 2, 1)` is
/// "($1, $2), ($3, $4)".
pub(crate) fn values_list(rows: usize, cols: usize, first: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", in_list(cols, first + r * cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::{in_list, values_list};

    #[test]
    fn placeholder_lists_number_every_parameter_once_in_order() {
        assert_eq!(in_list(3, 2), "$2, $3, $4");
        assert_eq!(in_list(1, 1), "$1");
        assert_eq!(in_list(0, 1), "");
        assert_eq!(values_list(2, 2, 1), "($1, $2), ($3, $4)");
        assert_eq!(values_list(1, 3, 5), "($5, $6, $7)");
        assert_eq!(values_list(0, 5, 1), "");
        // 500 rows of 5: the last row ends at the last parameter.
        assert!(values_list(500, 5, 1).ends_with("($2496, $2497, $2498, $2499, $2500)"));
    }
}
