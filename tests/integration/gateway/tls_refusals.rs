//! TLS refusals on the transfer listener, identities of the wrong kind, a CRL replaced
//! while the gateway runs, and `curl` as a real client.

use std::path::PathBuf;
use std::time::Duration;

use http::Method;
use isagate::cli::demo::client::TransferClient;
use isagate::tls::dev_certs::{fixtures, IssuedCert};
use rustls::pki_types::ServerName;
use rustls::AlertDescription;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::harness::{referral, Gateway, Options, OK_HEADERS};
use crate::tls::ClientId;

fn write(gw: &Gateway, name: &str, cert: &IssuedCert) -> TransferClient {
    let dir = gw.path().join("fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let (c, k): (PathBuf, PathBuf) =
        (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    std::fs::write(&c, &cert.cert_pem).unwrap();
    std::fs::write(&k, &cert.key_pem).unwrap();
    TransferClient::new(&c, &k, &gw.certs.join("ca.crt")).unwrap()
}

/// Connect to the transfer listener as `id` (or with no certificate), send a request, and
/// return the TLS alert the gateway answered with. Fails the test if the gateway answered
/// anything else, or if the connection ended without an alert.
async fn alert(gw: &Gateway, id: Option<&IssuedCert>) -> AlertDescription {
    let id = id.map(ClientId::from);
    let cfg = crate::tls::client(&gw.certs.join("ca.crt"), id.as_ref(), false);
    let addr = gw.launched.as_ref().unwrap().transfer_addr;
    let go = async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        // TLS 1.3: the client's side of the handshake ends before the server has checked
        // the client's certificate, so the alert arrives on the first read.
        let mut tls = tokio_rustls::TlsConnector::from(cfg).connect(name, tcp).await?;
        tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").await?;
        let mut buf = Vec::new();
        tls.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    let outcome = tokio::time::timeout(Duration::from_secs(10), go).await.unwrap();
    let e = match outcome {
        Ok(answer) => unreachable!("the gateway answered: {}", String::from_utf8_lossy(&answer)),
        Err(e) => e,
    };
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::AlertReceived(d)) => *d,
        _ => unreachable!("the connection failed without a TLS alert: {e:?}"),
    }
}

