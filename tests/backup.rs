//! `crane backup` and `crane restore` (issue #19), black-box: the real binary
//! against SQLite files, while a server takes submits through the HTTP API.
//!
//! Backup and restore are SQLite's (PostgreSQL has pg_dump and
//! pg_basebackup): when TEST_DATABASE_URL points at PostgreSQL the tests that
//! need a SQLite deployment say so and skip. The refusal of PostgreSQL runs
//! everywhere.

mod common;
use common::{TestApp, answers_for, figures};
use crane::domain::account::Role;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// True (after saying why) when the suite runs on PostgreSQL.
fn skipped_on_postgres(test: &str) -> bool {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            println!(
                "skipped {test}: backup and restore are for SQLite deployments, and TEST_DATABASE_URL points at PostgreSQL"
            );
            true
        }
        _ => false,
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Runs the real `crane` with `args` on the database `url`.
fn crane(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crane"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("CRANE_LOG_LEVEL", "warn")
        .env("CRANE_DEMO_ON_EMPTY_DB", "false")
        .env_remove("CRANE_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("running crane")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `crane` and requires success.
fn crane_ok(url: &str, args: &[&str]) -> String {
    let o = crane(url, args);
    assert!(
        o.status.success(),
        "crane {args:?} failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Runs `crane` and requires a refusal (exit code ≠ 0) whose message says
/// `why`; returns the message.
fn crane_refuses(url: &str, args: &[&str], why: &str) -> String {
    let o = crane(url, args);
    let err = stderr(&o);
    assert!(
        !o.status.success(),
        "crane {args:?} should have refused:\n{}\n{err}",
        stdout(&o)
    );
    assert!(
        err.contains(why),
        "crane {args:?} refused without saying {why:?}:\n{err}"
    );
    err
}

fn random(below: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(below.max(1))) as u64
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn integrity(db: &DatabaseConnection) -> String {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "integrity_check").unwrap()
}

/// A Crane database made by `crane migrate`, and a good backup of it.
fn crane_database_and_backup(dir: &Path) -> (String, PathBuf) {
    let url = sqlite_url(&dir.join("live.db"));
    crane_ok(&url, &["migrate"]);
    let backup = dir.join("good.db");
    crane_ok(&url, &["backup", "--out", backup.to_str().unwrap()]);
    (url, backup)
}

#[derive(Clone, Debug)]
struct Ack {
    attempt: String,
    score: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_submits_keep_arriving_holds_every_submit_acknowledged_before_it_began()
 {
    if skipped_on_postgres("the online backup test") {
        return;
    }
    let app =
        Arc::new(TestApp::spawn_with(|s| s.limits.registrations_per_ip_per_minute = 10_000).await);
    let staff = app.staff(Role::Organiser).await;
    let contest = app
        .published_contest(&staff, json!({"max_attempts": 100}), 12)
        .await;
    let writers = 6;
    let mut tokens = Vec::new();
    for _ in 0..writers {
        tokens.push(app.participant().await.0);
    }

    // Writers: start, answer, submit, again, each as fast as it is answered.
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let refused: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let (app, contest, acks, refused, stop) = (
                app.clone(),
                contest.clone(),
                acks.clone(),
                refused.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                for _ in 0..100 {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let r = app.start(&token, &contest).await;
                    if r.status != 201 && r.status != 200 {
                        refused
                            .lock()
                            .unwrap()
                            .push(format!("start {}: {}", r.status, r.text));
                        return;
                    }
                    let attempt = r.body["attempt"].clone();
                    let id = attempt["id"].as_str().unwrap().to_owned();
                    let right = random(6) as usize;
                    let r = app
                        .submit(
                            &token,
                            &id,
                            answers_for(&attempt, right),
                            Some(right as i64),
                        )
                        .await;
                    if r.status != 200 {
                        refused
                            .lock()
                            .unwrap()
                            .push(format!("submit {}: {}", r.status, r.text));
                        return;
                    }
                    acks.lock().unwrap().push(Ack {
                        attempt: id,
                        score: r.body["attempt"]["score"].as_i64().expect("a score"),
                    });
                }
            })
        })
        .collect();

    // Wait for some acknowledged submits, then back up while they go on.
    let t0 = Instant::now();
    while acks.lock().unwrap().len() < 60 && t0.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let before: Vec<Ack> = acks.lock().unwrap().clone();
    assert!(before.len() >= 60, "the writers are too slow: {before:?}");
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("crane-backup.db");
    let (url, out) = (app.database_url.clone(), backup.clone());
    let began = Instant::now();
    let printed = tokio::task::spawn_blocking(move || {
        crane_ok(&url, &["backup", "--out", out.to_str().unwrap()])
    })
    .await
    .unwrap();
    let backup_wall = began.elapsed();
    let during = acks.lock().unwrap().len() - before.len();
    // Let the writers go on a little after it, then stop them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let total = acks.lock().unwrap().len();
    print!("{printed}");
    let refused = refused.lock().unwrap().clone();
    assert!(
        refused.is_empty(),
        "writers refused during the backup: {refused:?}"
    );
    assert_eq!(
        files_in(backups.path()),
        ["crane-backup.db"],
        "the temporary file is gone"
    );
    let bytes = std::fs::metadata(&backup).unwrap().len();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "a backup is readable by its owner only"
        );
    }

    // Restore it into a fresh place, with the real binary.
    let fresh = tempfile::tempdir().unwrap();
    let restored = fresh.path().join("restored").join("crane.db");
    let restored_url = sqlite_url(&restored);
    let printed = crane_ok(&restored_url, &["restore", backup.to_str().unwrap()]);
    print!("{printed}");
    assert!(printed.contains("integrity_check ok"), "{printed}");

    let db = Database::connect(restored_url.clone()).await.unwrap();
    let mut lost = Vec::new();
    for a in &before {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT status, score FROM attempts WHERE id = $1",
                [a.attempt.clone().into()],
            ))
            .await
            .unwrap();
        let Some(row) = row else {
            lost.push(format!("{} is not in the backup", a.attempt));
            continue;
        };
        let status: String = row.try_get("", "status").unwrap();
        let score: Option<i64> = row.try_get("", "score").unwrap();
        if status != "submitted" || score != Some(a.score) {
            lost.push(format!(
                "{} acknowledged with {}, restored {status} with {score:?}",
                a.attempt, a.score
            ));
        }
    }
    let check = integrity(&db).await;
    db.close().await.ok();
    figures(
        "backup",
        &[
            ("acknowledged_before", before.len().to_string()),
            ("acknowledged_during", during.to_string()),
            ("acknowledged_total", total.to_string()),
            ("backup_bytes", bytes.to_string()),
            ("backup_ms", backup_wall.as_millis().to_string()),
            ("lost", lost.len().to_string()),
            ("integrity", check.clone()),
        ],
    );
    assert!(lost.is_empty(), "{}", lost.join("\n"));
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn restore_refuses_a_damaged_file_a_foreign_database_or_a_newer_schema_and_touches_nothing() {
    if skipped_on_postgres("the restore refusal test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, good) = crane_database_and_backup(dir.path());
    let target_dir = dir.path().join("target");
    let target_url = sqlite_url(&target_dir.join("crane.db"));

    // Not a database at all.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "this is not a database\n".repeat(500)).unwrap();
    crane_refuses(
        &target_url,
        &["restore", garbage.to_str().unwrap()],
        "not a readable SQLite database",
    );
    assert_eq!(
        std::fs::read(&garbage).unwrap(),
        "this is not a database\n".repeat(500).into_bytes(),
        "the file to restore is left as it was"
    );

    // A backup whose pages 2 and 3 were overwritten.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(bytes.len() >= 4 * page, "the backup has a few pages");
    bytes[page..3 * page].fill(0xA5);
    std::fs::write(&damaged, &bytes).unwrap();
    crane_refuses(
        &target_url,
        &["restore", damaged.to_str().unwrap()],
        "damaged",
    );

    // A sound SQLite database that is not Crane's.
    let foreign = dir.path().join("foreign.db");
    let db = Database::connect(sqlite_url(&foreign)).await.unwrap();
    db.execute_unprepared("CREATE TABLE notes (body TEXT)")
        .await
        .unwrap();
    db.execute_unprepared("INSERT INTO notes VALUES ('hello')")
        .await
        .unwrap();
    db.close().await.ok();
    crane_refuses(
        &target_url,
        &["restore", foreign.to_str().unwrap()],
        "not a Crane database",
    );

    // A Crane database from a later version than this build.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    let db = Database::connect(sqlite_url(&newer)).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000001_from_the_future', 0)",
    )
    .await
    .unwrap();
    db.close().await.ok();
    crane_refuses(
        &target_url,
        &["restore", newer.to_str().unwrap()],
        "newer Crane",
    );

    assert!(
        files_in(&target_dir).is_empty(),
        "nothing was left where the database goes: {:?}",
        files_in(&target_dir)
    );
}

