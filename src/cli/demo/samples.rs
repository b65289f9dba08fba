//! The demo's sample agencies and transfers: fictional people, realistic shapes, taken
//! from the sample agreements (`agreements/`), so a newcomer sees each kind of outcome.

use std::path::Path;

use serde_json::{json, Value};

use crate::config::{Agency, Config, ConfigError, LoadOptions};

/// The sample agencies as `examples/agencies.toml` (the agencies of the sample agreements)
/// registers them, compiled in; the demo starts a mock of each and writes each into its
/// own config with the mock's address.
pub fn agencies() -> Result<Vec<Agency>, ConfigError> {
    const FILE: &str = "examples/agencies.toml";
    let text = include_str!("../../../examples/agencies.toml");
    let opts = LoadOptions { check_files: false };
    Ok(Config::parse(text, Path::new(FILE), Path::new("examples"), opts)?.agencies)
}

/// One sample transfer the demo sends.
pub struct Sample {
    pub title: &'static str,
    /// File name under the demo's `payloads/`.
    pub file: &'static str,
    pub caller: &'static str,
    pub method: &'static str,
    /// `/<recipient>/<path>`.
    pub path: &'static str,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Option<Value>,
}

/// The tour, in order.
pub fn samples() -> Vec<Sample> {
    vec![
        Sample {
            title: "1. A safeguarding referral, council -> police: undeclared fields are stripped",
            file: "referral.json",
            caller: "lcc-ssc",
            method: "POST",
            path: "/merseyside-police/v1/referrals",
            headers: vec![
                ("Isagate-Purpose", "safeguarding"),
                ("Isagate-Reason", "SSC-2026-00417: neighbour reports a child left alone overnight"),
                ("Isagate-Requester", "lcc-ssc/jsmith"),
            ],
            body: Some(referral()),
        },
        Sample {
            title: "2. A research extract, council -> university: pseudonymised, banded, dropped",
            file: "research-extract.json",
            caller: "lcc-ssc",
            method: "POST",
            path: "/uni-evaluators/v1/extracts/wave-3",
            headers: vec![
                ("Isagate-Purpose", "service-evaluation"),
                ("Isagate-Reason", "Evaluation wave 3 extract, approved by the research panel RP-2026-08"),
                ("Isagate-Requester", "lcc-ssc/analyst-7"),
            ],
            body: Some(json!({
                "extract_date": "2026-11-01",
                "cases": [
                    {"case_id": "SSC-2026-00417", "date_of_birth": "1988-07-21", "postcode": "L8 1TT",
                     "referral_source": "police", "risk_level": "high", "repeat_within_12_months": true,
                     "keyworker_notes": "Spoke to client at home; partner present"},
                    {"case_id": "SSC-2026-00512", "date_of_birth": "1995-01-30", "postcode": "L17 6AB",
                     "referral_source": "self", "risk_level": "medium", "repeat_within_12_months": false,
                     "keyworker_notes": "Client moving to a refuge next week"}
                ]
            })),
        },
        Sample {
            title: "3. Refused: the council asks to send the same referral for a purpose the flow does not allow",
            file: "referral.json",
            caller: "lcc-ssc",
            method: "POST",
            path: "/merseyside-police/v1/referrals",
            headers: vec![
                ("Isagate-Purpose", "marketing"),
                ("Isagate-Reason", "SSC-2026-00417: newsletter"),
                ("Isagate-Requester", "lcc-ssc/jsmith"),
            ],
            body: Some(referral()),
        },
        Sample {
            title: "4. Emergency: a child at risk now, under the agreement's emergency clause (review pending)",
            file: "emergency.json",
            caller: "lcc-ssc",
            method: "POST",
            path: "/merseyside-police/v1/referrals",
            headers: vec![
                ("Isagate-Emergency", "child-at-risk"),
                (
                    "Isagate-Reason",
                    "SSC-2026-00417: child seen with an adult subject to a warning notice, whereabouts unknown tonight",
                ),
                ("Isagate-Requester", "lcc-ssc/duty-manager"),
            ],
            body: Some(json!({
                "case_id": "SSC-2026-00417",
                "subject": {"name": {"given": "Alex", "family": "Example"}, "date_of_birth": "2014-03-09"},
                "risk": "Seen leaving school with an adult who is subject to a child abduction warning notice.",
                "location_now": "Believed to be near Lime Street station",
                "concern": "Full background (not needed to act now)",
                "health_notes": "Asthma; inhaler prescribed"
            })),
        },
    ]
}

/// The safeguarding referral of samples 1 and 3: declared fields, a special category
/// field the schema does not declare (`religion`) and two internal fields.
fn referral() -> Value {
    json!({
        "case_id": "SSC-2026-00417",
        "subject": {
            "name": {"given": "Alex", "family": "Example"},
            "date_of_birth": "2014-03-09",
            "address": {"line1": "1 Sample Street", "town": "Liverpool", "postcode": "L1 8JQ"},
            "nhs_number": "9434765919",
            "religion": "not recorded"
        },
        "concern": "Child reported alone at home overnight on two occasions this week.",
        "risk_level": "high",
        "referrer": {"name": "J Smith", "team": "Safer Stronger Communities", "phone": "0151 000 0000"},
        "social_worker_private_notes": "Not for sharing: personal opinion about the family",
        "internal_priority_score": 87
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_agencies_are_those_dev_certs_makes_certificates_for() {
        let agencies = agencies().unwrap();
        let mut ids: Vec<&str> = agencies.iter().map(|a| a.id.as_str()).collect();
        let mut certified = crate::tls::dev_certs::SAMPLE_AGENCIES.to_vec();
        ids.sort_unstable();
        certified.sort_unstable();
        assert_eq!(ids, certified);
        let not_public: Vec<&str> =
            agencies.iter().filter(|a| !a.public_authority).map(|a| a.id.as_str()).collect();
        assert_eq!(not_public, ["safer-london"]);
    }
}
