//! The sea-orm entities (crane::entities) against the real schema: on a freshly
//! migrated database, every entity declares exactly its table's columns, types,
//! nullability, primary key and foreign keys, and a row of every table goes in
//! through its ActiveModel and comes back field for field.
//!
//! SQLite by default (a temporary file); PostgreSQL when TEST_DATABASE_URL is
//! set: each test creates its own database next to it, named after it with a
//! random suffix, which the caller drops after the run.

mod common;

use crane::entities::{
    attempt_answers, attempts, audit_log, contests, disqualifications, identities, oidc_logins,
    oidc_signups, organisations, phone_codes, questions, result_ineligible, results, sessions,
    users,
};
use crane::settings::Settings;
use crane::store::Db;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{ForeignKeyAction, TableRef};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityLoaderTrait,
    IdenStatic, Identity, IntoActiveModel, Iterable, QueryOrder, Statement,
};
use std::collections::BTreeSet;
use std::fmt::Debug;

/// A migrated database, and the temporary directory of its SQLite file.
struct Fresh {
    db: Db,
    _dir: tempfile::TempDir,
}

impl Fresh {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = common::fresh_database_url(&dir).await;
        let settings = Settings::for_tests(&url).expect("test settings");
        let db = Db::connect(&settings).await.expect("connect");
        db.migrate().await.expect("migrate");
        Self { db, _dir: dir }
    }

    fn conn(&self) -> &DatabaseConnection {
        &self.db.conn
    }
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Milliseconds: a realistic instant, well past i32.
const T: i64 = 1_780_000_000_000;

/// Inserts `row` through its ActiveModel (every column Set), reads it back by
/// primary key, and checks both the returned and the re-read model equal `row`.
async fn round_trip<E>(
    db: &DatabaseConnection,
    row: E::Model,
    key: impl Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
) where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone + PartialEq + Debug,
    E::ActiveModel: ActiveModelBehavior + Send,
{
    let table = E::default().table_name().to_owned();
    let active: E::ActiveModel = row.clone().into_active_model().reset_all();
    let inserted = active
        .insert(db)
        .await
        .unwrap_or_else(|e| panic!("inserting into {table}: {e}"));
    assert_eq!(inserted, row, "{table}: the inserted row as returned");
    let found = E::find_by_id(key)
        .one(db)
        .await
        .unwrap_or_else(|e| panic!("reading {table}: {e}"))
        .unwrap_or_else(|| panic!("{table}: the row is not found by its primary key"));
    assert_eq!(found, row, "{table}: the row as read back");
}

fn user(id: String, phone: &str, filled: bool) -> users::Model {
    users::Model {
        id,
        phone: phone.to_owned(),
        national_id: filled.then(|| format!("0010{phone}")),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        full_name: "Nguyễn Văn An".to_owned(),
        province: "Hà Nội".to_owned(),
        district: filled.then(|| "Ba Đình".to_owned()),
        commune: "Phúc Xá".to_owned(),
        hamlet: "Tổ 1".to_owned(),
        date_of_birth: filled.then(|| "1990-02-03".to_owned()),
        role: "admin".to_owned(),
        created_at: T,
        province_code: filled.then(|| "01".to_owned()),
        commune_code: filled.then(|| "00004".to_owned()),
        organisation_id: filled.then(|| crane::domain::organisation::DEFAULT_ID.to_owned()),
    }
}

fn contest(id: String, created_by: String, filled: bool) -> contests::Model {
    contests::Model {
        id,
        title: "Tìm hiểu pháp luật".to_owned(),
        description: "Một cuộc thi".to_owned(),
        rules: "Mỗi người hai lượt".to_owned(),
        state: "published".to_owned(),
        starts_at: T,
        ends_at: T + 86_400_000,
        timezone: "Asia/Ho_Chi_Minh".to_owned(),
        questions_per_attempt: 20,
        time_limit_seconds: 900,
        max_attempts: 2,
        counted_attempt: "best".to_owned(),
        grace_seconds: 30,
        prediction_enabled: 1,
        prediction_question: "How many take part?".to_owned(),
        prediction_actual: "participants".to_owned(),
        tie_break: r#"["score","prediction","duration","submitted_at"]"#.to_owned(),
        prizes: r#"[{"name":"First","count":1}]"#.to_owned(),
        excluded: "[]".to_owned(),
        draw_seed: filled.then(|| "seed-1".to_owned()),
        created_by,
        created_at: T,
        updated_at: T + 1,
        published_at: filled.then_some(T + 2),
        results_computed_at: filled.then_some(T + 3),
        // Past 2^53: an i64 that a float would round.
        actual_figure: filled.then_some(9_007_199_254_740_993),
        finalized_at: filled.then_some(T + 4),
        digest: filled.then(|| "ab".repeat(32)),
        organisation_id: crane::domain::organisation::DEFAULT_ID.to_owned(),
        review_after_final: i64::from(filled),
    }
}

