//! The OpenAPI 3.1 document served at `/v1/openapi.json`. Its operations are data,
//! `openapi_paths.yaml` beside this file (path, method, answers, parameters, body), read
//! by [`operations`]; the components' schemas are written here. The tests hold the
//! operations to the route table (every route documented, nothing documented that is not
//! routed) and validate every response they see against the schema documented for its
//! status.
//!
//! Response schemas say `additionalProperties: false` so that a field added to a
//! response without documenting it fails the tests.

use serde::Deserialize;
use serde_json::{json, Value};

fn nullable(t: &str) -> Value {
    json!({"type": [t, "null"]})
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn closed(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

/// One operation of `openapi_paths.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Operation {
    path: String,
    method: Method,
    id: String,
    summary: String,
    answers: Vec<Answer>,
    path_id: Option<String>,
    #[serde(default)]
    query: Vec<QueryParameter>,
    body: Option<Body>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Delete => "delete",
        }
    }
}

/// A documented status: a JSON answer carrying `schema`, else a problem document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    status: u16,
    means: String,
    schema: Option<String>,
    /// The answer wrote a governance record and carries its id.
    #[serde(default)]
    recorded: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryParameter {
    name: String,
    required: bool,
    description: String,
    schema: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    schema: String,
    #[serde(default = "yes")]
    required: bool,
}

fn yes() -> bool {
    true
}

/// The operations, as `openapi_paths.yaml` lists them.
fn operations() -> Result<Vec<Operation>, serde_saphyr::Error> {
    serde_saphyr::from_str(include_str!("openapi_paths.yaml"))
}

fn json_content(media: &str, name: &str) -> Value {
    json!({media: {"schema": r(name)}})
}

fn answer(a: &Answer) -> Value {
    match (&a.schema, a.recorded) {
        (Some(name), true) => json!({
            "description": format!("{}; carries the governance record's id in `Isagate-Disclosure-Id`", a.means),
            "content": json_content("application/json", name)}),
        (Some(name), false) => {
            json!({"description": a.means, "content": json_content("application/json", name)})
        }
        (None, _) => problem(&a.means),
    }
}

fn problem(description: &str) -> Value {
    json!({"description": description, "content": json_content("application/problem+json", "Problem")})
}

/// An operation with its documented answers; every operation also has 403 (not a
/// governance identity, unless the operation documents its own 403), 503 (store unavailable) and a problem `default`.
fn operation(o: &Operation) -> Value {
    let mut responses = serde_json::Map::new();
    for a in &o.answers {
        responses.insert(a.status.to_string(), answer(a));
    }
    // An operation's own 403 (e.g. four-eyes on approve) already says this one too.
    responses.entry("403").or_insert_with(|| {
        problem("the certificate is not a governance identity (a refusal record is written)")
    });
    responses.insert("503".into(), problem("the record store is unavailable"));
    responses.insert("default".into(), problem("any other refusal, as problem+json"));
    let mut out = serde_json::Map::new();
    out.insert("operationId".into(), json!(o.id));
    out.insert("summary".into(), json!(o.summary));
    out.insert("responses".into(), Value::Object(responses));
    let mut parameters: Vec<Value> = o
        .path_id
        .iter()
        .map(|d| json!({"name": "id", "in": "path", "required": true, "description": d, "schema": {"type": "string"}}))
        .collect();
    parameters.extend(o.query.iter().map(|q| {
        json!({"name": q.name, "in": "query", "required": q.required, "description": q.description, "schema": q.schema})
    }));
    if !parameters.is_empty() {
        out.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(b) = &o.body {
        out.insert(
            "requestBody".into(),
            json!({"required": b.required, "content": json_content("application/json", &b.schema)}),
        );
    }
    Value::Object(out)
}

/// The document's `paths`: each path once, its methods in the order listed.
fn paths() -> Value {
    let mut paths = serde_json::Map::new();
    for o in operations().unwrap_or_default() {
        if let Value::Object(methods) = paths.entry(o.path.clone()).or_insert_with(|| json!({})) {
            methods.insert(o.method.as_str().into(), operation(&o));
        }
    }
    Value::Object(paths)
}

/// The document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "isagate admin API",
            "version": "1",
            "description": "The governance admin listener (`:9443`). Mutual TLS with certificates carrying `urn:isagate:governance:<person-or-team>` only. Governance actions (reload, review, restriction changes) are records in the audit chain naming the certificate identity. Errors are RFC 9457 problem documents."
        },
        "servers": [{"url": "https://localhost:9443"}],
        "security": [{"governanceCertificate": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"governanceCertificate": {"type": "mutualTLS",
                "description": "a client certificate from the gateway's client CA with URI SAN `urn:isagate:governance:<person-or-team>`"}},
            "schemas": schemas()
        }
    })
}

