//! A fresh database and what the scenarios should not measure, written straight
//! into it: accounts (one Argon2 hash computed once, reused for every row),
//! sessions (only `hex(sha256(token))` is stored, as the server does), contests
//! with their question banks, and the attempts a ranking run needs.
//!
//! Seeding uses multi-row INSERTs of literal values (every value is generated
//! here: ids, digits and fixed Vietnamese words) inside write transactions.

use crate::rng::Rng;
use anyhow::{Context, bail};
use crane::store::Db;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub const PASSWORD: &str = "Sếu đầu đỏ Tràm Chim 2024";
pub const QUESTIONS_PER_ATTEMPT: usize = 20;
pub const BANK_SIZE: usize = 200;
pub const CATEGORIES: [&str; 4] = ["Sinh học", "Vườn quốc gia Tràm Chim", "Bảo tồn", "Lịch sử"];
pub const OPTIONS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The benchmark's database: its URL, the driver's own pool (opened with the
/// app's settings), and how to drop it at the end.
pub struct BenchDb {
    pub url: String,
    pub backend: Backend,
    pub db: Db,
    pg_admin: Option<(String, String)>,
}

/// Settings as the app uses them (WAL, synchronous = FULL, busy timeout,
/// the served pool size), for the driver's own pool.
pub fn app_settings(url: &str) -> anyhow::Result<crane::settings::Settings> {
    let mut s = crane::settings::Settings::for_tests(url)?;
    s.database.max_connections = 0;
    Ok(s)
}

impl BenchDb {
    /// A fresh SQLite file in `dir`, or a fresh PostgreSQL database
    /// `crane_bench_<pid>` on `pg_base`; migrated.
    pub async fn create(backend: Backend, dir: &Path, pg_base: &str) -> anyhow::Result<Self> {
        let (url, pg_admin) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.join("crane.db").display()),
                None,
            ),
            Backend::Postgres => {
                let name = format!("crane_bench_{}", std::process::id());
                let admin_url = format!("{}/postgres", pg_base.trim_end_matches('/'));
                let admin = sea_orm::Database::connect(admin_url.as_str())
                    .await
                    .with_context(|| format!("connecting to {admin_url}"))?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                    .await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .context("creating the benchmark database")?;
                admin.close().await.ok();
                (
                    format!("{}/{name}", pg_base.trim_end_matches('/')),
                    Some((admin_url, name)),
                )
            }
        };
        let db = Db::connect(&app_settings(&url)?).await?;
        db.migrate().await?;
        Ok(Self {
            url,
            backend,
            db,
            pg_admin,
        })
    }

    /// Closes the pool and drops the PostgreSQL database (the SQLite file goes
    /// with its temporary directory).
    pub async fn drop_db(self) -> anyhow::Result<()> {
        self.db.conn.close().await.ok();
        if let Some((admin_url, name)) = self.pg_admin {
            let admin = sea_orm::Database::connect(admin_url.as_str()).await?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .context("dropping the benchmark database")?;
            admin.close().await.ok();
        }
        Ok(())
    }

    /// What the header says about durability.
    pub async fn durability(&self) -> String {
        let one = |sql: &'static str| async move {
            match self
                .db
                .conn
                .query_one_raw(self.db.stmt(sql, []))
                .await
                .ok()
                .flatten()
            {
                Some(r) => r
                    .try_get_by_index::<String>(0)
                    .or_else(|_| r.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                    .unwrap_or_default(),
                None => String::new(),
            }
        };
        match self.backend {
            Backend::Sqlite => {
                let sync = match one("PRAGMA synchronous").await.as_str() {
                    "0" => "OFF".to_owned(),
                    "1" => "NORMAL".to_owned(),
                    "2" => "FULL".to_owned(),
                    "3" => "EXTRA".to_owned(),
                    other => other.to_owned(),
                };
                format!(
                    "journal_mode={}, synchronous={sync}, write transactions BEGIN IMMEDIATE",
                    one("PRAGMA journal_mode").await
                )
            }
            Backend::Postgres => format!(
                "{}; fsync={}, synchronous_commit={}, full_page_writes={}, shared_buffers={}, autovacuum={}",
                one("SELECT version()")
                    .await
                    .split(" on ")
                    .next()
                    .unwrap_or(""),
                one("SHOW fsync").await,
                one("SHOW synchronous_commit").await,
                one("SHOW full_page_writes").await,
                one("SHOW shared_buffers").await,
                one("SHOW autovacuum").await
            ),
        }
    }
}

