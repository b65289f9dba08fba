//! The governance admin listener. TODO: filled in by the owning work item.
