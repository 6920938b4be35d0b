"""``python -m flext_observability``: the command-line interface."""

from __future__ import annotations

import sys

from flext_observability.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