#[tokio::test]
async fn restore_onto_an_existing_database_is_refused_without_force() {
    if skipped_on_postgres("the restore --force test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (live_url, backup) = crane_database_and_backup(dir.path());
    let live = dir.path().join("live.db");
    let before = std::fs::read(&live).unwrap();

    let err = crane_refuses(&live_url, &["restore", backup.to_str().unwrap()], "--force");
    assert!(err.contains("Stop the Crane service"), "{err}");
    assert_eq!(
        std::fs::read(&live).unwrap(),
        before,
        "the database is left as it was"
    );

    let printed = crane_ok(&live_url, &["restore", "--force", backup.to_str().unwrap()]);
    assert!(printed.contains("replaced"), "{printed}");
    let db = Database::connect(live_url).await.unwrap();
    assert_eq!(integrity(&db).await, "ok");
    db.close().await.ok();
}

#[tokio::test]
async fn backup_refuses_postgresql_a_missing_folder_and_the_database_itself_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.db");
    let out = out.to_str().unwrap();

    // PostgreSQL is refused before any connection is tried.
    let pg = "postgres://crane:s3cret@127.0.0.1:1/crane";
    let err = crane_refuses(pg, &["backup", "--out", out], "pg_basebackup");
    assert!(err.contains("docs/operations.md"), "{err}");
    assert!(!err.contains("s3cret"), "the password is not shown: {err}");
    crane_refuses(pg, &["restore", out], "SQLite only");

    let url = sqlite_url(&dir.path().join("live.db"));
    crane_ok(&url, &["migrate"]);
    let missing = dir.path().join("no-such-folder").join("b.db");
    crane_refuses(
        &url,
        &["backup", "--out", missing.to_str().unwrap()],
        "does not exist",
    );
    assert!(!dir.path().join("no-such-folder").exists());
    let itself = dir.path().join("live.db");
    crane_refuses(
        &url,
        &["backup", "--out", itself.to_str().unwrap()],
        "the database itself",
    );
    let left = files_in(dir.path());
    assert!(
        left.iter().all(|f| f.starts_with("live.db")),
        "nothing but the database is there: {left:?}"
    );
}