#[tokio::test]
async fn every_table_round_trips_through_its_entity() {
    let fresh = Fresh::new().await;
    let db = fresh.conn();

    let user_id = id();
    round_trip::<users::Entity>(
        db,
        user(user_id.clone(), "0912000001", true),
        user_id.clone(),
    )
    .await;

    let token_hash = "cd".repeat(32);
    round_trip::<sessions::Entity>(
        db,
        sessions::Model {
            token_hash: token_hash.clone(),
            user_id: user_id.clone(),
            created_at: T,
            last_seen_at: T + 5,
        },
        token_hash,
    )
    .await;

    let contest_id = id();
    round_trip::<contests::Entity>(
        db,
        contest(contest_id.clone(), user_id.clone(), true),
        contest_id.clone(),
    )
    .await;

    let question_id = id();
    round_trip::<questions::Entity>(
        db,
        questions::Model {
            id: question_id.clone(),
            contest_id: contest_id.clone(),
            position: 1,
            text: "Hiến pháp năm nào?".to_owned(),
            options: r#"[{"id":"k3","text":"2013"},{"id":"q9","text":"1992"}]"#.to_owned(),
            correct_option: 0,
            category: Some("history".to_owned()),
        },
        question_id.clone(),
    )
    .await;

    let attempt_id = id();
    round_trip::<attempts::Entity>(
        db,
        attempts::Model {
            id: attempt_id.clone(),
            contest_id: contest_id.clone(),
            user_id: user_id.clone(),
            seq: 1,
            status: "submitted".to_owned(),
            started_at: T + 10,
            deadline: T + 910_000,
            submitted_at: Some(T + 300_000),
            score: Some(17),
            question_count: 20,
            prediction: Some(3_000_000_000),
            paper: format!(r#"["{question_id}"]"#),
        },
        attempt_id.clone(),
    )
    .await;

    round_trip::<attempt_answers::Entity>(
        db,
        attempt_answers::Model {
            attempt_id: attempt_id.clone(),
            question_id: question_id.clone(),
            contest_id: contest_id.clone(),
            option_id: 1,
            correct: Some(1),
            saved_at: T + 20,
        },
        (attempt_id.clone(), question_id.clone()),
    )
    .await;

    round_trip::<results::Entity>(
        db,
        results::Model {
            contest_id: contest_id.clone(),
            rank: 1,
            user_id: user_id.clone(),
            attempt_id: attempt_id.clone(),
            score: 17,
            question_count: 20,
            prediction: Some(3_000_000_000),
            prediction_error: Some(-12),
            duration_ms: 299_990,
            submitted_at: T + 300_000,
            decided_by: Some("prediction".to_owned()),
            prize_index: Some(0),
        },
        (contest_id.clone(), 1),
    )
    .await;

    // A second person for the ineligible and disqualified rows.
    let other_id = id();
    round_trip::<users::Entity>(
        db,
        user(other_id.clone(), "0912000002", false),
        other_id.clone(),
    )
    .await;

    round_trip::<result_ineligible::Entity>(
        db,
        result_ineligible::Model {
            contest_id: contest_id.clone(),
            user_id: other_id.clone(),
            reason: "disqualified".to_owned(),
            attempt_id: id(),
            score: 20,
        },
        (contest_id.clone(), other_id.clone()),
    )
    .await;

    round_trip::<disqualifications::Entity>(
        db,
        disqualifications::Model {
            contest_id: contest_id.clone(),
            user_id: other_id.clone(),
            reason: "two accounts".to_owned(),
            by_user: user_id.clone(),
            at: T + 400_000,
        },
        (contest_id.clone(), other_id.clone()),
    )
    .await;

    let entry_id = id();
    round_trip::<audit_log::Entity>(
        db,
        audit_log::Model {
            id: entry_id.clone(),
            at: T + 500_000,
            actor_id: user_id.clone(),
            action: "disqualify".to_owned(),
            target: other_id.clone(),
            detail: r#"{"reason":"two accounts"}"#.to_owned(),
            organisation_id: Some(crane::domain::organisation::DEFAULT_ID.to_owned()),
        },
        entry_id,
    )
    .await;

    round_trip::<phone_codes::Entity>(
        db,
        phone_codes::Model {
            phone: "0912000001".to_owned(),
            purpose: "reset".to_owned(),
            salt: "00112233445566778899aabbccddeeff".to_owned(),
            code_hash: "ab".repeat(32),
            issued_at: T,
            expires_at: T + 300_000,
            checks: 2,
            used_at: Some(T + 60_000),
            issued_by: Some(user_id.clone()),
            last_request_at: T,
            requests_since: T - 3_600_000,
            requests: 3,
        },
        "0912000001",
    )
    .await;

    round_trip::<oidc_logins::Entity>(
        db,
        oidc_logins::Model {
            state_hash: "cd".repeat(32),
            verifier: "a-pkce-verifier".to_owned(),
            nonce: "a-nonce".to_owned(),
            next_path: "/contests".to_owned(),
            created_at: T,
        },
        "cd".repeat(32),
    )
    .await;

    round_trip::<oidc_signups::Entity>(
        db,
        oidc_signups::Model {
            token_hash: "ef".repeat(32),
            claims: r#"{"subject":"abc"}"#.to_owned(),
            next_path: "/".to_owned(),
            created_at: T,
        },
        "ef".repeat(32),
    )
    .await;

    round_trip::<identities::Entity>(
        db,
        identities::Model {
            issuer: "https://id.example.vn".to_owned(),
            subject: "abc".to_owned(),
            user_id: user_id.clone(),
            created_at: T,
        },
        ("https://id.example.vn".to_owned(), "abc".to_owned()),
    )
    .await;

    // The relations follow the foreign keys: both directions load.
    let with_sessions = users::Entity::load()
        .filter_by_id(user_id.clone())
        .with(sessions::Entity)
        .with(contests::Entity)
        .one(db)
        .await
        .expect("loading a user with relations")
        .expect("the user");
    assert_eq!(with_sessions.sessions.len(), 1);
    assert_eq!(with_sessions.contests.len(), 1);
    let owner = contests::Entity::find_by_id(contest_id.clone())
        .find_also_related(users::Entity)
        .one(db)
        .await
        .expect("contest with its creator")
        .expect("the contest");
    assert_eq!(owner.1.map(|u| u.id), Some(user_id.clone()));
}

#[tokio::test]
async fn nullable_columns_round_trip_as_none() {
    let fresh = Fresh::new().await;
    let db = fresh.conn();

    let user_id = id();
    round_trip::<users::Entity>(
        db,
        user(user_id.clone(), "0912000003", false),
        user_id.clone(),
    )
    .await;
    let contest_id = id();
    round_trip::<contests::Entity>(
        db,
        contest(contest_id.clone(), user_id.clone(), false),
        contest_id.clone(),
    )
    .await;
    let question_id = id();
    round_trip::<questions::Entity>(
        db,
        questions::Model {
            id: question_id.clone(),
            contest_id: contest_id.clone(),
            position: 1,
            text: "?".to_owned(),
            options: "[]".to_owned(),
            correct_option: 0,
            category: None,
        },
        question_id.clone(),
    )
    .await;
    let attempt_id = id();
    round_trip::<attempts::Entity>(
        db,
        attempts::Model {
            id: attempt_id.clone(),
            contest_id: contest_id.clone(),
            user_id: user_id.clone(),
            seq: 1,
            status: "open".to_owned(),
            started_at: T,
            deadline: T + 900_000,
            submitted_at: None,
            score: None,
            question_count: 20,
            prediction: None,
            paper: "[]".to_owned(),
        },
        attempt_id.clone(),
    )
    .await;
    round_trip::<attempt_answers::Entity>(
        db,
        attempt_answers::Model {
            attempt_id: attempt_id.clone(),
            question_id: question_id.clone(),
            contest_id: contest_id.clone(),
            option_id: 0,
            correct: None,
            saved_at: T,
        },
        (attempt_id.clone(), question_id),
    )
    .await;
    round_trip::<results::Entity>(
        db,
        results::Model {
            contest_id: contest_id.clone(),
            rank: 2,
            user_id,
            attempt_id,
            score: 0,
            question_count: 20,
            prediction: None,
            prediction_error: None,
            duration_ms: 1,
            submitted_at: T,
            decided_by: None,
            prize_index: None,
        },
        (contest_id, 2),
    )
    .await;
}

#[tokio::test]
async fn a_filtered_query_finds_rows_inserted_field_by_field() {
    let fresh = Fresh::new().await;
    let db = fresh.conn();

    for (n, actor) in ["alice", "bob", "alice"].into_iter().enumerate() {
        audit_log::ActiveModel {
            id: Set(id()),
            at: Set(T + n as i64),
            actor_id: Set(actor.to_owned()),
            action: Set("role_change".to_owned()),
            target: Set("someone".to_owned()),
            detail: Set("{}".to_owned()),
            organisation_id: Set(None),
        }
        .insert(db)
        .await
        .expect("inserting an audit entry");
    }

    let alices = audit_log::Entity::find()
        .filter(audit_log::COLUMN.actor_id.eq("alice"))
        .filter(audit_log::COLUMN.at.gte(T))
        .order_by_desc(audit_log::COLUMN.at)
        .all(db)
        .await
        .expect("querying the audit log");
    assert_eq!(
        alices.iter().map(|e| e.at).collect::<Vec<_>>(),
        vec![T + 2, T]
    );
}

/// A table as declared by an entity, or as found in the database.
#[derive(Debug, PartialEq)]
struct Shape {
    /// (name, "text" | "bigint", nullable), in column order.
    columns: Vec<(String, String, bool)>,
    primary_key: Vec<String>,
    /// (column, referenced table, referenced column, on delete)
    foreign_keys: BTreeSet<(String, String, String, String)>,
    /// Tables holding a foreign key to this one.
    referenced_by: BTreeSet<String>,
}

fn iden(identity: &Identity) -> String {
    match identity {
        Identity::Unary(c) => c.to_string(),
        other => panic!("single-column keys only, not {other:?}"),
    }
}

fn table_of(table: &TableRef) -> String {
    match table {
        TableRef::Table(name, _) => name.1.to_string(),
        other => panic!("a plain table, not {other:?}"),
    }
}

fn entity_shape<E>() -> Shape
where
    E: EntityTrait,
    E::Relation: Iterable,
{
    let columns = E::Column::iter()
        .map(|c| {
            let def = c.def();
            let ty = match def.get_column_type() {
                ColumnType::Text => "text".to_owned(),
                ColumnType::BigInteger => "bigint".to_owned(),
                other => format!("{other:?}"),
            };
            (c.as_str().to_owned(), ty, def.is_null())
        })
        .collect();
    let primary_key = E::PrimaryKey::iter()
        .map(|k| k.into_column().as_str().to_owned())
        .collect();
    let mut foreign_keys = BTreeSet::new();
    let mut referenced_by = BTreeSet::new();
    for relation in E::Relation::iter() {
        let def = relation.def();
        if def.is_owner {
            // has_many: the other table holds the key.
            referenced_by.insert(table_of(&def.to_tbl));
        } else {
            let on_delete = match def.on_delete {
                None => "NO ACTION".to_owned(),
                Some(ForeignKeyAction::Cascade) => "CASCADE".to_owned(),
                Some(other) => format!("{other:?}"),
            };
            foreign_keys.insert((
                iden(&def.from_col),
                table_of(&def.to_tbl),
                iden(&def.to_col),
                on_delete,
            ));
        }
    }
    Shape {
        columns,
        primary_key,
        foreign_keys,
        referenced_by,
    }
}

async fn rows(db: &DatabaseConnection, sql: &str, table: &str) -> Vec<sea_orm::QueryResult> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn text(row: &sea_orm::QueryResult, i: usize) -> String {
    row.try_get_by_index::<String>(i).expect("a text column")
}

type ForeignKeys = BTreeSet<(String, String, String, String)>;

async fn database_foreign_keys(db: &DatabaseConnection, table: &str) -> ForeignKeys {
    let sql = if db.get_database_backend() == DbBackend::Sqlite {
        r#"SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(?)"#
    } else {
        "SELECT kcu.column_name::text, ccu.table_name::text, ccu.column_name::text, \
                rc.delete_rule::text \
         FROM information_schema.referential_constraints rc \
         JOIN information_schema.key_column_usage kcu \
           ON kcu.constraint_schema = rc.constraint_schema \
          AND kcu.constraint_name = rc.constraint_name \
         JOIN information_schema.constraint_column_usage ccu \
           ON ccu.constraint_schema = rc.constraint_schema \
          AND ccu.constraint_name = rc.constraint_name \
         WHERE kcu.table_schema = 'public' AND kcu.table_name = $1"
    };
    rows(db, sql, table)
        .await
        .iter()
        .map(|r| (text(r, 0), text(r, 1), text(r, 2), text(r, 3)))
        .collect()
}

async fn database_tables(db: &DatabaseConnection) -> BTreeSet<String> {
    let sql = if db.get_database_backend() == DbBackend::Sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    } else {
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'"
    };
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("listing tables")
        .iter()
        .map(|r| text(r, 0))
        .filter(|t| t != "seaql_migrations")
        .collect()
}