/// The components' schemas: one `json!` per part, since the macro's recursion limit
/// bounds how many schemas one call may hold.
fn schemas() -> Value {
    let mut all = serde_json::Map::new();
    for part in [register_schemas(), lifecycle_schemas(), explain_schemas(), audit_schemas()] {
        if let Value::Object(part) = part {
            all.extend(part);
        }
    }
    Value::Object(all)
}

/// Problems, lint findings and the agreements register.
fn register_schemas() -> Value {
    let s = json!({"type": "string"});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let request_form = closed(
        &["decision_maker", "dpo_consulted", "dpia_outcome", "statutory_power", "controllers"],
        json!({
        "decision_maker": {"oneOf": [{"type": "null"}, closed(&["name", "role"], json!({"name": s, "role": s}))]},
        "dpo_consulted": {"oneOf": [{"type": "null"}, closed(&["date", "view"], json!({"date": {"type": "string", "format": "date"}, "view": s}))]},
        "dpia_outcome": {"enum": ["no-high-risk", "risks-mitigated", "residual-high-risk", null]},
        "statutory_power": nullable("string"),
        "controllers": {"enum": ["joint", "separate", null]}}),
    );
    json!({
        "Reason": closed(&["code", "detail"], json!({"code": s, "detail": s})),
        "Problem": closed(&["type", "title", "status", "detail", "disclosure_id", "reasons"], json!({
            "type": {"type": "string", "pattern": "^urn:isagate:problem:[a-z-]+$"},
            "title": s, "status": {"type": "integer"}, "detail": s,
            "disclosure_id": nullable("string"),
            "reasons": {"type": "array", "minItems": 1, "items": r("Reason")},
            "findings": {"type": "array", "items": r("LintFinding"),
                "description": "a refused reload or proposal: the lint errors of the new set"}})),
        "LintFinding": closed(&["file", "line", "column", "severity", "code", "message", "help"], json!({
            "file": s, "line": {"type": "integer", "minimum": 0, "description": "1-based; 0: the file as a whole"},
            "column": {"type": "integer", "minimum": 0}, "severity": {"enum": ["error", "warning"]},
            "code": s, "message": s, "help": {"type": "string", "description": "what to do about it"}})),
        "OpenApiDocument": {"type": "object", "required": ["openapi", "info", "paths", "components"],
            "properties": {"openapi": {"const": "3.1.0"}}},
        "Finding": closed(&["severity", "code", "message"], json!({
            "severity": {"enum": ["error", "warning"]}, "code": s, "message": s})),
        "Flow": closed(&["id", "from", "to", "method", "path", "purposes", "request_schema", "response_schema", "query",
                "content_encodings"], json!({
            "id": s, "from": s, "to": s, "method": s, "path": s, "purposes": strings,
            "request_schema": nullable("string"), "response_schema": nullable("string"),
            "query": {"type": "array", "items": s, "description": "allow-listed query parameter names"},
            "content_encodings": {"type": "array", "items": s, "description": "allowed `Content-Encoding`s"},
            "regime": {"enum": ["uk-gdpr", "dpa-part-3"], "description": "the disclosing party's regime"},
            "lawful_basis": {"type": "object", "description": "the flow's own lawful basis, replacing the agreement's (docs/lawful-basis.md)"}})),
        "AgreementSummary": closed(&["id", "title", "version", "status", "in_force", "sha256", "file", "owner", "parties",
                "effective_from", "expires", "review_by", "flows", "emergency", "restrictions_override", "findings",
                "party_names", "dpia", "effective_in_days", "expires_in_days", "review_in_days", "last_activation",
                "last_transfer", "request_form"], json!({
            "id": s, "title": s, "version": {"type": "integer", "minimum": 0},
            "status": {"enum": ["draft", "active", "suspended", "expired"]},
            "in_force": {"type": "boolean"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "file": s, "owner": s, "parties": strings,
            "effective_from": {"type": "string", "format": "date"}, "expires": {"type": "string", "format": "date"},
            "review_by": {"type": ["string", "null"], "format": "date"},
            "flows": {"type": "array", "items": r("Flow")},
            "emergency": {"type": "boolean", "description": "the agreement has an emergency clause that allows emergency sharing"},
            "restrictions_override": {"type": ["string", "null"], "description": "the legal duty that overrides subject restrictions"},
            "findings": {"type": "array", "items": r("Finding"), "description": "the linter's findings that depend on today: `expired`, `review-overdue`, `expiring-soon`"},
            "party_names": {"type": "array", "items": closed(&["id", "name"], json!({"id": s, "name": s})),
                "description": "each party with its display name from the configuration"},
            "dpia": nullable("string"),
            "effective_in_days": {"type": "integer", "description": "days from today (Europe/London) to `effective_from`; negative once passed"},
            "expires_in_days": {"type": "integer", "description": "days from today to `expires`; negative once passed"},
            "review_in_days": {"type": ["integer", "null"], "description": "days from today to `review_by`; negative once passed"},
            "last_activation": {"oneOf": [{"type": "null"}, closed(&["time", "actor", "action", "record_id"], json!({
                "time": {"type": "string", "format": "date-time"}, "actor": nullable("string"), "action": s,
                "record_id": {"type": "string", "format": "uuid"}}))],
                "description": "when the current text went live and who made it so, from the governance records; null when no record names it"},
            "last_transfer": {"oneOf": [{"type": "null"}, closed(&["time", "flow", "outcome", "record_id"], json!({
                "time": {"type": "string", "format": "date-time"}, "flow": nullable("string"), "outcome": s,
                "record_id": {"type": "string", "format": "uuid"}}))],
                "description": "the last request record under this agreement"},
            "request_form": request_form})),
        "AgreementList": closed(&["agreements"], json!({"agreements": {"type": "array", "items": r("AgreementSummary")}})),
    })
}

/// Reloads and four-eyes proposals.
fn lifecycle_schemas() -> Value {
    let s = json!({"type": "string"});
    json!({
        "ReloadResult": closed(&["replaced", "agreements", "schemas", "record_id"], json!({
            "replaced": {"const": true}, "schemas": {"type": "integer", "minimum": 0}, "record_id": {"type": "string", "format": "uuid"},
            "agreements": {"type": "array", "items": closed(&["id", "version", "sha256"], json!({
                "id": s, "version": {"type": "integer"}, "sha256": s}))}})),
        "ProposalInput": closed(&["agreements"], json!({
            "agreements": {"type": "object", "minProperties": 1, "additionalProperties": s,
                "description": "file name (`*.yaml`, e.g. `isa-x.yaml` or `emergency-policy.yaml`) -> its text"},
            "schemas": {"type": "object", "additionalProperties": s, "description": "schema file name (`*.json`) -> its text"},
            "note": {"type": ["string", "null"], "maxLength": 2000}})),
        "Decision": closed(&[], json!({"note": {"type": ["string", "null"], "maxLength": 2000,
            "description": "why (required to reject)"}})),
        "Proposal": closed(&["id", "state", "time", "proposer", "note", "agreements", "schemas", "errors", "findings", "diff", "impact",
                "decided_by", "decided_at", "decision_note"], json!({
            "id": {"type": "string", "format": "uuid"}, "state": {"enum": ["pending", "approved", "rejected"]},
            "time": {"type": "string", "format": "date-time"},
            "proposer": {"type": "string", "pattern": "^urn:isagate:governance:"}, "note": nullable("string"),
            "agreements": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
            "schemas": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
            "errors": {"type": "integer", "minimum": 0, "description": "lint errors of the set it would make; it cannot be approved while there are any"},
            "findings": {"type": "array", "items": r("LintFinding")},
            "diff": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["summary", "findings"]}],
                "description": "what the proposal changes against the set in force, as `agreements diff --format json` (docs/diff.md); null when the proposed set does not load"},
            "impact": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["since", "until", "days", "transfers", "responses", "findings", "would_refuse", "cannot_tell"]}],
                "description": "the diff's impact on the recorded traffic of the 30 days before the proposal (counts only), as `agreements diff --store` gives it (docs/diff.md); null when the proposed set does not load"},
            "decided_by": nullable("string"), "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decision_note": nullable("string")})),
        "ProposalList": closed(&["proposals"], json!({"proposals": {"type": "array", "items": r("Proposal")}})),
        "Approved": closed(&["proposal", "reload"], json!({"proposal": r("Proposal"), "reload": r("ReloadResult")})),
    })
}

