//! Placeholder: rlock's std tests land with the primitive.
