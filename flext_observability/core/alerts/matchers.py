"""Label matchers: which series of a metric an alert expression looks at.

A matcher compares one label of a series with a value, as a PromQL selector
does: ``=`` and ``!=`` compare text, ``=~`` and ``!~`` match a regular
expression against the *whole* value (Prometheus anchors every regex, so
``pg`` does not match ``pg-replica``; write ``pg.*`` for that). A series
without the label is matched as if its value were ``""``, again as in
PromQL: ``tap=""`` selects the series that have no ``tap``.

Regexes are compiled once, when the matcher is made, with ``.`` matching
newlines too (Prometheus compiles ``^(?s:...)$``). They use Python's
syntax, which for the usual patterns (alternation, classes, ``.*``) agrees
with the RE2 syntax Prometheus uses. Python's engine backtracks, so a
pattern such as ``(a+)+b`` can be slow on long values: rule authors write
the patterns, and label values are bounded, but keep them simple.

>>> tap = label_matcher("tap", "=~", "pg|mysql").unwrap()
>>> tap
label_matcher('tap', '=~', 'pg|mysql')
>>> print(tap)
tap=~"pg|mysql"
>>> tap.matches({"tap": "pg"}), tap.matches({"tap": "pg-replica"}), tap.matches({})
(True, False, False)
>>> print(label_matcher("tap", "=~", "pg(").failure())
invalid label matcher: value: 'pg(' is not a regular expression: missing ), unterminated subpattern \
at position 2 [invalid_text]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from attrs import field, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_count,
    check_label_name,
    check_text,
    describe,
    invalid,
    key_path,
    read_items,
    read_sequence,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.limits import MAX_LABEL_VALUE_LENGTH, MAX_LABELS
from flext_observability.core.records import nest_errors

_TRIPLE: Final = 3


class MatchOp(StrEnum):
    """The four PromQL label-matching operators."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@frozen(kw_only=True)
class LabelMatcher:
    """One label test of a selector; make it with :func:`label_matcher`.

    ``pattern`` is the compiled regex of ``=~`` and ``!~`` (``None`` for the
    others). It is derived from ``value``, so equality ignores it.
    """

    name: str
    op: MatchOp
    value: str
    pattern: re.Pattern[str] | None = field(default=None, eq=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Tell whether a series with ``labels`` passes; a missing label reads as ``""``.

        ``labels`` that are not a ``dict`` or a ``FrozenMap`` of texts match nothing.
        """
        given: object = labels  # callers outside the type checker may pass anything
        if type(given) is not dict and type(given) is not FrozenMap:
            return False
        found: object = given.get(self.name, "")
        if type(found) is not str:
            return False
        actual = found
        if self.op is MatchOp.EQUAL:
            return actual == self.value
        if self.op is MatchOp.NOT_EQUAL:
            return actual != self.value
        found = self.pattern is not None and self.pattern.fullmatch(actual) is not None
        return found if self.op is MatchOp.REGEX else not found

    def __repr__(self) -> str:
        return f"label_matcher({self.name!r}, {self.op.value!r}, {self.value!r})"

    def __str__(self) -> str:
        """The matcher as PromQL writes it inside braces."""
        return f"{self.name}{self.op.value}{quote(self.value)}"


def quote(text: str) -> str:
    r"""``text`` as a double-quoted PromQL string.

    >>> print(quote('say "hi"\n'))
    "say \"hi\"\n"
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _compile(problems: Problems, field_name: str, text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text, re.DOTALL)
    except Exception as error:  # noqa: BLE001 - re raises re.error, and RecursionError or OverflowError on odd input
        reason = str(error) if isinstance(error, re.error) else type(error).__name__
        add(
            problems,
            FlextErrorCode.INVALID_TEXT,
            field_name,
            f"{describe(text)} is not a regular expression: {reason}",
        )
        return None


def check_matcher(problems: Problems, path: str, name: object, op: object, value: object) -> LabelMatcher | None:
    """Check one matcher's parts, reporting each under ``path``; the matcher when all hold."""
    prefix = f"{path}." if path else ""
    before = len(problems)
    checked_name = check_label_name(problems, f"{prefix}name", name, frozenset())
    checked_op = check_choice(problems, f"{prefix}op", op, MatchOp)
    checked_value = check_text(problems, f"{prefix}value", value, max_length=MAX_LABEL_VALUE_LENGTH, allow_empty=True)
    pattern = None
    if checked_value is not None and checked_op in {MatchOp.REGEX, MatchOp.NOT_REGEX}:
        pattern = _compile(problems, f"{prefix}value", checked_value)
    if len(problems) != before or checked_name is None or checked_op is None or checked_value is None:
        return None
    return LabelMatcher(name=checked_name, op=checked_op, value=checked_value, pattern=pattern)


def label_matcher(name: object, op: object, value: object) -> Result[LabelMatcher, FlextValidationError]:
    """A matcher of label ``name`` with ``op`` (``=``, ``!=``, ``=~``, ``!~``) and ``value``.

    Every broken rule is reported: a name that is not a label name, an
    unknown operator, a value that is not text, a regex that does not compile.

    >>> [error.field for error in label_matcher("2x", "~", 5).failure().errors]
    ['name', 'op', 'value']
    """
    problems: Problems = []
    matcher = check_matcher(problems, "", name, op, value)
    if matcher is None:
        return invalid("label matcher", problems)
    return Success(matcher)


def _check_item(problems: Problems, path: str, item: object) -> LabelMatcher | None:
    if isinstance(item, Success):
        item = item.unwrap()
    elif isinstance(item, Failure) and isinstance(item.failure(), FlextValidationError):
        nest_errors(problems, path, item.failure())
        return None
    if isinstance(item, LabelMatcher):
        # Rebuilt from its parts: a hand-made matcher may lack its compiled pattern.
        return check_matcher(problems, path, item.name, item.op, item.value)
    parts = read_sequence([], path, item)
    if parts is None or len(parts) != _TRIPLE:
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            path,
            f"expected a label_matcher(...) or a (name, op, value) triple, got {describe(item)}",
        )
        return None
    return check_matcher(problems, path, *parts)


