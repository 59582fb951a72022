//! The command line: `crane serve` (default), `crane migrate`,
//! `crane admin create`, `crane demo`, `crane results …`, `crane backup`,
//! `crane restore`.

use crate::app::{Ctx, accounts, backup, contests, results};
use crate::domain::account::Role;
use crate::domain::clock::Clock;
use crate::domain::ids::ContestId;
use crate::settings::{Settings, redact_url};
use crate::store::Db;
use crate::store::attempts::BankCache;
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
    /// Write an online, integrity-checked backup of the SQLite database to
    /// FILE while the server keeps running (SQLite only).
    Backup {
        /// The backup file; its folder must exist. An existing file is
        /// replaced in one step, once the new copy has passed its checks.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Check a backup and put it in place of the SQLite database, then apply
    /// pending migrations. Stop the service first (SQLite only).
    Restore {
        /// The backup file to restore (it is not modified).
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// Replace an existing database. Restore cannot tell whether the
        /// server is running: stop it before using --force.
        #[arg(long)]
        force: bool,
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

/// What a command that works on the database directly holds: the migrated
/// database, a cache of banks and the system clock.
struct Local {
    db: Db,
    banks: BankCache,
    clock: Clock,
}

impl Local {
    async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let db = Db::connect(settings).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            banks: BankCache::default(),
            clock: Clock::system(),
        })
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            db: &self.db,
            banks: &self.banks,
            clock: &self.clock,
        }
    }
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
            let local = Local::open(&settings).await?;
            let ctx = local.ctx();
            let demo = crate::demo::load(ctx).await?;
            crate::demo::print(
                &demo,
                &format!("http://{}", settings.bind),
                &settings.sms.provider,
            );
            Ok(())
        }
        Command::Results { command } => results(settings, command).await,
        Command::Backup { out } => {
            let r = backup::backup(&settings, &out).await?;
            println!(
                "backup written to {}: {} bytes; users {}, contests {}, attempts {}; schema {}{}; integrity_check ok; took {} ms (snapshot {} ms)",
                r.path.display(),
                r.bytes,
                r.counts.users,
                r.counts.contests,
                r.counts.attempts,
                r.schema.latest,
                if r.schema.newer {
                    " (newer than this build: restore it with the Crane that wrote it)"
                } else {
                    ""
                },
                r.elapsed.as_millis(),
                r.snapshot.as_millis()
            );
            Ok(())
        }
        Command::Restore { file, force } => {
            let r = backup::restore(&settings, &file, force).await?;
            println!(
                "restored {} into {}{}: {} bytes; users {}, contests {}, attempts {}; schema {}, {} pending migrations applied; integrity_check ok; took {} ms",
                r.from.display(),
                r.database.display(),
                if r.replaced {
                    " (the database there was replaced)"
                } else {
                    ""
                },
                r.bytes,
                r.counts.users,
                r.counts.contests,
                r.counts.attempts,
                r.schema.latest,
                r.schema.pending,
                r.elapsed.as_millis()
            );
            println!(
                "next: run `crane results verify CONTEST_ID` for each finalized contest, then start the service"
            );
            Ok(())
        }
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
            let local = Local::open(&settings).await?;
            let ctx = local.ctx();
            let user =
                accounts::create_staff(ctx, &phone, &name, &password, role, &province, &commune)
                    .await?;
            println!("created {} {} ({})", user.role, user.phone, user.full_name);
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(&settings.bind)
        .with_context(|| format!("binding {}", settings.bind))?;
    let bind = settings.bind.clone();
    let demo_on_empty = settings.demo_on_empty_db;
    let state = crate::startup::prepare(settings, Clock::system()).await?;
    if demo_on_empty && crate::store::contests::count(&state.db).await? == 0 {
        let demo = crate::demo::load(state.ctx()).await?;
        crate::demo::print(
            &demo,
            &format!("http://{bind}"),
            &state.settings.sms.provider,
        );
    }
    println!("Crane is listening on http://{bind}");
    let app = crate::startup::build(state, listener)?;
    tracing::info!(port = app.port, "crane is listening");
    app.server.await.context("server stopped")
}

