//! What every offline governance write (`--store` with `--actor`) checks first: while
//! `governance.four_eyes` is on, no certificate proves who is acting, so it is refused
//! and the admin API (a governance certificate) is the way.

use super::GlobalArgs;
use crate::config::Config;

/// `Err` when the configuration turns four-eyes on.
pub fn refuse_offline_writes(global: &GlobalArgs) -> anyhow::Result<()> {
    let Some(path) = global.config_path() else { return Ok(()) };
    let Ok(cfg) = Config::load_without_files(&path) else { return Ok(()) };
    anyhow::ensure!(
        !cfg.governance.four_eyes,
        "`{}` sets `governance.four_eyes = true`: offline governance writes (`--store` with `--actor`) are refused, since no certificate proves who acts; use the admin API (drop `--store`; `[admin_client]` names your governance certificate)",
        path.display()
    );
    Ok(())
}
