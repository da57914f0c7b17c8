//! Placeholder: thread_local's loom models land with the primitive.
