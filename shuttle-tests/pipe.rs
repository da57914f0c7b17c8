//! Placeholder: pipe's shuttle scenarios land with the primitive.
