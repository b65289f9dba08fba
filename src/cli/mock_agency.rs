//! `isagate mock-agency` (hidden): run one mock agency upstream until `SIGTERM`/`SIGINT`,
//! for `docker-compose.yml` and for trying the gateway by hand. It prints one line with
//! the address it listens on, then (with `--print`) each request it receives.
//!
//! Argument handling only: `crate::mock_agency` is the server. A test double: never a
//! real agency endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;

use super::{Exit, GlobalArgs};
use crate::mock_agency::{MockAgency, MockAgencyOptions};
use crate::shutdown::Shutdown;

#[derive(Debug, clap::Args)]
pub struct MockAgencyArgs {
    /// The agency's name, in printed lines and acknowledgements (e.g. `nhs-trust`).
    #[arg(long, value_name = "N")]
    pub name: String,
    /// Where to listen, e.g. `0.0.0.0:8443` (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub bind: SocketAddr,
    /// The server certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    /// The server key (PEM).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The CA bundle a client certificate must chain to (the gateway's client CA).
    #[arg(long, value_name = "FILE")]
    pub client_ca: PathBuf,
    /// Print each request received to standard output.
    #[arg(long)]
    pub print: bool,
}

pub fn run(_global: &GlobalArgs, args: MockAgencyArgs) -> anyhow::Result<Exit> {
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let shutdown = Shutdown::on_signals().context("cannot install the signal handlers")?;
        let handle = MockAgency::start(MockAgencyOptions {
            name: args.name.clone(),
            bind: args.bind,
            server_cert_pem: args.cert,
            server_key_pem: args.key,
            client_ca_pem: args.client_ca,
            print: args.print,
            routes: Vec::new(),
        })
        .await?;
        println!("mock agency `{}` listening on {}", args.name, handle.base_url());
        shutdown.wait().await;
        handle.shutdown().await;
        println!("mock agency `{}` stopped", args.name);
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Exit::Success)
}
