//! `database.read_url`: the routes that tolerate a second of lag read from a
//! PostgreSQL replica while it is up and close enough, and from the primary
//! otherwise, with no error seen by anyone. (A real streaming replica, its
//! replay paused and resumed, is exercised by scripts/cluster.sh; here the
//! "replica" is a database that is down, or another database, so that where
//! a read went can be seen.) On SQLite, which has no replica, the setting is
//! refused at start-up with a message saying so.

mod common;
use common::TestApp;
use crane::domain::account::Role;
use serde_json::{Value, json};
use std::time::Duration;

fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

async fn health(app: &TestApp) -> Value {
    app.raw(reqwest::Method::GET, "/healthz", None, None)
        .await
        .body
}

/// Waits for the replica monitor's verdict.
async fn replica_becomes(app: &TestApp, usable: bool) -> Value {
    for _ in 0..50 {
        let h = health(app).await;
        if h["replica"]["usable"] == usable {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the replica never became usable={usable}: {}",
        health(app).await
    );
}

#[tokio::test]
async fn sqlite_refuses_a_read_url_at_start_up() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crane::settings::Settings::for_tests(&format!(
        "sqlite://{}/crane.db?mode=rwc",
        dir.path().display()
    ))
    .unwrap();
    settings.database.read_url = "postgres://postgres@127.0.0.1:5432/replica".to_owned();
    let err = crane::startup::prepare(settings, crane::domain::clock::Clock::system())
        .await
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("database.read_url"), "{err:#}");
}

#[tokio::test]
async fn a_replica_that_is_down_sends_the_reads_to_the_primary_without_an_error() {
    if !on_postgres() {
        return;
    }
    let app = TestApp::spawn_with(|s| {
        // Nothing listens there: every connection is refused at once.
        s.database.read_url = "postgres://postgres@127.0.0.1:1/replica".to_owned();
    })
    .await;
    let h = replica_becomes(&app, false).await;
    assert_eq!(h["status"], "ok");
    assert_eq!(h["replica"]["lag_ms"], Value::Null);
    let org = app.staff(Role::Organiser).await;
    let id = app.published_contest(&org, json!({}), 10).await;
    let list = app.get("/contests", None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["contests"][0]["id"], id.as_str());
    let page = app.get(&format!("/contests/{id}"), None).await;
    assert_eq!(page.status, 200);
    // The writes and strict reads never involved the replica at all.
    let (token, _) = app.participant().await;
    assert_eq!(app.start(&token, &id).await.status, 201);
}

#[tokio::test]
async fn a_usable_replica_serves_the_lag_tolerant_routes_only() {
    if !on_postgres() {
        return;
    }
    // The "replica": a database of its own, migrated and empty. It is not
    // replaying anything, so it counts as never behind, and whatever a route
    // shows from it tells that the route read there.
    let base = std::env::var("TEST_DATABASE_URL").unwrap();
    let (server, run) = base.rsplit_once('/').unwrap();
    // Named after the run's databases, so that the test script drops it too.
    let name = format!("{run}_replica_{}", uuid::Uuid::new_v4().simple());
    {
        use sea_orm::ConnectionTrait;
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        admin.close().await.ok();
        let settings = crane::settings::Settings::for_tests(&format!("{server}/{name}")).unwrap();
        let db = crane::store::Db::connect(&settings).await.unwrap();
        db.migrate().await.unwrap();
        db.conn.close().await.ok();
    }
    let read_url = format!("{server}/{name}");
    let app = TestApp::spawn_with(move |s| s.database.read_url = read_url).await;
    let h = replica_becomes(&app, true).await;
    assert_eq!(h["replica"]["lag_ms"], 0);

    let org = app.staff(Role::Organiser).await;
    let id = app.published_contest(&org, json!({}), 10).await;
    // Lag-tolerant: read on the replica, which has no such contest.
    let list = app.get("/contests", None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["contests"], json!([]));
    assert_eq!(app.get(&format!("/contests/{id}"), None).await.status, 404);
    // Everything else reads the primary: the organiser's screens, a start.
    let mine = app.get(&format!("/admin/contests/{id}"), Some(&org)).await;
    assert_eq!(mine.status, 200);
    let (token, _) = app.participant().await;
    assert_eq!(app.start(&token, &id).await.status, 201);
}
