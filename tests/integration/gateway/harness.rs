//! A real gateway for one test: dev certificates, a mock upstream per sample agency, a
//! config file, SQLite on disk, the sample agreements, all on 127.0.0.1 ports chosen by
//! the kernel.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use http::Method;
use isagate::audit::Record;
use isagate::cli::demo::client::{Reply, TransferClient};
use isagate::clock::SystemClock;
use isagate::config::Config;
use isagate::mock_agency::{MockAgency, MockAgencyHandle, MockAgencyOptions, Route};
use isagate::runtime::{launch, Launched, PolicySource};
use isagate::shutdown::Shutdown;
use isagate::tls::dev_certs::{self, DevCa, DevCertOptions, SAMPLE_AGENCIES};

use crate::support;

/// Knobs a test may turn.
#[derive(Default)]
pub struct Options {
    /// Routes for a mock agency (by id).
    pub routes: HashMap<&'static str, Vec<Route>>,
    /// Extra TOML lines for `[limits]`.
    pub limits: String,
    /// Extra TOML lines for `[rate_limits]`.
    pub rate_limits: String,
    /// Extra TOML lines for `[upstream_client]`.
    pub upstream_client: String,
    /// Extra TOML lines for `[tls]`.
    pub tls: String,
    /// Extra TOML lines for `[alerts]`.
    pub alerts: String,
    /// Extra TOML lines for `[telemetry]`.
    pub telemetry: String,
    /// The store URL (default: SQLite in the scratch folder).
    pub store_url: Option<String>,
    /// Fixed ports (transfer, admin, ops) instead of kernel-chosen ones.
    pub ports: Option<(u16, u16, u16)>,
}

#[allow(dead_code, reason = "fields for tests to inspect")]
pub struct Gateway {
    pub dir: tempfile::TempDir,
    pub certs: PathBuf,
    pub ca: DevCa,
    pub base: String,
    pub launched: Option<Launched>,
    pub mocks: HashMap<String, MockAgencyHandle>,
    pub config: Config,
}

pub const OK_HEADERS: &[(&str, &str)] = &[
    ("Isagate-Purpose", "safeguarding"),
    ("Isagate-Reason", "SSC-2026-00417: concern reported today"),
    ("Isagate-Requester", "lcc-ssc/jsmith"),
];

/// A valid referral (council -> police), with fields the schema does not declare.
pub fn referral() -> serde_json::Value {
    serde_json::json!({
        "case_id": "SSC-2026-00417",
        "subject": {
            "name": {"given": "Alex", "family": "Example"},
            "date_of_birth": "2014-03-09",
            "nhs_number": "9434765919",
            "religion": "not recorded"
        },
        "concern": "Child reported alone at home overnight.",
        "risk_level": "high",
        "internal_priority_score": 87
    })
}

impl Gateway {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(opts: Options) -> Self {
        let prepared = prepare(&opts).await;
        let text = config_text(&opts, &prepared.3);
        Self::launch_in(prepared, &text).await
    }

    /// Start a gateway with `text` as its config, in a folder [`prepare`] made.
    pub async fn launch_in(prepared: Prepared, text: &str) -> Self {
        let (dir, certs, ca, mocks) = prepared;
        let config_path = dir.path().join("isagate.toml");
        std::fs::write(&config_path, text).unwrap();
        let config = Config::load(&config_path).unwrap();
        let source = PolicySource {
            agreements: support::repo().join("agreements"),
            schemas: support::repo().join("schemas"),
        };
        let launched = launch(&config, source, Shutdown::new(), std::sync::Arc::new(SystemClock))
            .await
            .unwrap();
        let base = format!("https://127.0.0.1:{}", launched.transfer_addr.port());
        Self { dir, certs, ca, base, launched: Some(launched), mocks, config }
    }
}

/// What [`prepare`] makes: the scratch folder, its certificates, the CA and the mocks.
pub type Prepared = (tempfile::TempDir, PathBuf, DevCa, HashMap<String, MockAgencyHandle>);

/// Certificates and a mock upstream per sample agency, in a fresh scratch folder.
pub async fn prepare(opts: &Options) -> Prepared {
    {
        let dir = support::scratch();
        let certs = dir.path().join("certs");
        let ids: Vec<String> = SAMPLE_AGENCIES.iter().map(|s| (*s).to_owned()).collect();
        let (files, ca) =
            dev_certs::generate_with_ca(&certs, &ids, &DevCertOptions::default()).unwrap();
        let mut mocks = HashMap::new();
        for id in SAMPLE_AGENCIES {
            let m = MockAgency::start(MockAgencyOptions {
                name: id.to_owned(),
                bind: "127.0.0.1:0".parse().unwrap(),
                server_cert_pem: files.mock_upstream.cert.clone(),
                server_key_pem: files.mock_upstream.key.clone(),
                client_ca_pem: files.ca_cert.clone(),
                print: false,
                routes: opts.routes.get(id).cloned().unwrap_or_default(),
            })
            .await
            .unwrap();
            mocks.insert(id.to_owned(), m);
        }
        (dir, certs, ca, mocks)
    }
}

