//! Placeholder: pipe's loom models land with the primitive.
