//! `isagate audit ...` (contract section 7): verify the chain, search it for a subject,
//! report on it, export it, archive old records. Each subcommand opens the store named
//! by `--store`, does its one job and maps what it found to an exit code. Nothing here
//! prints personal data except `subject`, which prints only what concerns that subject.

mod append_loop;
pub(crate) mod defaults;
pub mod subject;

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::ValueEnum;

use self::defaults::Defaults;
use super::{runtime, Exit, Format, GlobalArgs};
use crate::admin::chain::Via;
use crate::audit::report::render;
use crate::audit::{Store, StoreOptions};

/// Where the store is when neither `--store` nor a config names one.
pub const DEFAULT_STORE: &str = "sqlite://isagate.db";

#[derive(Debug, clap::Args)]
pub struct StoreArg {
    /// The record store: `sqlite://PATH` or `postgres://USER@HOST:PORT/DB` (default: the
    /// config's `[store] url`, else `sqlite://isagate.db`).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

/// Where the archived segments are, for the commands that read them too.
#[derive(Debug, Clone, clap::Args)]
pub struct ArchiveArg {
    /// The folder of archived segments, read too (default: the config's `[paths] archive`,
    /// else `./archive`).
    #[arg(long = "archive", value_name = "DIR")]
    pub archive: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain end to end (and against signed checkpoints kept elsewhere);
    /// the verify is recorded as a `chain-verified` governance record (not when the store
    /// is opened read-only: `--store 'sqlite://PATH?mode=ro'`, e.g. a copy kept as evidence).
    Verify(VerifyArgs),
    /// Every record about one data subject, for a subject access request.
    Subject(subject::SubjectArgs),
    /// A transparency report: counts only, never personal data.
    Report(ReportArgs),
    /// Write every live record as JSON lines (the form `docs/verify_chain.py` checks).
    Export(ExportArgs),
    /// Move records older than a date to a signed segment file, leaving an anchor.
    Archive(ArchiveArgs),
    /// Append sample records forever, printing each acknowledged `seq hash` (crash tests).
    #[command(hide = true)]
    AppendLoop(append_loop::AppendLoopArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Signed checkpoints (JSON lines) to check the store against (default: the config's
    /// `[checkpoints] file`, when it and the public key exist).
    #[arg(long, value_name = "FILE", requires = "public_key")]
    pub checkpoints: Option<PathBuf>,
    /// The checkpoint signing key's public half (PEM; default: the `.pub` beside the
    /// config's `[checkpoints] key`).
    #[arg(long, value_name = "FILE", requires = "checkpoints")]
    pub public_key: Option<PathBuf>,
    /// `human` for reading, `json` for a script (the chain status as one document).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `--format` of `audit report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Human,
    Json,
    Csv,
    Html,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// From this date (`YYYY-MM-DD`, Europe/London, from midnight) or RFC 3339 instant.
    #[arg(long, value_name = "D")]
    pub since: String,
    /// Up to this date (`YYYY-MM-DD`: the whole day included) or RFC 3339 instant (excluded).
    #[arg(long, value_name = "D")]
    pub until: String,
    /// `human`, `json`, `csv` or `html` (a page to publish).
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub archive: ArchiveArg,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Archive records before this date (`YYYY-MM-DD` Europe/London, or RFC 3339).
    #[arg(long, value_name = "D")]
    pub before: String,
    /// The segment file to write (must not exist), or a folder to write
    /// `segment-<from>-<to>.jsonl` in (default: the config's `[paths] archive`, else
    /// `./archive`, made when absent: where `audit subject`, `audit report` and
    /// `emergency list` look for segments).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The checkpoint signing key (Ed25519 PKCS#8 PEM) that signs the segment (default:
    /// the config's `[checkpoints] key`).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

pub fn run(global: &GlobalArgs, cmd: AuditCmd) -> anyhow::Result<Exit> {
    let rt = runtime()?;
    let mut defaults = Defaults::new(global);
    let result = rt.block_on(async move {
        match cmd {
            AuditCmd::Verify(args) => verify(args, &mut defaults).await,
            AuditCmd::Subject(args) => subject::run(args, &mut defaults).await,
            AuditCmd::Report(args) => report(args, &mut defaults).await,
            AuditCmd::Export(args) => export(args, &mut defaults).await,
            AuditCmd::Archive(args) => archive(args, &mut defaults).await,
            AuditCmd::AppendLoop(args) => append_loop::run(args, &mut defaults).await,
        }
    });
    // A reader that went away (`| head`) is not an error of ours.
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(Exit::Success)
        }
        other => other,
    }
}

pub(crate) async fn open(url: &str) -> anyhow::Result<Store> {
    Store::open(url, StoreOptions::default()).await.context("cannot open the record store")
}

/// [`open_existing`], reading the archived segments in `archive` too.
pub(crate) async fn open_reader(url: &str, archive: PathBuf) -> anyhow::Result<Store> {
    check_exists(url)?;
    let opts = StoreOptions { archive_folder: Some(archive), ..StoreOptions::default() };
    Store::open(url, opts).await.context("cannot open the record store")
}

/// Open a store that must already exist: a command that reads never creates one, so a
/// mistyped `--store` is an error (exit 2) rather than an empty chain that verifies.
pub(crate) async fn open_existing(url: &str) -> anyhow::Result<Store> {
    check_exists(url)?;
    open(url).await
}

fn check_exists(url: &str) -> anyhow::Result<()> {
    if let Some(spec) = url.strip_prefix("sqlite://") {
        let path = std::path::Path::new(spec.split_once('?').map_or(spec, |(p, _)| p));
        anyhow::ensure!(
            path.is_file(),
            "no record store at `{}`: check `--store` (sqlite://PATH or postgres://...) or \
             the `[store] url` of the config given with `--config`",
            path.display()
        );
    }
    Ok(())
}

/// Progress on standard error when it is a terminal; nothing when piped.
fn progress_printer(label: &'static str) -> impl Fn(u64, u64) {
    let tty = std::io::stderr().is_terminal();
    move |done, total| {
        if tty {
            eprint!("\r{label} {done}/{total}");
            if done >= total {
                eprintln!();
            }
        }
    }
}

/// Who acts from the command line, as records name them: `cli:<login>`.
fn cli_actor() -> String {
    std::env::var("USER").map(|u| format!("cli:{u}")).unwrap_or_else(|_| "cli".into())
}

async fn verify(args: VerifyArgs, defaults: &mut Defaults<'_>) -> anyhow::Result<Exit> {
    let url = defaults.store_url(&args.store)?;
    let store = open_existing(&url).await?;
    let checkpoints = defaults.checkpoints(&args.store, args.checkpoints, args.public_key)?;
    let checkpoints = checkpoints.as_ref().map(|(c, k)| (c.as_path(), k.as_path()));
    let report = store.verify(checkpoints, &progress_printer("verified")).await?;
    let status = crate::admin::store_port::chain_status(report.clone());
    if crate::audit::opens_read_only(&url) {
        eprintln!("note: the store was opened read-only (`?mode=ro`): this verify is not recorded");
    } else {
        let draft = crate::admin::chain::verified_draft(&cli_actor(), Via::Cli, &status);
        if let Err(e) = store.append(draft).await {
            eprintln!("warning: the verify could not be recorded as `chain-verified`: {e}");
        }
    }
    if report.failure.is_none() && report.checkpoints_checked.unwrap_or(0) == 0 {
        if let Some(file) = defaults.expected_checkpoints(&args.store)? {
            eprintln!(
                "warning: no signed checkpoint was checked although the config names `{}`: \
                 the chain is consistent but nothing outside the store vouches for its head; \
                 check that the file and the `.pub` beside `[checkpoints] key` exist",
                file.display()
            );
        }
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Format::Human => match &report.failure {
            None => {
                writeln!(
                    out,
                    "chain ok: {} records (seq {} to {}), head {}",
                    report.length, report.first_seq, report.head_seq, report.head_hash
                )?;
                if let Some(n) = report.checkpoints_checked {
                    writeln!(out, "checkpoints ok: {n} signed checkpoints match the store")?;
                }
                if report.older_format > 0 {
                    writeln!(
                        out,
                        "older records: {} written before record format 2; {} of them hold \
                         names the caller chose (undeclared keys or query parameters), kept \
                         until they are archived (see docs/record-format.md)",
                        report.older_format, report.older_with_caller_names
                    )?;
                }
            }
            Some(f) => writeln!(
                out,
                "chain broken at seq {} (id {}): check `{}` failed: {}",
                f.seq,
                f.id.as_deref().unwrap_or("none"),
                f.check.as_str(),
                f.detail
            )?,
        },
    }
    Ok(if report.ok { Exit::Success } else { Exit::Finding })
}

/// `YYYY-MM-DD` (Europe/London midnight; `end_of_day` moves to the next midnight) or RFC 3339.
pub(crate) fn parse_when(text: &str, end_of_day: bool) -> anyhow::Result<jiff::Timestamp> {
    crate::clock::parse_bound(text, end_of_day)
        .with_context(|| format!("`{text}` is neither a date (YYYY-MM-DD) nor an RFC 3339 time"))
}

async fn report(args: ReportArgs, defaults: &mut Defaults<'_>) -> anyhow::Result<Exit> {
    let since = parse_when(&args.since, false)?;
    let until = parse_when(&args.until, true)?;
    anyhow::ensure!(since < until, "`--since` must be before `--until`");
    let archive = defaults.archive_folder(args.archive.archive)?;
    let store = open_reader(&defaults.store_url(&args.store)?, archive).await?;
    let query = crate::audit::ReportQuery {
        since,
        until,
        since_given: args.since.clone(),
        until_given: args.until.clone(),
        agency_names: defaults.agency_names()?,
        verify_chain: true,
    };
    let report = crate::audit::transparency_report(&store, &query).await?;
    let text = match args.format {
        ReportFormat::Human => render::human(&report),
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ReportFormat::Csv => render::csv(&report),
        ReportFormat::Html => render::html(&report),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    if args.format != ReportFormat::Human {
        for line in report.archive.lines().iter().filter(|l| l.starts_with("INCOMPLETE")) {
            eprintln!("{line}");
        }
    }
    Ok(if report.archive.complete { Exit::Success } else { Exit::Finding })
}

async fn export(args: ExportArgs, defaults: &mut Defaults<'_>) -> anyhow::Result<Exit> {
    let store = open_existing(&defaults.store_url(&args.store)?).await?;
    let mut sink: Box<dyn std::io::Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write `{}`", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (lo, _, total) = store.extent().await?;
    let progress = progress_printer("exported");
    let mut after = lo.saturating_sub(1);
    let mut done = 0;
    loop {
        let rows = store.rows_after(after, 10_000).await?;
        let Some(last) = rows.last() else { break };
        after = u64::try_from(last.seq).unwrap_or(u64::MAX);
        for row in rows {
            let record =
                row.record.with_context(|| format!("record seq {} does not decode", row.seq))?;
            serde_json::to_writer(&mut sink, &record)?;
            sink.write_all(b"\n")?;
            done += 1;
        }
        progress(done, total);
    }
    sink.flush()?;
    Ok(Exit::Success)
}

async fn archive(args: ArchiveArgs, defaults: &mut Defaults<'_>) -> anyhow::Result<Exit> {
    let before = parse_when(&args.before, false)?;
    let key = defaults.signing_key(args.key)?;
    let store = open_existing(&defaults.store_url(&args.store)?).await?;
    let actor = cli_actor();
    let out = match args.out {
        Some(out) => out,
        None => {
            let folder = defaults.archive_folder(None)?;
            std::fs::create_dir_all(&folder).with_context(|| {
                format!("cannot make the archive folder `{}`", folder.display())
            })?;
            folder
        }
    };
    let s = crate::audit::archive(&store, before, &out, &key, &actor).await?;
    println!(
        "archived seq {} to {} ({} records, head {}) to `{}`; anchor seq {} id {}",
        s.from_seq,
        s.to_seq,
        s.count,
        s.head,
        s.out.display(),
        s.anchor_seq,
        s.anchor_id
    );
    Ok(Exit::Success)
}
