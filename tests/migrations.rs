//! Migrations on a database the previous release made: its rows, written as
//! that release wrote them, come through the new migrations as the new rules
//! say. SQLite by default; PostgreSQL when TEST_DATABASE_URL is set.

mod common;
use crane::domain::organisation::DEFAULT_ID;
use crane::settings::Settings;
use crane::store::Db;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

/// Migrations of the release before organisations (2026-12-05, #12).
const PREVIOUS_RELEASE: u32 = 12;

async fn exec(db: &Db, sql: &str) {
    db.conn
        .execute_raw(Statement::from_string(db.backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn text(db: &Db, sql: &str) -> Option<String> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(db.backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("a row");
    row.try_get_by_index::<Option<String>>(0).unwrap()
}

#[tokio::test]
async fn existing_organisers_and_contests_join_the_default_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url(&dir).await;
    let db = Db::connect(&Settings::for_tests(&url).unwrap())
        .await
        .unwrap();
    Migrator::up(&db.conn, Some(PREVIOUS_RELEASE))
        .await
        .unwrap();

    for (id, phone, role) in [
        (
            "10000000-0000-4000-8000-000000000001",
            "0912000001",
            "organiser",
        ),
        (
            "10000000-0000-4000-8000-000000000002",
            "0912000002",
            "participant",
        ),
        (
            "10000000-0000-4000-8000-000000000003",
            "0912000003",
            "admin",
        ),
    ] {
        exec(
            &db,
            &format!(
                "INSERT INTO users (id, phone, national_id, password_hash, full_name, province, district,
                   commune, hamlet, date_of_birth, role, created_at, province_code, commune_code)
                 VALUES ('{id}', '{phone}', NULL, 'x', 'Nguyễn Văn An', 'Đồng Tháp', 'Cao Lãnh', 'Mỹ Hội',
                   'ấp 1', NULL, '{role}', 1, NULL, NULL)"
            ),
        )
        .await;
    }
    exec(
        &db,
        "INSERT INTO contests (id, title, description, rules, state, starts_at, ends_at, timezone,
           questions_per_attempt, time_limit_seconds, max_attempts, counted_attempt, grace_seconds,
           prediction_enabled, prediction_question, prediction_actual, tie_break, prizes, excluded,
           draw_seed, created_by, created_at, updated_at, published_at, results_computed_at,
           actual_figure, finalized_at, digest)
         VALUES ('20000000-0000-4000-8000-000000000001', 'Tìm hiểu về Sếu đầu đỏ', '', '', 'finalized', 1, 2, 'Asia/Ho_Chi_Minh', 20, 600, 3,
           'best', 30, 0, '', 'participants', '[\"score\"]', '[]', '[]', 'seed', '10000000-0000-4000-8000-000000000001', 1, 1, 1, 1,
           NULL, 2, 'ab')",
    )
    .await;
    exec(
        &db,
        "INSERT INTO audit_log (id, at, actor_id, action, target, detail)
         VALUES ('a-1', 3, '10000000-0000-4000-8000-000000000003', 'finalized', 'contest:20000000-0000-4000-8000-000000000001', '{}'),
                ('a-2', 4, '10000000-0000-4000-8000-000000000003', 'role_changed', 'user:10000000-0000-4000-8000-000000000002', '{}')",
    )
    .await;

    Migrator::up(&db.conn, None).await.unwrap();

    let org_of =
        |table: &str, id: &str| format!("SELECT organisation_id FROM {table} WHERE id = '{id}'");
    assert_eq!(
        text(
            &db,
            &org_of("users", "10000000-0000-4000-8000-000000000001")
        )
        .await
        .as_deref(),
        Some(DEFAULT_ID)
    );
    assert_eq!(
        text(
            &db,
            &org_of("users", "10000000-0000-4000-8000-000000000002")
        )
        .await,
        None
    );
    assert_eq!(
        text(
            &db,
            &org_of("users", "10000000-0000-4000-8000-000000000003")
        )
        .await,
        None
    );
    assert_eq!(
        text(
            &db,
            &org_of("contests", "20000000-0000-4000-8000-000000000001")
        )
        .await
        .as_deref(),
        Some(DEFAULT_ID)
    );
    assert_eq!(
        text(&db, &org_of("audit_log", "a-1")).await.as_deref(),
        Some(DEFAULT_ID)
    );
    assert_eq!(text(&db, &org_of("audit_log", "a-2")).await, None);
    assert_eq!(
        text(
            &db,
            &format!("SELECT slug FROM organisations WHERE id = '{DEFAULT_ID}'")
        )
        .await
        .as_deref(),
        Some("ban-to-chuc")
    );
    // The contest still reads as before, now with its organisation.
    let c = crane::store::contests::list(&db, true).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].organisation_id.to_string(), DEFAULT_ID);
    assert_eq!(c[0].digest.as_deref(), Some("ab"));
}
