//! The case table: one transfer each, asked of `agreements explain` and of the gateway.
//! Each case names what both should answer, so a case where the two agree on the wrong
//! answer (a fixture typo, say) fails too.

use serde_json::{json, Value};

use crate::gateway::harness;

/// What the gateway (and explain) should decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Allowed,
    Refused(&'static str),
}

/// One transfer.
pub struct Case {
    pub name: &'static str,
    /// The calling agency id (its certificate).
    pub caller: &'static str,
    pub method: &'static str,
    /// `/<recipient>/<upstream path>[?query]`.
    pub target: String,
    pub purpose: Option<&'static str>,
    pub emergency: Option<&'static str>,
    /// `Isagate-Agreement`; when absent explain asks with `--no-agreement-header`.
    pub agreement_header: Option<&'static str>,
    pub content_type: &'static str,
    /// Empty: no body.
    pub body: Vec<u8>,
    /// `agreements explain <agreement> <flow>`.
    pub agreement: &'static str,
    pub flow: &'static str,
    pub expect: Expect,
}

/// The default media type (also explain's default).
pub const JSON: &str = "application/json";

impl Case {
    fn new(
        name: &'static str,
        caller: &'static str,
        method: &'static str,
        target: &str,
        (agreement, flow): (&'static str, &'static str),
    ) -> Self {
        Self {
            name,
            caller,
            method,
            target: target.to_owned(),
            purpose: None,
            emergency: None,
            agreement_header: None,
            content_type: JSON,
            body: Vec::new(),
            agreement,
            flow,
            expect: Expect::Allowed,
        }
    }

    fn purpose(mut self, p: &'static str) -> Self {
        self.purpose = Some(p);
        self
    }

    fn emergency(mut self, category: &'static str) -> Self {
        self.emergency = Some(category);
        self
    }

    fn named(mut self, agreement: &'static str) -> Self {
        self.agreement_header = Some(agreement);
        self
    }

    fn json(mut self, v: &Value) -> Self {
        self.body = serde_json::to_vec_pretty(v).unwrap();
        self
    }

    fn raw(mut self, bytes: &[u8]) -> Self {
        self.body = bytes.to_vec();
        self
    }

    fn content_type(mut self, ct: &'static str) -> Self {
        self.content_type = ct;
        self
    }

    fn refused(mut self, code: &'static str) -> Self {
        self.expect = Expect::Refused(code);
        self
    }

    /// The query string, without `?`.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }
}

const MERPOL: (&str, &str) = ("ISA-LCC-MERPOL-0007", "referral");
const MERPOL_STATUS: (&str, &str) = ("ISA-LCC-MERPOL-0007", "referral-status");
const REFERRALS: &str = "/merseyside-police/v1/referrals";

/// A referral with an undeclared field at the top and one inside `subject`, special
/// category (Article 9) and criminal offence (Article 10) data.
fn referral() -> Value {
    let mut r = harness::referral();
    r["subject"]["ethnicity"] = json!("not recorded");
    r["subject"]["address"] = json!({"line1": "1 Example Street", "postcode": "L1 8JQ"});
    r["health_notes"] = json!("asthma");
    r["offences"] = json!([{"type": "theft", "date": "2026-10-01", "officer": "PC 1"}]);
    r["referrer"] = json!({"name": "J Smith", "team": "SSC", "pager": "0000"});
    r
}

fn emergency_referral() -> Value {
    json!({
        "subject": {
            "name": {"given": "Alex", "family": "Example"},
            "date_of_birth": "1990-01-01",
            "nhs_number": "9434765919",
            "location_now": "A bridge over the M62"
        },
        "risk": "Said they will end their life tonight; has the means with them.",
        "immediate_need": "Welfare check now",
        "caller_contact": {"name": "J Smith", "phone": "0151 000 0000"},
        "case_notes": "undeclared"
    })
}

