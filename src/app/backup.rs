//! Backups of a SQLite deployment (issue #19). `crane backup` takes a
//! consistent, checked copy of the live database while the server keeps
//! serving; `crane restore` checks a copy and puts it in place of the
//! database, then migrates it.
//!
//! Neither leaves a half-written file where one is expected: the new file is
//! written under a temporary name in the destination's folder, checked
//! (`PRAGMA integrity_check` must answer exactly `ok`, and the migrations
//! table must show a Crane schema this build knows), flushed to disk, renamed
//! over the destination in one step, and the folder is flushed too. A crash
//! or a refused check at any point leaves either the old file or the whole
//! new one; the temporary file is removed on the way out.
//!
//! PostgreSQL is refused: its own tools do this better (pg_dump,
//! pg_basebackup with WAL archiving; docs/operations.md, section 5.2).

use crate::settings::{Settings, redact_url};
use crate::store::Db;
use crate::store::backup::{self as store, Counts};
use anyhow::{Context, anyhow, bail};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What `crane backup` wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub counts: Counts,
    pub schema: Schema,
    /// The `VACUUM INTO` alone.
    pub snapshot: Duration,
    /// Everything: connecting, the snapshot, the checks, the flushes.
    pub elapsed: Duration,
}

/// What `crane restore` put in place.
#[derive(Debug)]
pub struct RestoreReport {
    pub from: PathBuf,
    pub database: PathBuf,
    /// True when an existing database was replaced (`--force`).
    pub replaced: bool,
    pub bytes: u64,
    pub counts: Counts,
    pub schema: Schema,
    pub elapsed: Duration,
}

/// A copy's schema, from its migrations table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    /// The latest migration the copy records.
    pub latest: String,
    /// Migrations this build knows that the copy lacks (applied by restore).
    pub pending: usize,
    /// The copy records migrations later than any this build knows: it was
    /// written by a newer Crane.
    pub newer: bool,
}