/// The dry run.
fn explain_schemas() -> Value {
    let s = json!({"type": "string"});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "ExplainRequest": closed(&["agreement", "flow", "payload"], json!({
            "agreement": {"type": "string", "description": "the agreement id; `emergency-policy` for an emergency under the emergency policy"},
            "flow": {"type": "string", "description": "the flow id (the rule id under `emergency-policy`)"},
            "payload": {"description": "the JSON payload to dry-run (null: no body)"},
            "purpose": nullable("string"),
            "query": {"type": ["string", "null"], "description": "the request's query string, without `?`"},
            "content_type": {"type": ["string", "null"], "description": "the payload's media type (default `application/json`)"},
            "agreement_header": {"type": ["boolean", "null"], "description": "false: ask as a caller that sends no `Isagate-Agreement` header, so two agreements that permit the request are `agreement-ambiguous` (default true)"},
            "emergency": {"type": ["string", "null"], "enum": ["risk-to-life", "child-at-risk", "adult-at-risk", "serious-harm-to-others", "serious-crime", null]},
            "direction": {"type": ["string", "null"], "enum": ["request", "response", null]}})),
        "Stripped": closed(&["path", "reason"], json!({"path": {"type": "string", "description": "a schema path: keys the schema names, `*` for any other key and every array position, `?` for the query parameters"}, "reason": s, "count": {"type": "integer", "minimum": 1, "description": "how many nodes, keys or parameters the entry stands for"}})),
        "Transformed": closed(&["path", "transform"], json!({"path": s, "transform": s})),
        "ExplainReport": closed(&["agreement", "flow", "direction", "refused", "reasons", "output", "disclosed", "stripped", "transformed"], json!({
            "agreement": s, "flow": s, "direction": {"enum": ["request", "response"]},
            "refused": {"type": "boolean"}, "reasons": {"type": "array", "items": r("Reason")},
            "output": {"description": "what the recipient would get; null when refused"},
            "query": {"type": ["string", "null"], "description": "the query string the recipient would get; null when none was sent"},
            "disclosed": strings, "stripped": {"type": "array", "items": r("Stripped")},
            "transformed": {"type": "array", "items": r("Transformed")},
            "lawful_basis": {"type": "array", "items": r("BasisCode"), "description": "the lawful-basis codes relied on, each with its plain-English description (docs/lawful-basis.md)"}})),
        "BasisCode": closed(&["list", "code", "description"], json!({
            "list": {"enum": ["article_6", "article_9", "article_10", "part_3"]}, "code": s, "description": s}))
    })
}

