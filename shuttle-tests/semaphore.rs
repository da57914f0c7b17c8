//! Placeholder: semaphore's shuttle scenarios land with the primitive.
