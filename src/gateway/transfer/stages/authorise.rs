//! Stage 3: the agreement and flow (or emergency basis) that permit the request, from
//! the one decision ([`crate::policy::decision::authorise`]): 400, 403.

use jiff::civil::Date;

use super::super::known::Known;
use super::super::TransferError;
use super::{Identified, Routed};
use crate::agreements::matching::RequestKey;
use crate::policy::decision::{self, Authorisation, Facts};
use crate::policy::Policy;

/// What permits the transfer: the agreement facts the record keeps and the rules the
/// body is minimised under.
#[derive(Debug, Clone)]
pub struct Authorised {
    pub auth: Authorisation,
}

/// Runs after `route`, before `rate_limit`. Any error refuses.
pub fn authorise(
    policy: &Policy,
    known: &mut Known,
    identified: &Identified,
    routed: &Routed,
    today: Date,
) -> Result<Authorised, TransferError> {
    let key = RequestKey {
        caller: &identified.caller,
        recipient: &routed.recipient,
        recipient_jurisdiction: &routed.recipient_jurisdiction,
        method: routed.method.as_str(),
        path: &routed.path.upstream_path,
        purpose: &routed.transfer.purpose,
        agreement: routed.transfer.agreement.as_deref(),
        emergency: routed.transfer.emergency.as_deref(),
    };
    let facts = Facts { key, query: routed.query.as_deref(), today };
    let auth = decision::authorise(policy, &facts)?;
    known.auth = Some(auth.clone());
    Ok(Authorised { auth })
}