/// Emergency reviews, the chain, subject access and restrictions.
fn audit_schemas() -> Value {
    let s = json!({"type": "string"});
    json!({
        "ReviewSummary": closed(&["review_id", "time", "decision", "subject_told", "revisit", "note", "reviewer", "reviews"], json!({
            "review_id": {"type": "string", "format": "uuid"}, "time": {"type": "string", "format": "date-time"},
            "decision": {"enum": ["justified", "not-justified"]},
            "subject_told": {"enum": ["told", "not-safe-to-tell", "deferred"]},
            "revisit": {"type": ["string", "null"], "format": "date"}, "note": s,
            "reviewer": {"type": "string", "pattern": "^urn:isagate:governance:"},
            "reviews": {"type": "integer", "minimum": 1, "description": "reviews recorded, amendments included"}})),
        "QueueItem": closed(&["disclosure_id", "time", "from", "to", "requester", "category", "justification", "basis",
                "agreement", "state", "overdue", "review"], json!({
            "disclosure_id": {"type": "string", "format": "uuid"}, "time": {"type": "string", "format": "date-time"},
            "from": nullable("string"), "to": nullable("string"), "requester": nullable("string"),
            "category": {"enum": ["risk-to-life", "child-at-risk", "adult-at-risk", "serious-harm-to-others", "serious-crime"]},
            "justification": s, "basis": {"type": "string", "pattern": "^(agreement|policy):"},
            "agreement": nullable("string"), "state": {"enum": ["pending", "reviewed"]},
            "overdue": {"type": "boolean"},
            "review": {"oneOf": [{"type": "null"}, r("ReviewSummary")]}})),
        "Queue": closed(&["state", "overdue_after_hours", "disclosures", "archive"], json!({
            "state": {"enum": ["pending", "reviewed", "all"]}, "overdue_after_hours": {"type": "integer", "minimum": 0},
            "disclosures": {"type": "array", "items": r("QueueItem")},
            "archive": {"oneOf": [{"type": "null"}, r("ArchiveCoverage")]}})),
        "ReviewInput": closed(&["decision", "subject_told", "note"], json!({
            "decision": {"enum": ["justified", "not-justified"]},
            "subject_told": {"enum": ["told", "not-safe-to-tell", "deferred"]},
            "revisit": {"type": ["string", "null"], "format": "date", "description": "required with `deferred`, refused otherwise; today or later"},
            "note": {"type": "string", "minLength": 1, "maxLength": 2000},
            "amendment": {"type": "boolean", "default": false}})),
        "ReviewRecorded": closed(&["review_id", "disclosure_id", "seq", "time", "decision", "subject_told", "revisit", "reviewer", "amendment"], json!({
            "review_id": {"type": "string", "format": "uuid"}, "disclosure_id": {"type": "string", "format": "uuid"},
            "seq": {"type": "integer", "minimum": 1}, "time": {"type": "string", "format": "date-time"},
            "decision": {"enum": ["justified", "not-justified"]},
            "subject_told": {"enum": ["told", "not-safe-to-tell", "deferred"]},
            "revisit": {"type": ["string", "null"], "format": "date"},
            "reviewer": {"type": "string", "pattern": "^urn:isagate:governance:"}, "amendment": {"type": "boolean"}})),
        "ChainStatus": closed(&["ok", "length", "head_seq", "head_hash", "first_bad", "last_checkpoint"], json!({
            "ok": {"type": "boolean"}, "length": {"type": "integer", "minimum": 0},
            "head_seq": nullable("integer"), "head_hash": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
            "first_bad": {"oneOf": [{"type": "null"}, closed(&["seq", "id", "problem"], json!({"seq": {"type": "integer"}, "id": s, "problem": s}))]},
            "last_checkpoint": {"oneOf": [{"type": "null"}, closed(&["seq", "head_hash", "time"], json!({"seq": {"type": "integer"}, "head_hash": s, "time": s}))]}})),
        "SubjectQuery": closed(&["type", "id"], json!({
            "type": {"type": "string", "minLength": 1, "description": "subject id type, e.g. `nhs-number`"},
            "id": {"type": "string", "minLength": 1, "description": "the subject id (hashed at once, never stored or logged)"}})),
        "SubjectResult": closed(&["type", "subject_hash", "records", "archive"], json!({
            "type": s, "subject_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "records": {"type": "array", "items": {"type": "object", "description": "a disclosure record (contract section 5), with `lawful_basis` as a list of codes each with its plain-English description",
                "properties": {"lawful_basis": {"type": "array", "items": r("BasisCode")}}}},
            "archive": r("ArchiveCoverage")})),
        "ArchiveCoverage": closed(&["complete", "folder", "read", "missing"], json!({
            "complete": {"type": "boolean", "description": "false: an archived segment is missing, so records may be absent from the answer"},
            "folder": {"type": ["string", "null"], "description": "the archive folder searched (`[paths] archive`)"},
            "read": {"type": "array", "items": closed(&["file", "from_seq", "to_seq", "first_time", "last_time"], json!({
                "file": s, "from_seq": {"type": "integer"}, "to_seq": {"type": "integer"},
                "first_time": nullable("string"), "last_time": nullable("string")}))},
            "missing": {"type": "array", "items": closed(&["from_seq", "to_seq", "first_time", "last_time", "archived_before", "file", "problem"], json!({
                "from_seq": {"type": "integer"}, "to_seq": {"type": "integer"},
                "first_time": {"type": ["string", "null"], "description": "the dates the missing segment covers, when its anchor recorded them"},
                "last_time": nullable("string"),
                "archived_before": {"type": ["string", "null"], "description": "every record in it is older than this"},
                "file": nullable("string"), "problem": s}))}})),
        "Report": {"type": "object", "description": "the transparency report, as `isagate audit report --format json` prints it",
            "required": ["since", "until", "until_inclusive", "generated_at", "chain", "transfers", "by_recipient", "archive"],
            "properties": {"archive": r("ArchiveCoverage"), "until_inclusive": {"type": "boolean"},
                "transfers": {"type": "integer", "minimum": 0, "description": "a request record and its response record are one transfer"},
                "by_recipient": {"type": "object", "description": "transfers by recipient agency display name"},
                "by_lawful_basis": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "description": "transfers by each lawful-basis code their record names"},
                "lawful_basis": {"type": "object", "additionalProperties": {"type": "string"}, "description": "each code in `by_lawful_basis` with its plain-English description (docs/lawful-basis.md)"},
                "generated_at": {"type": "string", "format": "date-time"}}},
        "Scope": {"oneOf": [{"const": "*"}, {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}]},
        "RestrictionInput": closed(&["type", "id", "agreements"], json!({
            "type": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"},
            "id": {"type": "string", "minLength": 1, "maxLength": 256, "description": "the subject id; hashed at once, never stored"},
            "agreements": r("Scope"), "note": {"type": "string", "maxLength": 500}})),
        "Restriction": closed(&["id", "type", "subject_hash", "agreements", "note", "added_by", "added_at"], json!({
            "id": {"type": "string", "format": "uuid"}, "type": s,
            "subject_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "agreements": r("Scope"), "note": s,
            "added_by": s, "added_at": {"type": "string", "format": "date-time"}})),
        "RestrictionList": closed(&["restrictions"], json!({"restrictions": {"type": "array", "items": r("Restriction")}})),
        "RestrictionRemoved": closed(&["id", "removed", "record_id"], json!({
            "id": {"type": "string", "format": "uuid"}, "removed": {"const": true}, "record_id": {"type": "string", "format": "uuid"}}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openapi_paths.yaml` parses, each operation id is used once, and every operation
    /// reaches the document with the common answers after its own.
    #[test]
    fn the_operations_parse_and_all_reach_the_document() {
        let ops = operations().unwrap();
        assert_eq!(ops.len(), 18);
        let ids: std::collections::BTreeSet<_> = ops.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids.len(), ops.len());
        let doc = document();
        for o in &ops {
            let op = &doc["paths"][&o.path][o.method.as_str()];
            assert_eq!(op["operationId"], o.id.as_str(), "{} {}", o.path, o.method.as_str());
            let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            assert_eq!(statuses.last().map(|s| s.as_str()), Some("default"), "{}", o.id);
        }
    }

    /// An operation's own 403 is served, not replaced by the common one: approving
    /// one's own proposal is refused by four-eyes, and the document says so.
    #[test]
    fn an_operations_own_403_is_kept() {
        let own: Vec<_> = operations()
            .unwrap()
            .into_iter()
            .filter(|o| o.answers.iter().any(|a| a.status == 403))
            .collect();
        assert!(!own.is_empty());
        let doc = document();
        for o in &own {
            let said = &doc["paths"][&o.path][o.method.as_str()]["responses"]["403"]["description"];
            assert!(said.as_str().unwrap().contains("four-eyes"), "{}: {said}", o.id);
        }
    }
}
