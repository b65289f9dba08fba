//! The mock agency upstream: client certificate required, every request recorded,
//! canned replies from its route table.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use isagate::mock_agency::{MockAgency, MockAgencyHandle, MockAgencyOptions, Reply, Route};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Certificates for one test, generated at test start into a scratch directory.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    /// A client certificate signed by `ca`: (cert PEM, key PEM).
    good_client: (String, String),
    /// A client certificate signed by a CA the mock does not trust.
    stranger: (String, String),
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap()
}

fn client(ca: &CertifiedIssuer<'static, KeyPair>) -> (String, String) {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, "isagate gateway");
    p.subject_alt_names.push(SanType::URI("urn:isagate:gateway".try_into().unwrap()));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().unwrap();
    let cert = p.signed_by(&key, ca).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn pki() -> Pki {
    let dir = crate::support::scratch();
    let root = ca("mock test CA");
    let mut sp = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    sp.subject_alt_names.push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let skey = KeyPair::generate().unwrap();
    let scert = sp.signed_by(&skey, &root).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    Pki {
        ca: write("ca.crt", &root.pem()),
        server_cert: write("server.crt", &scert.pem()),
        server_key: write("server.key", &skey.serialize_pem()),
        good_client: client(&root),
        stranger: client(&ca("someone else's CA")),
        _dir: dir,
    }
}

async fn start(pki: &Pki, routes: Vec<Route>) -> MockAgencyHandle {
    MockAgency::start(MockAgencyOptions {
        name: "nhs-trust".into(),
        bind: "127.0.0.1:0".parse().unwrap(),
        server_cert_pem: pki.server_cert.clone(),
        server_key_pem: pki.server_key.clone(),
        client_ca_pem: pki.ca.clone(),
        print: false,
        routes,
    })
    .await
    .unwrap()
}

/// A reqwest client trusting `ca`, presenting `identity` when given.
fn http_client(ca: &Path, identity: Option<&(String, String)>, alpn: &[&[u8]]) -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_slice_iter(cert.as_bytes()).map(Result::unwrap).collect(),
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

const BOTH: &[&[u8]] = &[b"h2", b"http/1.1"];
const H1: &[&[u8]] = &[b"http/1.1"];

#[tokio::test]
async fn a_client_without_a_trusted_certificate_is_refused() {
    let pki = pki();
    let mock = start(&pki, vec![]).await;
    let url = format!("{}/v1/referrals", mock.base_url());
    for (client, alert) in [
        (http_client(&pki.ca, None, BOTH), "CertificateRequired"),
        (http_client(&pki.ca, Some(&pki.stranger), H1), "UnknownCA"),
    ] {
        let res = client.post(&url).body("{}").send().await;
        let e = crate::support::error_chain(
            &res.expect_err("the mock answered a client it should refuse"),
        );
        assert!(e.contains(&format!("received fatal alert: {alert}")), "{e}");
    }
    assert!(mock.received().is_empty());
    mock.shutdown().await;
}

#[tokio::test]
async fn it_records_what_a_good_client_sent_and_acknowledges() {
    let pki = pki();
    let mock = start(&pki, vec![]).await;
    for (alpn, version) in [(BOTH, "HTTP/2.0"), (H1, "HTTP/1.1")] {
        mock.clear();
        let client = http_client(&pki.ca, Some(&pki.good_client), alpn);
        let res = client
            .post(format!("{}/v1/referrals?urgent=yes", mock.base_url()))
            .header("content-type", "application/json")
            .header("isagate-purpose", "safeguarding")
            .body(r#"{"nhs_number":"9434765919","concern":"neglect"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let ack: serde_json::Value = res.json().await.unwrap();
        assert_eq!(ack["status"], "received");
        assert_eq!(ack["officer_note"], "internal note, not for the caller");
        assert!(ack["reference"].as_str().unwrap().starts_with("nhs-trust-"));
        assert!(ack["received_at"].as_str().unwrap().parse::<jiff::Timestamp>().is_ok());

        let got = mock.received();
        assert_eq!(got.len(), 1);
        let r = &got[0];
        assert_eq!(r.method, "POST");
        assert_eq!(r.path_and_query, "/v1/referrals?urgent=yes");
        assert_eq!(r.version, version);
        assert_eq!(r.header("Isagate-Purpose"), Some("safeguarding"));
        assert_eq!(&r.body[..], br#"{"nhs_number":"9434765919","concern":"neglect"}"#);
        assert_eq!(r.json().unwrap()["concern"], "neglect");
        let leaf =
            CertificateDer::pem_slice_iter(pki.good_client.0.as_bytes()).next().unwrap().unwrap();
        let expected = isagate::digest::sha256_hex(&leaf);
        assert_eq!(r.client_cert_sha256.as_deref(), Some(expected.as_str()));
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn routes_give_canned_replies() {
    let pki = pki();
    let mock = start(
        &pki,
        vec![
            Route::any(
                "/fixed",
                Reply::Json { status: 409, body: serde_json::json!({"error": "duplicate"}) },
            ),
            Route::any("/text/*", Reply::NotJson { status: 200 }),
            Route::any(
                "/slow",
                Reply::Delay { delay: Duration::from_millis(400), then: Box::new(Reply::Ack) },
            ),
            Route::any("/close", Reply::Close),
        ],
    )
    .await;
    let client = http_client(&pki.ca, Some(&pki.good_client), H1);
    let base = mock.base_url();

    let res = client.get(format!("{base}/fixed")).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["error"], "duplicate");

    let res = client.get(format!("{base}/text/anything")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert!(serde_json::from_slice::<serde_json::Value>(&res.bytes().await.unwrap()).is_err());

    let started = Instant::now();
    let res = client.post(format!("{base}/slow")).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 201);
    assert!(started.elapsed() >= Duration::from_millis(400));
    // A client with a shorter timeout gives up: what the gateway's 504 test relies on.
    let err = client
        .post(format!("{base}/slow"))
        .timeout(Duration::from_millis(100))
        .body("{}")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    let res = client.post(format!("{base}/close")).body("{}").send().await;
    assert!(res.is_err(), "a closed connection is no response: {res:?}");
    // Over h2 the stream is reset: still no response.
    let h2 = http_client(&pki.ca, Some(&pki.good_client), BOTH);
    let res = h2.post(format!("{base}/close")).body("{}").send().await;
    assert!(res.is_err(), "a reset stream is no response: {res:?}");

    let paths: Vec<String> = mock
        .wait_for(6, Duration::from_secs(5))
        .await
        .into_iter()
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(paths, ["/fixed", "/text/anything", "/slow", "/slow", "/close", "/close"]);
    mock.shutdown().await;
}
