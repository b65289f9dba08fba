//! The generated traffic: a catalogue of agreements, flows, agencies and requesters, and a
//! shuffled plan of events (transfers, refusals, emergencies, governance) whose subjects
//! have 1 to 100 records each. Everything follows from the seed, so a reused store's
//! subjects, agreements and expected subject counts are known without reading it.

use isagate::audit::record::{AgreementRef, EmergencyInfo, Outcome, RecordDraft, RecordKind};
use isagate::codes::{Direction, LawfulBasis, Reason, RefusalCode, StripReason};
use isagate::keys::{SecretKey, SubjectKey};
use isagate::minimise::{Stripped, Transformed};

/// Agreements in the catalogue, flows per agreement, agencies, requesters.
pub const AGREEMENTS: u64 = 12;
pub const FLOWS_PER_AGREEMENT: u64 = 3;
const AGENCIES: u64 = 20;
const REQUESTERS: u64 = 500;

/// Refusal codes, weighted by how often they come (subject-restricted refusals are the
/// `Restricted` events, which name a subject).
pub const REFUSAL_CODES: [(RefusalCode, u64); 8] = [
    (RefusalCode::SchemaViolation, 30),
    (RefusalCode::PurposeNotAllowed, 15),
    (RefusalCode::RateLimited, 15),
    (RefusalCode::MissingHeader, 10),
    (RefusalCode::NoAgreement, 10),
    (RefusalCode::IdentityNotAllowed, 8),
    (RefusalCode::MalformedJson, 7),
    (RefusalCode::EmergencyLimit, 5),
];

/// Governance actions, as the admin API and the gateway write them.
pub const GOVERNANCE_ACTIONS: [&str; 7] = [
    "agreement-proposed",
    "agreement-approved",
    "agreement-activated",
    "agreements-reloaded",
    "restriction-added",
    "restriction-removed",
    "emergency-review-claimed",
];

/// One unit of traffic: one or two records.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// A request record and, in reply to it, a response record; both name the subject.
    Transfer { subject: u32 },
    /// A request refused because the subject is restricted (one record naming it).
    Restricted { subject: u32 },
    /// A refusal before any subject is known.
    Refusal,
    /// A governance record.
    Governance,
}

/// SplitMix64: a deterministic, seedable stream (no crate needed).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0; the bias is negligible for the sizes used here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How many records subject `i` gets: 1 to 100.
pub fn subject_records(seed: u64, i: u32) -> u64 {
    1 + mix(seed ^ 0x5u64.rotate_left(40) ^ u64::from(i)) % 100
}

/// The shuffled events of a store of about `records` records: 94 % of records name a
/// subject, 6 % are refusals before a subject is known, 1 in 2,000 is governance.
pub fn events(seed: u64, records: u64) -> (Vec<Event>, u32) {
    let mut out = Vec::with_capacity(usize::try_from(records / 2 + records / 10).unwrap_or(0));
    let subject_target = records * 94 / 100;
    let (mut total, mut subjects) = (0u64, 0u32);
    while total < subject_target && subjects < u32::MAX {
        let n = subject_records(seed, subjects);
        for _ in 0..n / 2 {
            out.push(Event::Transfer { subject: subjects });
        }
        if n % 2 == 1 {
            out.push(Event::Restricted { subject: subjects });
        }
        total += n;
        subjects += 1;
    }
    let governance = (records / 2_000).max(1);
    for _ in 0..governance {
        out.push(Event::Governance);
    }
    total += governance;
    while total < records {
        out.push(Event::Refusal);
        total += 1;
    }
    let mut rng = Rng::new(seed ^ 0xD1CE);
    for i in (1..out.len()).rev() {
        let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
        out.swap(i, j);
    }
    (out, subjects)
}

/// The subject hashes, keyed as the gateway keys them (`SubjectKey`), with a bench key.
pub struct Subjects(SubjectKey);

