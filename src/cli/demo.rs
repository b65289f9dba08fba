//! `isagate demo`: a newcomer's tour. It makes development certificates and a config in a
//! work folder, starts a mock upstream for every sample agency (each prints what it
//! receives), starts the gateway on SQLite with the sample agreements, sends sample
//! transfers and prints each as before / after / disclosure id, verifies the chain, then
//! keeps serving and prints `curl` lines to paste.

mod change;
pub mod client;
pub mod samples;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use http::Method;

use super::{Exit, GlobalArgs};
use crate::clock::SystemClock;
use crate::config::{Agency, Config};
use crate::mock_agency::{MockAgency, MockAgencyHandle, MockAgencyOptions};
use crate::runtime::{launch, PolicySource};
use crate::shutdown::Shutdown;
use crate::tls::dev_certs::{self, DevCertOptions};
use client::TransferClient;

/// A file that marks a folder as the demo's own, so it may be wiped and made again.
const MARKER: &str = ".isagate-demo";

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The work folder for certificates, config, database and payloads (made afresh).
    #[arg(long, value_name = "DIR", default_value = "demo-work")]
    pub dir: PathBuf,
    /// The transfer listener's port on 127.0.0.1.
    #[arg(long, default_value_t = 8443)]
    pub port: u16,
    /// The admin listener's port on 127.0.0.1.
    #[arg(long, default_value_t = 9443)]
    pub admin_port: u16,
    /// The ops listener's port on 127.0.0.1 (`/healthz`, `/readyz`, `/metrics`).
    #[arg(long, default_value_t = 9090)]
    pub ops_port: u16,
    /// Stop after the tour instead of serving until Ctrl-C.
    #[arg(long)]
    pub no_serve: bool,
}

pub fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<Exit> {
    let source = PolicySource {
        agreements: absolute(&global.agreements)?,
        schemas: absolute(&global.schemas)?,
    };
    anyhow::ensure!(
        source.agreements.is_dir() && source.schemas.is_dir(),
        "the sample agreements are not here: run the demo from the repository root, or pass `--agreements DIR --schemas DIR`"
    );
    let dir = prepare_dir(&args.dir)?;
    let agencies = samples::agencies()?;
    let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
    let certs = dev_certs::generate(&dir.join("certs"), &ids, &DevCertOptions::default())?;
    println!("== isagate demo: work folder {}", dir.display());
    println!(
        "   development certificates in {}/certs (never use them in production)\n",
        dir.display()
    );

    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let _telemetry =
            crate::telemetry::init_logging(crate::telemetry::LogFormat::Text, "warn", None)?;
        let mut mocks = Vec::new();
        for agency in &agencies {
            let mock = MockAgency::start(MockAgencyOptions {
                name: agency.id.clone(),
                bind: "127.0.0.1:0".parse()?,
                server_cert_pem: certs.mock_upstream.cert.clone(),
                server_key_pem: certs.mock_upstream.key.clone(),
                client_ca_pem: certs.ca_cert.clone(),
                print: true,
                routes: Vec::new(),
            })
            .await?;
            mocks.push((agency, mock));
        }
        let config_path = dir.join("isagate.toml");
        std::fs::write(&config_path, config_text(&args, &mocks))
            .with_context(|| format!("cannot write `{}`", config_path.display()))?;
        let cfg = Config::load(&config_path)?;
        let shutdown = Shutdown::on_signals()?;
        let launched =
            launch(&cfg, source, shutdown.clone(), std::sync::Arc::new(SystemClock)).await?;
        let base = format!("https://127.0.0.1:{}", launched.transfer_addr.port());
        println!("gateway listening on {base} (ops on http://{})\n", launched.ops_addr);

        let payloads = dir.join("payloads");
        std::fs::create_dir_all(&payloads)?;
        for sample in samples::samples() {
            tour_step(&dir, &base, &launched.state.store, &sample).await?;
        }
        if let Some(admin) = launched.admin_addr {
            review_queue(&dir, admin.port()).await?;
        }
        change::show(&launched.state.policy, &launched.state.store).await?;
        let report = launched.state.store.verify(None, &|_, _| {}).await?;
        println!(
            "== chain verified: {} records, head {} ({})\n",
            report.length,
            report.head_hash,
            if report.ok { "intact" } else { "BROKEN" }
        );
        println!("{}", curl_lines(&dir, &base));
        if let Some(admin) = launched.admin_addr {
            println!("{}", console_lines(&certs, admin.port()));
        }
        if args.no_serve {
            shutdown.trigger();
        } else {
            println!("serving until Ctrl-C ...");
        }
        launched.wait().await;
        for (_, m) in mocks {
            m.shutdown().await;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Exit::Success)
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    Ok(if p.is_absolute() { p.to_owned() } else { std::env::current_dir()?.join(p) })
}

