//! A CRL replaced while the server runs: new and resumed sessions with the now-revoked
//! certificate both fail (contract section 11, CRLs).

use isagate::tls::dev_certs::fixtures;
use isagate::tls::PeerIdentity;
use rustls::HandshakeKind;

use super::*;

/// Replace a file atomically (write beside it, then rename), as an operator's tooling would.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn wait_for_generation(tls: &ServerTls, at_least: u64) {
    crate::support::wait_until("the watcher reloads", WAIT, || {
        std::future::ready(tls.generation() >= at_least)
    })
    .await;
}

#[tokio::test]
async fn a_replaced_crl_refuses_new_and_resumed_sessions() {
    let pki = pki();
    let (tls, mut server) = server(pki.settings()).await;
    let watch = tls.clone().spawn_crl_watch(Duration::from_millis(50));

    let victim = fixtures::agency(&pki.ca, "merseyside-police").unwrap();
    let victim_id = ClientId::from(&victim);
    let bystander = ClientId::from(&pki.certs.agencies["lcc-ssc"]);
    // This client keeps its session store across connections.
    let resuming = client(&pki.certs.ca_cert, Some(&victim_id), false);

    // Before the change: a full handshake, then a resumed one.
    let first = connect(server.addr, resuming.clone()).await.unwrap();
    assert_eq!(first.1, Some(HandshakeKind::Full));
    let second = connect(server.addr, resuming.clone()).await.unwrap();
    assert_eq!(second.1, Some(HandshakeKind::Resumed), "the session must resume before the change");
    for _ in 0..2 {
        assert_eq!(
            server.next().await.unwrap().0,
            PeerIdentity::Agency("merseyside-police".into())
        );
    }
    assert_eq!(tls.generation(), 1, "nothing changed yet, nothing reloaded");

    // The CA revokes the victim; the operator replaces the CRL file.
    let revoked_before = dev_certs::IssuedCert {
        cert_pem: std::fs::read_to_string(&pki.certs.revoked.cert).unwrap(),
        cert_der: CertificateDer::from_pem_file(&pki.certs.revoked.cert).unwrap().to_vec(),
        key_pem: String::new(),
        serial: serial_of(&pki.certs.revoked.cert),
    };
    let crl = fixtures::crl(&pki.ca, &[&revoked_before, &victim], 2).unwrap();
    replace(&pki.certs.crl, &crl);
    wait_for_generation(&tls, 2).await;

    // The resuming client offers its old session: refused.
    let e = assert_refused(&mut server, resuming.clone()).await;
    assert!(e.contains("Revoked"), "{e}");
    // A brand new client with the same certificate: refused.
    let e = assert_refused(&mut server, client(&pki.certs.ca_cert, Some(&victim_id), false)).await;
    assert!(e.contains("Revoked"), "{e}");
    // The earlier revocation still holds; an unrevoked agency still gets in.
    let e = assert_refused(
        &mut server,
        client(&pki.certs.ca_cert, Some(&(&pki.certs.revoked).into()), false),
    )
    .await;
    assert!(e.contains("Revoked"), "{e}");
    connect(server.addr, client(&pki.certs.ca_cert, Some(&bystander), false)).await.unwrap();
    assert_eq!(server.next().await.unwrap().0, PeerIdentity::Agency("lcc-ssc".into()));

    // Unchanged files do not reload again: a sleep, because the passing of several check
    // intervals without a reload is the behaviour under test.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(tls.generation(), 2);
    watch.abort();
}

#[tokio::test]
async fn a_broken_crl_keeps_the_previous_configuration() {
    let pki = pki();
    let (tls, mut server) = server(pki.settings()).await;
    std::fs::write(&pki.certs.crl, "not a crl").unwrap();
    assert!(tls.reload().is_err());
    assert!(tls.reload_if_changed().is_err());
    assert_eq!(tls.generation(), 1);
    // Still serving with the old CRL: the revoked certificate stays refused, others get in.
    let e = assert_refused(
        &mut server,
        client(&pki.certs.ca_cert, Some(&(&pki.certs.revoked).into()), false),
    )
    .await;
    assert!(e.contains("Revoked"), "{e}");
    let good = ClientId::from(&pki.certs.agencies["lcc-ssc"]);
    connect(server.addr, client(&pki.certs.ca_cert, Some(&good), false)).await.unwrap();
    assert!(server.next().await.is_ok());
}

#[tokio::test]
async fn an_expired_crl_refuses_every_certificate_it_covers() {
    let pki = pki();
    let stale = pki.ca.crl(&[], 5, std::time::SystemTime::now() + Duration::from_secs(2)).unwrap();
    std::fs::write(&pki.certs.crl, stale).unwrap();
    let (_tls, mut server) = server(pki.settings()).await;
    // A sleep, not a poll: the CRL's own `next_update` passing is the behaviour under test.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let good = ClientId::from(&pki.certs.agencies["lcc-ssc"]);
    let e = assert_refused(&mut server, client(&pki.certs.ca_cert, Some(&good), false)).await;
    assert!(e.to_lowercase().contains("expired"), "{e}");
}

fn serial_of(cert: &Path) -> Vec<u8> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let der = CertificateDer::from_pem_file(cert).unwrap();
    let (_, parsed) = X509Certificate::from_der(&der).unwrap();
    parsed.tbs_certificate.raw_serial().to_vec()
}