fn outcomes(dob: &str) -> Value {
    json!({
        "quarter": "2026-Q3",
        "young_people": [
            {"id": "YP-001", "date_of_birth": dob, "postcode": "SE1 7PB", "programme": "empower",
             "outcome": "engaged", "sessions": 6, "name": "Sam Example"},
            {"id": "YP-002", "postcode": "E1 6AN", "outcome": "goals-met"}
        ]
    })
}

fn research() -> Value {
    json!({
        "extract_date": "2026-11-30",
        "cases": [
            {"case_id": "DA-0001", "date_of_birth": "1985-06-15", "postcode": "L8 1XY",
             "ethnicity": "White British", "referral_source": "police", "risk_level": "high",
             "repeat_within_12_months": true, "keyworker_notes": "Met at the refuge.",
             "victim_name": "Pat Example"}
        ]
    })
}

fn chronology() -> Value {
    json!({
        "agency": "Liverpool City Council SSC",
        "victim_case_id": "SSC-2025-00011",
        "entries": [
            {"date": "2025-03-01", "event": "Referral received", "contact_type": "referral",
             "health_information": "Attended A&E", "offence": "Assault", "staff_name": "J Smith"},
            {"date": "2025-04-02", "event": "Home visit", "contact_type": "visit",
             "staff_name": "K Jones", "home_phone": "0151 000 0000"}
        ]
    })
}

fn nfi() -> Value {
    json!({
        "dataset": "housing-benefit",
        "records": [
            {"claim_reference": "HB-001", "forename": "Pat", "surname": "Example",
             "date_of_birth": "1970-02-02", "national_insurance_number": "QQ123456C",
             "bank_account": "12-34-56 12345678", "notes": "internal"}
        ]
    })
}

fn discharge() -> Value {
    json!({
        "patient": {
            "nhs_number": "9434765919",
            "name": {"given": "Pat", "family": "Example"},
            "date_of_birth": "1940-05-05",
            "address": {"line1": "2 Example Road", "postcode": "L15 4JA"},
            "religion": "not recorded"
        },
        "ward": "Ward 7",
        "expected_discharge": "2026-12-10",
        "care_needs": ["help with washing"],
        "mobility": "with-aid",
        "lives_alone": true,
        "consultant": "Dr Example"
    })
}

fn mappa_referral() -> Value {
    json!({
        "offender": {"pnc_id": "2001/1234567A", "name": {"given": "Lee", "family": "Example"},
                     "date_of_birth": "1980-01-01", "alias": "L"},
        "mappa_category": 2,
        "level": 2,
        "index_offence": "Robbery",
        "risk_of_serious_harm": "high",
        "release_date": "2026-12-20"
    })
}

fn mappa_intelligence() -> Value {
    json!({
        "offender": {"pnc_id": "2001/1234567A", "date_of_birth": "1980-01-01"},
        "summary": "Seen near the victim's address, armed.",
        "grading": "1A1",
        "source": "CHIS-42"
    })
}

fn child_protection() -> Value {
    json!({
        "child": {"local_id": "LCS-000123", "name": {"given": "Sam", "family": "Example"},
                  "date_of_birth": "2016-08-08", "new_address": "Dublin", "school": "St Example"},
        "plan_category": "neglect",
        "plan_start": "2026-02-01",
        "health_needs": "Inhaler",
        "social_worker": {"name": "K Jones", "email": "k.jones@example.org", "phone": "0151 000 0000"}
    })
}

fn sector() -> Value {
    json!({
        "case_id": "ASC-1", "postcode": "L15 4JA", "date_of_birth": "1950-01-31",
        "notes": "free text", "needs": "dementia", "carer": "Pat"
    })
}

