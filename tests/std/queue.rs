//! Placeholder: queue's std tests land with the primitive.
