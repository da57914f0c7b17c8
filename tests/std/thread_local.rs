//! Placeholder: thread_local's std tests land with the primitive.
