"""Alerts: the service that takes alerts from code and rules, routing, history, sinks and their metrics."""