/// Make the work folder afresh; refuse to wipe a folder the demo did not make.
fn prepare_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        anyhow::ensure!(
            dir.join(MARKER).exists(),
            "`{}` exists and was not made by `isagate demo`; pass another `--dir`",
            dir.display()
        );
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(MARKER), "made by isagate demo; safe to delete\n")?;
    absolute(dir)
}

fn config_text(args: &DemoArgs, mocks: &[(&Agency, MockAgencyHandle)]) -> String {
    let mut s = format!(
        r#"# Written by `isagate demo`: development certificates, SQLite, loopback only.
[listen]
transfer = "127.0.0.1:{port}"
admin = "127.0.0.1:{admin}"
ops = "127.0.0.1:{ops}"

[tls]
server_cert = "certs/gateway-server.crt"
server_key = "certs/gateway-server.key"
client_ca = "certs/ca.crt"
crls = ["certs/crl.pem"]
governance_ca = "certs/ca.crt"

[upstream_client]
cert = "certs/gateway-client.crt"
key = "certs/gateway-client.key"

[store]
url = "sqlite://isagate.db"

[keys]
pseudonymisation = "certs/pseudonymisation.key"
subject = "certs/subject.key"

[checkpoints]
key = "certs/checkpoint.key"
file = "checkpoints.jsonl"
every_records = 10
every = "60s"

[admin_client]
url = "https://127.0.0.1:{admin}"
cert = "certs/governance-dpo.crt"
key = "certs/governance-dpo.key"
ca = "certs/ca.crt"
"#,
        port = args.port,
        admin = args.admin_port,
        ops = args.ops_port,
    );
    for (Agency { id, name, jurisdiction, public_authority, .. }, mock) in mocks {
        let upstream = mock.base_url();
        let _ = write!(
            s,
            "\n[[agencies]]\nid = \"{id}\"\nname = \"{name}\"\njurisdiction = \"{jurisdiction}\"\nupstream = \"{upstream}\"\nupstream_ca = \"certs/ca.crt\"\n"
        );
        if !public_authority {
            s.push_str("public_authority = false\n");
        }
    }
    s
}

