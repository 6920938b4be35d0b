"""Plain-text tables for the command line (no dependency, wraps long cells).

>>> print(render_table(("step", "rows"), [("extract", "1200"), ("load", "1180")]))
step     rows
-------  ----
extract  1200
load     1180
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, max_width: int = 60) -> str:
    """Columns padded to their widest cell; cells wider than ``max_width`` wrap."""
    wrapped = [[textwrap.wrap(cell, max_width) or [""] for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in wrapped:
        for index, lines in enumerate(row):
            widths[index] = max(widths[index], *(len(line) for line in lines))
    out = [_line(headers, widths), _line(["-" * width for width in widths], widths)]
    for row in wrapped:
        height = max(len(lines) for lines in row)
        out.extend(_line([lines[n] if n < len(lines) else "" for lines in row], widths) for n in range(height))
    return "\n".join(out)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def render_metrics_summary(rows: Sequence[Sequence[str]]) -> str:
    """The metrics service's summary rows as a table (metric, kind, labels, value)."""
    return render_table(("metric", "kind", "labels", "value"), rows, max_width=70)
