//! Thin entry point: parse the command line, load settings, run.

use clap::Parser;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = crane::cli::Cli::parse();
    let settings = crane::settings::Settings::load()?;
    crane::telemetry::init(&settings.log_format, &settings.log_level);
    crane::cli::run(cli, settings).await
}
