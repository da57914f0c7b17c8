//! Placeholder: the pipe primitive lands with its issue.
