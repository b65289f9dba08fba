//! The compact subject index kept off the commit path (schema version 7,
//! `docs/decisions/0005-subject-index.md`): subject access stays exact when two subject
//! hashes share the 8-byte key, and complete while the index lags the records (the
//! writer held, a process SIGKILLed between commit and index write, a read-only open);
//! a restart catches the index up; archive removes the rows of archived records; the
//! PostgreSQL store answers the same.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use isagate::audit::{generate_checkpoint_key, Store};

use super::common::*;
use crate::support::{isagate_bin, scratch, wait_until};

/// Two subject hashes with the same first 8 bytes (the same index key), and a third.
fn colliding() -> (String, String, String) {
    let a = format!("0123456789abcdef{}", "a".repeat(48));
    let b = format!("0123456789abcdef{}", "b".repeat(48));
    (a, b, "c".repeat(64))
}

/// The seqs `subject_records` answers for `subject`.
async fn seqs(store: &Store, subject: &str) -> Vec<u64> {
    store.subject_records(subject).await.unwrap().iter().map(|r| r.seq).collect()
}

/// The watermark and head of the SQLite store in `dir`, read from its file.
fn watermark_and_head(dir: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(dir.join("audit.db")).unwrap();
    conn.query_row(
        "SELECT coalesce((SELECT value FROM audit_meta WHERE name = 'subjects_indexed_through'), 0), \
         (SELECT coalesce(max(seq), 0) FROM records)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Seqs of the index rows of `subject`'s key, read from the file.
fn index_rows(dir: &Path, subject: &str) -> Vec<i64> {
    let key = isagate::audit::subject_index::subject_key(subject);
    let conn = rusqlite::Connection::open(dir.join("audit.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT seq FROM record_subjects WHERE subject_key = ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([key], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// Records about `a`, `b` (sharing `a`'s key), both, and `c`: the seqs of each subject.
async fn fill_colliding(store: &Store, first: u64) -> [Vec<u64>; 3] {
    let (a, b, c) = colliding();
    let mut want: [Vec<u64>; 3] = Default::default();
    for i in 0..12u64 {
        let subjects: Vec<&str> = match i % 4 {
            0 => vec![&a],
            1 => vec![&b],
            2 => vec![&a, &b],
            _ => vec![&c],
        };
        let seq = store.append(disclosure(first + i, &subjects)).await.unwrap().seq;
        for (n, s) in [&a, &b, &c].iter().enumerate() {
            if subjects.contains(&s.as_str()) {
                want[n].push(seq);
            }
        }
    }
    want
}

async fn answers(store: &Store, want: &[Vec<u64>; 3]) {
    let (a, b, c) = colliding();
    assert_eq!(seqs(store, &a).await, want[0], "subject a");
    assert_eq!(seqs(store, &b).await, want[1], "subject b");
    assert_eq!(seqs(store, &c).await, want[2], "subject c");
    assert!(seqs(store, &format!("0123456789abcdef{}", "d".repeat(48))).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefix_collisions_never_answer_with_another_subjects_records() {
    let dir = scratch();
    let store = open(&sqlite_url(dir.path())).await;
    let want = fill_colliding(&store, 0).await;
    // Once the writer has written the index (it does when idle), the answers come from it.
    wait_until("the index catches up", Duration::from_secs(10), || async {
        let (w, head) = watermark_and_head(dir.path());
        w == head
    })
    .await;
    let (a, b, _) = colliding();
    let shared: Vec<i64> =
        want[0].iter().chain(&want[1]).map(|s| i64::try_from(*s).unwrap()).collect();
    let mut shared = shared;
    shared.sort_unstable();
    shared.dedup();
    assert_eq!(index_rows(dir.path(), &a), shared, "one key for both subjects");
    assert_eq!(index_rows(dir.path(), &b), shared);
    answers(&store, &want).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_access_is_complete_while_the_index_lags() {
    let dir = scratch();
    let store = open(&sqlite_url(dir.path())).await;
    let mut want = fill_colliding(&store, 0).await;
    store.hold_subject_index(true);
    // Flushed or not, what was appended before the hold lands in the index once released;
    // what follows is committed and acknowledged with no index row.
    let more = fill_colliding(&store, 100).await;
    for (w, m) in want.iter_mut().zip(more) {
        w.extend(m);
    }
    let (w, head) = watermark_and_head(dir.path());
    assert!(w <= 12 && head == 24, "watermark {w}, head {head}");
    answers(&store, &want).await;

    // Released: the idle writer writes the rows it kept.
    store.hold_subject_index(false);
    wait_until("the index catches up", Duration::from_secs(10), || async {
        let (w, head) = watermark_and_head(dir.path());
        w == head
    })
    .await;
    answers(&store, &want).await;
    assert!(verify(&store).await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_catches_a_lagging_index_up() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let store = open(&url).await;
    store.hold_subject_index(true);
    let want = fill_colliding(&store, 0).await;
    drop(store);
    let (w, head) = watermark_and_head(dir.path());
    assert_eq!((w, head), (0, 12));
    assert!(index_rows(dir.path(), &colliding().0).is_empty());

    // Read-only: nothing is written, the records after the watermark are scanned.
    let read_only = open(&format!("{url}?mode=ro")).await;
    answers(&read_only, &want).await;
    drop(read_only);
    assert_eq!(watermark_and_head(dir.path()), (0, 12));

    // Writable: the index catches up at open, from the records' bytes.
    let store = open(&url).await;
    assert_eq!(watermark_and_head(dir.path()), (12, 12));
    assert_eq!(index_rows(dir.path(), &colliding().2), [4, 8, 12]);
    answers(&store, &want).await;
}

/// Two writers on one file (as the gateway and a CLI command are): the first keeps its
/// rows (held) while the second commits records between the first's; the second may not
/// move the watermark over the first's records without their rows, so it reads them
/// back from their bytes, and the index is complete before the first writes anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_on_one_file_keep_the_index_complete() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let (first, second) = (open(&url).await, open(&url).await);
    first.hold_subject_index(true);
    let (a, b, c) = colliding();
    let mut want: [Vec<u64>; 3] = Default::default();
    for i in 0..30u64 {
        let store = if i % 3 == 0 { &first } else { &second };
        let n = usize::try_from(i % 3).unwrap();
        let subject = [&a, &b, &c][n];
        want[n].push(store.append(disclosure(i, &[subject])).await.unwrap().seq);
    }
    let last = second.append(disclosure(99, &[])).await.unwrap().seq;
    wait_until("the second writer indexes", Duration::from_secs(10), || async {
        watermark_and_head(dir.path())
            == (i64::try_from(last).unwrap(), i64::try_from(last).unwrap())
    })
    .await;
    for (n, s) in [&a, &c].into_iter().enumerate() {
        let from_index: Vec<u64> =
            index_rows(dir.path(), s).into_iter().map(|s| u64::try_from(s).unwrap()).collect();
        let mut expected = want[n * 2].clone();
        if n == 0 {
            expected.extend(&want[1]);
            expected.sort_unstable();
        }
        assert_eq!(from_index, expected, "rows of the held writer's records too");
    }
    answers(&second, &want).await;
    first.hold_subject_index(false);
    first.append(disclosure(100, &[])).await.unwrap();
    wait_until("the first writer indexes", Duration::from_secs(10), || async {
        let (w, head) = watermark_and_head(dir.path());
        w == head
    })
    .await;
    answers(&first, &want).await;
}

/// The child appends with its index held and is SIGKILLed: every acknowledged record is
/// in its subject's answer, first before anything catches the index up (a read-only
/// open), then after the restart that does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_commit_and_index_write_loses_no_answer() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let url2 = url.clone();
    let acked = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(isagate_bin())
            .args(["audit", "append-loop", "--store", &url2, "--tasks", "8"])
            .arg("--hold-subject-index")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut acked = Vec::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines().take(300) {
            let line = line.unwrap();
            acked.push(line.split_once(' ').unwrap().0.parse::<u64>().unwrap());
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acked
    })
    .await
    .unwrap();
    assert_eq!(acked.len(), 300, "the child stopped early");
    let (w, head) = watermark_and_head(dir.path());
    assert!(w == 0 && u64::try_from(head).unwrap() >= 300, "watermark {w}, head {head}");

    for url in [format!("{url}?mode=ro"), url.clone()] {
        let store = open(&url).await;
        let rows = store.rows_after(0, 10_000).await.unwrap();
        let records: Vec<_> = rows.into_iter().map(|r| r.record.unwrap()).collect();
        // Every subject the child wrote shares one key (their hashes begin with 16 zeros).
        let mut subjects: Vec<&String> = records.iter().flat_map(|r| &r.draft.subjects).collect();
        subjects.sort_unstable();
        subjects.dedup();
        assert!(subjects.len() > 10, "{} subjects", subjects.len());
        let mut answered = 0;
        for s in subjects {
            let want: Vec<u64> =
                records.iter().filter(|r| r.draft.subjects.contains(s)).map(|r| r.seq).collect();
            let got = seqs(&store, s).await;
            assert_eq!(got, want, "{url}");
            answered += got.len();
        }
        assert_eq!(answered, records.len(), "every record answered for its subject once");
        for seq in &acked {
            assert!(records.iter().any(|r| r.seq == *seq), "acknowledged seq {seq} is missing");
        }
    }
    let (w, head) = watermark_and_head(dir.path());
    assert_eq!(w, head, "the writable open caught the index up");
}

/// Archive removes the index rows of the records it archives, those written and those the
/// writer still kept; subject access reads the archived ones from the segment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_removes_the_rows_of_archived_records() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let (key, public) = (dir.path().join("ck.pem"), dir.path().join("ck.pub.pem"));
    generate_checkpoint_key(&key, &public).unwrap();
    let opts = isagate::audit::StoreOptions {
        archive_folder: Some(dir.path().to_owned()),
        ..isagate::audit::StoreOptions::default()
    };
    let store = Store::open(&url, opts).await.unwrap();
    let want = fill_colliding(&store, 0).await;
    wait_until("the index catches up", Duration::from_secs(10), || async {
        let (w, head) = watermark_and_head(dir.path());
        w == head
    })
    .await;
    store.hold_subject_index(true);
    let more = fill_colliding(&store, 100).await;
    store.hold_subject_index(false);
    let cutoff = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1);
    let summary = isagate::audit::archive(&store, cutoff, dir.path(), &key, "urn:isagate:test")
        .await
        .unwrap();
    assert_eq!(summary.to_seq, 24);
    let (a, _, _) = colliding();
    wait_until("the index catches up", Duration::from_secs(10), || async {
        let (w, head) = watermark_and_head(dir.path());
        w == head
    })
    .await;
    assert!(index_rows(dir.path(), &a).is_empty(), "rows of archived records remain");
    assert!(seqs(&store, &a).await.is_empty(), "the live store holds none of them");
    let answer = isagate::audit::subject_access(&store, &a).await.unwrap();
    assert!(answer.archive.complete);
    let got: Vec<u64> = answer.records.iter().map(|r| r.seq).collect();
    let mut all = want[0].clone();
    all.extend(&more[0]);
    assert_eq!(got, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefix_collisions_never_answer_with_another_subjects_records_postgres() {
    let Some(admin) =
        pg_admin_url("prefix_collisions_never_answer_with_another_subjects_records_postgres")
    else {
        return;
    };
    let url = fresh_pg(&admin).await;
    let store = open(&url).await;
    let want = fill_colliding(&store, 0).await;
    answers(&store, &want).await;
    // The rows are written with the records, under the shared key.
    let key = isagate::audit::subject_index::subject_key(&colliding().0);
    let rows = pg_client(&url)
        .await
        .query("SELECT seq FROM record_subjects WHERE subject_key = $1", &[&key])
        .await
        .unwrap();
    assert_eq!(rows.len(), want[0].len() + want[1].len() - 3, "a and b share a key");
}
