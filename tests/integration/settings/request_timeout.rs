//! `limits.request_timeout`: a client that trickles its body, each piece well within
//! `limits.read_timeout` of the last and the whole within it too, is refused once the
//! request timeout passes, with a refusal record, and nothing reaches the recipient.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::gateway_with;
use crate::gateway::harness::{referral, Options, OK_HEADERS};

/// A TLS client presenting `certs/<name>.crt`, speaking HTTP/1.1 (no ALPN).
fn tls_client(certs: &Path, name: &str) -> tokio_rustls::TlsConnector {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(certs.join(format!("{name}.crt")))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(certs.join(format!("{name}.key"))).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(certs.join("ca.crt")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Read one HTTP/1.1 response (head and `Content-Length` body) within `bound`.
async fn read_response(
    reader: &mut (impl tokio::io::AsyncRead + Unpin),
    bound: Duration,
) -> (String, serde_json::Value) {
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                if buf.len() >= end + 4 + length {
                    let body = serde_json::from_slice(&buf[end + 4..end + 4 + length]).unwrap();
                    return (head, body);
                }
            }
            let n = reader.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the connection closed before a whole response");
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(bound, read).await.expect("a response in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_refused_when_the_request_timeout_passes() {
    let limits = "read_timeout = \"30s\"\nrequest_timeout = \"1s\"".to_owned();
    let gw = gateway_with(Options { limits, ..Options::default() }, |t| t).await;
    let body = serde_json::to_vec(&referral()).unwrap();
    // 40 pieces, one every 100 ms: the whole body takes about 4 s, within read_timeout.
    let piece = body.len().div_ceil(40);
    let trickle_takes = Duration::from_millis(100) * 40;

    let addr = gw.launched.as_ref().unwrap().transfer_addr;
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = tls_client(&gw.certs, "agency-lcc-ssc")
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let (mut reader, mut writer) = tokio::io::split(tls);
    let mut head = format!(
        "POST /merseyside-police/v1/referrals HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in OK_HEADERS {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes()).await.unwrap();
    writer.flush().await.unwrap();
    let sent_head = Instant::now();
    let trickle = tokio::spawn(async move {
        for part in body.chunks(piece) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(part).await.is_err() || writer.flush().await.is_err() {
                return;
            }
        }
    });

    let (head, problem) = read_response(&mut reader, Duration::from_secs(20)).await;
    let took = sent_head.elapsed();
    trickle.abort();
    assert!(head.starts_with("http/1.1 400"), "{head}\n{problem}");
    assert!(took >= Duration::from_secs(1), "refused before the request timeout: {took:?}");
    assert!(
        took < trickle_takes - Duration::from_millis(500),
        "refused at {took:?}, not at the request timeout (the body took {trickle_takes:?})"
    );
    assert_eq!(problem["reasons"][0]["code"], "bad-request", "{problem}");
    let detail = problem["reasons"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("request_timeout"), "{detail}");

    // A refusal record names the request, and the recipient received nothing.
    let id: uuid::Uuid = problem["disclosure_id"].as_str().unwrap().parse().unwrap();
    let record = gw.store().get(id).await.unwrap().expect("the refusal is recorded");
    assert_eq!(record.draft.refusal[0].code.as_str(), "bad-request");
    assert_eq!(record.draft.to.as_deref(), Some("merseyside-police"));
    assert!(gw.mock("merseyside-police").received().is_empty());
    gw.stop().await;
}
