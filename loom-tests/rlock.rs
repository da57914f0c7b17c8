//! Placeholder: rlock's loom models land with the primitive.
