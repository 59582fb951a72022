//! The command line: `crane serve` (default), `crane migrate`,
//! `crane admin create`, `crane demo`.

use crate::domain::Problems;
use crate::domain::account::{Address, FullName, Registration, Role};
use crate::domain::clock::Clock;
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::hashing::Hasher;
use crate::settings::{Settings, redact_url};
use crate::store::{Db, users};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::io::BufRead;

#[derive(Parser, Debug)]
#[command(
    name = "crane",
    version,
    about = "Online quiz contests for public bodies"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo contest "Tìm hiểu về Sếu đầu đỏ" and its staff accounts.
    Demo,
    /// Results, for admins who work in a shell.
    Results {
        #[command(subcommand)]
        command: ResultsCommand,
    },
    /// Manage accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ResultsCommand {
    /// Rank the contest from its stored attempts and store the ranking.
    Compute { contest: String },
    /// Compute, then freeze the ranking with its SHA-256 digest.
    Finalize { contest: String },
    /// Recompute the ranking from the stored attempts and compare its digest
    /// with the finalized one; exits non-zero on a mismatch.
    Verify { contest: String },
    /// Write the winners (xlsx or csv) or the full leaderboard (leaderboard-csv) to a file.
    Export {
        contest: String,
        /// winners-xlsx, winners-csv or leaderboard-csv
        #[arg(long, default_value = "winners-xlsx")]
        format: String,
        /// Output file.
        #[arg(long)]
        out: std::path::PathBuf,
        /// CSV separator: , or ;
        #[arg(long, default_value = ",")]
        sep: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an admin (or organiser) account. The password comes from
    /// CRANE_ADMIN_PASSWORD, else from one line of standard input.
    Create {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        name: String,
        /// admin or organiser
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long, default_value = "-")]
        province: String,
        #[arg(long, default_value = "-")]
        commune: String,
    },
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            println!(
                "migrations applied to {}",
                redact_url(&settings.database_url)
            );
            Ok(())
        }
        Command::Demo => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let demo = crate::demo::load(&db, &Clock::system()).await?;
            crate::demo::print(&demo, &format!("http://{}", settings.bind));
            Ok(())
        }
        Command::Results { command } => results(settings, command).await,
        Command::Admin {
            command:
                AdminCommand::Create {
                    phone,
                    name,
                    role,
                    province,
                    commune,
                },
        } => {
            let password = match std::env::var("CRANE_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let role = Role::parse(&role)
                .filter(|r| r.is_staff())
                .context("--role must be admin or organiser")?;
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let user =
                create_staff(&db, &phone, &name, &password, role, &province, &commune).await?;
            println!("created {} {} ({})", user.role, user.phone, user.full_name);
            Ok(())
        }
    }
}

