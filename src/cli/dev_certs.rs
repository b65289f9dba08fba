//! TODO: filled in by the owning work item.

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct DevCertsArgs {}

pub fn run(_global: &GlobalArgs, _args: DevCertsArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("not implemented yet")
}
