"""Traces in the core: spans, trace assembly, W3C trace context and baggage, sampling, span limits, OTLP."""
