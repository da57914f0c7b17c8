//! Placeholder: event's shuttle scenarios land with the primitive.
