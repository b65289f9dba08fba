//! Stage 1: only a registered agency, with a pinned certificate where pins are set,
//! may send transfers (403 `identity-not-allowed`).

use super::super::known::Known;
use super::super::TransferError;
use crate::codes::{Reason, RefusalCode};
use crate::gateway::state::{GatewayState, Peer};
use crate::tls::identity::PeerIdentity;

/// The calling agency, proven by its certificate.
#[derive(Debug, Clone)]
pub struct Identified {
    pub caller: String,
}

/// Runs first. Any error refuses.
pub fn identify(
    state: &GatewayState,
    peer: &Peer,
    known: &mut Known,
) -> Result<Identified, TransferError> {
    let refuse = |detail: &str| Reason::new(RefusalCode::IdentityNotAllowed, detail);
    let unregistered = "the certificate does not name an agency registered with this gateway";
    let caller = match &peer.identity {
        Some(PeerIdentity::Agency(id)) => match state.agencies.get(id) {
            Some(a) if a.pin_allows(&peer.cert_sha256) => id.clone(),
            Some(_) => return Err(refuse(
                "the certificate is not one pinned for this agency; use the registered certificate",
            )
            .into()),
            None => return Err(refuse(unregistered).into()),
        },
        Some(PeerIdentity::Governance(_)) => {
            return Err(refuse(
                "a governance certificate cannot send transfers; use an agency certificate",
            )
            .into())
        }
        _ => return Err(refuse(unregistered).into()),
    };
    known.caller = Some(caller.clone());
    Ok(Identified { caller })
}