/// The migrations this build knows, in order.
pub fn known_migrations() -> Vec<String> {
    use migration::MigratorTrait;
    migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// Reads a copy's schema from the migrations it records (`None`: it has no
/// migrations table); `Err` says why it is not a Crane database.
///
/// Migration names sort in the order they were written (they start with
/// their date), so a recorded name after the last known one is newer. A
/// recorded name that sorts among the known ones without being one of them
/// belongs to some other schema.
pub fn read_schema(applied: Option<&[String]>, known: &[String]) -> Result<Schema, String> {
    let Some(applied) = applied else {
        return Err(
            "it has no migrations table (seaql_migrations): it is not a Crane database".to_owned(),
        );
    };
    let Some(latest) = applied.iter().max() else {
        return Err("its migrations table is empty: it is not a Crane database".to_owned());
    };
    let last_known = known.iter().max().map_or("", String::as_str);
    let newer = latest.as_str() > last_known;
    if let Some(stranger) = applied
        .iter()
        .find(|a| a.as_str() <= last_known && !known.contains(a))
    {
        return Err(format!(
            "it records the migration {stranger}, which no build of Crane has: it is not a Crane database"
        ));
    }
    Ok(Schema {
        latest: latest.clone(),
        pending: known.iter().filter(|k| !applied.contains(k)).count(),
        newer,
    })
}

/// Takes an online backup of the SQLite database the settings name into
/// `out`: a consistent snapshot while the server keeps writing, checked,
/// flushed and renamed into place. `out`'s folder must exist; an existing
/// `out` is replaced in one step.
pub async fn backup(settings: &Settings, out: &Path) -> anyhow::Result<BackupReport> {
    let started = Instant::now();
    let source = database_file(settings, "backup")?;
    if !source.is_file() {
        bail!(
            "there is no database at {}: nothing to back up (DATABASE_URL or database_url names it)",
            source.display()
        );
    }
    let (dir, name) = destination(out)?;
    if !dir.is_dir() {
        bail!(
            "the folder {} does not exist: create it first (crane backup creates no folders, so that a mistyped path fails here and not in the middle of the night)",
            dir.display()
        );
    }
    if out.is_dir() {
        bail!("{} is a folder: --out must name a file", out.display());
    }
    if same_file(&source, out) {
        bail!(
            "{} is the database itself: write the backup to another file",
            out.display()
        );
    }

    let partial = Partial::new(&dir, &name);
    // Created empty first (VACUUM INTO accepts an empty file), so that the
    // copy is never readable by others, not even for a moment.
    create_private(partial.path())?;
    let db = Db::connect(settings).await?;
    let t0 = Instant::now();
    let snapshot = store::snapshot_into(&db, partial.path()).await;
    let snapshot_time = t0.elapsed();
    db.conn.clone().close().await.ok();
    snapshot.with_context(|| format!("taking a snapshot of {}", source.display()))?;

    let busy = Duration::from_millis(settings.database.busy_timeout_ms);
    let (counts, schema) = check_copy(partial.path(), busy).await.map_err(|e| {
        anyhow!(
            "the copy of {} failed its checks, so nothing was written to {}: {e:#}",
            source.display(),
            out.display()
        )
    })?;
    sync_file(partial.path())?;
    std::fs::rename(partial.path(), out)
        .with_context(|| format!("renaming the checked copy onto {}", out.display()))?;
    partial.keep();
    sync_dir(&dir)?;
    let bytes = std::fs::metadata(out)
        .with_context(|| format!("reading the size of {}", out.display()))?
        .len();
    Ok(BackupReport {
        path: out.to_path_buf(),
        bytes,
        counts,
        schema,
        snapshot: snapshot_time,
        elapsed: started.elapsed(),
    })
}

/// Puts the backup `file` in place of the SQLite database the settings name,
/// after checking it, then applies pending migrations.
///
/// The service must be stopped first. Restore cannot tell whether a server
/// has the database open, so it refuses to replace an existing database
/// unless `force` is given. `file` itself is never opened for writing: the
/// checks run on the copy that is then renamed into place.
pub async fn restore(
    settings: &Settings,
    file: &Path,
    force: bool,
) -> anyhow::Result<RestoreReport> {
    let started = Instant::now();
    let target = database_file(settings, "restore")?;
    if !file.is_file() {
        bail!("{} does not exist or is not a file", file.display());
    }
    if same_file(file, &target) {
        bail!(
            "{} is the database itself: restore from a backup file",
            file.display()
        );
    }
    let replaced = target.exists();
    if replaced && !force {
        bail!(
            "refusing to restore over {}: a database is already there. Stop the Crane service first \
             (restore cannot tell whether a server has the database open, and replacing the file \
             under a running server loses what it writes next), then run again with --force to \
             replace it",
            target.display()
        );
    }
    let (dir, name) = destination(&target)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let partial = Partial::new(&dir, &name);
    std::fs::copy(file, partial.path())
        .with_context(|| format!("copying {} to {}", file.display(), partial.path().display()))?;
    let busy = Duration::from_millis(settings.database.busy_timeout_ms);
    let refuse = |why: String| anyhow!("refusing to restore {}: {why}", file.display());
    let (counts, schema) = check_copy(partial.path(), busy)
        .await
        .map_err(|e| refuse(format!("{e:#}")))?;
    if schema.newer {
        return Err(refuse(format!(
            "it was written by a newer Crane (its latest migration is {}, this build knows up to {}); restore it with that version",
            schema.latest,
            known_migrations().last().map_or("none", String::as_str)
        )));
    }
    sync_file(partial.path())?;
    // The old database's WAL, shared-memory index or rollback journal must
    // not outlive it: SQLite would replay them onto the restored file. They
    // go first, so that no moment has the new file beside old ones.
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = with_suffix(&target, suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", side.display())),
        }
    }
    std::fs::rename(partial.path(), &target)
        .with_context(|| format!("renaming the checked copy onto {}", target.display()))?;
    partial.keep();
    sync_dir(&dir)?;
    let bytes = std::fs::metadata(&target)
        .with_context(|| format!("reading the size of {}", target.display()))?
        .len();

    let db = Db::connect(settings).await?;
    let migrated = db.migrate().await;
    let integrity = match &migrated {
        Ok(()) => store::integrity_check(&db.conn).await,
        Err(_) => Ok(Vec::new()),
    };
    db.conn.clone().close().await.ok();
    migrated.with_context(|| format!("migrating the restored {}", target.display()))?;
    let integrity = integrity?;
    if integrity != ["ok"] {
        bail!(
            "the restored {} failed PRAGMA integrity_check after migrating: {}",
            target.display(),
            summary(&integrity)
        );
    }
    Ok(RestoreReport {
        from: file.to_path_buf(),
        database: target,
        replaced,
        bytes,
        counts,
        schema,
        elapsed: started.elapsed(),
    })
}

