"""Live tracing: the service, running spans, the batch span processor, exporters."""
