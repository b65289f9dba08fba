//! Emergency sharing: review, alerts, webhook. TODO: filled in by the owning work item.
