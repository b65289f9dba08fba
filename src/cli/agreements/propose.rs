//! `isagate agreements propose|proposals|approve|reject`: the four-eyes lifecycle through
//! the admin API (`[admin_client]` in the config names the gateway and the governance
//! certificate that acts). Exit 0 when the API accepted the step, 1 when it refused it
//! (a lint finding, a conflict), 2 when it could not be reached or refused the identity.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use http::Method;
use serde_json::{json, Value};

use crate::cli::emergency::{admin_client, finish};
use crate::cli::{Exit, Format, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct ProposeArgs {
    /// Agreement (or `emergency-policy.yaml`) files and the schema files (`*.json`) that
    /// go with them; each is proposed under its file name.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Why, for the record.
    #[arg(long)]
    pub note: Option<String>,
    /// `human` for reading, `json` for the admin API's JSON body.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// The proposal's id, as `agreements proposals` shows it.
    #[arg(value_name = "PROPOSAL ID")]
    pub id: String,
    /// Why, for the record (required to reject).
    #[arg(long)]
    pub note: Option<String>,
    /// `human` for reading, `json` for the admin API's JSON body.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ProposalsArgs {
    /// `human` for reading, `json` for the admin API's JSON body.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// The request body of a proposal: each file under its name.
fn proposal_body(args: &ProposeArgs) -> anyhow::Result<Value> {
    let (mut agreements, mut schemas) = (BTreeMap::new(), BTreeMap::new());
    for path in &args.files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .with_context(|| format!("`{}` is not a file", path.display()))?;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let into = if name.ends_with(".json") { &mut schemas } else { &mut agreements };
        into.insert(name, text);
    }
    Ok(json!({"agreements": agreements, "schemas": schemas, "note": args.note}))
}

fn print_proposal(p: &Value) {
    let s = |k: &str| p[k].as_str().unwrap_or("-").to_owned();
    println!("proposal {}  {}  by {} at {}", s("id"), s("state"), s("proposer"), s("time"));
    if let Some(files) = p["agreements"].as_object() {
        for name in files.keys().chain(p["schemas"].as_object().into_iter().flat_map(|m| m.keys()))
        {
            println!("  {name}");
        }
    }
    for f in p["findings"].as_array().into_iter().flatten() {
        println!(
            "  {} {} line {}: [{}] {} ({})",
            f["severity"].as_str().unwrap_or(""),
            f["file"].as_str().unwrap_or(""),
            f["line"],
            f["code"].as_str().unwrap_or(""),
            f["message"].as_str().unwrap_or(""),
            f["help"].as_str().unwrap_or("")
        );
    }
    if p["decided_by"].is_string() {
        println!("  {} by {}: {}", s("state"), s("decided_by"), s("decision_note"));
    }
}

/// Run one lifecycle command through the admin API.
pub fn run(global: &GlobalArgs, step: Step) -> anyhow::Result<Exit> {
    let client = admin_client(global)?;
    let runtime = crate::cli::runtime()?;
    runtime.block_on(async move {
        match step {
            Step::Propose(args) => {
                let body = proposal_body(&args)?;
                let a = client.send(Method::POST, "/v1/agreements/proposals", Some(&body)).await?;
                let lint_errors = a.body["errors"].as_u64().unwrap_or(0);
                let exit = finish(a, args.format, print_proposal)?;
                Ok(if lint_errors > 0 { Exit::Finding } else { exit })
            }
            Step::List(args) => {
                let a = client.send(Method::GET, "/v1/agreements/proposals", None).await?;
                finish(a, args.format, |b| {
                    let list = b["proposals"].as_array().cloned().unwrap_or_default();
                    if list.is_empty() {
                        println!("no proposals");
                    }
                    list.iter().for_each(print_proposal);
                })
            }
            Step::Approve(args) => {
                let path = format!("/v1/agreements/proposals/{}/approve", args.id);
                let a = client.send(Method::POST, &path, Some(&json!({"note": args.note}))).await?;
                finish(a, args.format, |b| {
                    print_proposal(&b["proposal"]);
                    println!(
                        "live: reload record {}",
                        b["reload"]["record_id"].as_str().unwrap_or("-")
                    );
                })
            }
            Step::Reject(args) => {
                let path = format!("/v1/agreements/proposals/{}/reject", args.id);
                let a = client.send(Method::POST, &path, Some(&json!({"note": args.note}))).await?;
                finish(a, args.format, print_proposal)
            }
        }
    })
}

/// One step of the lifecycle.
pub enum Step {
    Propose(ProposeArgs),
    List(ProposalsArgs),
    Approve(DecideArgs),
    Reject(DecideArgs),
}
