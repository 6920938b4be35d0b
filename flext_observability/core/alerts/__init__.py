"""Alerts in the core: the alert entity, its validation and fingerprint."""
