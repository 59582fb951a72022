//! The demo: "Tìm hiểu về Sếu đầu đỏ", a 40-question bank about the crane and
//! Tràm Chim National Park, open for ten days from now, with the real contest's
//! prizes; a second contest on the same bank run by a second organisation (the
//! Youth Union); an organiser for each and an admin.

use crate::app::{Ctx, accounts, contests};
use crate::domain::account::Role;
use crate::domain::clock::to_rfc3339;
use crate::domain::contest::{ContestDraft, ContestSettings, PrizeDraft};
use crate::domain::ids::ContestId;
use crate::domain::organisation::OrganisationPatch;
use crate::domain::question;
use crate::store::{organisations, users};
use anyhow::{Context, anyhow};

const BANK: &[u8] = include_bytes!("demo/bank.csv");

pub struct DemoAccount {
    pub role: &'static str,
    pub phone: &'static str,
    pub password: Option<String>,
}

pub struct Demo {
    /// Each contest's title and id.
    pub contests: Vec<(&'static str, ContestId)>,
    pub accounts: Vec<DemoAccount>,
}

fn random_password() -> String {
    let mut b = [0u8; 9];
    rand::fill(&mut b);
    format!("sếu-{}", hex::encode(b))
}

/// The second organisation of the demo, so a newcomer sees at once that an
/// organiser reaches only their own organisation's contests.
const YOUTH_UNION: (&str, &str, &str) = (
    "Đoàn Thanh niên tỉnh Đồng Tháp",
    "doan-thanh-nien-dong-thap",
    "0277 3851 111",
);

/// Loads the demo: the default organisation's contest and the Youth Union's,
/// an organiser for each and an admin (accounts that exist are kept).
pub async fn load(ctx: Ctx<'_>) -> anyhow::Result<Demo> {
    let youth = match organisations::find_by_slug(ctx.db, YOUTH_UNION.1).await? {
        Some(o) => o,
        None => {
            let patch = OrganisationPatch::parse(
                Some(YOUTH_UNION.0),
                Some(YOUTH_UNION.1),
                Some(YOUTH_UNION.2),
                Some("Đoàn TNCS Hồ Chí Minh tỉnh Đồng Tháp tổ chức các cuộc thi tìm hiểu dành cho đoàn viên, thanh niên."),
                true,
            )
            .map_err(|e| anyhow!("demo organisation invalid: {e:?}"))?;
            organisations::create(ctx.db, &patch, ctx.clock.now()).await?
        }
    };
    let mut accounts = Vec::new();
    let mut staff = Vec::new();
    for (role, phone, name, organisation) in [
        (Role::Organiser, "0900000001", "Ban tổ chức (demo)", None),
        (
            Role::Organiser,
            "0900000003",
            "Đoàn Thanh niên (demo)",
            Some(youth.id),
        ),
        (Role::Admin, "0900000002", "Quản trị viên (demo)", None),
    ] {
        let (user, password) = match users::find_for_login(ctx.db, phone).await? {
            Some((u, _)) => (u, None),
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
                (u, Some(password))
            }
        };
        let user = match organisation {
            Some(o) if user.organisation_id.as_deref() != Some(&o.to_string()) => {
                let id = user.user_id().context("stored user id")?;
                users::set_role(ctx.db, id, role, Some(&o.to_string()), id, ctx.clock.now())
                    .await?
                    .context("demo organiser vanished")?
            }
            _ => user,
        };
        accounts.push(DemoAccount {
            role: role.as_str(),
            phone,
            password,
        });
        staff.push(user);
    }
    let bank = question::parse_csv(BANK).map_err(|e| anyhow!("demo bank invalid: {e:?}"))?;
    let mut contest_ids = Vec::new();
    for (organiser, title) in [
        (&staff[0], "Tìm hiểu về Sếu đầu đỏ"),
        (&staff[1], "Tuổi trẻ Đồng Tháp với Vườn quốc gia Tràm Chim"),
    ] {
        let settings = settings(ctx, title)?;
        let contest = contests::create(ctx, &settings, organiser, None).await?;
        contests::add_questions(ctx, &contest, &bank).await?;
        contests::publish(ctx, &contest).await?;
        contest_ids.push((title, contest.id));
    }
    Ok(Demo {
        contests: contest_ids,
        accounts,
    })
}

/// The demo contest's settings, as the real contest had them.
fn settings(ctx: Ctx<'_>, title: &str) -> anyhow::Result<ContestSettings> {
    let now = ctx.clock.now();
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let input = ContestDraft {
        title: Some(title.into()),
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
    ContestSettings::parse(&input, None).map_err(|e| anyhow!("demo settings invalid: {e:?}"))
}

/// Prints what a newcomer needs: where to go, how to sign in, and where the
/// registration code goes when no SMS gateway is set.
pub fn print(demo: &Demo, address: &str, sms_provider: &str) {
    for (title, id) in &demo.contests {
        println!("Demo contest \"{title}\" loaded: {address}/contests/{id}");
    }
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
