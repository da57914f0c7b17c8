//! Placeholder: pipe's std tests land with the primitive.
