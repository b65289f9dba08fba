//! A running admin listener on 127.0.0.1 over real mTLS, wired as `launch` wires it: the
//! record store on a temporary SQLite file (ledger and audit port), the gateway's policy
//! loaded from an agreements folder on disk, one restrictions cell; with clients for a
//! governance and an agency identity.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use isagate::admin::client::{AdminClient, Answer};
use isagate::admin::ports::AgreementsPort;
use isagate::admin::AdminState;
use isagate::agreements::AgencyRef;
use isagate::audit::record::{AgreementRef, EmergencyInfo, Outcome, RecordDraft, RecordKind};
use isagate::audit::{ManualClock, Store, StoreOptions};
use isagate::codes::Direction;
use isagate::emergency::ledger::EmergencyEntry;
use isagate::emergency::{Alerts, Committed, Ledger, LedgerError, LedgerRecord, RestrictionsCell};
use isagate::gateway::rate::{RateLimitConfig, RateLimits};
use isagate::gateway::state::{AgencyInfo, GatewayState, Settings};
use isagate::gateway::upstream::Upstreams;
use isagate::keys::{PseudonymisationKey, SecretKey, SubjectKey};
use isagate::policy::{Policy, PolicyCell};
use isagate::runtime::admin_port::PolicyAgreements;
use isagate::runtime::{load_policy, PolicySource};
use isagate::tls::dev_certs::SAMPLE_AGENCIES;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::pki::Pki;
use crate::support;

pub const GOVERNANCE: &str = "urn:isagate:governance:ig-team";

/// A recorded emergency disclosure, as the pipeline writes it.
pub fn emergency_draft() -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
    d.direction = Some(Direction::Request);
    d.from = Some("lcc-ssc".into());
    d.to = Some("merseyside-police".into());
    d.requester = Some("staff-42".into());
    d.agreement =
        Some(AgreementRef { id: "ISA-LCC-MERPOL-0007".into(), version: 3, sha256: "a".repeat(64) });
    d.purpose = Some("child-at-risk".into());
    d.emergency = Some(EmergencyInfo {
        category: "child-at-risk".into(),
        justification: "case 123: child seen with injuries tonight".into(),
        review_state: "pending".into(),
        basis: "agreement:ISA-LCC-MERPOL-0007".into(),
    });
    d
}

pub fn subject_key() -> SubjectKey {
    SubjectKey::new(&SecretKey::from_base64(&"F".repeat(44)).unwrap())
}

/// The console's form-token key (`keys.console`).
pub fn console_key() -> isagate::console::csrf::CsrfKey {
    isagate::console::csrf::CsrfKey::new(&SecretKey::from_base64(&"C".repeat(44)).unwrap())
}

/// The day the gateway's and the admin listener's clocks are fixed at.
pub const TODAY: &str = "2026-03-01T12:00:00Z";

/// The real record store with a switch that makes every ledger call fail, as an
/// unreachable database would (the admin API must then answer 503 and change nothing).
pub struct Breakable {
    pub store: Store,
    pub broken: AtomicBool,
}

impl Breakable {
    fn check(&self) -> Result<(), LedgerError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(LedgerError::Unavailable("the test cut the store off".into()));
        }
        Ok(())
    }

    /// Every record, in chain order, as the ledger reads it back from the store.
    pub async fn all(&self) -> Vec<LedgerRecord> {
        let rows = self.store.rows_after(0, 100_000).await.unwrap();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.record.unwrap().id;
            out.push(Ledger::get(&self.store, id).await.unwrap().unwrap());
        }
        out
    }
}

impl Ledger for Breakable {
    fn append(&self, draft: RecordDraft) -> BoxFuture<'_, Result<Committed, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            Ledger::append(&self.store, draft).await
        })
    }
    fn get(&self, id: Uuid) -> BoxFuture<'_, Result<Option<LedgerRecord>, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            Ledger::get(&self.store, id).await
        })
    }
    fn emergencies(&self) -> BoxFuture<'_, Result<Vec<EmergencyEntry>, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            Ledger::emergencies(&self.store).await
        })
    }
    fn governance_since(
        &self,
        after: u64,
    ) -> BoxFuture<'_, Result<Vec<LedgerRecord>, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            Ledger::governance_since(&self.store, after).await
        })
    }
}

/// The sample agencies, registered as `serve` registers configured ones.
fn agencies() -> Vec<AgencyRef> {
    SAMPLE_AGENCIES
        .iter()
        .map(|id| AgencyRef {
            id: (*id).to_owned(),
            name: (*id).to_owned(),
            jurisdiction: if *id == "ie-tusla" { "IE" } else { "GB" }.to_owned(),
            receives: true,
            public_authority: true,
        })
        .collect()
}

