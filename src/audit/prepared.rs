//! A draft made ready for the store's writer on the appending task: its query columns
//! and its canonical bytes with gaps, encoded where the caller runs (many tasks, every
//! core), so that the single writer only chains it (`id`, `seq`, `time`, `prev_hash`
//! into the gaps, one SHA-256 over the bytes) and inserts it. This module does no I/O.

use uuid::Uuid;

use super::canonical::{CanonicalError, DraftBytes};
use super::columns::Columns;
use super::record::RecordDraft;
use super::store::{Committed, Head};

/// A draft with its columns and canonical bytes, not yet part of the chain.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// Every column but the five the store assigns (filled in by [`Head::chain`]).
    pub columns: Columns,
    /// The index keys of its subject hashes, for `record_subjects`
    /// ([`super::subject_index`]).
    pub subject_keys: Vec<i64>,
    bytes: DraftBytes,
}

impl Prepared {
    /// Encode `draft`; fails when it has no canonical form (a non-integer number).
    pub(crate) fn new(draft: RecordDraft) -> Result<Self, CanonicalError> {
        let bytes = DraftBytes::new(&draft)?;
        let columns = Columns::from_draft(&draft);
        let subject_keys = super::subject_index::keys_of(&draft.subjects);
        Ok(Self { columns, subject_keys, bytes })
    }
}

impl Head {
    /// Chain `p` onto this head: the next seq, a time no earlier than the head's, a
    /// fresh UUIDv7, the previous hash; its canonical bytes and hash go into its columns.
    pub(crate) fn chain(&mut self, p: &mut Prepared, now: &str) -> Committed {
        let time = if now < self.time.as_str() { self.time.clone() } else { now.to_owned() };
        let id = Uuid::now_v7();
        let id_text = id.hyphenated().to_string();
        let seq = self.seq + 1;
        let (body, hash) = p.bytes.fill(&id_text, &self.hash, seq, &time);
        self.hash.clone_from(&hash);
        self.seq = seq;
        self.time.clone_from(&time);
        let c = &mut p.columns;
        c.seq = i64::try_from(seq).unwrap_or(i64::MAX);
        c.id = id_text;
        c.time.clone_from(&time);
        c.body = body;
        c.hash.clone_from(&hash);
        Committed { id, seq, hash, time }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::{Outcome, RecordKind, GENESIS_HASH};

    #[test]
    fn a_chained_draft_decodes_to_a_record_with_the_hash_it_carries() {
        let mut head = Head::genesis();
        let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
        d.subjects = vec!["ab".repeat(32)];
        d.reason = Some("a \"quoted\" reason\n".into());
        let mut first = Prepared::new(d.clone()).unwrap();
        let c1 = head.chain(&mut first, "2026-12-06T10:00:00.000001Z");
        let mut second = Prepared::new(d).unwrap();
        // A clock that went back: the record keeps the head's time.
        let c2 = head.chain(&mut second, "2026-12-06T09:00:00.000001Z");
        assert_eq!((c1.seq, c2.seq), (1, 2));
        assert_eq!(c2.time, c1.time);
        let r1 = first.columns.clone().into_record().unwrap();
        let r2 = second.columns.clone().into_record().unwrap();
        assert_eq!(r1.prev_hash, GENESIS_HASH);
        assert_eq!(r2.prev_hash, c1.hash);
        assert_eq!(r1.compute_hash().unwrap(), c1.hash);
        assert_eq!(r2.compute_hash().unwrap(), c2.hash);
        assert_eq!((r2.id, r2.hash.as_str()), (c2.id, head.hash.as_str()));
        // The row is the one a whole record makes.
        assert_eq!(Columns::from_record(&r2).unwrap(), second.columns);
    }
}