def check_matchers(problems: Problems, field_name: str, value: object) -> tuple[LabelMatcher, ...] | None:
    """Read the ``matchers`` argument of an expression factory.

    ``None`` means no matchers; a mapping means one ``=`` matcher per entry
    (``{"tap": "pg"}``); a list or tuple holds :class:`LabelMatcher` objects
    (or the ``Result`` of :func:`label_matcher`) and ``(name, op, value)``
    triples. Every problem is reported under ``field_name``.
    """
    if value is None:
        return ()
    before = len(problems)
    matchers: list[LabelMatcher | None]
    if isinstance(value, Mapping):
        items = read_items(problems, field_name, value)
        if items is None:
            return None
        if not check_count(problems, field_name, len(items), MAX_LABELS, "matchers"):
            return None
        matchers = [check_matcher(problems, key_path(field_name, key), key, "=", item) for key, item in items]
    else:
        entries = read_sequence(problems, field_name, value)
        if entries is None:
            return None
        if not check_count(problems, field_name, len(entries), MAX_LABELS, "matchers"):
            return None
        matchers = [_check_item(problems, f"{field_name}[{index}]", item) for index, item in enumerate(entries)]
    checked = tuple(matcher for matcher in matchers if matcher is not None)
    if len(problems) != before or len(checked) != len(matchers):
        return None
    return checked


def is_well_formed_matcher(matcher: object) -> bool:
    """Tell whether ``matcher`` is a :class:`LabelMatcher` as :func:`label_matcher` makes them."""
    if type(matcher) is not LabelMatcher:
        return False
    op: object = matcher.op
    if type(matcher.name) is not str or type(matcher.value) is not str or not isinstance(op, MatchOp):
        return False
    regex = op in {MatchOp.REGEX, MatchOp.NOT_REGEX}
    return isinstance(matcher.pattern, re.Pattern) if regex else matcher.pattern is None


def matchers_text(matchers: tuple[LabelMatcher, ...]) -> str:
    """The PromQL braces of ``matchers``; empty when there are none.

    >>> matchers_text((label_matcher("tap", "=", "pg").unwrap(), label_matcher("env", "!=", "").unwrap()))
    '{tap="pg", env!=""}'
    """
    if not matchers:
        return ""
    return "{" + ", ".join(str(matcher) for matcher in matchers) + "}"


def matchers_repr(matchers: tuple[LabelMatcher, ...]) -> str:
    """``matchers`` as the ``matchers=`` argument that makes them again; empty when there are none.

    >>> matchers_repr((label_matcher("tap", "=", "pg").unwrap(),))
    ", matchers=[('tap', '=', 'pg')]"
    """
    if not matchers:
        return ""
    triples = ", ".join(repr((matcher.name, matcher.op.value, matcher.value)) for matcher in matchers)
    return f", matchers=[{triples}]"
