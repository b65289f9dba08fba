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

/// Options every command takes, and the agreement folders for the commands that read
/// them (filled from their [`PolicyDirs`]; the defaults elsewhere).
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// The gateway's configuration (default `./isagate.toml` when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The folder of agreements the command reads (`--agreements`, else `agreements`).
    #[arg(skip = PathBuf::from(DEFAULT_AGREEMENTS))]
    pub agreements: PathBuf,
    /// The folder of schemas the command reads (`--schemas`, else `schemas`).
    #[arg(skip = PathBuf::from(DEFAULT_SCHEMAS))]
    pub schemas: PathBuf,
    /// `--agreements` written before the command name (`isagate --agreements DIR serve`),
    /// as earlier versions took it; refused for a command that reads no agreements.
    #[arg(long = "agreements", id = "before_agreements", value_name = "DIR", hide = true)]
    pub before_agreements: Option<PathBuf>,
    /// `--schemas` written before the command name, likewise.
    #[arg(long = "schemas", id = "before_schemas", value_name = "DIR", hide = true)]
    pub before_schemas: Option<PathBuf>,
}

/// `--agreements` when not given.
pub const DEFAULT_AGREEMENTS: &str = "agreements";
/// `--schemas` when not given.
pub const DEFAULT_SCHEMAS: &str = "schemas";

/// `--agreements` and `--schemas`: only on the commands that read agreements (`serve`,
/// `demo`, every `agreements` command), so that `--help` elsewhere does not offer them.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyDirs {
    /// The folder of agreements [default: agreements].
    #[arg(long, global = true, value_name = "DIR")]
    pub agreements: Option<PathBuf>,
    /// The folder of JSON schemas [default: schemas].
    #[arg(long, global = true, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
}

/// A command's own arguments with [`PolicyDirs`].
#[derive(Debug, clap::Args)]
pub struct WithDirs<T: clap::Args> {
    #[command(flatten)]
    pub dirs: PolicyDirs,
    #[command(flatten)]
    pub args: T,
}

/// A command group with [`PolicyDirs`], which its subcommands take too.
#[derive(Debug, clap::Args)]
pub struct GroupWithDirs<T: clap::Subcommand> {
    #[command(flatten)]
    pub dirs: PolicyDirs,
    #[command(subcommand)]
    pub cmd: T,
}

impl GlobalArgs {
    /// These options with the folders a command was given (after its name, else before).
    fn with(&self, dirs: PolicyDirs) -> GlobalArgs {
        let pick = |after: Option<PathBuf>, before: &Option<PathBuf>, default: &str| {
            after.or_else(|| before.clone()).unwrap_or_else(|| PathBuf::from(default))
        };
        GlobalArgs {
            agreements: pick(dirs.agreements, &self.before_agreements, DEFAULT_AGREEMENTS),
            schemas: pick(dirs.schemas, &self.before_schemas, DEFAULT_SCHEMAS),
            ..self.clone()
        }
    }

    /// For a command that reads no agreements: refuse `--agreements`/`--schemas` written
    /// before its name, which would otherwise be silently ignored.
    fn without_dirs(&self, command: &str) -> anyhow::Result<&GlobalArgs> {
        let given = match (&self.before_agreements, &self.before_schemas) {
            (Some(_), _) => "--agreements",
            (None, Some(_)) => "--schemas",
            (None, None) => return Ok(self),
        };
        anyhow::bail!(
            "`{given}` does nothing for `isagate {command}`: only `serve`, `demo` and the \
             `agreements` commands read agreements; leave it out"
        )
    }
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
    Serve(WithDirs<serve::ServeArgs>),
    /// A newcomer's tour: certificates, sample agreements, mock agencies, sample transfers.
    Demo(WithDirs<demo::DemoArgs>),
    /// Make development certificates and keys (never for production).
    DevCerts(dev_certs::DevCertsArgs),
    /// Lint and dry-run agreements.
    Agreements(GroupWithDirs<agreements::AgreementsCmd>),
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
        Command::Serve(w) => serve::run(&cli.global.with(w.dirs), w.args),
        Command::Demo(w) => demo::run(&cli.global.with(w.dirs), w.args),
        Command::DevCerts(args) => {
            cli.global.without_dirs("dev-certs").and_then(|g| dev_certs::run(g, args))
        }
        Command::Agreements(g) => agreements::run(&cli.global.with(g.dirs), g.cmd),
        Command::Audit(cmd) => cli.global.without_dirs("audit").and_then(|g| audit::run(g, cmd)),
        Command::Emergency(cmd) => {
            cli.global.without_dirs("emergency").and_then(|g| emergency::run(g, cmd))
        }
        Command::Restrictions(cmd) => {
            cli.global.without_dirs("restrictions").and_then(|g| restrictions::run(g, cmd))
        }
        Command::MockAgency(args) => {
            cli.global.without_dirs("mock-agency").and_then(|g| mock_agency::run(g, args))
        }
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
