//! Placeholder: condition's shuttle scenarios land with the primitive.
