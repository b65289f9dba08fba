//! Console pages over real mTLS on 127.0.0.1 (no browser): the headers every page
//! carries, the refusal of an agency certificate, the cross-site checks on every form,
//! and forms that act through the admin API with the certificate's identity.

use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::admin::harness::{emergency_draft, Harness, GOVERNANCE};
use crate::admin::pki::{provider, Pki};
use isagate::audit::record::RecordKind;
use isagate::emergency::Ledger as _;

/// A reqwest client presenting `uri`'s certificate from `pki`.
pub fn client(pki: &Pki, uri: &str) -> reqwest::Client {
    let leaf = pki.client(uri);
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(Arc::new(roots))
        .with_client_auth_cert(
            CertificateDer::pem_slice_iter(leaf.cert_pem.as_bytes()).map(Result::unwrap).collect(),
            PrivateKeyDer::from_pem_slice(leaf.key_pem.as_bytes()).unwrap(),
        )
        .unwrap();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// The form token in a page (`name="csrf" value="..."`).
pub fn token(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("the page has a form token") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

async fn records(h: &Harness) -> usize {
    h.ledger.all().await.len()
}

#[tokio::test]
async fn every_page_carries_the_csp_and_frame_denial_and_names_the_officer() {
    let h = Harness::start().await;
    let c = client(&h.pki, GOVERNANCE);
    for path in [
        "/",
        "/console/agreements",
        "/console/agreements/ISA-LCC-MERPOL-0007",
        "/console/explain",
        "/console/proposals",
        "/console/emergency",
        "/console/restrictions",
        "/console/subject",
        "/console/report?since=2026-03-01&until=2026-03-01",
    ] {
        let r = c.get(format!("{}{path}", h.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let body = r.text().await.unwrap();
        assert!(body.contains(GOVERNANCE), "{path} names the signed-in identity");
        assert!(
            !body.contains("style=\"") && !body.contains("<script"),
            "{path}: inline style or script"
        );
    }
    let css = c.get(format!("{}/console/assets/console.css", h.url)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let missing = c.get(format!("{}/console/nothing", h.url)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    h.stop().await;
}

#[tokio::test]
async fn an_agency_certificate_gets_the_apis_refusal_and_a_refusal_record() {
    let h = Harness::start().await;
    let before = records(&h).await;
    let c = client(&h.pki, "urn:isagate:agency:lcc-ssc");
    let r = c.get(format!("{}/", h.url)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("an agency certificate cannot use the admin listener"), "{body}");
    assert!(!body.contains("Overview"), "no console content for an agency");
    let all = h.ledger.all().await;
    assert_eq!(all.len(), before + 1);
    assert_eq!(all.last().unwrap().draft.kind, RecordKind::Refusal);
    h.stop().await;
}

#[tokio::test]
async fn forms_without_a_token_or_from_another_site_are_refused_and_change_nothing() {
    let h = Harness::start().await;
    let c = client(&h.pki, GOVERNANCE);
    let page = c.get(format!("{}/console/restrictions", h.url)).send().await.unwrap();
    let t = token(&page.text().await.unwrap());
    let form = |tok: &str| {
        vec![
            ("csrf", tok.to_owned()),
            ("type", "nhs-number".to_owned()),
            ("id", "9434765919".to_owned()),
            ("agreements", "*".to_owned()),
        ]
    };
    let origin = h.url.clone();
    let before = records(&h).await;
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "no token",
            c.post(format!("{}/console/restrictions", h.url))
                .header("origin", &origin)
                .form(&form("")),
        ),
        (
            "a forged token",
            c.post(format!("{}/console/restrictions", h.url))
                .header("origin", &origin)
                .form(&form("1772366400.00")),
        ),
        (
            "cross-site",
            c.post(format!("{}/console/restrictions", h.url))
                .header("origin", &origin)
                .header("sec-fetch-site", "cross-site")
                .form(&form(&t)),
        ),
        (
            "another origin",
            c.post(format!("{}/console/restrictions", h.url))
                .header("origin", "https://evil.example")
                .form(&form(&t)),
        ),
        ("no origin", c.post(format!("{}/console/restrictions", h.url)).form(&form(&t))),
    ];
    for (what, req) in cases {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403, "{what}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("9434765919"), "{what}: the id is echoed");
    }
    assert_eq!(records(&h).await, before, "a refused form recorded something");
    assert!(h.state.restrictions.current().list().is_empty());

    // The same form from the console's own page is accepted, recorded with the identity.
    let r = c
        .post(format!("{}/console/restrictions", h.url))
        .header("origin", &origin)
        .header("sec-fetch-site", "same-origin")
        .form(&form(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("Restriction added"), "{body}");
    assert!(!body.contains("9434765919"), "the subject id is shown back");
    let last = h.ledger.all().await.pop().unwrap();
    assert_eq!(last.draft.actor.as_deref(), Some(GOVERNANCE));
    assert_eq!(h.state.restrictions.current().list().len(), 1);
    h.stop().await;
}

#[tokio::test]
async fn a_token_from_another_certificate_is_refused() {
    let h = Harness::start().await;
    let a = client(&h.pki, GOVERNANCE);
    let b = client(&h.pki, "urn:isagate:governance:someone-else");
    let page = a.get(format!("{}/console/subject", h.url)).send().await.unwrap();
    let t = token(&page.text().await.unwrap());
    let r = b
        .post(format!("{}/console/subject", h.url))
        .header("origin", &h.url)
        .form(&[("csrf", t.as_str()), ("type", "nhs-number"), ("id", "9434765919")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    h.stop().await;
}

/// POST a console form from its own page, as a browser would.
async fn post(
    h: &Harness,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    post_from(h, c, path, path, fields).await
}

/// POST a form of the page at `page` to `path`, as a browser would.
pub async fn post_from(
    h: &Harness,
    c: &reqwest::Client,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let page = c.get(format!("{}{page}", h.url)).send().await.unwrap().text().await.unwrap();
    let t = token(&page);
    let mut form: Vec<(&str, &str)> = vec![("csrf", t.as_str())];
    form.extend_from_slice(fields);
    let r = c
        .post(format!("{}{path}", h.url))
        .header("origin", &h.url)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn explain_review_subject_and_report_act_through_the_admin_api() {
    let h = Harness::start().await;
    let c = client(&h.pki, GOVERNANCE);

    let payload = r#"{"child": {"nhs_number": "9434765919", "name": "Test Child"}}"#;
    let (status, page) = post(
        &h,
        &c,
        "/console/explain",
        &[
            ("agreement", "ISA-LCC-MERPOL-0007"),
            ("flow", "no-such-flow"),
            ("purpose", "safeguarding"),
            ("payload", payload),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Refused") || page.contains("refused"), "{page}");

    let disclosure = h.ledger.append(emergency_draft()).await.unwrap();
    let queue =
        c.get(format!("{}/console/emergency", h.url)).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains(&disclosure.id.to_string()));
    let path = format!("/console/emergency/{}/review", disclosure.id);
    let page =
        c.get(format!("{}/console/emergency", h.url)).send().await.unwrap().text().await.unwrap();
    let t = token(&page);
    let r = c
        .post(format!("{}{path}", h.url))
        .header("origin", &h.url)
        .form(&[
            ("csrf", t.as_str()),
            ("decision", "justified"),
            ("subject_told", "told"),
            ("note", "checked with the duty manager"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Review recorded"));
    let last = h.ledger.all().await.pop().unwrap();
    assert_eq!(last.draft.kind, RecordKind::EmergencyReview);
    assert_eq!(last.draft.actor.as_deref(), Some(GOVERNANCE));

    let (status, page) =
        post(&h, &c, "/console/subject", &[("type", "nhs-number"), ("id", "943 476 5919")]).await;
    assert_eq!(status, 200);
    assert!(page.contains("Disclosures about this person"), "{page}");
    assert!(page.contains(&crate::admin::harness::subject_key().hash("nhs-number", "9434765919")));
    assert!(!page.contains("943 476 5919") && !page.contains("9434765919"), "the id is shown back");

    let csv = c
        .get(format!("{}/console/report.csv?since=2026-03-01&until=2026-03-01", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.text().await.unwrap().starts_with("section,key,count"));
    let bad = c
        .get(format!("{}/console/report?since=2026-03-05&until=2026-03-01", h.url))
        .send()
        .await
        .unwrap();
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("`until` is before `since`"), "{bad}");
    h.stop().await;
}