/// `'text'` with quotes doubled.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt_lit(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_owned(), lit)
}

/// Inserts `rows` (each a parenthesised tuple of literals) into `head`
/// (`INSERT INTO t (cols)`), `per_stmt` rows per statement, 50 statements per
/// write transaction.
pub async fn insert_rows(
    db: &Db,
    head: &str,
    rows: impl IntoIterator<Item = String>,
    per_stmt: usize,
) -> anyhow::Result<u64> {
    let mut rows = rows.into_iter().peekable();
    let mut total = 0u64;
    while rows.peek().is_some() {
        let (_turn, tx) = db.write().await?;
        for _ in 0..50 {
            if rows.peek().is_none() {
                break;
            }
            let mut sql = String::with_capacity(per_stmt * 160);
            sql.push_str(head);
            sql.push_str(" VALUES ");
            for (i, r) in rows.by_ref().take(per_stmt).enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&r);
                total += 1;
            }
            tx.execute_unprepared(&sql)
                .await
                .with_context(|| format!("seeding: {head}"))?;
        }
        tx.commit().await?;
    }
    Ok(total)
}

const FAMILY: [&str; 14] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Đức", "Thu"];
const GIVEN: [&str; 20] = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khoa", "Lan",
    "Linh", "Long", "Mai", "Nam", "Phúc", "Quân", "Thảo", "Tùng",
];
const PLACES: [(&str, &str, &str); 6] = [
    ("Đồng Tháp", "Tràm Chim", "khóm 2"),
    ("Đồng Tháp", "Mỹ Hội", "ấp Đông Mỹ"),
    ("An Giang", "Long Xuyên", "khóm Bình Thới"),
    ("Cần Thơ", "Ninh Kiều", "khu vực 3"),
    ("Vĩnh Long", "Trà Ôn", "ấp Hòa Quới"),
    ("Thành phố Hồ Chí Minh", "Bến Nghé", "tổ 5"),
];

