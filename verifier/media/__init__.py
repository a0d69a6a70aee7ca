"""Media intake, metadata and keyframes."""
