"""Health in the core: the health-check entity and its validation."""
