//! Placeholder: the rlock primitive lands with its issue.