impl Gateway {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A client presenting `certs/<name>.crt` (e.g. `agency-lcc-ssc`).
    pub fn client_for(&self, name: &str) -> TransferClient {
        TransferClient::new(
            &self.certs.join(format!("{name}.crt")),
            &self.certs.join(format!("{name}.key")),
            &self.certs.join("ca.crt"),
        )
        .unwrap()
    }

    pub async fn send(
        &self,
        caller: &str,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        self.client_for(&format!("agency-{caller}"))
            .send(method, &format!("{}{path}", self.base), headers, body)
            .await
            .unwrap()
    }

    /// POST a referral from the council to the police with the usual headers.
    pub async fn referral(&self, body: &serde_json::Value) -> Reply {
        self.send(
            "lcc-ssc",
            Method::POST,
            "/merseyside-police/v1/referrals",
            OK_HEADERS,
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    pub fn mock(&self, id: &str) -> &MockAgencyHandle {
        &self.mocks[id]
    }

    pub fn store(&self) -> &isagate::audit::Store {
        &self.launched.as_ref().unwrap().state.store
    }

    /// The record a reply names, which must exist.
    pub async fn record_of(&self, reply: &Reply) -> Record {
        let id = reply.disclosure_id().expect("every response carries Isagate-Disclosure-Id");
        self.store().get(id.parse().unwrap()).await.unwrap().expect("the named record exists")
    }

    /// Every record, in chain order, but the start-up's agreement activations.
    pub async fn records(&self) -> Vec<Record> {
        let rows = self.store().rows_after(0, 100_000).await.unwrap();
        let start_up =
            |r: &Record| r.draft.governance.as_ref().is_some_and(|g| g["trigger"] == "start-up");
        rows.into_iter().map(|r| r.record.unwrap()).filter(|r| !start_up(r)).collect()
    }

    pub async fn stop(mut self) {
        if let Some(l) = self.launched.take() {
            l.shutdown.trigger();
            l.wait().await;
        }
    }
}

/// The config a test gateway runs with (also written for child `isagate serve` processes).
pub fn config_text(opts: &Options, mocks: &HashMap<String, MockAgencyHandle>) -> String {
    let (transfer, admin, ops) = opts.ports.unwrap_or((0, 0, 0));
    let store = opts.store_url.clone().unwrap_or_else(|| "sqlite://isagate.db".to_owned());
    let mut s = format!(
        r#"[listen]
transfer = "127.0.0.1:{transfer}"
admin = "127.0.0.1:{admin}"
ops = "127.0.0.1:{ops}"

[tls]
server_cert = "certs/gateway-server.crt"
server_key = "certs/gateway-server.key"
client_ca = "certs/ca.crt"
crls = ["certs/crl.pem"]
{tls}

[upstream_client]
cert = "certs/gateway-client.crt"
key = "certs/gateway-client.key"
{upstream_client}

[store]
url = "{store}"

[alerts]
{alerts}

[limits]
{limits}

[rate_limits]
{rate_limits}

[keys]
pseudonymisation = "certs/pseudonymisation.key"
subject = "certs/subject.key"

[checkpoints]
key = "certs/checkpoint.key"
file = "checkpoints.jsonl"
"#,
        tls = opts.tls,
        upstream_client = opts.upstream_client,
        limits = opts.limits,
        rate_limits = opts.rate_limits,
        alerts = opts.alerts,
    );
    if !opts.telemetry.is_empty() {
        let _ = write!(s, "\n[telemetry]\n{}\n", opts.telemetry);
    }
    for id in SAMPLE_AGENCIES {
        let jurisdiction = if id == "ie-tusla" { "IE" } else { "GB" };
        let _ = write!(
            s,
            "\n[[agencies]]\nid = \"{id}\"\nname = \"{id}\"\njurisdiction = \"{jurisdiction}\"\nupstream = \"{}\"\nupstream_ca = \"certs/ca.crt\"\n",
            mocks[id].base_url()
        );
    }
    s
}

/// A raw mTLS connection to the transfer listener as `agency`, for tests that write the
/// HTTP bytes themselves (framing, `Expect`, line endings).
pub async fn raw_tls(
    gw: &Gateway,
    agency: &str,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let id = crate::tls::ClientId::from(&dev_certs::fixtures::agency(&gw.ca, agency).unwrap());
    let cfg = crate::tls::client(&gw.certs.join("ca.crt"), Some(&id), false);
    let tcp =
        tokio::net::TcpStream::connect(gw.launched.as_ref().unwrap().transfer_addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(cfg).connect(name, tcp).await.unwrap()
}
