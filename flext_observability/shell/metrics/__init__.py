"""Live metrics: the service, its series, the prometheus_client collector, /metrics over HTTP, pushes."""
