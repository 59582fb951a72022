//! SQLite database files as whole objects, for `crane backup` and `crane
//! restore`: which file a URL names, a consistent snapshot of the live
//! database into a new file, and what a copy holds (is it sound, which
//! migrations it has, how many rows). SQLite only: PostgreSQL has its own
//! tools (docs/operations.md, section 5.2).
//!
//! Every statement here is hand-written: `VACUUM INTO`, `PRAGMA
//! integrity_check` and `sqlite_master` are SQLite's own and have no entity.

use super::{Db, col, v};
use crate::entities::{attempts, contests, users};
use anyhow::{Context, bail};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, SqlxSqliteConnector,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The file a `sqlite:` URL opens, as sqlx reads the URL (percent-decoded,
/// without its parameters); `None` for any other database (PostgreSQL).
/// In-memory databases have no file and are refused.
pub fn sqlite_file(url: &str) -> anyhow::Result<Option<PathBuf>> {
    if !url.starts_with("sqlite:") {
        return Ok(None);
    }
    let opts = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("reading the database URL {url}"))?;
    let path = opts.get_filename();
    let name = path.to_string_lossy();
    if url.contains(":memory:") || url.contains("mode=memory") || name.starts_with("file:sqlx-") {
        bail!("{url} is an in-memory database: it has no file to back up or restore");
    }
    Ok(Some(path.to_path_buf()))
}

/// Writes a consistent snapshot of the live database into `out`, a file that
/// must not exist yet.
///
/// hand-written: `VACUUM INTO` (SQLite ≥ 3.27) copies the database as one
/// read transaction sees it, so the copy is consistent and holds every
/// transaction committed before it began, those still in the WAL included.
/// It is a reader: in WAL mode the server's writers go on committing while
/// it runs (it only holds back checkpoints until it ends). The output is a
/// single self-contained file in rollback-journal mode.
pub async fn snapshot_into(db: &Db, out: &Path) -> anyhow::Result<()> {
    if !db.is_sqlite() {
        bail!("only a SQLite database can be snapshotted into a file");
    }
    let target = out
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", out.display()))?;
    db.conn
        .execute_raw(db.stmt("VACUUM INTO $1", [v(target)]))
        .await
        .with_context(|| format!("VACUUM INTO {}", out.display()))?;
    Ok(())
}

/// Opens an existing database file on one connection, creating nothing.
/// Meant for copies this process owns (a backup being written, a file being
/// restored): opening may add a rollback journal or a WAL beside the file
/// for as long as the connection is open.
pub async fn open_file(path: &Path, busy_timeout: Duration) -> anyhow::Result<DatabaseConnection> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(busy_timeout);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .connect_with(opts)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// `PRAGMA integrity_check`: one line `ok` for a sound database, else the
/// problems found (at most 100 lines). An error when SQLite cannot read the
/// file as a database at all.
///
/// hand-written: a pragma, SQLite's own.
pub async fn integrity_check(conn: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .context("PRAGMA integrity_check")?;
    rows.iter()
        .map(|r| col::<String>(r, "integrity_check"))
        .collect()
}

/// The migrations recorded in the file, in order; `None` when it has no
/// migrations table (it is not a Crane database).
///
/// hand-written: the table belongs to sea-orm-migration, which offers no
/// read that leaves a database without the table untouched, and whether it
/// exists is a question for `sqlite_master`.
pub async fn applied_migrations(conn: &DatabaseConnection) -> anyhow::Result<Option<Vec<String>>> {
    let backend = conn.get_database_backend();
    let table = conn
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
        ))
        .await
        .context("looking for the migrations table")?;
    if table.is_none() {
        return Ok(None);
    }
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await
        .context("reading the migrations table")?;
    rows.iter()
        .map(|r| col::<String>(r, "version"))
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

/// How many rows of the main tables a database holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub users: u64,
    pub contests: u64,
    pub attempts: u64,
}

/// Counts users, contests and attempts.
pub async fn counts(conn: &DatabaseConnection) -> anyhow::Result<Counts> {
    Ok(Counts {
        users: users::Entity::find()
            .count(conn)
            .await
            .context("counting users")?,
        contests: contests::Entity::find()
            .count(conn)
            .await
            .context("counting contests")?,
        attempts: attempts::Entity::find()
            .count(conn)
            .await
            .context("counting attempts")?,
    })
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;
    use std::path::Path;

    #[test]
    fn the_file_of_a_sqlite_url_is_found_as_sqlx_reads_it() {
        assert_eq!(
            sqlite_file("sqlite://data/crane.db?mode=rwc").unwrap(),
            Some(Path::new("data/crane.db").to_path_buf())
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/crane/crane%20main.db").unwrap(),
            Some(Path::new("/var/lib/crane/crane main.db").to_path_buf())
        );
        assert_eq!(sqlite_file("postgres://u:p@h/crane").unwrap(), None);
        assert!(sqlite_file("sqlite::memory:").is_err());
    }
}
