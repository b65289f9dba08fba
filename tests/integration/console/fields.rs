//! The agreement page's field tables (from the compiled plans in force), its lawful basis
//! in plain English and its activation history, and what each emergency review item
//! disclosed (schema paths and categories, never values), over real mTLS on 127.0.0.1.

use http::Method;
use isagate::digest::sha256_hex;
use isagate::emergency::Ledger as _;

use super::pages::client;
use crate::admin::harness::{call, emergency_draft, Harness, GOVERNANCE};

/// A row of a field table as the page renders it.
fn row(path: &str, effect: &str, category: &str, transform: &str) -> String {
    format!(
        "<tr><th scope=\"row\"><code>{path}</code></th><td>{effect}</td><td>{category}</td>\
         <td>{transform}</td></tr>"
    )
}

async fn page(h: &Harness, path: &str) -> String {
    let c = client(&h.pki, GOVERNANCE);
    let r = c.get(format!("{}{path}", h.url)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn the_agreement_page_shows_field_tables_lawful_basis_and_activation_history() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    let reload =
        || call(&gov, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None);
    assert_eq!(reload().await.status, 200);
    let file = h.agreements_dir.join("isa-lcc-merpol-0007.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("version: 3\n"), "the sample agreement changed");
    std::fs::write(&file, text.replace("version: 3\n", "version: 4\n")).unwrap();
    assert_eq!(reload().await.status, 200);

    let body = page(&h, "/console/agreements/ISA-LCC-MERPOL-0007").await;
    // Field tables, per flow and direction, from the plans.
    assert!(body.contains("Fields of flow referral, request (caller to recipient), from schema <code>referral.v1.json</code>"), "{body}");
    for r in [
        row("/concern", "disclosed", "none", "none"),
        row("/health_notes", "disclosed", "health", "none"),
        row("/subject/ethnicity", "disclosed", "ethnicity", "none"),
        row("/offences/*/type", "disclosed", "criminal-offence", "none"),
        row("/other_references/*", "disclosed", "none", "none"),
    ] {
        assert!(body.contains(&r), "missing {r}");
    }
    assert!(body.contains("Fields of flow referral-status, response (recipient to caller)"));
    assert!(
        body.contains("Flow referral-status, request (caller to recipient): No body is accepted.")
    );
    // The lawful basis, described.
    assert!(body.contains("<h2>Lawful basis</h2>"));
    let described = isagate::agreements::lawful_basis::describe("9(2)(g)").unwrap();
    assert!(body.contains(&maud::html! { (described) }.into_string()), "{body}");
    // The activation history, newest first, naming who and why.
    let at = |needle: &str| body.find(needle).unwrap_or_else(|| panic!("missing {needle}"));
    let history = at("<h2>Activation history</h2>");
    let v4 = at("<td>activated</td><td class=\"num\">4</td>");
    let v3 = at("<td>activated</td><td class=\"num\">3</td>");
    assert!(history < v4 && v4 < v3, "newest first");
    assert!(body[history..].contains(&format!("<td>{GOVERNANCE}</td><td>admin-reload</td>")));
}

#[tokio::test]
async fn emergency_items_show_the_disclosed_fields_and_their_categories() {
    let h = Harness::start().await;
    let schema = std::fs::read(crate::support::repo().join("schemas/referral.v1.json")).unwrap();
    let mut d = emergency_draft();
    d.schema_sha256 = [("referral.v1.json".to_owned(), sha256_hex(&schema))].into();
    d.disclosed = vec!["/concern".into(), "/health_notes".into(), "/subject/ethnicity".into()];
    let known = h.ledger.append(d).await.unwrap();
    let mut d = emergency_draft();
    d.schema_sha256 = [("referral.v1.json".to_owned(), "b".repeat(64))].into();
    d.disclosed = vec!["/health_notes".into()];
    let stale = h.ledger.append(d).await.unwrap();

    let body = page(&h, "/console/emergency").await;
    let cell = |path: &str, category: &str| {
        format!("<tr><th scope=\"row\"><code>{path}</code></th><td>{category}</td></tr>")
    };
    let start = body.find(&format!("id=\"d-{}\"", known.id)).unwrap();
    let end = body.find(&format!("id=\"d-{}\"", stale.id)).unwrap();
    let (first, second) = if start < end {
        (&body[start..end], &body[end..])
    } else {
        (&body[start..], &body[end..start])
    };
    assert!(first.contains("Fields disclosed by"), "{first}");
    assert!(first.contains(&cell("/concern", "none")));
    assert!(first.contains(&cell("/health_notes", "health")));
    assert!(first.contains(&cell("/subject/ethnicity", "ethnicity")));
    // Every item carries its review form after what it disclosed.
    assert!(first.find("Fields disclosed by").unwrap() < first.find("Record the review").unwrap());
    // A schema text no longer in force: the category is not guessed.
    assert!(second.contains(&cell("/health_notes", isagate::admin::field_table::NOT_KNOWN)));
}
