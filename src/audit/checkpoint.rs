//! Signed checkpoints (contract sections 10 and 11): every N records or T seconds the
//! writer signs (seq, head hash, time) with an Ed25519 key and appends it as one JSON
//! line to a file outside the database, fsynced, and, with `checkpoints.webhook`, hands
//! it to a [`CheckpointSink`] that the alert webhook drains (`emergency::webhook`).
//! `audit verify --checkpoints` reads them back and checks each against the store. This
//! module must never block an append on a checkpoint failure: it counts and logs it
//! instead (the chain itself stays the proof).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::canonical::write_canonical;
use super::clock::{format_time, Clock};
use super::store::{CheckpointOptions, Head, Stats, StoreError};
use crate::digest::sha256_hex;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] =
    [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot read `{path}`: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write `{path}`: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("`{0}` is not an Ed25519 private key in PKCS#8 PEM")]
    BadPrivateKey(PathBuf),
    #[error("`{0}` is not an Ed25519 public key in PEM (`PUBLIC KEY`)")]
    BadPublicKey(PathBuf),
    #[error("line {line} of `{path}` is not a checkpoint: {detail}")]
    BadLine { path: PathBuf, line: usize, detail: String },
    #[error("line {line} of `{path}`: the signature does not verify with the given public key")]
    BadSignature { path: PathBuf, line: usize },
    #[error("the system random generator failed")]
    Random,
}

/// One line of the checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    /// The hash of record `seq`.
    pub head: String,
    /// When it was signed (RFC 3339 UTC, microseconds).
    pub time: String,
    /// SHA-256 (hex) of the raw 32-byte public key, to tell keys apart after a rotation.
    pub key: String,
    /// Base64 Ed25519 signature over [`signed_bytes`].
    pub sig: String,
}

/// What the signature covers: the canonical JSON `{"head":..,"seq":..,"time":..}`.
pub fn signed_bytes(seq: u64, head: &str, time: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = write_canonical(&serde_json::json!({"seq": seq, "head": head, "time": time}), &mut out);
    out
}

/// Read an Ed25519 PKCS#8 PEM private key.
pub fn read_private_key(path: &Path) -> Result<Ed25519KeyPair, CheckpointError> {
    let text = std::fs::read(path)
        .map_err(|source| CheckpointError::Read { path: path.to_owned(), source })?;
    let pem = pem::parse(text).map_err(|_| CheckpointError::BadPrivateKey(path.to_owned()))?;
    if pem.tag() != "PRIVATE KEY" {
        return Err(CheckpointError::BadPrivateKey(path.to_owned()));
    }
    Ed25519KeyPair::from_pkcs8(pem.contents())
        .map_err(|_| CheckpointError::BadPrivateKey(path.to_owned()))
}

/// Read an Ed25519 public key (PEM `PUBLIC KEY`, SubjectPublicKeyInfo): the raw 32 bytes.
pub fn read_public_key(path: &Path) -> Result<Vec<u8>, CheckpointError> {
    let text = std::fs::read(path)
        .map_err(|source| CheckpointError::Read { path: path.to_owned(), source })?;
    let pem = pem::parse(text).map_err(|_| CheckpointError::BadPublicKey(path.to_owned()))?;
    let der = pem.contents();
    if pem.tag() != "PUBLIC KEY" || der.len() != 44 || der[..12] != SPKI_PREFIX {
        return Err(CheckpointError::BadPublicKey(path.to_owned()));
    }
    Ok(der[12..].to_vec())
}

fn public_pem(raw: &[u8]) -> String {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(raw);
    pem::encode(&pem::Pem::new("PUBLIC KEY", der))
}

/// Make a checkpoint signing key pair: the private key (PKCS#8 PEM, mode 0600) and its
/// public key (SubjectPublicKeyInfo PEM) for `audit verify --public-key`.
pub fn generate_checkpoint_key(
    private_pem: &Path,
    public_pem_path: &Path,
) -> Result<(), CheckpointError> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| CheckpointError::Random)?;
    let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|_| CheckpointError::Random)?;
    let private = pem::encode(&pem::Pem::new("PRIVATE KEY", doc.as_ref().to_vec()));
    crate::keys::write_private(private_pem, private.as_bytes())
        .map_err(|source| CheckpointError::Write { path: private_pem.to_owned(), source })?;
    std::fs::write(public_pem_path, public_pem(pair.public_key().as_ref()))
        .map_err(|source| CheckpointError::Write { path: public_pem_path.to_owned(), source })
}