impl Subjects {
    pub fn new(seed: u64) -> Result<Self, String> {
        use base64::Engine as _;
        let bytes: Vec<u8> = (0..32u64).map(|i| (mix(seed ^ i) & 0xff) as u8).collect();
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        let secret = SecretKey::from_base64(&text).map_err(|e| e.to_string())?;
        Ok(Self(SubjectKey::new(&secret)))
    }

    pub fn hash(&self, i: u32) -> String {
        self.0.hash("nhs-number", &format!("{:010}", 4_000_000_000u64 + u64::from(i)))
    }
}

/// Agreement `a`'s id, version and (made-up) text hash.
pub fn agreement(a: u64) -> AgreementRef {
    AgreementRef {
        id: format!("ISA-BENCH-{a:03}"),
        version: 1 + (a % 4) as u32,
        sha256: format!("{:016x}", mix(a + 1)).repeat(4),
    }
}

pub fn flow(a: u64, f: u64) -> String {
    ["referral", "case-update", "status-check"][(f % 3) as usize].to_owned() + &format!("-{a}")
}

/// The caller and the recipient of agreement `a`.
pub fn parties(a: u64) -> (String, String) {
    (agency(a % AGENCIES), agency((a * 7 + 3) % AGENCIES))
}

pub fn agency(i: u64) -> String {
    format!("agency-{i:02}")
}

pub fn requester(i: u64) -> String {
    format!("officer-{i:04}")
}

/// The request record of a transfer (or a refusal) under agreement `a`, flow `f`.
fn request(kind: RecordKind, outcome: Outcome, a: u64, f: u64, r: &mut Rng) -> RecordDraft {
    let mut d = RecordDraft::new(kind, outcome);
    let (from, to) = parties(a);
    d.direction = Some(Direction::Request);
    d.from = Some(from);
    d.to = Some(to);
    d.caller_cert_sha256 = Some(format!("{:016x}", mix(a ^ 0xCE27)).repeat(4));
    d.requester = Some(requester(r.below(REQUESTERS)));
    d.method = Some("POST".into());
    d.path_template = Some(format!("/v1/{}/{{case}}", flow(a, f)));
    d.reason = Some(format!("BENCH-{:06} check before a home visit", r.below(1_000_000)));
    d.received_sha256 = Some(format!("{:016x}", r.next()).repeat(4));
    d
}

/// The facts `authorise` adds to a request: agreement, schema, flow, purpose, basis.
fn authorised(d: &mut RecordDraft, a: u64, f: u64) {
    d.agreement = Some(agreement(a));
    d.schema_sha256.insert(
        format!("{}.request.json", flow(a, f)),
        format!("{:016x}", mix(a * 31 + f)).repeat(4),
    );
    d.flow = Some(flow(a, f));
    d.purpose =
        Some(["safeguarding", "crime-prevention", "housing-support"][(a % 3) as usize].into());
    d.lawful_basis = Some(LawfulBasis {
        article_6: vec!["6(1)(e)".into()],
        article_9: if a % 2 == 0 { vec!["9(2)(g)".into()] } else { vec![] },
        statutory_gateway: vec!["children-act-2004-s11".into()],
        ..Default::default()
    });
}

