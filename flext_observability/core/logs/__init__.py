"""Logs in the core: the log entry, plain JSON for events, one-line escaping and logfmt."""
