//! Fuzz target for the checkpoint file reader of `audit verify`
//! (`audit::checkpoint::read_checkpoints`) and its public key reader.
//!
//! Input: the first byte chooses what is fuzzed: even, the checkpoint file (read with the
//! seed key, which signed the seed corpus); odd, the public key file (with a file of one
//! checkpoint that the seed key signed). Properties: nothing panics; every checkpoint
//! accepted is one per non-blank line and its signature verifies over its own `seq`,
//! `head` and `time`; a key file is accepted only when it holds the seed key.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine as _;
use isagate::audit::checkpoint::{read_checkpoints, read_public_key, signed_bytes};
use libfuzzer_sys::fuzz_target;

/// The public half of the key that signed the seed corpus (its private half is not kept).
const SEED_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAkv/SHh2zpc1UoEIVyq/jJ9N3EXZukgenzKJ1RF6BoXk=
-----END PUBLIC KEY-----
";

/// A checkpoint the seed key signed.
const ONE_CHECKPOINT: &str = concat!(
    r#"{"seq":1,"head":"0000000000000000000000000000000000000000000000000000000000001eef","#,
    r#""time":"2026-12-01T10:00:00.000001Z","#,
    r#""key":"0c62682516a59e8739d2ab1c60eaec3467c161dcc1aba7e26ffee9aa479e223e","#,
    r#""sig":"6uUNafqkchUecKdezgeTQh31Ca/ThId2UQCSdgEs4t3aNllduqwoT7o81yXGsQY3lWmIVM0pT0J3MIR59PFwBg=="}"#,
    "\n"
);

/// This process's folder, holding the seed key.
fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root =
            std::env::temp_dir().join(format!("isagate-fuzz-checkpoint-{}", std::process::id()));
        if let Err(e) = std::fs::create_dir_all(&root) {
            panic!("cannot make {}: {e}", root.display());
        }
        write(&root.join("seed.pub"), SEED_KEY_PEM.as_bytes());
        root
    })
}

fn write(path: &std::path::Path, bytes: &[u8]) {
    if let Err(e) = std::fs::write(path, bytes) {
        panic!("cannot write {}: {e}", path.display());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let root = root();
    let seed = root.join("seed.pub");
    let Ok(raw) = read_public_key(&seed) else { panic!("the seed key does not read") };
    let (file, public) = (root.join("checkpoints.jsonl"), root.join("fuzz.pub"));
    if mode & 1 == 0 {
        write(&file, rest);
        let Ok(list) = read_checkpoints(&file, &seed) else { return };
        let text = String::from_utf8_lossy(rest);
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(list.len(), lines, "a line was skipped");
        let key =
            aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, &raw);
        for c in &list {
            let sig = base64::engine::general_purpose::STANDARD.decode(&c.sig).unwrap_or_default();
            let ok = key.verify(&signed_bytes(c.seq, &c.head, &c.time), &sig).is_ok();
            assert!(ok, "an accepted checkpoint does not verify");
        }
    } else {
        write(&file, ONE_CHECKPOINT.as_bytes());
        write(&public, rest);
        if read_checkpoints(&file, &public).is_ok() {
            assert_eq!(read_public_key(&public).ok(), Some(raw), "another key verified");
        }
    }
});
