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

use crate::gateway::harness::{config_text, prepare, Gateway, Options};

/// A gateway like [`Gateway::start_with`], its config text first passed through `edit`
/// (for keys the harness has no knob for).
pub async fn gateway_with(opts: Options, edit: impl FnOnce(String) -> String) -> Gateway {
    let prepared = prepare(&opts).await;
    let text = edit(config_text(&opts, &prepared.3));
    Gateway::launch_in(prepared, &text).await
}
