"""The text rule: secrets written inside text replaced, the text around them kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final, NamedTuple

from flext_observability.core.redaction.policy import DEFAULT_POLICY, RedactionPolicy, is_sensitive_key

# --- secrets inside text ------------------------------------------------------

# After "://": the userinfo of RFC 3986 ends at the last "@" before the authority
# ends at "/", "?" or "#". Drivers such as SQLAlchemy also accept an unencoded
# "/" in a password, so "user:pa/ss@" counts too, unless what follows the ":" is
# a port and a path ("host:8080/users/a@b" has no userinfo). The password of
# that second form stops at ":" so that each "://" is scanned once: linear time.
_USERINFO: Final = re.compile(
    r"://(?:(?P<info>[^\s/?#]*)@|(?P<user>[^\s:/?#@\[\]]*):(?!\d*[/?#])(?P<password>[^\s:@]*)@)",
)

_BEARER: Final = re.compile(r"(?i)\bbearer\s+(?P<value>[\w\-.~+/]+=*)")

# A header line: everything after "Authorization:" up to the line's end (blanks at
# its end excepted, so that redacting twice changes nothing) is the credential,
# whatever the scheme (Basic, Digest, AWS4-HMAC-SHA256, custom).
_AUTHORIZATION: Final = re.compile(r"(?i)\bauthorization[ \t]*[:=][ \t]*[\"']?(?P<value>[^\r\n\"']*[^\s\"'])")

# Pairs are found by their head alone ('name': or name=); a value is read only
# after a sensitive name. The value of any other pair is scanned on, so that a
# secret quoted inside it (command='psql password=x') is still found, and no
# part of the text is read twice.
#
# JSON ("password": "x") or a Python repr ('password': 'x') inside a message.
_QUOTED_HEAD: Final = re.compile(r"(?P<quote>[\"'])(?P<name>[^\"'\\\r\n]{1,128})(?P=quote):[ \t]*")
# A (name, value) pair's repr or a JSON array pair: ('Authorization', 'Basic x'),
# (b'authorization', b'Bearer x'), ["x-api-key", "k"]; headers formatted into text.
_PAIR_REPR_HEAD: Final = re.compile(
    r"[(\[][ \t]*b?(?P<quote>[\"'])(?P<name>[^\"'\\\r\n]{1,128})(?P=quote)[ \t]*,[ \t]*"
)
_QUOTED_STRING: Final = re.compile(r"\"(?P<double>(?:[^\"\\\r\n]|\\.)*)\"|'(?P<single>(?:[^'\\\r\n]|\\.)*)'")
# From an opening quote to its closing one, or to the line's end when it has none.
_QUOTE_SKIP: Final = {
    "'": re.compile(r"'(?:[^'\\\r\n]|\\.)*'?"),
    '"': re.compile(r"\"(?:[^\"\\\r\n]|\\.)*\"?"),
}

# name=value, the name a whole run of name characters. After "?" or "&" the
# value is a URL's and stops where a URL's would. Elsewhere (free text, libpq
# and ODBC connection strings) it may be quoted or braced, and a value that
# runs up to a ";" keeps its spaces ("Pwd=my pass;"). Quoted values are
# bounded, so that a run of unclosed quotes costs linear time.
#
# Names are found from their separator backwards, in the reversed text: a
# pattern that starts with the separator lets the engine jump from one "="
# (or ":") to the next instead of trying a name at every position.
_PAIR_HEAD: Final = re.compile(r"=(?P<name>[\w.\-\[\]]+)(?![\w.\-\[\]])")
_URL_VALUE: Final = re.compile(r"(?P<url>[^\s&;\"'<>]*)")
_TEXT_VALUE: Final = re.compile(
    r"'(?P<single>[^'\r\n]{0,1024})'|\"(?P<double>[^\"\r\n]{0,1024})\"|\{(?P<braced>[^}\r\n]{0,1024})\}"
    r"|(?P<plain>[^\s&;]*(?:(?:[ ][^\s&;=]*)*(?=;))?)",
)

# Prose and YAML: "password: x", "X-Api-Key: x", after a name that starts a word.
# The value is one quoted string or one run up to a space, "," or ";".
_COLON_HEAD: Final = re.compile(r":(?<!//:)[ \t]*(?P<name>[\w.\-]{0,63}[^\W\d])(?![\w.\-])")
_COLON_VALUE: Final = re.compile(
    r"\"(?P<double>(?:[^\"\\\r\n]|\\.){0,1024})\"|'(?P<single>(?:[^'\\\r\n]|\\.){0,1024})'|(?P<plain>[^\s,;]*)",
)

# SQL: CREATE/ALTER ROLE ... PASSWORD 'x', MySQL and Oracle's IDENTIFIED BY 'x'
# (a quote inside the literal is written twice).
_SQL_PASSWORD: Final = re.compile(
    r"(?i)(?<![\"'])\b(?:password|identified[ \t]+by)(?:[ \t]+|[ \t]*=[ \t]*)"
    r"(?:'(?P<single>(?:[^'\r\n]|''){1,1024})'|\"(?P<double>[^\"\r\n]{1,1024})\")",
)

Span = tuple[int, int]
"""Where a secret starts and ends in a text."""


class _Head(NamedTuple):
    """A name followed by its separator, found in ``string``."""

    start: int
    """Where the name starts."""
    end: int
    """Where its value starts (after the separator and the blanks that follow it)."""
    name: str
    string: str


def _forward_heads(pattern: re.Pattern[str], text: str) -> list[_Head]:
    return [_Head(match.start(), match.end(), match["name"], text) for match in pattern.finditer(text)]


def _reversed_heads(pattern: re.Pattern[str], text: str) -> list[_Head]:
    """The heads of a pattern written for the reversed text, as positions in ``text``, left to right."""
    size = len(text)
    heads: list[_Head] = []
    for match in pattern.finditer(text[::-1]):
        name_start = size - match.end("name")
        end = size - match.start()
        while end < size and text[end] in " \t":
            end += 1
        heads.append(_Head(name_start, end, text[name_start : size - match.start("name")], text))
    heads.reverse()
    return heads


def _replace_group(match: re.Match[str], group: str, replacement: str) -> str:
    """The whole match with the text of ``group`` replaced."""
    start, end = match.span(group)
    return match.string[match.start() : start] + replacement + match.string[end : match.end()]


def _redact_userinfo(policy: RedactionPolicy, match: re.Match[str]) -> str:
    info = match["info"]
    if info is None:
        user, colon, password = match["user"], ":", match["password"]
    else:
        user, colon, password = info.partition(":")
    # Empty parts stay empty: "redis://:secret@host" only hides the password.
    hidden_user = policy.replacement if user else ""
    hidden_password = policy.replacement if password else ""
    return f"://{hidden_user}{colon}{hidden_password}@"


def _inner_span(value: re.Match[str]) -> Span:
    """The span of the value inside its quotes or braces, which stay."""
    group = next(name for name, text in value.groupdict().items() if text is not None)
    return value.span(group)


def _expression_end(text: str, start: int, stop: str) -> int:
    """Where a value written as an expression (``('user', 'pw')``, ``b'x'``, ``Secret(...)``) ends.

    It ends at a ``,`` or a character of ``stop`` outside brackets, at a
    closing bracket it did not open, or at the line's end; quoted text is
    skipped whole, so brackets and commas inside it do not count.
    """
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char in _QUOTE_SKIP:
            # Always a match: the pattern starts with the quote found here.
            index = _QUOTE_SKIP[char].match(text, index).end()  # type: ignore[union-attr]
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if not depth:
                break
            depth -= 1
        elif char in "\r\n" or (not depth and (char == "," or char in stop)):
            break
        index += 1
    return len(text[start:index].rstrip()) + start


def _quoted_value(policy: RedactionPolicy, head: _Head) -> Span | None:
    if not is_sensitive_key(policy, head.name):
        return None
    start = head.end
    string = _QUOTED_STRING.match(head.string, start)
    if string is not None:
        return _inner_span(string)
    return start, _expression_end(head.string, start, "")


def _pair_value(policy: RedactionPolicy, head: _Head) -> Span | None:
    start, name = head.start, head.name
    before = head.string[start - 1] if start else ""
    in_url = before in {"?", "&"}
    query = in_url or before in {"", ";"}
    if not ((query and name.lower() in policy.query_parameters) or is_sensitive_key(policy, name)):
        return None
    value_start = head.end
    if not in_url and head.string.startswith(("(", "["), value_start):
        return value_start, _expression_end(head.string, value_start, " \t&;")
    # Both patterns match at any position (possibly nothing).
    value = (_URL_VALUE if in_url else _TEXT_VALUE).match(head.string, value_start)
    return _inner_span(value)  # type: ignore[arg-type]


def _colon_value(policy: RedactionPolicy, head: _Head) -> Span | None:
    # "Authorization:" lines were handled whole by their own rule; taking them again would not be idempotent.
    if head.name.lower().endswith("authorization") or not is_sensitive_key(policy, head.name):
        return None
    # Always a match: the last alternative may match nothing.
    return _inner_span(_COLON_VALUE.match(head.string, head.end))  # type: ignore[arg-type]


def _replace_values(text: str, heads: list[_Head], value_at: Callable[[_Head], Span | None], replacement: str) -> str:
    pieces: list[str] = []
    done = 0
    for head in heads:
        if head.start < done:
            continue  # inside a value already replaced
        span = value_at(head)
        if span is None or span[0] == span[1]:
            continue
        pieces += (text[done : span[0]], replacement)
        done = span[1]
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def redact_text(policy: RedactionPolicy, text: str) -> str:
    """``text`` with the secrets written inside it replaced, everything else kept.

    Replaced: the user and password of URL userinfo; the values of sensitive
    query and connection-string parameters (``?sig=``, ``&token=``,
    ``;Pwd=``, libpq's ``password=``); ``Bearer`` tokens; everything after
    ``Authorization:`` on its line; quoted pairs such as ``"password": "x"``
    and header pairs such as ``('Authorization', 'Basic x')``; prose and
    YAML pairs such as ``password: x``; SQL's ``PASSWORD 'x'`` and
    ``IDENTIFIED BY 'x'``. Text holding none of ``://``, ``=``, ``:``,
    "bearer", "authorization", "password" or "identified" is returned as it
    is, after a few substring checks.

    >>> redact_text(DEFAULT_POLICY, "retrying with Authorization: Bearer eyJhbGciOi.x.y")
    'retrying with Authorization: REDACTED'
    >>> redact_text(DEFAULT_POLICY, "dsn host=db user=etl password='s3 cret' dbname=dw")
    "dsn host=db user=etl password='REDACTED' dbname=dw"
    >>> redact_text(DEFAULT_POLICY, "config {'host': 'db', 'api_key': 'AIzaSy'}")
    "config {'host': 'db', 'api_key': 'REDACTED'}"
    >>> redact_text(DEFAULT_POLICY, "CREATE ROLE etl LOGIN PASSWORD 'hunter2'; login failed, password: hunter2")
    "CREATE ROLE etl LOGIN PASSWORD 'REDACTED'; login failed, password: REDACTED"

    ``text`` that is not a ``str`` cannot be read without running its own
    code (its ``__str__``), so it is replaced whole: the result is the
    policy's replacement. A policy that is not a :class:`RedactionPolicy`
    is read as :data:`DEFAULT_POLICY`.

    >>> redact_text(DEFAULT_POLICY, b"password=x"), redact_text(None, "token=abc")
    ('REDACTED', 'token=REDACTED')
    """
    given: object = policy  # the annotation binds type checkers, not every caller
    if not isinstance(given, RedactionPolicy):
        policy = DEFAULT_POLICY
    raw: object = text
    if type(raw) is not str:
        if not isinstance(raw, str):
            return policy.replacement
        # A subclass could answer the substring checks below as it likes.
        text = str.__str__(raw)
    if text.isidentifier():
        # No rule can match without "://", "=", a quote, a space or a colon.
        return text
    if "://" in text and "@" in text:
        text = _USERINFO.sub(lambda match: _redact_userinfo(policy, match), text)
    lowered = text.lower()
    if "bearer" in lowered:
        text = _BEARER.sub(lambda match: _replace_group(match, "value", policy.replacement), text)
    if "authorization" in lowered:
        text = _AUTHORIZATION.sub(lambda match: _replace_group(match, "value", policy.replacement), text)
    if "password" in lowered or "identified" in lowered:
        text = _SQL_PASSWORD.sub(lambda match: _replace_group(match, _filled(match), policy.replacement), text)
    return _redact_pairs(policy, text)


def _redact_pairs(policy: RedactionPolicy, text: str) -> str:
    """``text`` with the value of every pair with a sensitive name replaced (quoted, repr, ``=`` and ``:``)."""
    if '":' in text or "':" in text:
        text = _replace_values(
            text, _forward_heads(_QUOTED_HEAD, text), lambda head: _quoted_value(policy, head), policy.replacement
        )
    if "," in text and ("(" in text or "[" in text):
        text = _replace_values(
            text, _forward_heads(_PAIR_REPR_HEAD, text), lambda head: _quoted_value(policy, head), policy.replacement
        )
    if "=" in text:
        text = _replace_values(
            text, _reversed_heads(_PAIR_HEAD, text), lambda head: _pair_value(policy, head), policy.replacement
        )
    if ":" in text:
        text = _replace_values(
            text, _reversed_heads(_COLON_HEAD, text), lambda head: _colon_value(policy, head), policy.replacement
        )
    return text


def _filled(match: re.Match[str]) -> str:
    """The name of the group that matched (of a pattern with alternative groups)."""
    return "single" if match["single"] is not None else "double"
