//! The settings issue 11 found doing nothing, one test each that the setting changes what
//! the gateway does (each would fail with the setting unwired): `limits.request_timeout`,
//! `limits.decompressed_max`, `store.pool_size`, `telemetry.log_level` and
//! `checkpoints.webhook`. Real mTLS on 127.0.0.1, SQLite on disk or PostgreSQL, and real
//! `isagate serve` processes where the setting is read at start-up.

mod checkpoint_webhook;
mod decompressed;
mod log_level;
mod pool_size;
mod request_timeout;

use isagate::config::Config;
use isagate::gateway::launch::{launch, PolicySource};
use isagate::gateway::state::Clock;
use isagate::shutdown::Shutdown;

use crate::gateway::harness::{config_text, prepare, Gateway, Options};
use crate::support;

/// A gateway like [`Gateway::start_with`], its config text first passed through `edit`
/// (for keys the harness has no knob for).
pub async fn gateway_with(opts: Options, edit: impl FnOnce(String) -> String) -> Gateway {
    let (dir, certs, ca, mocks) = prepare(&opts).await;
    let text = edit(config_text(&opts, &mocks));
    launch_in((dir, certs, ca, mocks), &text).await
}

/// Start a gateway with `text` as its config in a folder [`prepare`] made.
pub async fn launch_in(prepared: Prepared, text: &str) -> Gateway {
    let (dir, certs, ca, mocks) = prepared;
    let config_path = dir.path().join("isagate.toml");
    std::fs::write(&config_path, text).unwrap();
    let config = Config::load(&config_path).unwrap();
    let source = PolicySource {
        agreements: support::repo().join("agreements"),
        schemas: support::repo().join("schemas"),
    };
    let launched = launch(&config, source, Shutdown::new(), Clock::System).await.unwrap();
    let base = format!("https://127.0.0.1:{}", launched.transfer_addr.port());
    Gateway { dir, certs, ca, base, launched: Some(launched), mocks, config }
}

/// What [`prepare`] gives: the scratch folder, its certificates, the CA and the mocks.
pub type Prepared = (
    tempfile::TempDir,
    std::path::PathBuf,
    isagate::tls::dev_certs::DevCa,
    std::collections::HashMap<String, isagate::mock_agency::MockAgencyHandle>,
);
