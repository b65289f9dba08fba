//! `isagate agreements new --template referral|research-extract|status-query [--id ID]
//! [--from AGENCY] [--to AGENCY] [--out DIR]`: write a commented agreement and its schema
//! from a template, both linting clean (the walkthrough in `docs/agreements.md` starts
//! here). The agreement is a `draft` dated from today: nothing is shared until a
//! governance team fills it in, names its DPIA and sets `status: active`.
//!
//! Files go to the global `--agreements` and `--schemas` folders, or to `DIR/agreements/`
//! and `DIR/schemas/` with `--out DIR`. An existing file is never overwritten (exit 2).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use jiff::ToSpan;

use crate::cli::{Exit, GlobalArgs};
use crate::clock::today_in_london;

/// The templates: what each is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    /// One agency sends referrals of people at risk to another.
    Referral,
    /// De-identified records for researchers (pseudonyms, age bands, districts).
    ResearchExtract,
    /// One agency asks another where a case has got to; the answer holds only a status.
    StatusQuery,
}

impl Template {
    pub const ALL: [Template; 3] = [Self::Referral, Self::ResearchExtract, Self::StatusQuery];

    pub fn name(self) -> &'static str {
        match self {
            Self::Referral => "referral",
            Self::ResearchExtract => "research-extract",
            Self::StatusQuery => "status-query",
        }
    }

    /// The agreement and schema texts, with `{{...}}` placeholders.
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Referral => (
                include_str!("../../agreements/templates/referral.yaml"),
                include_str!("../../agreements/templates/referral.json"),
            ),
            Self::ResearchExtract => (
                include_str!("../../agreements/templates/research-extract.yaml"),
                include_str!("../../agreements/templates/research-extract.json"),
            ),
            Self::StatusQuery => (
                include_str!("../../agreements/templates/status-query.yaml"),
                include_str!("../../agreements/templates/status-query.json"),
            ),
        }
    }

    /// The sample agencies a template's parties default to (`examples/agencies.toml`).
    fn default_parties(self) -> (&'static str, &'static str) {
        match self {
            Self::Referral | Self::StatusQuery => ("lcc-ssc", "merseyside-police"),
            Self::ResearchExtract => ("lcc-ssc", "uni-evaluators"),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// Which kind of sharing the agreement is for.
    #[arg(long, value_enum)]
    pub template: Template,
    /// The agreement's id (default `ISA-NEW-<TEMPLATE>-0001`).
    #[arg(long)]
    pub id: Option<String>,
    /// The sending agency's id (default: a sample agency).
    #[arg(long, value_name = "AGENCY")]
    pub from: Option<String>,
    /// The receiving agency's id (default: a sample agency).
    #[arg(long, value_name = "AGENCY")]
    pub to: Option<String>,
    /// Write into `DIR/agreements/` and `DIR/schemas/` instead of the global folders.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// What `new` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub agreement: PathBuf,
    pub schema: PathBuf,
}

pub fn run(global: &GlobalArgs, args: NewArgs) -> anyhow::Result<Exit> {
    let (agreements, schemas) = match &args.out {
        Some(dir) => (dir.join("agreements"), dir.join("schemas")),
        None => (global.agreements.clone(), global.schemas.clone()),
    };
    let w = write(&args, &agreements, &schemas, today_in_london())?;
    println!("wrote {}", w.agreement.display());
    println!("wrote {}", w.schema.display());
    println!(
        "next: edit both (the comments say what each line is for), then run `isagate agreements check {}{}`",
        agreements.display(),
        if args.out.is_some() { format!(" --schemas {}", schemas.display()) } else { String::new() }
    );
    Ok(Exit::Success)
}

/// Fill in the template and write both files (never over an existing one).
pub fn write(
    args: &NewArgs,
    agreements: &Path,
    schemas: &Path,
    today: jiff::civil::Date,
) -> anyhow::Result<Written> {
    let t = args.template;
    let id = args
        .id
        .clone()
        .unwrap_or_else(|| format!("ISA-NEW-{}-0001", t.name().to_ascii_uppercase()));
    anyhow::ensure!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "`--id` may hold only letters, digits and `-`, e.g. `ISA-LCC-MERPOL-0008`"
    );
    let (from, to) = t.default_parties();
    let from = args.from.as_deref().unwrap_or(from);
    let to = args.to.as_deref().unwrap_or(to);
    for party in [from, to] {
        anyhow::ensure!(
            !party.is_empty() && party.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "an agency id holds only letters, digits and `-`: `{party}` does not"
        );
    }
    let slug = id.to_ascii_lowercase();
    let schema_name = format!("{slug}.{}.v1.json", t.name());
    let expires = today.checked_add(1.year()).context("the date is out of range")?;
    let review = today.checked_add(6.months()).context("the date is out of range")?;
    let (yaml, json) = t.texts();
    let yaml = yaml
        .replace("{{ID}}", &id)
        .replace("{{FROM}}", from)
        .replace("{{TO}}", to)
        .replace("{{EFFECTIVE}}", &today.to_string())
        .replace("{{EXPIRES}}", &expires.to_string())
        .replace("{{REVIEW}}", &review.to_string())
        .replace("{{SCHEMA}}", &schema_name);
    let written = Written {
        agreement: agreements.join(format!("{slug}.yaml")),
        schema: schemas.join(&schema_name),
    };
    for path in [&written.agreement, &written.schema] {
        anyhow::ensure!(
            !path.exists(),
            "`{}` already exists: choose another `--id`, or move it",
            path.display()
        );
    }
    for dir in [agreements, schemas] {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    std::fs::write(&written.schema, json)
        .with_context(|| format!("cannot write `{}`", written.schema.display()))?;
    std::fs::write(&written.agreement, yaml)
        .with_context(|| format!("cannot write `{}`", written.agreement.display()))?;
    Ok(written)
}
