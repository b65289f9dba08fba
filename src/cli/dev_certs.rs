//! `isagate dev-certs --out certs/ [--agency ID ...]`: development certificates and keys
//! (never for production). Agencies come from `--agency`, else from `--config`, else the
//! sample agencies.
//!
//! Only argument handling and printing here; `tls::dev_certs` does the work.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{Exit, GlobalArgs};
use crate::tls::dev_certs::{self, DevCertOptions, SAMPLE_AGENCIES};

#[derive(Debug, clap::Args)]
pub struct DevCertsArgs {
    /// Folder to write into (created if missing; existing files are replaced).
    #[arg(long, value_name = "DIR", default_value = "certs")]
    pub out: PathBuf,
    /// An agency id to make a client certificate for (repeatable).
    #[arg(long = "agency", value_name = "ID")]
    pub agencies: Vec<String>,
    /// How many days the certificates and the CRL stay valid.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
}

pub fn run(global: &GlobalArgs, args: DevCertsArgs) -> anyhow::Result<Exit> {
    let agencies: Vec<String> = if !args.agencies.is_empty() {
        args.agencies.clone()
    } else if let Some(path) = &global.config {
        let cfg = crate::config::Config::load_without_files(path)?;
        cfg.agencies.iter().map(|a| a.id.clone()).collect()
    } else {
        SAMPLE_AGENCIES.iter().map(|s| (*s).to_owned()).collect()
    };
    let opts = DevCertOptions { days: args.days, ..DevCertOptions::default() };
    let made = dev_certs::generate(&args.out, &agencies, &opts).with_context(|| {
        format!("cannot make development certificates in `{}`", args.out.display())
    })?;
    println!("development certificates and keys (not for production) in {}:", made.dir.display());
    let width = made.written.iter().map(|(p, _)| file_name(p).len()).max().unwrap_or(0);
    for (path, what) in &made.written {
        println!("  {:width$}  {what}", file_name(path));
    }
    for p12 in made.governance_p12.values() {
        println!(
            "PKCS#12 password of {}: {}\nimport it into a browser for the governance console: \
             Chromium: Settings > Privacy and security > Security > Manage certificates > Import; \
             Firefox: Settings > Privacy & Security > Certificates > View Certificates > Import \
             (or `pk12util -i {} -d sql:$HOME/.pki/nssdb`); trust {} as a CA for websites",
            file_name(p12),
            made.p12_password,
            p12.display(),
            made.ca_cert.display()
        );
    }
    Ok(Exit::Success)
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
