//! `isagate agreements list [--format human|json] [--store URL | --files]`: the register
//! of agreements (contract section 7): status, version, parties by name, owner, DPIA,
//! dates with days left, last activation, last transfer and lint findings.
//!
//! Like `emergency list`, it reads through the admin API of a running gateway by default
//! (`GET /v1/agreements`, with the `[admin_client]` of the config); with `--store URL` it
//! reads the agreement files (global `--agreements`, `--schemas`) and that store offline,
//! and with `--files` the files alone (no activation or transfer). Exit 1 when an
//! agreement has an error finding (e.g. `expired`), 2 when nothing can be read.

use anyhow::Context as _;
use http::Method;
use serde_json::Value;

use crate::admin::ports::{summarise, AgreementSummary, Finding};
use crate::agreements::load::load_with_findings;
use crate::cli::emergency::admin_client;
use crate::cli::{Exit, Format, GlobalArgs};
use crate::clock::today_in_london;
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// `human` for reading, `json` for the admin API's JSON body.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Offline: read the agreement files and this store (`sqlite://path` or `postgres://...`).
    #[arg(long, value_name = "URL", conflicts_with = "files")]
    pub store: Option<String>,
    /// Offline: read the agreement files only (no activation or last transfer).
    #[arg(long)]
    pub files: bool,
}

pub fn run(global: &GlobalArgs, args: ListArgs) -> anyhow::Result<Exit> {
    let rt = crate::cli::runtime()?;
    let body = rt.block_on(async {
        if args.store.is_some() || args.files {
            offline(global, args.store.as_deref()).await
        } else {
            let answer = admin_client(global)?.send(Method::GET, "/v1/agreements", None).await?;
            if !(200..300).contains(&answer.status) {
                let detail = answer.body["detail"].as_str().unwrap_or("no detail").to_owned();
                anyhow::bail!("the admin API refused the request ({}): {detail}", answer.status);
            }
            Ok(answer.body)
        }
    })?;
    let list: Vec<AgreementSummary> = serde_json::from_value(body["agreements"].clone())
        .context("the admin API's answer is not a register")?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&body)?),
        Format::Human => print!("{}", render(&list)),
    }
    let error = list.iter().flat_map(|a| &a.findings).any(|f| f.severity == "error");
    Ok(if error { Exit::Finding } else { Exit::Success })
}

/// The register from the files (and a store), shaped as `GET /v1/agreements` answers.
async fn offline(global: &GlobalArgs, store: Option<&str>) -> anyhow::Result<Value> {
    let agencies = match global.config_path() {
        Some(path) => Config::load_without_files(&path)
            .context("cannot read the agencies from the configuration")?
            .to_agency_refs(),
        None => Vec::new(),
    };
    let today = today_in_london();
    let with = (!agencies.is_empty()).then_some(agencies.as_slice());
    let (set, report) = load_with_findings(&global.agreements, &global.schemas, with, today)?;
    let set = set.with_context(|| {
        format!(
            "the agreements in `{}` do not lint clean: run `isagate agreements check` to see why",
            global.agreements.display()
        )
    })?;
    if store.is_none() {
        eprintln!("files only (`--files`): activations and transfers were not read; pass `--store URL` for them");
    }
    let store = match store {
        Some(url) => {
            Some(crate::audit::Store::open(url, crate::audit::StoreOptions::default()).await?)
        }
        None => None,
    };
    let mut list = Vec::new();
    for a in &set.agreements {
        let mut s = summarise(a, today, &agencies);
        // Every lint finding of the file, not only those about today.
        let file = a.path.display().to_string();
        s.findings = report
            .findings
            .iter()
            .filter(|f| f.file == file)
            .map(|f| Finding {
                severity: f.severity.as_str().into(),
                code: f.code.into(),
                message: f.message.clone(),
            })
            .collect();
        if let Some(store) = &store {
            s.activity = store.agreement_activity(&s.id, &s.sha256).await?;
        }
        list.push(s);
    }
    Ok(serde_json::json!({ "agreements": list }))
}

/// `in 12 days`, `today`, `3 days ago`.
fn days(n: i64) -> String {
    match n {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        n if n > 0 => format!("in {n} days"),
        n => format!("{} days ago", -n),
    }
}

/// The human register: one block per agreement.
pub fn render(list: &[AgreementSummary]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if list.is_empty() {
        out.push_str("no agreements\n");
    }
    for a in list {
        let force = if a.in_force { "in force" } else { "NOT in force" };
        let _ = writeln!(out, "{}  version {}  {} ({force})", a.id, a.version, a.status);
        let _ = writeln!(out, "  {}", a.title);
        let parties: Vec<String> = a
            .party_names
            .iter()
            .map(|p| if p.name == p.id { p.id.clone() } else { format!("{} ({})", p.name, p.id) })
            .collect();
        let _ = writeln!(out, "  parties:        {}", parties.join(", "));
        let _ = writeln!(out, "  owner:          {}", a.owner);
        let _ = writeln!(out, "  DPIA:           {}", a.dpia.as_deref().unwrap_or("none"));
        let _ = writeln!(
            out,
            "  effective from: {} ({})",
            a.dates.effective_from,
            days(a.days.effective_in_days)
        );
        let _ = writeln!(
            out,
            "  expires:        {} ({})",
            a.dates.expires,
            days(a.days.expires_in_days)
        );
        match (&a.dates.review_by, a.days.review_in_days) {
            (Some(r), Some(n)) => {
                let _ = writeln!(out, "  review by:      {r} ({})", days(n));
            }
            _ => {
                let _ = writeln!(out, "  review by:      not set");
            }
        }
        let form = &a.request_form;
        if let Some(d) = &form.decision_maker {
            let _ = writeln!(out, "  decided by:     {} ({})", d.name, d.role);
        }
        if let Some(d) = &form.dpo_consulted {
            let _ = writeln!(out, "  DPO consulted:  {}: {}", d.date, d.view);
        }
        if let Some(o) = form.dpia_outcome {
            let _ = writeln!(out, "  DPIA outcome:   {}", o.as_str());
        }
        if let Some(p) = &form.statutory_power {
            let _ = writeln!(out, "  power:          {p}");
        }
        if let Some(c) = form.controllers {
            let _ = writeln!(out, "  controllers:    {}", c.as_str());
        }
        let activated = a.activity.last_activation.as_ref().map_or_else(
            || "no record names this version".to_owned(),
            |v| format!("{} by {} ({})", v.time, v.actor.as_deref().unwrap_or("unknown"), v.action),
        );
        let _ = writeln!(out, "  activated:      {activated}");
        let transfer = a.activity.last_transfer.as_ref().map_or_else(
            || "none recorded".to_owned(),
            |t| {
                format!(
                    "{} flow {} ({})",
                    t.time,
                    t.flow.as_deref().unwrap_or("?"),
                    t.outcome.as_str()
                )
            },
        );
        let _ = writeln!(out, "  last transfer:  {transfer}");
        if a.findings.is_empty() {
            let _ = writeln!(out, "  findings:       none");
        }
        for f in &a.findings {
            let _ = writeln!(out, "  {}: {} ({})", f.severity, f.message, f.code);
        }
        out.push('\n');
    }
    out
}