fn person(i: u64) -> (String, (&'static str, &'static str, &'static str)) {
    let name = format!(
        "{} {} {}",
        FAMILY[(i % 14) as usize],
        MIDDLE[(i / 14 % 8) as usize],
        GIVEN[(i / 112 % 20) as usize]
    );
    (name, PLACES[(i / 7 % 6) as usize])
}

/// One user row; `national_id` only for some, so the unique index has work.
fn user_row(id: &str, phone: &str, hash: &str, role: &str, i: u64, now: i64) -> String {
    let (name, (province, commune, hamlet)) = person(i);
    let national_id = i
        .is_multiple_of(10)
        .then(|| format!("{}{:08}", &phone[..4], i));
    let dob = i
        .is_multiple_of(10)
        .then(|| format!("19{:02}-0{}-1{}", 50 + i % 50, 1 + i % 9, i % 10));
    format!(
        "({}, {}, {}, {}, {}, {}, NULL, {}, {}, {}, {}, {now})",
        lit(id),
        lit(phone),
        opt_lit(national_id.as_deref()),
        lit(hash),
        lit(&name),
        lit(province),
        lit(commune),
        lit(hamlet),
        opt_lit(dob.as_deref()),
        lit(role)
    )
}

const USER_HEAD: &str = "INSERT INTO users (id, phone, national_id, password_hash, full_name, province, district, commune, hamlet, date_of_birth, role, created_at)";

/// A seeded account with a live session.
#[derive(Clone, Debug)]
pub struct Player {
    pub id: String,
    pub phone: String,
    pub token: String,
}

/// One question of a seeded bank, with its answer.
#[derive(Clone, Debug)]
pub struct Question {
    pub id: String,
    pub category: usize,
    pub options: Vec<u32>,
    pub correct: u32,
}

#[derive(Clone, Debug)]
pub struct Contest {
    pub id: String,
    pub bank: Arc<HashMap<String, Question>>,
}

/// One seeded attempt of the ranking contest, compactly.
#[derive(Clone, Debug)]
pub struct SeedAttempt {
    pub id: String,
    pub user: u32,
    pub score: u32,
    pub question_count: u32,
    pub prediction: Option<i64>,
    pub started_at: i64,
    pub submitted_at: i64,
}

/// The ranking contest: everything the driver's own sort needs.
pub struct RankData {
    pub contest: Contest,
    pub seed: String,
    pub users: Vec<(String, String)>,
    pub attempts: Vec<SeedAttempt>,
    /// Users on the contest's exclusion list (by phone).
    pub excluded: Vec<u32>,
    /// (name, count, amount)
    pub prizes: Vec<(String, u32, i64)>,
}

/// An open attempt whose deadline + grace passed long ago: a submit must be refused.
#[derive(Clone, Debug)]
pub struct Stale {
    pub attempt_id: String,
    pub token: String,
}

pub struct World {
    pub admin_token: String,
    pub players: Vec<Player>,
    pub rush: Contest,
    pub play: Contest,
    pub rank: RankData,
    pub stale: Vec<Stale>,
}

pub struct Sizes {
    pub players: usize,
    pub rank_attempts: usize,
    pub stale: usize,
}

fn token(rng: &mut Rng) -> String {
    let mut t = String::with_capacity(64);
    for _ in 0..4 {
        t.push_str(&format!("{:016x}", rng.next()));
    }
    t
}

fn uuid(rng: &mut Rng) -> String {
    let hi = rng.next().to_be_bytes();
    let lo = rng.next().to_be_bytes();
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&hi);
    b[8..].copy_from_slice(&lo);
    uuid::Builder::from_random_bytes(b)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Contest rows as the store writes them.
#[allow(clippy::too_many_arguments)]
async fn insert_contest(
    db: &Db,
    id: &str,
    title: &str,
    starts_at: i64,
    ends_at: i64,
    time_limit: i64,
    max_attempts: i64,
    prizes: &[(String, u32, i64)],
    excluded: &[String],
    seed: &str,
    admin: &str,
    now: i64,
) -> anyhow::Result<()> {
    let prizes_json = serde_json::to_string(
        &prizes
            .iter()
            .map(|(n, c, a)| serde_json::json!({"name": n, "count": c, "amount": a}))
            .collect::<Vec<_>>(),
    )?;
    let sql = format!(
        "INSERT INTO contests (id, title, description, rules, state, starts_at, ends_at, timezone, questions_per_attempt,
            time_limit_seconds, max_attempts, counted_attempt, grace_seconds, prediction_enabled, prediction_question,
            prediction_actual, tie_break, prizes, excluded, draw_seed, created_by, created_at, updated_at, published_at)
         VALUES ({}, {}, {}, {}, 'published', {starts_at}, {ends_at}, 'Asia/Ho_Chi_Minh', {QUESTIONS_PER_ATTEMPT},
            {time_limit}, {max_attempts}, 'best', 15, 1, {}, 'all_correct_participants',
            {}, {}, {}, {}, {}, {now}, {now}, {now})",
        lit(id),
        lit(title),
        lit("Cuộc thi trực tuyến tìm hiểu về loài Sếu đầu đỏ và Vườn quốc gia Tràm Chim."),
        lit("Mỗi lượt thi gồm 20 câu hỏi trắc nghiệm, thời gian làm bài 10 phút."),
        lit("Có bao nhiêu người trả lời đúng tất cả các câu hỏi?"),
        lit(r#"["score","prediction","duration","submitted_at"]"#),
        lit(&prizes_json),
        lit(&serde_json::to_string(excluded)?),
        lit(seed),
        lit(admin),
    );
    db.conn
        .execute_unprepared(&sql)
        .await
        .context("seeding a contest")?;
    Ok(())
}

/// A bank of `BANK_SIZE` questions in 4 equal categories, 4 options each.
async fn insert_bank(db: &Db, contest_id: &str, rng: &mut Rng) -> anyhow::Result<Contest> {
    let mut bank = HashMap::new();
    let mut rows = Vec::with_capacity(BANK_SIZE);
    for pos in 0..BANK_SIZE {
        let id = uuid(rng);
        let category = pos % CATEGORIES.len();
        let mut options: Vec<u32> = Vec::with_capacity(OPTIONS);
        while options.len() < OPTIONS {
            let o = (rng.next() % 1_000_000_000) as u32 + 1;
            if !options.contains(&o) {
                options.push(o);
            }
        }
        let correct = options[rng.below(OPTIONS as u64) as usize];
        let opts_json: Vec<serde_json::Value> = options
            .iter()
            .enumerate()
            .map(|(k, o)| serde_json::json!({"id": o, "text": format!("Phương án {} của câu {}", k + 1, pos + 1)}))
            .collect();
        rows.push(format!(
            "({}, {}, {}, {}, {}, {correct}, {})",
            lit(&id),
            lit(contest_id),
            pos + 1,
            lit(&format!(
                "Câu {}: Sếu đầu đỏ (Grus antigone sharpii) thường xuất hiện ở Tràm Chim vào mùa nào?",
                pos + 1
            )),
            lit(&serde_json::to_string(&opts_json)?),
            lit(CATEGORIES[category]),
        ));
        bank.insert(
            id.clone(),
            Question {
                id,
                category,
                options,
                correct,
            },
        );
    }
    insert_rows(
        db,
        "INSERT INTO questions (id, contest_id, position, text, options, correct_option, category)",
        rows,
        200,
    )
    .await?;
    Ok(Contest {
        id: contest_id.to_owned(),
        bank: Arc::new(bank),
    })
}

/// The Argon2id hash of [`PASSWORD`], with the app's parameters, computed once.
pub async fn password_hash() -> anyhow::Result<String> {
    crane::hashing::Hasher::new(1, 1)
        .hash(PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Seeds everything; `now` is the server's clock (the system clock).
pub async fn seed(db: &Db, sizes: &Sizes, now: i64) -> anyhow::Result<World> {
    let mut rng = Rng::new(0x5EED_C4A7E);
    let hash = password_hash().await?;

    // Staff: one admin with a session.
    let admin_id = uuid(&mut rng);
    let admin_token = token(&mut rng);
    insert_rows(
        db,
        USER_HEAD,
        [user_row(&admin_id, "0500000001", &hash, "admin", 1, now)],
        1,
    )
    .await?;

    // Players with live sessions.
    let players: Vec<Player> = (0..sizes.players)
        .map(|i| Player {
            id: uuid(&mut rng),
            phone: format!("09{:08}", i + 1),
            token: token(&mut rng),
        })
        .collect();
    insert_rows(
        db,
        USER_HEAD,
        players
            .iter()
            .enumerate()
            .map(|(i, p)| user_row(&p.id, &p.phone, &hash, "participant", i as u64, now)),
        1000,
    )
    .await?;
    let sessions = std::iter::once((admin_token.clone(), admin_id.clone()))
        .chain(players.iter().map(|p| (p.token.clone(), p.id.clone())))
        .map(|(t, u)| {
            format!(
                "({}, {}, {now}, {now})",
                lit(&crane::store::sessions::token_hash(&t)),
                lit(&u)
            )
        });
    insert_rows(
        db,
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at)",
        sessions,
        1000,
    )
    .await?;

    // The opening-rush contest and the play contest: open now.
    let day = 86_400_000;
    let rush_id = uuid(&mut rng);
    let default_prizes = vec![
        ("Giải Nhất".to_owned(), 1, 5_000_000),
        ("Giải Nhì".to_owned(), 1, 4_000_000),
        ("Giải Ba".to_owned(), 1, 3_000_000),
        ("Giải Khuyến khích".to_owned(), 3, 1_000_000),
    ];
    insert_contest(
        db,
        &rush_id,
        "Tìm hiểu về Sếu đầu đỏ — mở cổng",
        now - 3_600_000,
        now + 10 * day,
        3_600,
        3,
        &default_prizes,
        &[],
        &token(&mut rng),
        &admin_id,
        now,
    )
    .await?;
    let rush = insert_bank(db, &rush_id, &mut rng).await?;
    let play_id = uuid(&mut rng);
    insert_contest(
        db,
        &play_id,
        "Tìm hiểu về Sếu đầu đỏ — buổi tối cuối",
        now - 9 * day,
        now + day,
        600,
        100,
        &default_prizes,
        &[],
        &token(&mut rng),
        &admin_id,
        now,
    )
    .await?;
    let play = insert_bank(db, &play_id, &mut rng).await?;

    // Open attempts of the play contest whose time ran out long ago.
    let stale_users = &players[players.len() - sizes.stale..];
    let paper: Vec<serde_json::Value> = play
        .bank
        .values()
        .take(QUESTIONS_PER_ATTEMPT)
        .map(|q| serde_json::json!({"q": q.id, "o": q.options}))
        .collect();
    let paper = serde_json::to_string(&paper)?;
    let mut stale = Vec::new();
    let mut stale_rows = Vec::new();
    for p in stale_users {
        let id = uuid(&mut rng);
        let started = now - 2 * 3_600_000;
        stale_rows.push(format!(
            "({}, {}, {}, 1, 'open', {started}, {}, {QUESTIONS_PER_ATTEMPT}, {})",
            lit(&id),
            lit(&play_id),
            lit(&p.id),
            started + 600_000,
            lit(&paper)
        ));
        stale.push(Stale {
            attempt_id: id,
            token: p.token.clone(),
        });
    }
    insert_rows(
        db,
        "INSERT INTO attempts (id, contest_id, user_id, seq, status, started_at, deadline, question_count, paper)",
        stale_rows,
        100,
    )
    .await?;

    let rank = seed_ranking(db, sizes.rank_attempts, &hash, &admin_id, now, &mut rng).await?;
    Ok(World {
        admin_token,
        players,
        rush,
        play,
        rank,
        stale,
    })
}

/// The ranking contest: ended yesterday, ~2.33 attempts per participant,
/// scores, predictions and durations spread like a real contest, a few exact
/// ties for the draw, some expired attempts without a prediction, and a few
/// committee members on the exclusion list.
async fn seed_ranking(
    db: &Db,
    target_attempts: usize,
    hash: &str,
    admin_id: &str,
    now: i64,
    rng: &mut Rng,
) -> anyhow::Result<RankData> {
    let day = 86_400_000;
    let starts = now - 11 * day;
    let ends = now - day;
    let n_users = ((target_attempts as f64 / 2.33).round() as usize).max(10);
    let users: Vec<(String, String)> = (0..n_users)
        .map(|i| (uuid(rng), format!("03{:08}", i + 1)))
        .collect();
    let excluded: Vec<u32> = (0..3).map(|k| (k * n_users / 3 + 1) as u32).collect();
    let excluded_phones: Vec<String> = excluded
        .iter()
        .map(|&u| users[u as usize].1.clone())
        .collect();
    // Enough winners for a "top 1,000" export.
    let prizes = vec![
        ("Giải Nhất".to_owned(), 1, 5_000_000),
        ("Giải Nhì".to_owned(), 2, 4_000_000),
        ("Giải Ba".to_owned(), 3, 3_000_000),
        ("Giải Khuyến khích".to_owned(), 994, 500_000),
    ];
    let contest_id = uuid(rng);
    let seed = token(rng);
    insert_contest(
        db,
        &contest_id,
        "Tìm hiểu về Sếu đầu đỏ — kết quả",
        starts,
        ends,
        600,
        3,
        &prizes,
        &excluded_phones,
        &seed,
        admin_id,
        now,
    )
    .await?;
    let contest = insert_bank(db, &contest_id, rng).await?;
    insert_rows(
        db,
        USER_HEAD,
        users.iter().enumerate().map(|(i, (id, phone))| {
            user_row(id, phone, hash, "participant", 1_000_000 + i as u64, starts)
        }),
        1000,
    )
    .await?;

    // Predictions aim near the expected number of all-correct participants.
    let guess = (n_users as f64 * 0.08).max(5.0) as u64;
    let mut attempts = Vec::with_capacity(target_attempts + 16);
    let mut previous: Option<SeedAttempt> = None;
    for (u, _) in users.iter().enumerate() {
        let roll = rng.below(100);
        let k = if roll < 20 {
            1
        } else if roll < 47 {
            2
        } else {
            3
        };
        let skill = 0.55 + 0.45 * rng.unit().powf(0.6);
        // Every 200th participant copies the one before exactly: a tie only
        // the draw can break.
        if u % 200 == 199
            && let Some(p) = previous.clone()
        {
            attempts.push(SeedAttempt {
                id: uuid(rng),
                user: u as u32,
                ..p
            });
            continue;
        }
        for _ in 0..k {
            let started_at = starts + rng.below((ends - starts - 700_000) as u64) as i64;
            let expired = rng.below(100) < 3;
            let score = (0..20).filter(|_| rng.unit() < skill).count() as u32;
            let (prediction, submitted_at) = if expired {
                (None, started_at + 600_000)
            } else {
                (
                    Some(rng.below(2 * guess) as i64),
                    started_at + 30_000 + rng.below(570_000) as i64,
                )
            };
            let a = SeedAttempt {
                id: uuid(rng),
                user: u as u32,
                score,
                question_count: QUESTIONS_PER_ATTEMPT as u32,
                prediction,
                started_at,
                submitted_at,
            };
            previous = Some(a.clone());
            attempts.push(a);
        }
    }
    let mut seq: HashMap<u32, u32> = HashMap::new();
    let rows: Vec<String> = attempts
        .iter()
        .map(|a| {
            let s = seq.entry(a.user).or_default();
            *s += 1;
            let status = if a.prediction.is_none() {
                "expired"
            } else {
                "submitted"
            };
            format!(
                "({}, {}, {}, {s}, '{status}', {}, {}, {}, {}, {}, {}, '[]')",
                lit(&a.id),
                lit(&contest_id),
                lit(&users[a.user as usize].0),
                a.started_at,
                a.started_at + 600_000,
                a.submitted_at,
                a.score,
                a.question_count,
                a.prediction
                    .map_or_else(|| "NULL".to_owned(), |p| p.to_string()),
            )
        })
        .collect();
    insert_rows(
        db,
        "INSERT INTO attempts (id, contest_id, user_id, seq, status, started_at, deadline, submitted_at, score, question_count, prediction, paper)",
        rows,
        1000,
    )
    .await?;
    if attempts.is_empty() {
        bail!("no attempts seeded");
    }
    // Marked answers for some of them, so the answers table has a history and
    // the planner's statistics look like a service that has run contests
    // before (on a fresh, empty table PostgreSQL caches sequential-scan plans).
    let questions: Vec<&Question> = contest.bank.values().take(QUESTIONS_PER_ATTEMPT).collect();
    let answered = (attempts.len() / 8).clamp(1, 5_000);
    let contest_lit = lit(&contest_id);
    let contest_lit = &contest_lit;
    let answer_rows = attempts[..answered].iter().flat_map(|a| {
        questions.iter().enumerate().map(move |(k, q)| {
            let right = (k as u32) < a.score;
            let option = if right {
                q.correct
            } else {
                q.options
                    .iter()
                    .copied()
                    .find(|o| *o != q.correct)
                    .unwrap_or(q.correct)
            };
            format!(
                "({}, {}, {}, {option}, {}, {})",
                lit(&a.id),
                lit(&q.id),
                contest_lit,
                i64::from(right),
                a.submitted_at
            )
        })
    });
    insert_rows(
        db,
        "INSERT INTO attempt_answers (attempt_id, question_id, contest_id, option_id, correct, saved_at)",
        answer_rows,
        1000,
    )
    .await?;
    Ok(RankData {
        contest,
        seed,
        users,
        attempts,
        excluded,
        prizes,
    })
}

/// Makes the seeded tables look like a service that has been running:
/// statistics for the planner, visibility map and hint bits set (otherwise
/// autovacuum and first-read hint-bit writes land in the middle of the load).
pub async fn analyze(db: &Db) -> anyhow::Result<()> {
    db.conn.execute_unprepared("VACUUM (ANALYZE)").await?;
    Ok(())
}

/// Runs `sql` in one write transaction (BEGIN IMMEDIATE on SQLite).
pub async fn in_write_tx(db: &Db, sql: &str) -> anyhow::Result<u64> {
    let (_turn, tx) = db.write().await?;
    let n = tx.execute_unprepared(sql).await?.rows_affected();
    tx.commit().await?;
    Ok(n)
}
