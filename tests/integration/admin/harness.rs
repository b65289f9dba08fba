//! A running admin listener on 127.0.0.1 over real mTLS, backed by the in-memory ledger,
//! with clients for a governance and an agency identity.

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use isagate::admin::client::{AdminClient, Answer};
use isagate::admin::ports::{
    AgreementsPort, AuditPort, ChainStatus, ExplainReport, ExplainRequest, PortFailure,
    SetAgreements,
};
use isagate::admin::AdminState;
use isagate::agreements::{
    Agreement, AgreementSet, AgreementStatus, EmergencyClause, Flow, LawfulBasis, LoadedAgreement,
    Purpose,
};
use isagate::audit::record::{AgreementRef, EmergencyInfo, Outcome, RecordDraft, RecordKind};
use isagate::codes::Direction;
use isagate::emergency::ledger::MemoryLedger;
use isagate::emergency::{Ledger, LedgerError, RestrictionsCell};
use isagate::keys::{SecretKey, SubjectKey};
use tokio::sync::oneshot;

use super::pki::Pki;

pub const GOVERNANCE: &str = "urn:isagate:governance:ig-team";

/// The store's read side over the memory ledger.
pub struct MemoryAudit(pub Arc<MemoryLedger>);

impl AuditPort for MemoryAudit {
    fn verify(&self) -> BoxFuture<'_, Result<ChainStatus, LedgerError>> {
        Box::pin(async move {
            let all = self.0.all();
            Ok(ChainStatus {
                ok: true,
                length: all.len() as u64,
                head_seq: all.last().map(|r| r.seq),
                head_hash: all.last().map(|_| "0".repeat(64)),
                first_bad: None,
                last_checkpoint: None,
            })
        })
    }
    fn subject(
        &self,
        subject_hash: String,
    ) -> BoxFuture<'_, Result<Vec<serde_json::Value>, LedgerError>> {
        Box::pin(async move {
            Ok(self
                .0
                .all()
                .into_iter()
                .filter(|r| r.draft.subjects.contains(&subject_hash))
                .map(|r| serde_json::to_value(r).unwrap())
                .collect())
        })
    }
    fn report(
        &self,
        since: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> BoxFuture<'_, Result<serde_json::Value, LedgerError>> {
        Box::pin(async move {
            Ok(
                serde_json::json!({"since": since.to_string(), "until": until.to_string(), "records": self.0.all().len()}),
            )
        })
    }
}

pub fn agreement() -> LoadedAgreement {
    let d = |s: &str| s.parse().unwrap();
    LoadedAgreement {
        agreement: Agreement {
            id: "ISA-LCC-MERPOL-0007".into(),
            title: "Safeguarding referrals".into(),
            version: 3,
            status: AgreementStatus::Active,
            owner: "lcc-ig".into(),
            parties: vec!["lcc-ssc".into(), "merseyside-police".into()],
            dpia: Some("DPIA-1".into()),
            effective_from: d("2026-01-01"),
            expires: d("2099-01-01"),
            review_by: Some(d("2026-02-01")),
            lawful_basis: LawfulBasis { article_6: vec!["6(1)(e)".into()], ..Default::default() },
            purposes: vec![Purpose { id: "safeguarding".into(), description: "protect".into() }],
            retention: "6 years".into(),
            flows: vec![Flow {
                id: "referral".into(),
                from: "lcc-ssc".into(),
                to: "merseyside-police".into(),
                method: "POST".into(),
                path: "/v1/referrals".into(),
                purposes: vec!["safeguarding".into()],
                request_schema: Some("referral.v1.json".into()),
                response_schema: None,
                query: vec![],
                content_encodings: vec![],
            }],
            emergency: Some(EmergencyClause {
                allowed: true,
                request_schema: "referral.emergency.v1.json".into(),
                response_schema: None,
                categories: None,
            }),
            international_transfer: None,
            restrictions_override: None,
        },
        path: PathBuf::from("agreements/isa-0007.yaml"),
        sha256: "a".repeat(64),
    }
}

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

pub fn set_agreements(dir: PathBuf) -> Arc<SetAgreements> {
    let set = AgreementSet { agreements: vec![agreement()], ..Default::default() };
    Arc::new(
        SetAgreements::new(set, dir.clone(), dir)
            .with_today(|| jiff::civil::date(2026, 3, 1))
            .with_explain(Arc::new(|_set: &AgreementSet, req: &ExplainRequest| {
                if req.flow != "referral" {
                    return Err(PortFailure {
                        code: isagate::codes::RefusalCode::NotFound,
                        detail: "no such flow".into(),
                    });
                }
                Ok(ExplainReport {
                    agreement: req.agreement.clone(),
                    flow: req.flow.clone(),
                    direction: req.direction.clone().unwrap_or_else(|| "request".into()),
                    refused: false,
                    reasons: vec![],
                    output: Some(serde_json::json!({"ok": true})),
                    disclosed: vec!["/ok".into()],
                    stripped: vec![],
                    transformed: vec![],
                })
            })),
    )
}

pub struct Harness {
    pub url: String,
    pub pki: Pki,
    pub ledger: Arc<MemoryLedger>,
    pub state: Arc<AdminState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Harness {
    pub async fn start(agreements: Arc<dyn AgreementsPort>) -> Self {
        let ledger = Arc::new(MemoryLedger::new());
        let dyn_ledger: Arc<dyn Ledger> = ledger.clone();
        let audit = Arc::new(MemoryAudit(Arc::clone(&ledger)));
        Self::start_on(agreements, ledger, dyn_ledger, audit).await
    }

    /// On any ledger and audit port (`memory` is then only the harness's own).
    pub async fn start_on(
        agreements: Arc<dyn AgreementsPort>,
        memory: Arc<MemoryLedger>,
        ledger: Arc<dyn Ledger>,
        audit: Arc<dyn AuditPort>,
    ) -> Self {
        let pki = Pki::new();
        let server = pki.server();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(pki.server_config(&server, true)));
        let mut state = AdminState::new(
            ledger,
            audit,
            agreements,
            Arc::new(RestrictionsCell::default()),
            subject_key(),
        );
        state.clock = std::sync::Arc::new(isagate::clock::ManualClock::new(
            "2026-03-01T12:00:00Z".parse().unwrap(),
        ));
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
        Self { url, pki, ledger: memory, state, stop: Some(tx), task: Some(task) }
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
