//! Placeholder: thread_local's shuttle scenarios land with the primitive.
