//! Placeholder: queue's shuttle scenarios land with the primitive.
