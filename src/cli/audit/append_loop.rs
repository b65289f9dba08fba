//! The hidden `audit append-loop`: appends sample records from several concurrent tasks
//! and prints `seq hash` for each acknowledged one, flushing every line. Crash and
//! multi-process tests drive it; it is no part of the contract.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::defaults::Defaults;
use super::{Exit, StoreArg};
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::codes::Direction;

#[derive(Debug, clap::Args)]
pub struct AppendLoopArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Stop after this many appends (default: never).
    #[arg(long)]
    pub count: Option<u64>,
    /// Concurrent appending tasks.
    #[arg(long, default_value_t = 8)]
    pub tasks: u64,
    /// Label written into each record's `from`, to tell writers apart.
    #[arg(long, default_value = "append-loop")]
    pub label: String,
    /// Write no subject index rows (SQLite): the crash tests' index that lags.
    #[arg(long)]
    pub hold_subject_index: bool,
}

/// A plausible disclosure with no personal data.
pub fn sample_draft(label: &str, n: u64) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
    d.direction = Some(Direction::Request);
    d.from = Some(label.to_owned());
    d.to = Some("sample-recipient".into());
    d.requester = Some(format!("staff-{}", n % 17));
    d.method = Some("POST".into());
    d.path_template = Some("/v1/referrals".into());
    d.purpose = Some("safeguarding".into());
    d.reason = Some(format!("case {n}"));
    d.disclosed = vec!["/name".into()];
    d.subjects = vec![format!("{:064x}", n % 97)];
    d
}

pub async fn run(args: AppendLoopArgs, defaults: &mut Defaults<'_>) -> anyhow::Result<Exit> {
    let store = super::open(&defaults.store_url(&args.store)?).await?;
    store.hold_subject_index(args.hold_subject_index);
    let issued = Arc::new(AtomicU64::new(0));
    let stdout = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let mut tasks = Vec::new();
    for _ in 0..args.tasks.max(1) {
        let (store, issued, stdout, label) =
            (store.clone(), issued.clone(), stdout.clone(), args.label.clone());
        let limit = args.count;
        tasks.push(tokio::spawn(async move {
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if limit.is_some_and(|l| n >= l) {
                    return Ok::<_, anyhow::Error>(());
                }
                let c = store.append(sample_draft(&label, n)).await?;
                let line = format!("{} {}\n", c.seq, c.hash);
                if let Ok(mut out) = stdout.lock() {
                    out.write_all(line.as_bytes())?;
                    out.flush()?;
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(Exit::Success)
}
