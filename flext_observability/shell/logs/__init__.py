"""Live logging: structlog set-up, the processor pipeline, the logging service."""
