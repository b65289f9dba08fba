//! One good certificate per identity kind, and every certificate that must fail the
//! handshake (contract section 1).

use isagate::tls::dev_certs::fixtures;
use isagate::tls::PeerIdentity;
use rustls::HandshakeKind;

use super::*;

#[tokio::test]
async fn a_good_agency_certificate_gives_its_identity_and_fingerprint() {
    let pki = pki();
    let (_tls, mut server) = server(pki.settings()).await;
    let id = ClientId::from(&pki.certs.agencies["merseyside-police"]);
    let (answer, kind) =
        connect(server.addr, client(&pki.certs.ca_cert, Some(&id), false)).await.unwrap();
    assert_eq!(answer, "ok");
    assert_eq!(kind, Some(HandshakeKind::Full));
    let (identity, sha) = server.next().await.unwrap();
    assert_eq!(identity, PeerIdentity::Agency("merseyside-police".into()));
    assert_eq!(sha, pki.certs.agencies["merseyside-police"].sha256);
    assert_eq!(identity.as_agency(), Some("merseyside-police"));
    assert_eq!(identity.as_governance(), None);

    // ALPN: a client offering h2 gets h2 (hyper serves HTTP/2 and HTTP/1.1).
    let mut h2 = (*client(&pki.certs.ca_cert, Some(&id), false)).clone();
    h2.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut stream =
        tokio_rustls::TlsConnector::from(Arc::new(h2)).connect(name, tcp).await.unwrap();
    let mut line = [0u8; 3];
    stream.read_exact(&mut line).await.unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    server.next().await.unwrap();
}

#[tokio::test]
async fn a_governance_certificate_gives_a_governance_identity() {
    let pki = pki();
    let (_tls, mut server) = server(pki.settings()).await;
    let id = ClientId::from(&pki.certs.governance["dpo"]);
    connect(server.addr, client(&pki.certs.ca_cert, Some(&id), false)).await.unwrap();
    let (identity, _) = server.next().await.unwrap();
    assert_eq!(identity, PeerIdentity::Governance("dpo".into()));
}

#[tokio::test]
async fn two_isagate_identities_give_none() {
    let pki = pki();
    let (_tls, mut server) = server(pki.settings()).await;
    let cert = fixtures::two_identities(&pki.ca, "lcc-ssc", "merseyside-police").unwrap();
    let (answer, _) =
        connect(server.addr, client(&pki.certs.ca_cert, Some(&(&cert).into()), false))
            .await
            .unwrap();
    assert_eq!(answer, "no");
    let seen = server.next().await.unwrap_err();
    assert!(seen.contains("more than one"), "{seen}");
}

#[tokio::test]
async fn no_client_certificate_fails_the_handshake() {
    let pki = pki();
    let (_tls, mut server) = server(pki.settings()).await;
    let e = assert_refused(&mut server, client(&pki.certs.ca_cert, None, false)).await;
    assert!(e.contains("peer sent no certificates"), "{e}");
}

/// Each broken certificate is refused in the handshake, for the reason it is broken.
#[tokio::test]
async fn broken_certificates_fail_the_handshake() {
    let pki = pki();
    let (_tls, mut server) = server(pki.settings()).await;
    let ca = &pki.ca;
    let cases: Vec<(&str, ClientId, &str)> = vec![
        ("untrusted CA", (&fixtures::untrusted("lcc-ssc").unwrap()).into(), "unknown issuer"),
        ("expired", (&fixtures::expired(ca, "lcc-ssc").unwrap()).into(), "expired"),
        (
            "not yet valid",
            (&fixtures::not_yet_valid(ca, "lcc-ssc").unwrap()).into(),
            "not valid yet",
        ),
        (
            "no EKU extension",
            (&fixtures::without_eku(ca, "lcc-ssc").unwrap()).into(),
            "InvalidPurpose",
        ),
        (
            "serverAuth only",
            (&fixtures::server_auth_only(ca, "lcc-ssc").unwrap()).into(),
            "extended key usage for client authentication",
        ),
        ("revoked by crl.pem", (&pki.certs.revoked).into(), "revoked"),
    ];
    for (what, id, reason) in cases {
        let e = assert_refused(&mut server, client(&pki.certs.ca_cert, Some(&id), false)).await;
        println!("{what}: {e}");
        let squash = |s: &str| s.to_lowercase().replace([' ', '_'], "");
        let (e, reason) = (squash(&e), squash(reason));
        assert!(e.contains(&reason), "{what}: expected `{reason}` in `{e}`");
    }
    // The server still serves good clients afterwards.
    let good = ClientId::from(&pki.certs.agencies["lcc-ssc"]);
    connect(server.addr, client(&pki.certs.ca_cert, Some(&good), false)).await.unwrap();
    assert_eq!(server.next().await.unwrap().0, PeerIdentity::Agency("lcc-ssc".into()));
}

