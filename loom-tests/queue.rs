//! Placeholder: queue's loom models land with the primitive.
