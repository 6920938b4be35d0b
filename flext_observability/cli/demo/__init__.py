"""The demo: a sample pipeline run, its metrics, logs and traces."""
