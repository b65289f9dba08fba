//! The impact of a change replayed on a real SQLite store.
