//! The demo: "Tìm hiểu về Sếu đầu đỏ", a 40-question bank about the crane and
//! Tràm Chim National Park, open for ten days from now, with the real contest's
//! prizes and demo organiser and admin accounts.

use crate::app::{Ctx, accounts, contests};
use crate::domain::account::Role;
use crate::domain::clock::to_rfc3339;
use crate::domain::contest::{ContestDraft, ContestSettings, PrizeDraft};
use crate::domain::ids::ContestId;
use crate::domain::question;
use crate::store::users;
use anyhow::{Context, anyhow};

const BANK: &[u8] = include_bytes!("demo/bank.csv");

pub struct DemoAccount {
    pub role: &'static str,
    pub phone: &'static str,
    pub password: Option<String>,
}

pub struct Demo {
    pub contest_id: ContestId,
    pub accounts: Vec<DemoAccount>,
}

fn random_password() -> String {
    let mut b = [0u8; 9];
    rand::fill(&mut b);
    format!("sếu-{}", hex::encode(b))
}

/// Loads the demo contest (and the demo staff accounts unless they exist).
pub async fn load(ctx: Ctx<'_>) -> anyhow::Result<Demo> {
    let db = ctx.db;
    let mut accounts = Vec::new();
    let mut organiser = None;
    for (role, phone, name) in [
        (Role::Organiser, "0900000001", "Ban tổ chức (demo)"),
        (Role::Admin, "0900000002", "Quản trị viên (demo)"),
    ] {
        match users::find_for_login(db, phone).await? {
            Some((u, _)) => {
                organiser.get_or_insert(u);
                accounts.push(DemoAccount {
                    role: role.as_str(),
                    phone,
                    password: None,
                });
            }
            None => {
                let password = random_password();
                let u = accounts::create_staff(
                    ctx,
                    phone,
                    name,
                    &password,
                    role,
                    "Đồng Tháp",
                    "Tràm Chim",
                )
                .await?;
                organiser.get_or_insert(u);
                accounts.push(DemoAccount {
                    role: role.as_str(),
                    phone,
                    password: Some(password),
                });
            }
        }
    }
    let now = ctx.clock.now();
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let input = ContestDraft {
        title: Some("Tìm hiểu về Sếu đầu đỏ".into()),
        description: Some(
            "Cuộc thi trắc nghiệm trực tuyến tìm hiểu về loài Sếu đầu đỏ và Vườn quốc gia Tràm Chim (Đồng Tháp), \
             nâng cao ý thức bảo vệ loài chim quý hiếm và vùng đất ngập nước Đồng Tháp Mười."
                .into(),
        ),
        rules: Some(
            "Mỗi lượt thi gồm 20 câu hỏi chọn ngẫu nhiên từ ngân hàng câu hỏi, làm trong 10 phút. \
             Mỗi người được thi tối đa 3 lượt; lượt có kết quả tốt nhất được tính.\n\
             Xếp hạng: nhiều câu đúng hơn; nếu bằng nhau, dự đoán gần đúng hơn số người trả lời đúng tất cả; \
             nếu vẫn bằng, thời gian làm bài ngắn hơn; rồi nộp bài sớm hơn; cuối cùng bốc thăm công khai.\n\
             Thành viên ban tổ chức không được nhận giải."
                .into(),
        ),
        starts_at: Some(to_rfc3339(now, tz)),
        ends_at: Some(to_rfc3339(now + 10 * 86_400_000, tz)),
        questions_per_attempt: Some(20),
        time_limit_seconds: Some(600),
        max_attempts: Some(3),
        prizes: Some(vec![
            PrizeDraft { name: "Giải Nhất".into(), count: 1, amount: 5_000_000 },
            PrizeDraft { name: "Giải Nhì".into(), count: 1, amount: 4_000_000 },
            PrizeDraft { name: "Giải Ba".into(), count: 1, amount: 3_000_000 },
            PrizeDraft { name: "Giải Khuyến khích".into(), count: 3, amount: 1_000_000 },
        ]),
        ..Default::default()
    };
    let settings = ContestSettings::parse(&input, None)
        .map_err(|e| anyhow!("demo settings invalid: {e:?}"))?;
    let organiser = organiser.context("demo organiser missing")?;
    let contest = contests::create(ctx, &settings, &organiser).await?;
    let bank = question::parse_csv(BANK).map_err(|e| anyhow!("demo bank invalid: {e:?}"))?;
    contests::add_questions(ctx, &contest, &bank).await?;
    contests::publish(ctx, &contest).await?;
    Ok(Demo {
        contest_id: contest.id,
        accounts,
    })
}

/// Prints what a newcomer needs: where to go, how to sign in, and where the
/// registration code goes when no SMS gateway is set.
pub fn print(demo: &Demo, address: &str, sms_provider: &str) {
    println!(
        "Demo contest \"Tìm hiểu về Sếu đầu đỏ\" loaded: {address}/contests/{}",
        demo.contest_id
    );
    for a in &demo.accounts {
        match &a.password {
            Some(p) => println!("  demo {:<9} phone {}  password {}", a.role, a.phone, p),
            None => println!(
                "  demo {:<9} phone {}  (already existed; password unchanged)",
                a.role, a.phone
            ),
        }
    }
    if sms_provider == "console" {
        println!(
            "  To register as a citizen: {address}/register — no SMS gateway is set \
             (sms.provider = \"console\"), so the 6-digit code is written to this log, \
             on a line with \"sms (console provider)\": its text begins with the code."
        );
    }
}
