//! Placeholder: rlock's shuttle scenarios land with the primitive.