/// The progress of a ranking on stderr, drawn only when stderr is a terminal:
/// a bar for counted steps (reading attempts, storing rows), a spinner otherwise.
struct Bar {
    bar: indicatif::ProgressBar,
    step: std::sync::Mutex<&'static str>,
}

impl Bar {
    fn new() -> Self {
        Self {
            bar: indicatif::ProgressBar::new(0),
            step: std::sync::Mutex::new(""),
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl results::Progress for Bar {
    fn report(&self, step: &'static str, done: u64, total: u64) {
        let mut current = self.step.lock().unwrap_or_else(|e| e.into_inner());
        if *current != step {
            *current = step;
            let style = if total > 0 {
                indicatif::ProgressStyle::with_template(
                    "{msg:28} [{bar:30}] {human_pos}/{human_len} ({eta} left)",
                )
            } else {
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            };
            if let Ok(style) = style {
                self.bar.set_style(style.progress_chars("=> "));
            }
            self.bar.set_message(step);
            self.bar.set_length(total);
            self.bar.set_position(0);
            if total == 0 {
                self.bar
                    .enable_steady_tick(std::time::Duration::from_millis(120));
            } else {
                self.bar.disable_steady_tick();
            }
        }
        self.bar.set_position(done);
    }
}

async fn results(settings: Settings, command: ResultsCommand) -> anyhow::Result<()> {
    let local = Local::open(&settings).await?;
    let ctx = local.ctx();
    let id = match &command {
        ResultsCommand::Compute { contest }
        | ResultsCommand::Finalize { contest }
        | ResultsCommand::Verify { contest }
        | ResultsCommand::Export { contest, .. } => contest.clone(),
    };
    let contest_id = ContestId::parse(&id).with_context(|| format!("no contest {id}"))?;
    let contest = contests::find(ctx, contest_id)
        .await
        .with_context(|| format!("no contest {id}"))?;
    match command {
        ResultsCommand::Compute { .. } => {
            let bar = Bar::new();
            let (ranking, _) = results::compute(ctx, &contest, &bar).await?;
            bar.finish();
            println!(
                "ranked {} participants ({} ineligible); actual figure {}",
                ranking.rows.len(),
                ranking.ineligible.len(),
                ranking.actual_figure
            );
            println!("computed (not finalized)");
            Ok(())
        }
        ResultsCommand::Finalize { .. } => {
            let bar = Bar::new();
            let (d, _) = results::compute_and_freeze(ctx, &contest, "cli", &bar).await?;
            bar.finish();
            println!("finalized; digest {d}");
            Ok(())
        }
        ResultsCommand::Export {
            format, out, sep, ..
        } => {
            use crate::export::{CsvFormat, winners_xlsx};
            use std::io::Write;
            let contest = results::exportable(contest).with_context(|| {
                format!("no results computed yet: run `crane results compute {id}` first")
            })?;
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
                    let list = results::winner_rows(ctx, &contest).await?;
                    rows = list.len();
                    file.write_all(&winners_xlsx(
                        contest.settings.title(),
                        contest.digest.as_deref(),
                        &list,
                    )?)?;
                }
                "winners-csv" => {
                    file.write_all(&csv.header())?;
                    for r in results::winner_rows(ctx, &contest).await? {
                        file.write_all(&csv.row(&r))?;
                        rows += 1;
                    }
                }
                "leaderboard-csv" => {
                    file.write_all(&csv.header())?;
                    let mut pages = results::Leaderboard::new(ctx, contest);
                    while let Some(page) = pages.next_page().await? {
                        for r in &page {
                            file.write_all(&csv.row(r))?;
                        }
                        rows += page.len();
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
            let bar = Bar::new();
            let v = results::verify(ctx, &contest, &bar).await?;
            bar.finish();
            if v.holds() {
                println!(
                    "OK: the stored attempts give the finalized digest {}",
                    v.finalized
                );
                Ok(())
            } else {
                bail!(
                    "MISMATCH: finalized digest {}, recomputed {}",
                    v.finalized,
                    v.recomputed
                )
            }
        }
    }
}