async fn post(gw: &Gateway, client: &TransferClient) -> Result<u16, String> {
    client
        .send(
            Method::POST,
            &format!("{}/merseyside-police/v1/referrals", gw.base),
            OK_HEADERS,
            Some(serde_json::to_vec(&referral()).unwrap()),
        )
        .await
        .map(|r| r.status.as_u16())
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_certificates_fail_the_handshake_and_send_nothing() {
    let gw = Gateway::start().await;
    let revoked = IssuedCert {
        cert_pem: std::fs::read_to_string(gw.certs.join("agency-revoked.crt")).unwrap(),
        key_pem: std::fs::read_to_string(gw.certs.join("agency-revoked.key")).unwrap(),
        cert_der: Vec::new(),
        serial: Vec::new(),
    };
    let cases = [
        ("untrusted", fixtures::untrusted("lcc-ssc").unwrap(), AlertDescription::UnknownCA),
        (
            "expired",
            fixtures::expired(&gw.ca, "lcc-ssc").unwrap(),
            AlertDescription::CertificateExpired,
        ),
        (
            "not-yet-valid",
            fixtures::not_yet_valid(&gw.ca, "lcc-ssc").unwrap(),
            AlertDescription::CertificateExpired,
        ),
        (
            "no-eku",
            fixtures::without_eku(&gw.ca, "lcc-ssc").unwrap(),
            AlertDescription::UnsupportedCertificate,
        ),
        (
            "server-auth-only",
            fixtures::server_auth_only(&gw.ca, "lcc-ssc").unwrap(),
            AlertDescription::UnsupportedCertificate,
        ),
        ("revoked by the dev CRL", revoked, AlertDescription::CertificateRevoked),
    ];
    for (name, cert, expected) in &cases {
        assert_eq!(alert(&gw, Some(cert)).await, *expected, "{name}");
        // The demo client (what agencies are given) is refused too.
        assert!(post(&gw, &write(&gw, name, cert)).await.is_err(), "{name}");
    }
    assert_eq!(alert(&gw, None).await, AlertDescription::CertificateRequired, "no certificate");

    // No client certificate at all, from curl: the alert, not an answer.
    let out = std::process::Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(gw.certs.join("ca.crt"))
        .arg(format!("{}/merseyside-police/v1/referrals", gw.base))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "000", "no HTTP answer at all: {err}");
    // With TLS 1.3 the client finishes its side of the handshake before the server's alert
    // arrives, so curl reports either the alert or the connection the alert closed (exit
    // 35, 55 or 56); the exact alert is asserted above with the rustls client.
    let refused = err.contains("alert") && err.contains("certificate required");
    assert!(
        refused || matches!(out.status.code(), Some(35 | 55 | 56)),
        "curl should fail in the handshake: exit {:?}, {err}",
        out.status.code()
    );
    assert!(gw.mock("merseyside-police").received().is_empty());
    // A good certificate still works afterwards.
    assert_eq!(post(&gw, &gw.client_for("agency-lcc-ssc")).await, Ok(201));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_and_unknown_identities_get_403_and_a_refusal_record() {
    let gw = Gateway::start().await;
    for client in [
        gw.client_for("governance-dpo"),
        write(&gw, "stranger", &fixtures::agency(&gw.ca, "not-registered").unwrap()),
        write(&gw, "two", &fixtures::two_identities(&gw.ca, "lcc-ssc", "nhs-trust").unwrap()),
    ] {
        let reply = client
            .send(
                Method::POST,
                &format!("{}/merseyside-police/v1/referrals", gw.base),
                OK_HEADERS,
                Some(serde_json::to_vec(&referral()).unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(reply.status, 403);
        assert_eq!(reply.json()["reasons"][0]["code"], "identity-not-allowed");
        let rec = gw.record_of(&reply).await;
        assert_eq!(format!("{:?}", rec.draft.kind), "Refusal");
        assert!(rec.draft.caller_cert_sha256.as_deref().is_some_and(|s| s.len() == 64));
    }
    assert!(gw.mock("merseyside-police").received().is_empty());
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crl_replaced_while_running_refuses_new_sessions() {
    let gw = Gateway::start_with(Options {
        tls: "crl_check_interval = \"100ms\"".into(),
        ..Options::default()
    })
    .await;
    let cert = fixtures::agency(&gw.ca, "lcc-ssc").unwrap();
    let client = write(&gw, "soon-revoked", &cert);
    assert_eq!(post(&gw, &client).await, Ok(201));
    let crl = fixtures::crl(&gw.ca, &[&cert], 99).unwrap();
    let tmp = gw.certs.join("crl.pem.new");
    std::fs::write(&tmp, crl).unwrap();
    std::fs::rename(&tmp, gw.certs.join("crl.pem")).unwrap();
    crate::support::wait_until(
        "a new session with the revoked certificate fails once the CRL changes",
        Duration::from_secs(5),
        || async { post(&gw, &write(&gw, "soon-revoked", &cert)).await.is_err() },
    )
    .await;
    assert_eq!(alert(&gw, Some(&cert)).await, AlertDescription::CertificateRevoked);
    assert_eq!(post(&gw, &gw.client_for("agency-lcc-ssc")).await, Ok(201), "others still work");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_is_a_real_client() {
    let gw = Gateway::start().await;
    let body = gw.path().join("referral.json");
    std::fs::write(&body, serde_json::to_vec(&referral()).unwrap()).unwrap();
    let out = std::process::Command::new("curl")
        .args(["-sS", "-i", "--cacert"])
        .arg(gw.certs.join("ca.crt"))
        .arg("--cert")
        .arg(gw.certs.join("agency-lcc-ssc.crt"))
        .arg("--key")
        .arg(gw.certs.join("agency-lcc-ssc.key"))
        .args(["-H", "Isagate-Purpose: safeguarding", "-H", "Isagate-Reason: SSC-2026-00417 curl"])
        .args(["-H", "Isagate-Requester: lcc-ssc/curl", "-H", "Content-Type: application/json"])
        .arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .arg(format!("{}/merseyside-police/v1/referrals", gw.base))
        .output()
        .expect("curl is installed (.ci/run installs it)");
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        text.starts_with("http/2 201") || text.starts_with("http/1.1 201"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("isagate-disclosure-id:"));
    assert_eq!(gw.mock("merseyside-police").received().len(), 1);
    gw.stop().await;
}
