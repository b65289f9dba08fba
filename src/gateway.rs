//! The transfer listener and its pipeline. TODO.
