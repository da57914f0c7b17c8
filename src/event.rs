//! Placeholder: the event primitive lands with its issue.
