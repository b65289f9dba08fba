//! TLS: identities, verifiers, CRLs, development certificates. TODO.
