//! Placeholder: condition's loom models land with the primitive.
