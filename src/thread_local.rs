//! Placeholder: the thread_local primitive lands with its issue.
