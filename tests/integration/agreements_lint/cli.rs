//! `isagate agreements check` through the real binary.
