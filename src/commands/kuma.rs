//! `status kuma`: reads Uptime Kuma within the run's deadline and prints the report.

use anyhow::Context as _;
use chrono::Utc;

use crate::cli::ReportArgs;
use crate::commands::settings::Settings;
use crate::config::ConfigError;
use crate::run::deadline::Deadline;
use crate::run::outcome::Exit;
use crate::sources::kuma;

/// Prints the report (a table, or JSON with `--json`). Exit 0 when Kuma was read, 3 when it
/// was read but the platform would show less than the truth (the warnings say why: a window
/// left empty, no monitor counting), 1 when it could not be read, 2 when it is not configured.
pub async fn command(settings: &Settings, args: &ReportArgs) -> anyhow::Result<Exit> {
    let Some(kuma) = &settings.kuma else {
        return Err(ConfigError::new(
            "KUMA_URL: not set; set it to the base URL of Uptime Kuma (e.g. https://uptime.example.com)",
        )
        .into());
    };
    let client = kuma::http_client(kuma)?;
    let label = format!("Uptime Kuma {}", crate::http::redact(&kuma.url));
    let report = Deadline::after(settings.timeout)
        .run(&label, kuma::fetch(kuma, &client, Utc::now()))
        .await??;
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&report).context("cannot encode the report")?;
        json.push('\n');
        json
    } else {
        kuma::render(&report)
    };
    crate::output::print(&text)?;
    Ok(if report.degraded.is_empty() {
        Exit::Success
    } else {
        Exit::Partial
    })
}
