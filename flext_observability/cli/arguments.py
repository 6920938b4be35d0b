"""Argument types the subcommands share; each error says what to give instead."""

from __future__ import annotations

import argparse
from typing import Final

MAX_PORT: Final = 65535


def port_argument(text: str) -> int:
    """A TCP port from the command line: a whole number from 0 (any free port) to 65535."""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_PORT)) or int(text) > MAX_PORT:
        message = f"{text!r} is not a port: give a whole number from 0 to {MAX_PORT} (0 picks a free one)"
        raise argparse.ArgumentTypeError(message)
    return int(text)