/// Read every checkpoint in `file`, checking each signature against `public_key`.
pub fn read_checkpoints(
    file: &Path,
    public_key: &Path,
) -> Result<Vec<Checkpoint>, CheckpointError> {
    let raw = read_public_key(public_key)?;
    let key = UnparsedPublicKey::new(&signature::ED25519, raw);
    let text = std::fs::read_to_string(file)
        .map_err(|source| CheckpointError::Read { path: file.to_owned(), source })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |detail: String| CheckpointError::BadLine {
            path: file.to_owned(),
            line: i + 1,
            detail,
        };
        let c: Checkpoint = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(&c.sig)
            .map_err(|_| bad("`sig` is not base64".into()))?;
        key.verify(&signed_bytes(c.seq, &c.head, &c.time), &sig)
            .map_err(|_| CheckpointError::BadSignature { path: file.to_owned(), line: i + 1 })?;
        out.push(c);
    }
    Ok(out)
}

/// Where each signed checkpoint also goes: a bounded queue, drained elsewhere (the alert
/// webhook). Publishing never waits: a full or closed queue drops that checkpoint from
/// the webhook (the file still has it), logged and counted.
#[derive(Clone)]
pub struct CheckpointSink {
    tx: mpsc::Sender<Checkpoint>,
}

impl std::fmt::Debug for CheckpointSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointSink").finish_non_exhaustive()
    }
}

impl CheckpointSink {
    /// A sink holding at most `capacity` checkpoints not yet taken, and its receiving end.
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<Checkpoint>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (Self { tx }, rx)
    }

    /// Hand `c` over without waiting (the writer may be a plain thread).
    fn publish(&self, c: &Checkpoint) {
        if self.tx.try_send(c.clone()).is_err() {
            crate::telemetry::metrics::checkpoint_failure();
            tracing::error!(seq = c.seq, "audit checkpoint not queued for the webhook");
        }
    }
}

/// The writer's checkpoint schedule.
pub(crate) struct Checkpointer {
    key: Ed25519KeyPair,
    key_id: String,
    out: PathBuf,
    sink: Option<CheckpointSink>,
    every_records: u64,
    every: Duration,
    clock: Arc<dyn Clock>,
    stats: Arc<Stats>,
    unsigned: u64,
    last_at: Instant,
    head: Option<Head>,
}

impl Checkpointer {
    pub(crate) fn new(
        opts: &CheckpointOptions,
        sink: Option<CheckpointSink>,
        clock: Arc<dyn Clock>,
        stats: Arc<Stats>,
    ) -> Result<Self, StoreError> {
        let key =
            read_private_key(&opts.key_file).map_err(|e| StoreError::Checkpoint(e.to_string()))?;
        let key_id = sha256_hex(key.public_key().as_ref());
        Ok(Self {
            key,
            key_id,
            out: opts.out_file.clone(),
            sink,
            every_records: opts.every_records.max(1),
            every: opts.every.max(Duration::from_millis(10)),
            clock,
            stats,
            unsigned: 0,
            last_at: Instant::now(),
            head: None,
        })
    }

    /// How often the writer should wake to look at the clock.
    pub(crate) fn every(&self) -> Duration {
        self.every
    }

    /// A batch committed `n` records, ending at `head`.
    pub(crate) fn after_commit(&mut self, head: &Head, n: u64) {
        if n == 0 {
            return;
        }
        self.unsigned += n;
        self.head = Some(head.clone());
        if self.unsigned >= self.every_records || self.last_at.elapsed() >= self.every {
            self.sign();
        }
    }

    /// The writer was idle: sign if records are waiting and the interval has passed.
    pub(crate) fn tick(&mut self) {
        if self.unsigned > 0 && self.last_at.elapsed() >= self.every {
            self.sign();
        }
    }

    fn sign(&mut self) {
        let Some(head) = self.head.clone() else { return };
        let time = format_time(self.clock.now());
        let sig = self.key.sign(&signed_bytes(head.seq, &head.hash, &time));
        let line = Checkpoint {
            seq: head.seq,
            head: head.hash,
            time,
            key: self.key_id.clone(),
            sig: base64::engine::general_purpose::STANDARD.encode(sig.as_ref()),
        };
        if let Some(sink) = &self.sink {
            sink.publish(&line);
        }
        match append_line(&self.out, &line) {
            Ok(()) => {
                self.unsigned = 0;
                self.last_at = Instant::now();
                self.stats.checkpoints.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.stats.checkpoint_failures.fetch_add(1, Ordering::Relaxed);
                crate::telemetry::metrics::checkpoint_failure();
                tracing::error!(error = %e, "cannot write an audit checkpoint");
            }
        }
    }
}

fn append_line(path: &Path, c: &Checkpoint) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(c).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(&line)?;
    f.sync_all()
}
