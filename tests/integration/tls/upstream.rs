//! The gateway's upstream client configuration talks mTLS to a test upstream: it
//! presents the gateway's client certificate and trusts only the agency's CA.

use isagate::config::Config;
use isagate::tls::upstream_client_config;

use super::*;

fn config_for(pki: &Pki) -> Config {
    let path = pki.dir.path().join("isagate.toml");
    std::fs::copy(crate::support::repo().join("isagate.example.toml"), &path).unwrap();
    Config::load_without_files(&path).unwrap()
}

#[tokio::test]
async fn the_upstream_client_presents_the_gateway_certificate_and_checks_the_agency_ca() {
    let pki = pki();
    let cfg = config_for(&pki);
    let agency = cfg.agency("merseyside-police").unwrap();
    assert!(agency.upstream_ca.as_ref().unwrap().ends_with("certs/ca.crt"));

    // A mock upstream with its own server certificate, requiring client certificates.
    let mut settings = pki.settings();
    settings.cert = pki.certs.mock_upstream.cert.clone();
    settings.key = pki.certs.mock_upstream.key.clone();
    let (_tls, mut upstream) = server(settings).await;

    let client_cfg = upstream_client_config(&cfg, agency).unwrap();
    assert_eq!(client_cfg.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    let (answer, _) = connect(upstream.addr, Arc::new(client_cfg)).await.unwrap();
    // The gateway's client certificate has no isagate identity, but it is the one seen.
    assert_eq!(answer, "no");
    let seen = upstream.next().await.unwrap_err();
    assert!(seen.contains("no `urn:isagate:` URI SAN"), "{seen}");

    // The same upstream seen through an agency whose CA is some other CA: refused.
    let other_ca = isagate::tls::dev_certs::DevCa::new("another agency CA", 30).unwrap();
    let other_ca_path = pki.dir.path().join("other-ca.crt");
    std::fs::write(&other_ca_path, &other_ca.cert.cert_pem).unwrap();
    let mut wrong = agency.clone();
    wrong.upstream_ca = Some(other_ca_path);
    let client_cfg = upstream_client_config(&cfg, &wrong).unwrap();
    let e = connect(upstream.addr, Arc::new(client_cfg)).await.unwrap_err();
    assert!(e.contains("invalid peer certificate: UnknownIssuer"), "{e}");

    // An agency without an upstream CA has no upstream client.
    let mut none = agency.clone();
    none.upstream_ca = None;
    assert!(upstream_client_config(&cfg, &none).is_err());
}

#[tokio::test]
async fn the_upstream_sees_the_gateway_client_fingerprint() {
    let pki = pki();
    let cfg = config_for(&pki);
    let agency = cfg.agency("nhs-trust").unwrap();
    // A plain tokio-rustls upstream that records the client's certificate.
    let mut settings = pki.settings();
    settings.cert = pki.certs.mock_upstream.cert.clone();
    settings.key = pki.certs.mock_upstream.key.clone();
    let tls = ServerTls::new(settings).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tls.acceptor();
    let serve = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut s = acceptor.accept(tcp).await.unwrap();
        let leaf = s.get_ref().1.peer_certificates().unwrap()[0].to_vec();
        s.write_all(b"hi\n").await.unwrap();
        s.flush().await.unwrap();
        isagate::tls::cert_sha256(&leaf)
    });
    connect(addr, Arc::new(upstream_client_config(&cfg, agency).unwrap())).await.unwrap();
    let seen = tokio::time::timeout(WAIT, serve).await.unwrap().unwrap();
    assert_eq!(seen, pki.certs.gateway_client.sha256);
}