/// Creates a staff account from the command line (and the demo).
pub async fn create_staff(
    db: &Db,
    phone: &str,
    name: &str,
    password: &str,
    role: Role,
    province: &str,
    commune: &str,
) -> anyhow::Result<users::User> {
    let mut p = Problems::default();
    let phone = p.take(Phone::parse(phone));
    let password = p.take(Password::parse(password));
    let full_name = p.take(FullName::parse(name));
    let address = Address::parse(province, None, commune, "-", &mut p);
    let (Some(phone), Some(password), Some(full_name), Some(address)) =
        (phone, password, full_name, address)
    else {
        let msgs: Vec<String> =
            p.0.iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
        bail!("invalid account: {}", msgs.join("; "));
    };
    let reg = Registration {
        phone,
        password,
        full_name,
        address,
        national_id: None,
        date_of_birth: None,
    };
    let hash = Hasher::new(1, 1)
        .hash(reg.password.expose().to_owned())
        .await?;
    match users::create(db, &reg, &hash, role, Clock::system().now()).await {
        Ok(u) => Ok(u),
        Err(users::CreateError::Duplicate(f)) => bail!("an account with this {f} already exists"),
        Err(users::CreateError::Other(e)) => Err(e),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(&settings.bind)
        .with_context(|| format!("binding {}", settings.bind))?;
    let bind = settings.bind.clone();
    let demo_on_empty = settings.demo_on_empty_db;
    let state = crate::startup::prepare(settings, Clock::system()).await?;
    if demo_on_empty && crate::store::contests::count(&state.db).await? == 0 {
        let demo = crate::demo::load(&state.db, &state.clock).await?;
        crate::demo::print(&demo, &format!("http://{bind}"));
    }
    println!("Crane is listening on http://{bind}");
    let app = crate::startup::build(state, listener)?;
    tracing::info!(port = app.port, "crane is listening");
    app.server.await.context("server stopped")
}

async fn results(settings: Settings, command: ResultsCommand) -> anyhow::Result<()> {
    use crate::domain::results::digest;
    use crate::store::{attempts::BankCache, contests, results};
    let db = Db::connect(&settings).await?;
    db.migrate().await?;
    let clock = Clock::system();
    let banks = BankCache::default();
    let id = match &command {
        ResultsCommand::Compute { contest }
        | ResultsCommand::Finalize { contest }
        | ResultsCommand::Verify { contest }
        | ResultsCommand::Export { contest, .. } => contest,
    };
    let contest = contests::find(&db.conn, id)
        .await?
        .with_context(|| format!("no contest {id}"))?;
    let now = clock.now();
    let ended = now > contest.settings.ends_at + i64::from(contest.settings.grace_seconds) * 1000;
    let seed = contest.draw_seed.clone().unwrap_or_default();
    match command {
        ResultsCommand::Compute { .. } | ResultsCommand::Finalize { .. } => {
            if !ended {
                bail!("the contest has not ended (plus grace) yet");
            }
            let ranking = results::rank_contest(&db, &banks, &contest, now).await?;
            if !results::store(&db, &contest.id, &ranking, now).await? {
                bail!("the contest is not in the published state");
            }
            let d = digest(&contest.id, &seed, &ranking);
            println!(
                "ranked {} participants ({} ineligible); actual figure {}",
                ranking.rows.len(),
                ranking.ineligible.len(),
                ranking.actual_figure
            );
            if matches!(command, ResultsCommand::Finalize { .. }) {
                if !results::finalize(&db, &contest.id, &d, "cli", now).await? {
                    bail!("the contest could not be finalized");
                }
                println!("finalized; digest {d}");
            } else {
                println!("digest {d} (not finalized)");
            }
            Ok(())
        }
        ResultsCommand::Export {
            format, out, sep, ..
        } => {
            use crate::export::{CsvFormat, winners_xlsx};
            use crate::http::exports::export_row;
            use std::io::Write;
            if contest.results_computed_at.is_none() {
                bail!(
                    "no results computed yet: run `crane results compute {}` first",
                    contest.id
                );
            }
            let csv = CsvFormat {
                separator: if sep == ";" { b';' } else { b',' },
            };
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(&out)
                    .with_context(|| format!("creating {}", out.display()))?,
            );
            let mut rows = 0usize;
            match format.as_str() {
                "winners-xlsx" => {
                    let list: Vec<_> = results::winners(&db, &contest.id, contest.prize_count())
                        .await?
                        .into_iter()
                        .map(|r| export_row(&contest, r))
                        .collect();
                    rows = list.len();
                    file.write_all(&winners_xlsx(
                        &contest.settings.title,
                        contest.digest.as_deref(),
                        &list,
                    )?)?;
                }
                "winners-csv" => {
                    file.write_all(&csv.header())?;
                    for r in results::winners(&db, &contest.id, contest.prize_count()).await? {
                        file.write_all(&csv.row(&export_row(&contest, r)))?;
                        rows += 1;
                    }
                }
                "leaderboard-csv" => {
                    file.write_all(&csv.header())?;
                    let mut after = 0;
                    loop {
                        let page = results::rows_after(&db, &contest.id, after, 5_000).await?;
                        let Some(last) = page.last() else { break };
                        after = last.rank;
                        for r in page {
                            file.write_all(&csv.row(&export_row(&contest, r)))?;
                            rows += 1;
                        }
                    }
                }
                other => bail!(
                    "unknown format {other}: use winners-xlsx, winners-csv or leaderboard-csv"
                ),
            }
            file.flush()?;
            println!("wrote {rows} rows to {}", out.display());
            Ok(())
        }
        ResultsCommand::Verify { .. } => {
            let stored = contest
                .digest
                .clone()
                .context("the contest is not finalized: nothing to verify")?;
            let ranking = results::rank_contest(&db, &banks, &contest, now).await?;
            let d = digest(&contest.id, &seed, &ranking);
            if d == stored {
                println!("OK: the stored attempts give the finalized digest {d}");
                Ok(())
            } else {
                bail!("MISMATCH: finalized digest {stored}, recomputed {d}")
            }
        }
    }
}
