//! Placeholder: condition's std tests land with the primitive.
