"""The logging pipeline writes one parseable line per event, redacted, and never leaks a planted secret."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.logs.escaping import parse_logfmt
from flext_observability.core.logs.event import json_safe
from flext_observability.core.redaction import DEFAULT_POLICY, redact_mapping
from flext_observability.shell.logs.pipeline import LogPipeline
from flext_observability.testing.strategies import texts

STANDARD = ("timestamp", "level", "logger", "service")
KEYS = texts(min_size=1, max_size=12).filter(lambda key: key not in {*STANDARD, "trace_id", "span_id", "exc_info"})
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts(max_size=40)),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts(max_size=8), children, max_size=3),
    max_leaves=8,
)
EVENTS = st.fixed_dictionaries({"event": texts(max_size=40)}, optional={}).flatmap(
    lambda head: st.dictionaries(KEYS, VALUES, max_size=5).map(lambda rest: {**rest, **head})
)


class _Named:
    name = "prop"


@given(EVENTS)
def test_json_is_one_line_that_parses_back_to_the_redacted_event(event: dict[str, Any]) -> None:
    """Whatever the event holds, the JSON line is one line and equals the core's redaction of it."""
    line = LogPipeline(log_format="json")(_Named(), "info", dict(event))
    assert len(line.splitlines()) == 1
    parsed = json.loads(line)
    assert [parsed.pop(key) for key in STANDARD][2:] == ["prop", "unknown_service:python"]
    expected = json_safe(redact_mapping(DEFAULT_POLICY, {"event": event["event"], **event}))
    assert parsed == expected


@given(EVENTS)
def test_logfmt_and_console_are_one_line(event: dict[str, Any]) -> None:
    """Logfmt and the console format write exactly one line, and logfmt parses back."""
    for log_format in ("logfmt", "console"):
        line = LogPipeline(log_format=log_format)(_Named(), "info", dict(event))
        assert len(line.splitlines()) == 1
        assert "\x1b" not in line
    pairs = parse_logfmt(LogPipeline(log_format="logfmt")(_Named(), "info", dict(event)))
    assert [key for key, _ in pairs][:5] == [*STANDARD, "event"]


SENSITIVE_KEYS = st.sampled_from(
    ["password", "PASSWORD", "db_password", "apiKey", "X-Api-Key", "accessToken", "secret"]
)


@st.composite
def _planted(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    canary = "CANARY" + draw(st.text("0123456789abcdef", min_size=8, max_size=8))
    shape = draw(
        st.sampled_from(["key", "nested_key", "userinfo_password", "userinfo_user", "query", "bearer", "message"])
    )
    event: dict[str, Any] = {"event": draw(texts(max_size=20))}
    if shape == "key":
        event[draw(SENSITIVE_KEYS)] = canary
    elif shape == "nested_key":
        event["config"] = {"inner": [{draw(SENSITIVE_KEYS): canary}]}
    elif shape == "userinfo_password":
        event["dsn_url"] = f"postgresql://etl:{canary}@db:5432/dw"
    elif shape == "userinfo_user":
        event["remote"] = f"https://{canary}@github.com/org/repo.git"
    elif shape == "query":
        name = draw(st.sampled_from(["sig", "token", "X-Amz-Signature", "access_token"]))
        event["url"] = f"https://h.example/p?a=1&{name}={canary}&b=2"
    elif shape == "bearer":
        event["header"] = f"{draw(st.sampled_from(['Bearer', 'bearer', 'BEARER']))} {canary}"
    else:
        event["event"] = f"calling https://api.example/v1?token={canary} with Bearer {canary}"
    return event, canary


@given(_planted(), st.sampled_from(["json", "logfmt", "console"]))
def test_planted_canaries_never_appear(planted: tuple[dict[str, Any], str], log_format: str) -> None:
    """A secret planted in any supported shape is absent from every renderer's output."""
    event, canary = planted
    line = LogPipeline(log_format=log_format)(_Named(), "info", dict(event))  # type: ignore[arg-type]
    assert canary not in line
