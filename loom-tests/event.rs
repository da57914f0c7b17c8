//! Placeholder: event's loom models land with the primitive.
