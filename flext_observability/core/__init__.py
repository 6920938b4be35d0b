"""The functional core: frozen entities and total, pure functions over them.

Nothing here performs I/O, reads a clock, holds a lock, starts a thread or
touches global state; time and ids come in as arguments. An import contract
checked in CI keeps it that way.

The package re-exports nothing: the public names are those of the top level
and of the faces, and importing one core module loads only what it needs.
"""
