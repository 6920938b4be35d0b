"""Live health: check plans, the service that runs them on a bounded pool, and ready-made probes."""
