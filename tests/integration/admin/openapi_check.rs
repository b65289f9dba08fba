//! Holds the admin server to its OpenAPI document: every answer the tests see is
//! validated against the schema documented for its path, method, status and media type.

use std::sync::OnceLock;

use isagate::admin::client::Answer;
use serde_json::{json, Value};

pub fn doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(isagate::admin::openapi::document)
}

/// A validator for one schema of the document (its `$ref`s resolve in `components`).
pub fn validator(schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc()["components"],
        "allOf": [schema],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

pub fn check(schema: &Value, instance: &Value, what: &str) {
    let v = validator(schema);
    let errors: Vec<String> =
        v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(
        errors.is_empty(),
        "{what}: does not match its documented schema: {errors:#?}\n{instance:#}"
    );
}

/// The documented schema for an answer, by path template, method, status, media type.
pub fn response_schema(method: &str, template: &str, status: u16, content_type: &str) -> Value {
    let op = &doc()["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    let responses = &op["responses"];
    let resp = responses.get(status.to_string()).or_else(|| responses.get("default")).unwrap();
    let media = content_type.split(';').next().unwrap().trim();
    let schema = &resp["content"][media]["schema"];
    assert!(
        schema.is_object(),
        "{method} {template} {status}: media type `{media}` is not documented"
    );
    schema.clone()
}

pub fn validate_answer(method: &str, template: &str, a: &Answer) {
    let schema = response_schema(method, template, a.status, &a.content_type);
    check(&schema, &a.body, &format!("{method} {template} -> {}", a.status));
    let documented = doc()["paths"][template][method.to_ascii_lowercase()]["responses"]
        .get(a.status.to_string())
        .is_some();
    assert!(
        documented || a.status >= 400,
        "{method} {template}: success status {} is not documented",
        a.status
    );
}

/// A request body must satisfy the documented request schema (so tests send what the
/// document promises to accept).
pub fn request_schema(method: &str, template: &str) -> Value {
    doc()["paths"][template][method.to_ascii_lowercase()]["requestBody"]["content"]
        ["application/json"]["schema"]
        .clone()
}