/// The database file of a SQLite deployment; PostgreSQL is refused with the
/// tools to use instead.
fn database_file(settings: &Settings, command: &str) -> anyhow::Result<PathBuf> {
    match store::sqlite_file(&settings.database_url)? {
        Some(path) => Ok(path),
        None => bail!(
            "crane {command} works on SQLite only, and the database is {}. Use PostgreSQL's own \
             tools: pg_dump and pg_restore, or pg_basebackup with WAL archiving for \
             point-in-time recovery, as the operations guide describes (docs/operations.md, \
             section 5.2)",
            redact_url(&settings.database_url)
        ),
    }
}

/// The folder and the file name of a destination path (`.` when it names
/// no folder).
fn destination(path: &Path) -> anyhow::Result<(PathBuf, OsString)> {
    let name = path
        .file_name()
        .with_context(|| format!("{} does not name a file", path.display()))?
        .to_owned();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

/// Checks a copy: sound (`integrity_check` answers exactly `ok`), a Crane
/// database, and what it holds.
async fn check_copy(path: &Path, busy: Duration) -> anyhow::Result<(Counts, Schema)> {
    let unreadable = |e: anyhow::Error| {
        anyhow!("it is not a readable SQLite database, or it is damaged ({e:#})")
    };
    let conn = store::open_file(path, busy).await.map_err(unreadable)?;
    let checked = async {
        let lines = store::integrity_check(&conn).await.map_err(unreadable)?;
        if lines != ["ok"] {
            bail!(
                "it is damaged: PRAGMA integrity_check answers {}",
                summary(&lines)
            );
        }
        let applied = store::applied_migrations(&conn).await?;
        let schema =
            read_schema(applied.as_deref(), &known_migrations()).map_err(|e| anyhow!(e))?;
        let counts = store::counts(&conn).await?;
        Ok::<_, anyhow::Error>((counts, schema))
    }
    .await;
    conn.close().await.ok();
    checked
}

/// The first lines of an integrity report, for a message.
fn summary(lines: &[String]) -> String {
    let mut text = lines
        .iter()
        .take(5)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if lines.len() > 5 {
        text.push_str(&format!("; … ({} lines)", lines.len()));
    }
    if text.is_empty() {
        text.push_str("nothing");
    }
    text
}

/// True when both paths exist and are the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// A temporary file beside its destination, removed (with any journal or
/// WAL SQLite left beside it) unless kept.
struct Partial {
    path: PathBuf,
    kept: bool,
}

impl Partial {
    fn new(dir: &Path, name: &OsStr) -> Self {
        let mut file = OsString::from(".");
        file.push(name);
        file.push(format!(".partial-{}", uuid::Uuid::new_v4().simple()));
        Self {
            path: dir.join(file),
            kept: false,
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// It was renamed into place: nothing to clean up.
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let sides = ["-journal", "-wal", "-shm"].map(|s| with_suffix(&self.path, s));
        if !self.kept {
            std::fs::remove_file(&self.path).ok();
        }
        for side in sides {
            std::fs::remove_file(side).ok();
        }
    }
}

/// Flushes a file's contents to disk.
fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("flushing {} to disk", path.display()))
}

/// Flushes a folder's entries to disk, so that a rename in it survives a
/// power cut (POSIX; elsewhere the rename is left to the file system).
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("flushing the folder {} to disk", dir.display()))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates an empty file that must not exist yet, readable and writable by
/// its owner only (POSIX): a backup holds password hashes and personal data.
fn create_private(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .with_context(|| format!("creating {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{Schema, read_schema};

    fn read(applied: &[&str]) -> Result<Schema, String> {
        let known: Vec<String> = ["m1_users", "m2_contests", "m3_attempts"]
            .map(String::from)
            .to_vec();
        let applied: Vec<String> = applied.iter().map(|s| (*s).to_owned()).collect();
        read_schema(Some(applied.as_slice()), &known)
    }

    #[test]
    fn a_copy_is_a_crane_database_only_with_migrations_this_build_knows_or_later_ones() {
        assert_eq!(
            read(&["m1_users", "m2_contests", "m3_attempts"]),
            Ok(Schema {
                latest: "m3_attempts".into(),
                pending: 0,
                newer: false
            })
        );
        assert_eq!(
            read(&["m1_users"]),
            Ok(Schema {
                latest: "m1_users".into(),
                pending: 2,
                newer: false
            })
        );
        let newer = read(&["m1_users", "m9_future"]).unwrap();
        assert!(newer.newer);
        assert_eq!(newer.latest, "m9_future");
        assert!(
            read_schema(None, &[])
                .unwrap_err()
                .contains("no migrations table")
        );
        assert!(read(&[]).unwrap_err().contains("empty"));
        assert!(
            read(&["m1_users", "m2_other"])
                .unwrap_err()
                .contains("m2_other")
        );
    }
}
