//! Placeholder: the semaphore primitive lands with its issue.
