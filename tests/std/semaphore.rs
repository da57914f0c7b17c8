//! Placeholder: semaphore's std tests land with the primitive.
