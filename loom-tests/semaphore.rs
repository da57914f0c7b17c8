//! Placeholder: semaphore's loom models land with the primitive.