/// What `launch` builds for the transfer pipeline, on this store and policy, with the
/// clock fixed at [`TODAY`] and no upstreams (the admin API never forwards).
fn gateway_state(store: Store, policy: Policy, agencies: &[AgencyRef]) -> GatewayState {
    GatewayState {
        settings: Settings {
            max_body: 1024 * 1024,
            max_depth: 32,
            read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            decompressed_max: 1024 * 1024,
        },
        agencies: agencies
            .iter()
            .map(|a| {
                let info = AgencyInfo {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    jurisdiction: a.jurisdiction.clone(),
                    upstream: None,
                    pins: Vec::new(),
                };
                (a.id.clone(), info)
            })
            .collect(),
        policy: PolicyCell::new(policy),
        store,
        pseudonyms: PseudonymisationKey::new(SecretKey::from_base64(&"P".repeat(44)).unwrap()),
        subject_key: subject_key(),
        rate: RateLimits::new(RateLimitConfig::default()),
        upstreams: Upstreams::new(Duration::from_secs(5)),
        clock: Arc::new(ManualClock::new(TODAY.parse().unwrap())),
        restrictions: Arc::new(RestrictionsCell::default()),
        alerts: Alerts::new(None),
    }
}

/// The sample agreement ISA-LCC-MERPOL-0007 in its own folder, with its review date moved
/// before [`TODAY`] so that listing it shows the `review-overdue` finding.
fn agreements_folder(scratch: &Path) -> PathBuf {
    let dir = scratch.join("agreements");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(support::repo().join("agreements/isa-lcc-merpol-0007.yaml"))
        .unwrap();
    assert!(text.contains("review_by: 2027-07-01"), "the sample agreement changed");
    let text = text.replace("review_by: 2027-07-01", "review_by: 2026-02-01");
    std::fs::write(dir.join("isa-lcc-merpol-0007.yaml"), text).unwrap();
    dir
}

pub struct Harness {
    pub url: String,
    pub pki: Pki,
    /// The record store (SQLite on disk) behind the admin API's ledger and audit ports.
    pub ledger: Arc<Breakable>,
    pub state: Arc<AdminState>,
    /// Where the agreements are read from (and re-read on reload).
    pub agreements_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// Last, so the folder outlives the store.
    scratch: tempfile::TempDir,
}

impl Harness {
    /// The admin listener wired as `launch` wires it: the store as ledger and audit port,
    /// the gateway's policy as agreements port, one restrictions cell for both.
    pub async fn start() -> Self {
        let scratch = support::scratch();
        let url = format!("sqlite://{}", scratch.path().join("audit.db").display());
        let clock = ManualClock::new(TODAY.parse().unwrap());
        let store =
            Store::open_with_clock(&url, StoreOptions::default(), Arc::new(clock)).await.unwrap();
        let source = PolicySource {
            agreements: agreements_folder(scratch.path()),
            schemas: support::repo().join("schemas"),
        };
        let agencies = agencies();
        let policy = load_policy(&source, &agencies).unwrap();
        let gateway = Arc::new(gateway_state(store.clone(), policy, &agencies));
        let restrictions = Arc::clone(&gateway.restrictions);
        let agreements: Arc<dyn AgreementsPort> = Arc::new(PolicyAgreements {
            state: Arc::clone(&gateway),
            source: source.clone(),
            agencies,
        });
        let ledger = Arc::new(Breakable { store: store.clone(), broken: AtomicBool::new(false) });
        let dyn_ledger: Arc<dyn Ledger> = ledger.clone();

        let pki = Pki::new();
        let server = pki.server();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(pki.server_config(&server, true)));
        let mut state =
            AdminState::new(dyn_ledger, Arc::new(store), agreements, restrictions, subject_key());
        state.clock = Arc::new(ManualClock::new(TODAY.parse().unwrap()));
        state.console_key = Some(console_key());
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(isagate::admin::serve_admin(
            listener,
            Arc::new(acceptor),
            Arc::clone(&state),
            async {
                let _ = rx.await;
            },
        ));
        Self {
            url,
            pki,
            ledger,
            state,
            agreements_dir: source.agreements,
            stop: Some(tx),
            task: Some(task),
            scratch,
        }
    }

    /// The test's scratch folder (the store and the agreements live in it).
    pub fn path(&self) -> &Path {
        self.scratch.path()
    }

    pub fn client(&self, uri: &str) -> AdminClient {
        let leaf = self.pki.client(uri);
        AdminClient::new(
            &self.url,
            leaf.cert_pem.as_bytes(),
            leaf.key_pem.as_bytes(),
            self.pki.ca_pem.as_bytes(),
        )
        .unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), t)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
    }
}

/// Send and validate the answer against the OpenAPI document.
pub async fn call(
    client: &AdminClient,
    method: http::Method,
    template: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Answer {
    let a = client.send(method.clone(), path, body.as_ref()).await.unwrap();
    super::openapi_check::validate_answer(method.as_str(), template, &a);
    a
}
