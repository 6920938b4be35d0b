"""The imperative shell: everything that reads a clock, makes ids or does I/O."""
