"""The service edges: middleware for WSGI and ASGI servers, and instrumented outgoing calls."""
