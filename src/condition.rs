//! Placeholder: the condition primitive lands with its issue.
