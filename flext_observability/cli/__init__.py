"""The flext-observability command line: argument parsing, subcommands, tables, the demo."""