async fn database_shape(db: &DatabaseConnection, table: &str) -> Shape {
    let (columns, primary_key);
    if db.get_database_backend() == DbBackend::Sqlite {
        let info = rows(
            db,
            r#"SELECT name, lower(type), "notnull", pk FROM pragma_table_info(?) ORDER BY cid"#,
            table,
        )
        .await;
        // SQLite lets a non-INTEGER primary key hold NULL unless it says NOT
        // NULL; the schema means those keys to be set, as PostgreSQL enforces.
        columns = info
            .iter()
            .map(|r| {
                let not_null = r.try_get_by_index::<i64>(2).unwrap() == 1;
                let pk = r.try_get_by_index::<i64>(3).unwrap() > 0;
                (text(r, 0), text(r, 1), !(not_null || pk))
            })
            .collect();
        let mut keyed: Vec<(i64, String)> = info
            .iter()
            .map(|r| (r.try_get_by_index::<i64>(3).unwrap(), text(r, 0)))
            .filter(|(pk, _)| *pk > 0)
            .collect();
        keyed.sort();
        primary_key = keyed.into_iter().map(|(_, c)| c).collect();
    } else {
        columns = rows(
            db,
            "SELECT column_name::text, data_type::text, is_nullable::text \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        .await
        .iter()
        .map(|r| (text(r, 0), text(r, 1), text(r, 2) == "YES"))
        .collect();
        primary_key = rows(
            db,
            "SELECT kcu.column_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu \
               ON kcu.constraint_schema = tc.constraint_schema \
              AND kcu.constraint_name = tc.constraint_name \
             WHERE tc.constraint_type = 'PRIMARY KEY' \
               AND tc.table_schema = 'public' AND tc.table_name = $1 \
             ORDER BY kcu.ordinal_position",
            table,
        )
        .await
        .iter()
        .map(|r| text(r, 0))
        .collect();
    }
    let mut referenced_by = BTreeSet::new();
    for other in database_tables(db).await {
        if database_foreign_keys(db, &other)
            .await
            .iter()
            .any(|(_, to, _, _)| to == table)
        {
            referenced_by.insert(other);
        }
    }
    Shape {
        columns,
        primary_key,
        foreign_keys: database_foreign_keys(db, table).await,
        referenced_by,
    }
}

fn declared<E>() -> (String, Shape)
where
    E: EntityTrait,
    E::Relation: Iterable,
{
    (E::default().table_name().to_owned(), entity_shape::<E>())
}

#[tokio::test]
async fn every_entity_declares_its_tables_columns_types_keys_and_foreign_keys() {
    let fresh = Fresh::new().await;
    let db = fresh.conn();

    let entities = [
        declared::<users::Entity>(),
        declared::<sessions::Entity>(),
        declared::<contests::Entity>(),
        declared::<questions::Entity>(),
        declared::<attempts::Entity>(),
        declared::<attempt_answers::Entity>(),
        declared::<results::Entity>(),
        declared::<result_ineligible::Entity>(),
        declared::<disqualifications::Entity>(),
        declared::<audit_log::Entity>(),
        declared::<phone_codes::Entity>(),
        declared::<organisations::Entity>(),
        declared::<oidc_logins::Entity>(),
        declared::<oidc_signups::Entity>(),
        declared::<identities::Entity>(),
    ];
    assert_eq!(
        entities
            .iter()
            .map(|(t, _)| t.clone())
            .collect::<BTreeSet<_>>(),
        database_tables(db).await,
        "one entity per table"
    );
    for (table, shape) in entities {
        assert_eq!(shape, database_shape(db, &table).await, "{table}");
    }
}
