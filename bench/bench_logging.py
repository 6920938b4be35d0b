"""Logging: our configured JSON pipeline against bare structlog with the same renderer."""

from __future__ import annotations

import logging
import os

import structlog
from harness import Comparison, compare

from flext_observability.shell.context import use_span_ids
from flext_observability.shell.logs.setup import configure_logging, get_logger, reset_logging


def run() -> list[Comparison]:
    """An info call (correlation and redaction included) and a filtered debug call."""
    with open(os.devnull, "w", encoding="utf-8") as devnull:  # noqa: PTH123 - a plain stream, as users pass
        configure_logging(format="json", level="info", stream=devnull, service_name="bench", capture_stdlib=False)
        ours = get_logger("bench")
        peer = structlog.wrap_logger(
            structlog.WriteLogger(devnull),
            processors=[structlog.processors.JSONRenderer()],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        )
        try:
            with use_span_ids("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"):
                info = compare(
                    lambda: ours.info("batch loaded", table="orders", rows=120),
                    lambda: peer.info("batch loaded", table="orders", rows=120),
                )
                debug = compare(
                    lambda: ours.debug("batch loaded", table="orders", rows=120),
                    lambda: peer.debug("batch loaded", table="orders", rows=120),
                    number=200_000,
                )
        finally:
            reset_logging()
    return [
        Comparison(
            name="log info call, JSON (with correlation and redaction)",
            ours=info[0],
            peer=info[1],
            peer_name="bare structlog + JSONRenderer",
            goal_ratio=1.3,
        ),
        Comparison(
            name="log debug call filtered out",
            ours=debug[0],
            peer=debug[1],
            peer_name="structlog filtering logger",
            goal_ratio=1.2,
        ),
    ]