/// The first (for most events the only) record of event number `e`; a transfer's
/// response follows from [`response_of`] once this one is committed.
pub fn request_of(seed: u64, e: u64, event: Event, subjects: &Subjects) -> RecordDraft {
    let mut r = Rng::new(seed ^ mix(e));
    let a = r.below(AGREEMENTS);
    let f = r.below(FLOWS_PER_AGREEMENT);
    match event {
        Event::Transfer { subject } => {
            let mut d = request(RecordKind::Disclosure, Outcome::Forwarded, a, f, &mut r);
            authorised(&mut d, a, f);
            // One transfer in fifty is an emergency disclosure.
            if r.below(50) == 0 {
                d.emergency = Some(EmergencyInfo {
                    category: "risk-to-life".into(),
                    justification: d.reason.clone().unwrap_or_default(),
                    review_state: "pending".into(),
                    basis: "dpa-2018-sch1-para18".into(),
                });
            }
            d.disclosed =
                ["/subject/nhs_number", "/subject/name", "/subject/dob", "/concern/category"]
                    .iter()
                    .take(2 + r.below(3) as usize)
                    .map(|s| (*s).to_owned())
                    .collect();
            if r.below(4) == 0 {
                d.stripped = vec![Stripped {
                    count: Some(1 + r.below(3)),
                    path: "/notes".into(),
                    reason: StripReason::Undeclared,
                }];
            }
            d.payload_sha256 = Some(format!("{:016x}", r.next()).repeat(4));
            d.subjects = vec![subjects.hash(subject)];
            d
        }
        Event::Restricted { subject } => {
            let mut d = request(RecordKind::Refusal, Outcome::Refused, a, f, &mut r);
            authorised(&mut d, a, f);
            d.refusal = vec![Reason::new(
                RefusalCode::SubjectRestricted,
                "a subject of this request is restricted",
            )];
            d.subjects = vec![subjects.hash(subject)];
            d
        }
        Event::Refusal => {
            let mut d = request(RecordKind::Refusal, Outcome::Refused, a, f, &mut r);
            let code = refusal_code(r.below(100));
            if !matches!(code, RefusalCode::NoAgreement | RefusalCode::MissingHeader) {
                authorised(&mut d, a, f);
            }
            d.refusal = vec![Reason::new(code, format!("refused: {}", code.as_str()))];
            d
        }
        Event::Governance => governance(a, &mut r),
    }
}

/// The response record of transfer event `e`; its `in_reply_to` is set once the request
/// is committed.
pub fn response_of(seed: u64, e: u64, request: &RecordDraft) -> RecordDraft {
    let mut r = Rng::new(seed ^ mix(e) ^ 0x8E5);
    let withheld = r.below(30) == 0;
    let mut d = request.clone();
    d.kind = RecordKind::Disclosure;
    d.outcome = if withheld { Outcome::Withheld } else { Outcome::Delivered };
    d.direction = Some(Direction::Response);
    std::mem::swap(&mut d.from, &mut d.to);
    d.upstream_status = Some(200);
    d.received_sha256 = Some(format!("{:016x}", r.next()).repeat(4));
    d.stripped.clear();
    if withheld {
        d.disclosed.clear();
        d.payload_sha256 = None;
    } else {
        d.disclosed = vec!["/result/matches".into(), "/result/records/*/reference".into()];
        d.transformed = vec![Transformed {
            path: "/result/records/*/dob".into(),
            transform: "age-band".into(),
        }];
        d.payload_sha256 = Some(format!("{:016x}", r.next()).repeat(4));
    }
    d
}

fn refusal_code(mut pick: u64) -> RefusalCode {
    for (code, weight) in REFUSAL_CODES {
        if pick < weight {
            return code;
        }
        pick -= weight;
    }
    RefusalCode::SchemaViolation
}

fn governance(a: u64, r: &mut Rng) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    let action = GOVERNANCE_ACTIONS[r.below(GOVERNANCE_ACTIONS.len() as u64) as usize];
    let ag = agreement(a);
    d.actor = Some("urn:isagate:governance:dpo".into());
    d.governance = Some(match action {
        "agreement-activated" => {
            serde_json::json!({"action": action, "agreement": ag.id, "sha256": ag.sha256})
        }
        "agreements-reloaded" => serde_json::json!({"action": action, "agreements":
            [{"id": ag.id, "version": ag.version, "sha256": ag.sha256}]}),
        "restriction-added" | "restriction-removed" => {
            serde_json::json!({"action": action, "restriction": format!("R-{:08x}", r.next() as u32)})
        }
        "emergency-review-claimed" => {
            serde_json::json!({"action": action, "disclosure": uuid::Uuid::from_u64_pair(r.next(), r.next()).to_string(), "round": 1})
        }
        _ => {
            serde_json::json!({"action": action, "proposal_id": format!("P-{:06}", r.below(1_000_000)), "agreement": ag.id})
        }
    });
    d
}
