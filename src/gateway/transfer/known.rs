//! What a transfer has established so far: the one per-request context. Stages note
//! facts here as they learn them, so that an exit at any stage records as much as is
//! known (contract section 10), and the record drafts are built from it in one place.

use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::codes::Direction;
use crate::gateway::state::Peer;
use crate::policy::decision::Authorisation;

/// The facts of one transfer, as far as they are known.
#[derive(Debug, Default)]
pub struct Known {
    pub caller: Option<String>,
    pub recipient: Option<String>,
    pub requester: Option<String>,
    /// `Isagate-Reason`: the justification (kept in the record, never logged).
    pub reason: Option<String>,
    pub method: Option<String>,
    /// What permits the transfer, once `authorise` found it.
    pub auth: Option<Authorisation>,
    /// SHA-256 of the body as received.
    pub received_sha256: Option<String>,
    /// The committed request record, once `record` committed it.
    pub request_record: Option<uuid::Uuid>,
    /// `Isagate-Stripped` for every answer to the forwarded request (none when nothing
    /// was stripped): set with `request_record`.
    pub stripped_header: Option<http::HeaderValue>,
    /// The recipient's status and the SHA-256 of its body, once it answered.
    pub upstream: Option<(u16, String)>,
}

impl Known {
    /// A draft holding every request fact known so far.
    pub fn draft(&self, kind: RecordKind, outcome: Outcome, peer: &Peer) -> RecordDraft {
        let mut d = RecordDraft::new(kind, outcome);
        d.direction = Some(Direction::Request);
        d.from.clone_from(&self.caller);
        d.to.clone_from(&self.recipient);
        d.caller_cert_sha256 = Some(peer.cert_sha256.clone());
        d.requester.clone_from(&self.requester);
        d.method.clone_from(&self.method);
        d.reason.clone_from(&self.reason);
        d.received_sha256.clone_from(&self.received_sha256);
        if let Some(auth) = &self.auth {
            d.path_template = Some(auth.path_template.clone());
            d.agreement.clone_from(&auth.agreement);
            d.schema_sha256.clone_from(&auth.schema_sha256);
            d.flow = Some(auth.flow.clone());
            d.purpose = Some(auth.purpose.clone());
            d.lawful_basis = Some(auth.lawful_basis.clone());
            d.emergency =
                auth.emergency.as_ref().map(|e| e.info(self.reason.as_deref().unwrap_or("")));
        }
        d
    }

    /// The response record's draft: recipient to caller, in reply to the request record.
    pub fn response_draft(&self, outcome: Outcome, peer: &Peer) -> RecordDraft {
        let mut d = self.draft(RecordKind::Disclosure, outcome, peer);
        d.direction = Some(Direction::Response);
        d.in_reply_to = self.request_record;
        d.from.clone_from(&self.recipient);
        d.to.clone_from(&self.caller);
        if let Some((status, sha)) = &self.upstream {
            d.upstream_status = Some(*status);
            d.received_sha256 = Some(sha.clone());
        }
        d
    }
}