async fn tour_step(
    dir: &Path,
    base: &str,
    store: &crate::audit::Store,
    sample: &samples::Sample,
) -> anyhow::Result<()> {
    let certs = dir.join("certs");
    let client = TransferClient::new(
        &certs.join(format!("agency-{}.crt", sample.caller)),
        &certs.join(format!("agency-{}.key", sample.caller)),
        &certs.join("ca.crt"),
    )?;
    println!("== {}", sample.title);
    println!("   {} {}{} as `{}`", sample.method, base, sample.path, sample.caller);
    for (k, v) in &sample.headers {
        println!("   {k}: {v}");
    }
    let body = match &sample.body {
        Some(b) => {
            let text = serde_json::to_string_pretty(b)?;
            std::fs::write(dir.join("payloads").join(sample.file), &text)?;
            println!("-- before (what {} sent):\n{}", sample.caller, indent(&text));
            Some(text.into_bytes())
        }
        None => None,
    };
    println!("-- after (what the recipient received, printed by its mock upstream):");
    let method = Method::from_bytes(sample.method.as_bytes())?;
    let reply =
        client.send(method, &format!("{base}{}", sample.path), &sample.headers, body).await?;
    let id = reply.disclosure_id().unwrap_or_default();
    println!("-- reply to {}: {} (Isagate-Disclosure-Id: {id})", sample.caller, reply.status);
    if !reply.body.is_empty() {
        println!("{}", indent(&serde_json::to_string_pretty(&reply.json())?));
    }
    if let Some(record) = store.get(id.parse()?).await? {
        let d = &record.draft;
        println!("-- record #{} ({:?}, outcome {:?})", record.seq, d.kind, d.outcome);
        for s in &d.stripped {
            println!("   stripped    {}  ({})", s.path, s.reason);
        }
        for t in &d.transformed {
            println!("   transformed {}  ({})", t.path, t.transform);
        }
        if let Some(e) = &d.emergency {
            println!("   emergency   {} (review {})", e.category, e.review_state);
        }
    }
    println!();
    Ok(())
}

/// The governance view: the emergency review queue from the admin listener.
async fn review_queue(dir: &Path, admin_port: u16) -> anyhow::Result<()> {
    let certs = dir.join("certs");
    let dpo = TransferClient::new(
        &certs.join("governance-dpo.crt"),
        &certs.join("governance-dpo.key"),
        &certs.join("ca.crt"),
    )?;
    let url = format!("https://127.0.0.1:{admin_port}/v1/emergency?state=pending");
    let reply = dpo.send(Method::GET, &url, &[], None).await?;
    println!("== the review queue a governance officer sees (GET {url}, governance certificate):");
    println!("{}\n", indent(&serde_json::to_string_pretty(&reply.json())?));
    println!(
        "   review it:  isagate --config {}/isagate.toml emergency review <id> --decision justified --subject-told deferred --revisit 2026-12-31 --note \"...\"\n",
        dir.display()
    );
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   {l}")).collect::<Vec<_>>().join("\n")
}

/// `curl` lines a newcomer can paste (run from the folder the demo was started in).
pub fn curl_lines(dir: &Path, base: &str) -> String {
    let c = dir.join("certs");
    let p = dir.join("payloads");
    let tls = format!(
        "--cacert {ca} --cert {dir}/agency-lcc-ssc.crt --key {dir}/agency-lcc-ssc.key",
        ca = c.join("ca.crt").display(),
        dir = c.display()
    );
    format!(
        "== try it yourself (paste into another terminal):\n\n\
         curl -sS -i {tls} -H 'Isagate-Purpose: safeguarding' -H 'Isagate-Reason: SSC-2026-00417 follow-up' -H 'Isagate-Requester: lcc-ssc/you' -H 'Content-Type: application/json' --data @{referral} {base}/merseyside-police/v1/referrals\n\n\
         curl -sS -i {tls} -H 'Isagate-Purpose: safeguarding' -H 'Isagate-Reason: SSC-2026-00417 follow-up' -H 'Isagate-Requester: lcc-ssc/you' {base}/nhs-trust/v1/anything\n\n\
         curl -sS -i --cacert {ca} {base}/merseyside-police/v1/referrals   # no client certificate: the handshake fails\n",
        referral = p.join("referral.json").display(),
        ca = c.join("ca.crt").display(),
    )
}

/// Where the governance console is, and the certificate a browser needs for it.
fn console_lines(certs: &dev_certs::DevCerts, admin_port: u16) -> String {
    let mut s = format!("== the governance console: https://127.0.0.1:{admin_port}/\n");
    for p12 in certs.governance_p12.values() {
        s.push_str(&format!(
            "   import {} (password {}) into your browser's certificates, and trust {} for websites\n",
            p12.display(),
            certs.p12_password,
            certs.ca_cert.display()
        ));
    }
    s
}
