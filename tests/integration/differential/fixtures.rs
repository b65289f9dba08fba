//! The policy the differential test runs on: every sample agreement and schema from
//! `agreements/` and `schemas/`, plus fixture agreements for the edge cases the samples
//! do not have (not in force, ambiguous, no Article 9 or 10 condition, an international
//! transfer without a safeguard, the `postcode-sector` transform). Fixtures use sample
//! agencies on paths of their own, so they change nothing the sample cases ask.

use std::path::{Path, PathBuf};

use crate::support;

/// Where the combined set was written.
pub struct PolicyDirs {
    pub agreements: PathBuf,
    pub schemas: PathBuf,
}

/// A fixture agreement: one flow, fields that vary between fixtures.
struct Fixture {
    id: &'static str,
    status: &'static str,
    effective_from: &'static str,
    expires: &'static str,
    parties: [&'static str; 2],
    lawful_basis: &'static str,
    purpose: &'static str,
    flow: &'static str,
    path: &'static str,
    schema: &'static str,
}

const GB_ART_6: &str = "  article_6: [\"6(1)(e)\"]\n";
const ART_6_9_10: &str = "  article_6: [\"6(1)(e)\"]\n  article_9: [\"9(2)(g)\", \"DPA2018-Sch1-P2-18\"]\n  article_10: [\"DPA2018-Sch1-P2-10\"]\n  appropriate_policy_document: Council appropriate policy document\n";

/// What most fixtures share: a council-to-police referral, in force, all conditions.
const BASE: Fixture = Fixture {
    id: "",
    status: "active",
    effective_from: "2026-01-01",
    expires: "2030-01-01",
    parties: ["lcc-ssc", "merseyside-police"],
    lawful_basis: ART_6_9_10,
    purpose: "safeguarding",
    flow: "",
    path: "",
    schema: "referral.v1.json",
};

/// Adult social care to the evaluators, on the fixture schema, no Article 9 condition.
const EXTRACT: Fixture = Fixture {
    parties: ["lcc-adult-social-care", "uni-evaluators"],
    lawful_basis: GB_ART_6,
    purpose: "service-evaluation",
    flow: "shared-extract",
    path: "/v1/fixture/shared",
    schema: "fixture-sector.v1.json",
    ..BASE
};

const FIXTURES: &[Fixture] = &[
    // Special category and criminal offence data with no condition for either.
    Fixture {
        id: "ISA-FIX-NOART9-0001",
        lawful_basis: GB_ART_6,
        flow: "referral-basic",
        path: "/v1/fixture/referrals-basic",
        ..BASE
    },
    Fixture {
        id: "ISA-FIX-EXPIRED-0001",
        effective_from: "2025-01-01",
        expires: "2026-06-01",
        flow: "old-referral",
        path: "/v1/fixture/expired",
        ..BASE
    },
    Fixture {
        id: "ISA-FIX-SUSPENDED-0001",
        status: "suspended",
        flow: "paused-referral",
        path: "/v1/fixture/suspended",
        ..BASE
    },
    Fixture {
        id: "ISA-FIX-FUTURE-0001",
        effective_from: "2029-01-01",
        flow: "future-referral",
        path: "/v1/fixture/future",
        ..BASE
    },
    // Ireland with no international transfer safeguard.
    Fixture {
        id: "ISA-FIX-INTL-0001",
        parties: ["lcc-childrens-services", "ie-tusla"],
        purpose: "child-protection",
        flow: "unsafeguarded-notification",
        path: "/v1/fixture/notifications",
        schema: "child-protection.v1.json",
        ..BASE
    },
    Fixture {
        id: "ISA-FIX-SECTOR-0001",
        flow: "sector-extract",
        path: "/v1/fixture/sector",
        ..EXTRACT
    },
    // Two agreements in force for the same request: ambiguous unless one is named.
    Fixture { id: "ISA-FIX-SHARED-A", ..EXTRACT },
    Fixture { id: "ISA-FIX-SHARED-B", ..EXTRACT },
];

/// `postcode-sector` (used by no sample schema), `year` and `drop` on one record.
const SECTOR_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Fixture: an extract with postcode sectors",
  "type": "object",
  "required": ["case_id"],
  "properties": {
    "case_id": {"type": "string", "x-isagate-subject-id": "local-id"},
    "postcode": {"type": "string", "format": "uk-postcode", "x-isagate-transform": "postcode-sector"},
    "date_of_birth": {"type": "string", "format": "date", "x-isagate-transform": "year"},
    "notes": {"type": "string", "x-isagate-transform": "drop"},
    "needs": {"type": "string", "x-isagate-category": "health"}
  }
}
"#;

fn yaml(f: &Fixture) -> String {
    format!(
        r"id: {id}
title: Differential test fixture {id}
version: 1
status: {status}
owner: differential-test
parties: [{a}, {b}]
dpia: DPIA-FIX-0001
effective_from: {from}
expires: {expires}
lawful_basis:
{basis}purposes:
  - id: {purpose}
    description: Fixture purpose
retention: Deleted when the test ends
flows:
  - id: {flow}
    from: {a}
    to: {b}
    method: POST
    path: {path}
    purposes: [{purpose}]
    request_schema: {schema}
    response_schema: ack.v1.json
",
        id = f.id,
        status = f.status,
        a = f.parties[0],
        b = f.parties[1],
        from = f.effective_from,
        expires = f.expires,
        basis = f.lawful_basis,
        purpose = f.purpose,
        flow = f.flow,
        path = f.path,
        schema = f.schema,
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Write the sample set and the fixtures under `root`.
pub fn write(root: &Path) -> PolicyDirs {
    let dirs = PolicyDirs { agreements: root.join("agreements"), schemas: root.join("schemas") };
    copy_dir(&support::repo().join("agreements"), &dirs.agreements);
    copy_dir(&support::repo().join("schemas"), &dirs.schemas);
    for f in FIXTURES {
        let name = format!("{}.yaml", f.id.to_ascii_lowercase());
        std::fs::write(dirs.agreements.join(name), yaml(f)).unwrap();
    }
    std::fs::write(dirs.schemas.join("fixture-sector.v1.json"), SECTOR_SCHEMA).unwrap();
    dirs
}
