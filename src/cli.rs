//! The command line (contract section 7): one file per command, each returning an
//! [`Exit`]. Exit codes: `0` success, `1` a finding, `2` usage or configuration error.

pub mod agreements;
pub mod audit;
pub mod demo;
pub mod dev_certs;
pub mod emergency;
pub mod governance;
pub mod mock_agency;
pub mod restrictions;
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// What a command concluded, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exit 0.
    Success,
    /// Exit 1: a lint error, a broken chain, a refused dry run.
    Finding,
}

/// isagate: a mutual-TLS gateway that enforces information sharing agreements.
#[derive(Debug, Parser)]
#[command(name = "isagate", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// The gateway's configuration (default `./isagate.toml` when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The folder of agreements.
    #[arg(long, global = true, value_name = "DIR", default_value = "agreements")]
    pub agreements: PathBuf,
    /// The folder of JSON schemas.
    #[arg(long, global = true, value_name = "DIR", default_value = "schemas")]
    pub schemas: PathBuf,
}

impl GlobalArgs {
    /// The registered agencies from the config (read without its certificate files), when
    /// there is a config.
    pub fn agency_refs(&self) -> anyhow::Result<Option<Vec<crate::agreements::AgencyRef>>> {
        let Some(path) = self.config_path() else { return Ok(None) };
        let config = crate::config::Config::load_without_files(&path);
        Ok(Some(
            anyhow::Context::context(config, "cannot read the agencies from the configuration")?
                .to_agency_refs(),
        ))
    }

    /// `--config`, or `./isagate.toml` when it exists.
    pub fn config_path(&self) -> Option<PathBuf> {
        match &self.config {
            Some(p) => Some(p.clone()),
            None => {
                let default = PathBuf::from("isagate.toml");
                default.exists().then_some(default)
            }
        }
    }
}

/// `--format` for commands that report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway.
    Serve(serve::ServeArgs),
    /// A newcomer's tour: certificates, sample agreements, mock agencies, sample transfers.
    Demo(demo::DemoArgs),
    /// Make development certificates and keys (never for production).
    DevCerts(dev_certs::DevCertsArgs),
    /// Lint and dry-run agreements.
    #[command(subcommand)]
    Agreements(agreements::AgreementsCmd),
    /// Verify the disclosure record, search it for a subject, report on it.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// The emergency review queue and its decisions.
    #[command(subcommand)]
    Emergency(emergency::EmergencyCmd),
    /// Subject restrictions (right to restrict and to object).
    #[command(subcommand)]
    Restrictions(restrictions::RestrictionsCmd),
    /// Run one mock agency upstream until `SIGTERM` (development and docker-compose only).
    #[command(hide = true)]
    MockAgency(mock_agency::MockAgencyArgs),
}

/// Parse the command line, run the command, map the result to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args),
        Command::Demo(args) => demo::run(&cli.global, args),
        Command::DevCerts(args) => dev_certs::run(&cli.global, args),
        Command::Agreements(cmd) => agreements::run(&cli.global, cmd),
        Command::Audit(cmd) => audit::run(&cli.global, cmd),
        Command::Emergency(cmd) => emergency::run(&cli.global, cmd),
        Command::Restrictions(cmd) => restrictions::run(&cli.global, cmd),
        Command::MockAgency(args) => mock_agency::run(&cli.global, args),
    };
    match result {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::Finding) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A multi-threaded tokio runtime for the commands that need one.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
