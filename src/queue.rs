//! Placeholder: the queue primitive lands with its issue.
