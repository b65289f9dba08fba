//! `checkpoints.webhook = true`: every signed checkpoint also goes to the alert webhook,
//! signed like the alerts. A receiver on 127.0.0.1 checks the webhook signature, then the
//! checkpoint's own Ed25519 signature and that it names the store's head at its seq.

use std::sync::Arc;
use std::time::{Duration, Instant};

use isagate::audit::checkpoint::read_checkpoints;
use isagate::emergency::webhook::{verify_signature, CheckpointMessage};
use isagate::keys::SecretKey;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::emergency::receiver::Receiver;
use crate::gateway::harness::{config_text, prepare, referral, Gateway, Options};

const WEBHOOK_KEY: &str = "c2V0dGluZ3MtY2hlY2twb2ludC13ZWJob29rLWtleS0wMTIzNDU2Nzg5";

/// A receiver presenting the mock upstreams' certificate (signed by the dev CA, which is
/// what the gateway trusts for its webhook).
async fn receiver(certs: &std::path::Path) -> Receiver {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(certs.join("mock-upstream.crt"))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(certs.join("mock-upstream.key")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let ca = std::fs::read_to_string(certs.join("ca.crt")).unwrap();
    Receiver::start_with(config, ca, vec![]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_checkpoint_reaches_the_webhook_signed_and_verifiable() {
    let (dir, certs, ca, mocks) = prepare(&Options::default()).await;
    std::fs::write(certs.join("webhook.key"), WEBHOOK_KEY).unwrap();
    let mut rx = receiver(&certs).await;
    let opts = Options {
        alerts: format!("webhook_url = \"{}\"\nwebhook_key = \"certs/webhook.key\"", rx.url),
        ..Options::default()
    };
    let text = config_text(&opts, &mocks);
    let file_line = "file = \"checkpoints.jsonl\"\n";
    assert!(text.contains(file_line));
    let text =
        text.replacen(file_line, &format!("{file_line}every_records = 2\nwebhook = true\n"), 1);
    let gw = Gateway::launch_in((dir, certs, ca, mocks), &text).await;

    for _ in 0..3 {
        assert_eq!(gw.referral(&referral()).await.status, 201);
    }
    // The writer signs right after acknowledging a batch: wait for the third checkpoint.
    let deadline = Instant::now() + Duration::from_secs(10);
    while gw.store().stats().checkpoints < 3 {
        assert!(Instant::now() < deadline, "no third checkpoint");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let public = gw.certs.join("checkpoint.pub");
    let in_file = read_checkpoints(&gw.config.checkpoints.file, &public).unwrap();
    assert!(in_file.len() >= 3, "{in_file:?}");

    // One signed POST per checkpoint, carrying the checkpoint exactly as the file has it.
    let key = SecretKey::from_base64(WEBHOOK_KEY).unwrap();
    let mut got = Vec::new();
    for _ in 0..in_file.len() {
        let r = rx.next().await;
        let sig = r.signature.as_deref().expect("a signature header");
        let now = jiff::Timestamp::now().as_second();
        assert!(verify_signature(&key, sig, &r.body, now, 60), "`{sig}` does not verify");
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        let CheckpointMessage::AuditCheckpoint { checkpoint } =
            serde_json::from_slice(&r.body).unwrap();
        got.push(checkpoint);
    }
    got.sort_by_key(|c| c.seq);
    assert_eq!(got, in_file);

    // The receiver's own copy verifies with the checkpoint public key…
    let received = gw.path().join("received.jsonl");
    let lines: Vec<String> = got.iter().map(|c| serde_json::to_string(c).unwrap()).collect();
    std::fs::write(&received, lines.join("\n")).unwrap();
    assert_eq!(read_checkpoints(&received, &public).unwrap(), got);
    // …and names the store's head at each seq.
    for c in &got {
        let rows = gw.store().rows_after(c.seq - 1, 1).await.unwrap();
        assert_eq!(rows[0].record.as_ref().unwrap().hash, c.head, "seq {}", c.seq);
    }
    // A checkpoint changed on the way does not verify.
    let mut forged = got[0].clone();
    forged.head = "0".repeat(64);
    std::fs::write(&received, serde_json::to_string(&forged).unwrap()).unwrap();
    assert!(read_checkpoints(&received, &public).is_err());
    gw.stop().await;
}