#[tokio::test]
async fn tls12_is_refused_unless_enabled_and_then_uses_aead_suites() {
    let pki = pki();
    let id = ClientId::from(&pki.certs.agencies["lcc-ssc"]);
    let (_tls, mut off) = server(pki.settings()).await;
    let e = assert_refused(&mut off, client(&pki.certs.ca_cert, Some(&id), true)).await;
    assert!(e.contains("Tls12NotOfferedOrEnabled"), "{e}");

    let mut settings = pki.settings();
    settings.tls12 = true;
    let (tls, mut on) = server(settings).await;
    connect(on.addr, client(&pki.certs.ca_cert, Some(&id), true)).await.unwrap();
    assert_eq!(on.next().await.unwrap().0, PeerIdentity::Agency("lcc-ssc".into()));
    // rustls has no CBC suites: every TLS 1.2 suite offered is AEAD (GCM or ChaCha20-Poly1305).
    let config = tls.server_config();
    for suite in &config.crypto_provider().cipher_suites {
        let name = format!("{:?}", suite.suite());
        assert!(name.contains("GCM") || name.contains("CHACHA20_POLY1305"), "{name}");
    }
}

#[tokio::test]
async fn sessions_resume_only_when_enabled() {
    let pki = pki();
    let id = ClientId::from(&pki.certs.agencies["lcc-ssc"]);
    for (enabled, second) in [(true, HandshakeKind::Resumed), (false, HandshakeKind::Full)] {
        let mut settings = pki.settings();
        settings.session_resumption = enabled;
        let (_tls, mut server) = server(settings).await;
        let cfg = client(&pki.certs.ca_cert, Some(&id), false);
        let first = connect(server.addr, cfg.clone()).await.unwrap();
        assert_eq!(first.1, Some(HandshakeKind::Full));
        let again = connect(server.addr, cfg).await.unwrap();
        assert_eq!(again.1, Some(second), "session_resumption = {enabled}");
        // A resumed session still names the same identity.
        for _ in 0..2 {
            assert_eq!(server.next().await.unwrap().0, PeerIdentity::Agency("lcc-ssc".into()));
        }
    }
}

#[tokio::test]
async fn pins_match_certificate_fingerprints() {
    let pki = pki();
    let good = &pki.certs.agencies["lcc-ssc"];
    let other = &pki.certs.agencies["merseyside-police"];
    let der = CertificateDer::from_pem_file(&good.cert).unwrap();
    let pin = isagate::tls::identity::pin_of(&der);
    assert_eq!(pin, format!("sha256:{}", good.sha256));
    assert_eq!(
        isagate::tls::identity::parse_pin(&pin.to_uppercase().replace("SHA256", "sha256")),
        Some(good.sha256.clone())
    );
    let agency = isagate::config::Agency {
        id: "lcc-ssc".into(),
        name: "x".into(),
        jurisdiction: "GB".into(),
        upstream: None,
        upstream_ca: None,
        pins: vec![good.sha256.clone()],
        public_authority: true,
    };
    assert!(agency.pin_allows(&good.sha256));
    assert!(!agency.pin_allows(&other.sha256));
    let unpinned = isagate::config::Agency { pins: vec![], ..agency };
    assert!(unpinned.pin_allows(&other.sha256));
}