/// Every case, in the order they are sent.
#[allow(clippy::too_many_lines, reason = "a table")]
pub fn all() -> Vec<Case> {
    let post = |name, caller, target: &str, ef| Case::new(name, caller, "POST", target, ef);
    let get = |name, target: &str| Case::new(name, "lcc-ssc", "GET", target, MERPOL_STATUS);
    // The council's safeguarding referral to the police, the body still to choose.
    let safeguarding = |name| post(name, "lcc-ssc", REFERRALS, MERPOL).purpose("safeguarding");
    let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
    let mut large = referral();
    large["concern"] = json!("x".repeat(1_100_000));
    let mut urgent = referral();
    urgent["risk"] = json!("Alone overnight, aged 12, no food in the house.");
    vec![
        // ---- the referral flow: allowed, each strict-JSON refusal, schema, media type
        safeguarding("referral allowed").json(&referral()),
        post("referral, second purpose", "lcc-ssc", REFERRALS, MERPOL)
            .purpose("crime-prevention")
            .json(&referral()),
        safeguarding("referral, agreement named").named("ISA-LCC-MERPOL-0007").json(&referral()),
        post("purpose not allowed", "lcc-ssc", REFERRALS, MERPOL)
            .purpose("marketing")
            .json(&referral())
            .refused("purpose-not-allowed"),
        safeguarding("malformed json").raw(b"{\"case_id\": ").refused("malformed-json"),
        // Issue 12 item 9: an empty or blank body where the flow has a schema is malformed
        // JSON, not a value to validate.
        safeguarding("empty body").raw(b"").refused("malformed-json"),
        safeguarding("blank body").raw(b" \r\n ").refused("malformed-json"),
        safeguarding("duplicate key")
            .raw(br#"{"case_id":"SSC-2026-00417","case_\u0069d":"x"}"#)
            .refused("duplicate-key"),
        safeguarding("too deep").raw(deep.as_bytes()).refused("too-deep"),
        safeguarding("number not exact")
            .raw(b"{\"case_id\": \"SSC-2026-00417\", \"n\": 18446744073709551616}")
            .refused("number-not-exact"),
        safeguarding("body too large").json(&large).refused("body-too-large"),
        safeguarding("schema violation: required")
            .json(&json!({"case_id": "SSC-2026-00417"}))
            .refused("schema-violation"),
        safeguarding("schema violation: nhs-number format")
            .json(&{
                let mut r = referral();
                r["subject"]["nhs_number"] = json!("1234567890");
                r
            })
            .refused("schema-violation"),
        safeguarding("text/plain body")
            .json(&referral())
            .content_type("text/plain")
            .refused("unsupported-media-type"),
        safeguarding("application/*+json body")
            .json(&referral())
            .content_type("application/vnd.isagate+json; charset=utf-8"),
        post(
            "query stripped on a flow with no query list",
            "lcc-ssc",
            &format!("{REFERRALS}?secret=1&password=hunter2"),
            MERPOL,
        )
        .purpose("safeguarding")
        .json(&referral()),
        // ---- a flow without a request schema (GET, query list `include`)
        get("no request schema, no body", "/merseyside-police/v1/referrals/SSC-REF-1")
            .purpose("safeguarding"),
        get("no request schema, body", "/merseyside-police/v1/referrals/SSC-REF-1")
            .purpose("safeguarding")
            .json(&json!({"case_id": "SSC-2026-00417"}))
            .refused("unsupported-media-type"),
        get("query allowed", "/merseyside-police/v1/referrals/SSC-REF-1?include=history")
            .purpose("crime-prevention"),
        get(
            "query allowed and stripped",
            "/merseyside-police/v1/referrals/SSC-REF-1?include=history&token=abc&token=def&x%20y=1",
        )
        .purpose("safeguarding"),
        get(
            "query, purpose not allowed",
            "/merseyside-police/v1/referrals/SSC-REF-1?include=history",
        )
        .purpose("marketing")
        .refused("purpose-not-allowed"),
        // ---- no agreement, not in force, ambiguous
        post(
            "unknown recipient",
            "lcc-ssc",
            "/nobody-here/v1/referrals",
            ("ISA-NOBODY-0001", "referral"),
        )
        .purpose("safeguarding")
        .json(&referral())
        .refused("no-agreement"),
        post(
            "no flow for the path",
            "lcc-ssc",
            "/merseyside-police/v1/other",
            ("ISA-LCC-MERPOL-0007", "other"),
        )
        .purpose("safeguarding")
        .json(&referral())
        .refused("no-agreement"),
        post("agreement named is another", "lcc-ssc", REFERRALS, ("ISA-LCC-UOL-0002", "referral"))
            .purpose("safeguarding")
            .named("ISA-LCC-UOL-0002")
            .json(&referral())
            .refused("no-agreement"),
        post(
            "expired agreement",
            "lcc-ssc",
            "/merseyside-police/v1/fixture/expired",
            ("ISA-FIX-EXPIRED-0001", "old-referral"),
        )
        .purpose("safeguarding")
        .json(&referral())
        .refused("agreement-not-in-force"),
        post(
            "suspended agreement",
            "lcc-ssc",
            "/merseyside-police/v1/fixture/suspended",
            ("ISA-FIX-SUSPENDED-0001", "paused-referral"),
        )
        .purpose("safeguarding")
        .json(&referral())
        .refused("agreement-not-in-force"),
        post(
            "agreement not yet effective",
            "lcc-ssc",
            "/merseyside-police/v1/fixture/future",
            ("ISA-FIX-FUTURE-0001", "future-referral"),
        )
        .purpose("safeguarding")
        .json(&referral())
        .refused("agreement-not-in-force"),
        post(
            "two agreements permit it",
            "lcc-adult-social-care",
            "/uni-evaluators/v1/fixture/shared",
            ("ISA-FIX-SHARED-A", "shared-extract"),
        )
        .purpose("service-evaluation")
        .json(&sector())
        .refused("agreement-ambiguous"),
        post(
            "two agreements, one named",
            "lcc-adult-social-care",
            "/uni-evaluators/v1/fixture/shared",
            ("ISA-FIX-SHARED-B", "shared-extract"),
        )
        .purpose("service-evaluation")
        .named("ISA-FIX-SHARED-B")
        .json(&sector()),
        // ---- transforms
        post(
            "pseudonymise, age-band, postcode-district",
            "safer-london",
            "/london-commissioner/v1/outcomes/2026-Q3",
            ("ISA-SL-MOPAC-0004", "quarterly-outcomes"),
        )
        .purpose("contract-monitoring")
        .json(&outcomes("2009-05-01")),
        post(
            "transform failed: age-band of a future birth",
            "safer-london",
            "/london-commissioner/v1/outcomes/2026-Q3",
            ("ISA-SL-MOPAC-0004", "quarterly-outcomes"),
        )
        .purpose("contract-monitoring")
        .json(&outcomes("2099-01-01"))
        .refused("transform-failed"),
        post(
            "year, pseudonymise, drop, ethnicity with Article 9",
            "lcc-ssc",
            "/uni-evaluators/v1/extracts/wave-1",
            ("ISA-LCC-UOL-0002", "research-extract"),
        )
        .purpose("service-evaluation")
        .json(&research()),
        post(
            "mask, health and offence with Articles 9 and 10",
            "lcc-ssc",
            "/dhr-chair/v1/reviews/LCC-DHR-2026-02/chronology",
            ("ISA-LCC-DHR-0001", "chronology"),
        )
        .purpose("domestic-homicide-review")
        .json(&chronology()),
        post(
            "mask under a trailing-star path",
            "lcc-revenues",
            "/cabinet-office-nfi/v1/nfi/submissions/2026/batch-1",
            ("ISA-LCC-NFI-2026", "nfi-submission"),
        )
        .purpose("fraud-prevention")
        .json(&nfi()),
        post(
            "postcode-sector, year, drop, health without Article 9",
            "lcc-adult-social-care",
            "/uni-evaluators/v1/fixture/sector",
            ("ISA-FIX-SECTOR-0001", "sector-extract"),
        )
        .purpose("service-evaluation")
        .json(&sector()),
        // ---- special category and criminal offence data
        post(
            "health with Article 9",
            "nhs-trust",
            "/lcc-adult-social-care/v1/discharge-notices",
            ("ISA-NHS-LCCASC-0003", "discharge-notice"),
        )
        .purpose("discharge-planning")
        .json(&discharge()),
        post(
            "special category and offences without Articles 9 and 10",
            "lcc-ssc",
            "/merseyside-police/v1/fixture/referrals-basic",
            ("ISA-FIX-NOART9-0001", "referral-basic"),
        )
        .purpose("safeguarding")
        .json(&referral()),
        post(
            "criminal offence with Article 10",
            "probation-nw",
            "/merseyside-police/v1/mappa/referrals",
            ("ISA-MAPPA-NW-0002", "referral-to-police"),
        )
        .purpose("public-protection")
        .json(&mappa_referral()),
        // ---- international transfers
        post(
            "international, with a safeguard",
            "lcc-childrens-services",
            "/ie-tusla/v1/child-protection/notifications",
            ("ISA-LCC-TUSLA-0001", "transfer-notification"),
        )
        .purpose("child-protection")
        .json(&child_protection()),
        post(
            "international, no safeguard",
            "lcc-childrens-services",
            "/ie-tusla/v1/fixture/notifications",
            ("ISA-FIX-INTL-0001", "unsafeguarded-notification"),
        )
        .purpose("child-protection")
        .json(&child_protection())
        .refused("international-transfer"),
        // ---- emergencies under an agreement's clause
        post("emergency clause", "lcc-ssc", REFERRALS, MERPOL)
            .emergency("risk-to-life")
            .json(&urgent),
        post(
            "emergency clause, with purpose and query",
            "lcc-ssc",
            &format!("{REFERRALS}?include=history"),
            MERPOL,
        )
        .purpose("safeguarding")
        .emergency("child-at-risk")
        .json(&urgent),
        post("emergency clause, schema violation", "lcc-ssc", REFERRALS, MERPOL)
            .emergency("risk-to-life")
            .json(&json!({"case_id": "SSC-2026-00417"}))
            .refused("schema-violation"),
        post("emergency category not in the clause", "lcc-ssc", REFERRALS, MERPOL)
            .emergency("serious-crime")
            .json(&referral())
            .refused("emergency-not-allowed"),
        post("unknown emergency category", "lcc-ssc", REFERRALS, MERPOL)
            .emergency("bored")
            .json(&referral())
            .refused("unknown-category"),
        post(
            "emergency clause, offences in the normal schema",
            "merseyside-police",
            "/probation-nw/v1/mappa/intelligence",
            ("ISA-MAPPA-NW-0002", "intelligence-to-probation"),
        )
        .emergency("serious-harm-to-others")
        .json(&mappa_intelligence()),
        post(
            "no emergency clause",
            "nhs-trust",
            "/lcc-adult-social-care/v1/discharge-notices",
            ("ISA-NHS-LCCASC-0003", "discharge-notice"),
        )
        .emergency("adult-at-risk")
        .json(&discharge())
        .refused("emergency-not-allowed"),
        // ---- emergencies under the emergency policy (no agreement covers the pair)
        post(
            "emergency policy",
            "lcc-ssc",
            "/nhs-trust/v1/emergency/referrals",
            ("emergency-policy", "blue-light-to-health"),
        )
        .emergency("risk-to-life")
        .json(&emergency_referral()),
        post(
            "emergency policy, category not in the rule",
            "lcc-ssc",
            "/nhs-trust/v1/emergency/referrals",
            ("emergency-policy", "blue-light-to-health"),
        )
        .emergency("child-at-risk")
        .json(&emergency_referral())
        .refused("emergency-not-allowed"),
        post(
            "emergency policy, wildcard caller",
            "safer-london",
            "/merseyside-police/v1/emergency/referrals",
            ("emergency-policy", "anyone-to-police-serious-harm"),
        )
        .emergency("serious-crime")
        .json(&emergency_referral()),
    ]
}
