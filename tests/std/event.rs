//! Placeholder: event's std tests land with the primitive.
