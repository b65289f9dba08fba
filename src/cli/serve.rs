//! `isagate serve`: run the gateway from `isagate.toml` until `SIGTERM`/`SIGINT`, then
//! drain in-flight transfers (and their records) and exit 0.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{Exit, GlobalArgs};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::runtime::{launch, policy_source};
use crate::shutdown::Shutdown;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

/// The configuration file, or a clear error naming what to do.
pub fn config_file(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    global.config_path().context(
        "no configuration: pass `--config FILE` or create `./isagate.toml` (start from `isagate.example.toml`)",
    )
}

/// The `--agreements`/`--schemas` given on the command line, when not the defaults.
pub fn overrides(global: &GlobalArgs) -> (Option<PathBuf>, Option<PathBuf>) {
    let given = |p: &PathBuf, default: &str| (p.as_os_str() != default).then(|| p.clone());
    (given(&global.agreements, "agreements"), given(&global.schemas, "schemas"))
}

pub fn run(global: &GlobalArgs, _args: ServeArgs) -> anyhow::Result<Exit> {
    let path = config_file(global)?;
    let cfg = Config::load(&path)?;
    let format = match cfg.telemetry.log_format {
        crate::config::LogFormat::Auto => crate::telemetry::LogFormat::Auto,
        crate::config::LogFormat::Json => crate::telemetry::LogFormat::Json,
        crate::config::LogFormat::Text => crate::telemetry::LogFormat::Text,
    };
    let otlp = cfg.telemetry.otlp_endpoint.clone().map(|endpoint| crate::telemetry::OtlpSettings {
        endpoint,
        service_name: cfg.telemetry.service_name.clone(),
    });
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let _telemetry = crate::telemetry::init_logging(format, &cfg.telemetry.log_level, otlp)?;
        let shutdown = Shutdown::on_signals()?;
        let (agreements, schemas) = overrides(global);
        let source = policy_source(&cfg, agreements.as_deref(), schemas.as_deref());
        let launched = launch(&cfg, source, shutdown, std::sync::Arc::new(SystemClock))
            .await
            .map_err(|e| refused_set(e, &path))?;
        launched.wait().await;
        tracing::info!("isagate stopped");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Exit::Success)
}

/// Start-up's error: for a set that does not lint clean, the first findings (in the error
/// itself) and, once, the command that shows them all with `--config`, so that parties are
/// checked against the same agencies.
fn refused_set(e: crate::runtime::LaunchError, config: &std::path::Path) -> anyhow::Error {
    if e.lint_errors().is_empty() {
        return e.into();
    }
    anyhow::anyhow!(
        "{e}\nevery finding with what to do: `isagate agreements check --config {}`",
        config.display()
    )
}
