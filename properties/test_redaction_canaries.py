"""Planted canary secrets never survive redaction, data without secrets is left intact, and nothing raises."""

from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.redaction import (
    DEFAULT_KEYS,
    DEFAULT_MAX_DEPTH,
    DEFAULT_POLICY,
    DEFAULT_QUERY_PARAMETERS,
    DEFAULT_SAFE_SUFFIXES,
    MAX_DEPTH_LIMIT,
    is_sensitive_key,
    redact_mapping,
    redact_text,
    redact_value,
    redaction_policy,
)
from flext_observability.testing.strategies import anything, context_values, texts

canaries = st.binary(min_size=8, max_size=8).map(lambda raw: "CANARY" + raw.hex())
"""A secret that cannot occur by chance, so finding it anywhere means a leak."""

# Text around a planted secret: any characters, controls and newlines included.
noise = texts(max_size=20)

# --- sensitive keys in every spelling -----------------------------------------------
# Strategies are built once, here: building them inside each draw costs more
# than the tests themselves.

PREFIXES = ("db", "aws", "client", "x", "my", "service", "old", "upstream")
SUFFIXES = ("value", "raw", "b64", "hash", "plain", "current", "2")
assert not set(SUFFIXES) & DEFAULT_SAFE_SUFFIXES


def _random_case(draw: st.DrawFn, word: str) -> str:
    return "".join(char.upper() if draw(st.booleans()) else char for char in word)


SPELLINGS: dict[str, Callable[[list[str]], str]] = {
    "snake": "_".join,
    "kebab": "-".join,
    "dotted": ".".join,
    "camel": lambda words: words[0] + "".join(word.capitalize() for word in words[1:]),
    "pascal": lambda words: "".join(word.capitalize() for word in words),
    "upper": lambda words: "_".join(words).upper(),
    "header": lambda words: "-".join(word.capitalize() for word in words),
    # Only in keys of a structure: a name in text has no spaces.
    "spaced": " ".join,
    # Glued words can run into the key word, so it stands alone, in random case.
    "glued": "".join,
}
key_words = st.sampled_from(sorted(DEFAULT_KEYS))
prefix_lists = st.lists(st.sampled_from(PREFIXES), max_size=2)
suffix_lists = st.lists(st.sampled_from(SUFFIXES), max_size=1)
any_spelling = st.sampled_from(tuple(SPELLINGS))
name_spelling = st.sampled_from(("snake", "kebab", "dotted", "camel", "pascal", "upper", "header"))


@st.composite
def sensitive_keys(draw: st.DrawFn, spellings: st.SearchStrategy[str] = any_spelling) -> str:
    """A key holding a default key word, with other words around it, in some spelling."""
    key_word, spelling = draw(key_words), draw(spellings)
    if spelling == "glued":
        return _random_case(draw, key_word.replace("_", ""))
    return SPELLINGS[spelling]([*draw(prefix_lists), *key_word.split("_"), *draw(suffix_lists)])


@given(sensitive_keys())
def test_generated_keys_are_sensitive(key: str) -> None:
    """Every spelling of a key word among other words is recognised (the premise of the tests below)."""
    assert is_sensitive_key(DEFAULT_POLICY, key), key


# --- events with a secret planted somewhere ------------------------------------------

filler_keys = texts(max_size=8)
neighbours = st.none() | st.integers() | noise
holders = st.dictionaries(filler_keys, context_values(max_leaves=4), max_size=3)
depths = st.integers(0, DEFAULT_MAX_DEPTH + 2)
SECRET_SHAPES: tuple[Callable[[str], object], ...] = (
    lambda canary: canary,
    lambda canary: f"{canary} with words",
    lambda canary: [canary, 1],
    lambda canary: (canary,),
    lambda canary: {"inner": canary, "password": canary},
    lambda canary: {"nested": [{"deeper": canary}]},
)
secret_shapes = st.sampled_from(SECRET_SHAPES)


@st.composite
def key_planted_events(draw: st.DrawFn) -> tuple[str, object]:
    """A canary under a sensitive key, in a random event nested up to two levels past the depth limit."""
    canary = draw(canaries)
    holder: dict[str, object] = draw(holders)
    holder[draw(sensitive_keys())] = draw(secret_shapes)(canary)
    value: object = holder
    for _ in range(draw(depths)):
        neighbour = draw(neighbours)
        if draw(st.booleans()):
            value = [neighbour, value] if draw(st.booleans()) else [value, neighbour]
        else:
            # The value's key is drawn last, so that it may replace the neighbour's.
            mapping: dict[str, object] = {draw(filler_keys): neighbour}
            mapping[draw(filler_keys)] = value
            value = mapping
    return canary, value


@given(key_planted_events())
def test_secrets_under_sensitive_keys_never_survive(planted: tuple[str, object]) -> None:
    """A canary under a sensitive key, at any depth and in any shape, is gone after redaction."""
    canary, event = planted
    assert canary not in repr(redact_value(DEFAULT_POLICY, event))


# --- secrets written inside text ------------------------------------------------------

URL_SAFE = "abcXYZ0189-._~%!$'()*+,;"
schemes = st.sampled_from(("postgresql", "postgresql+psycopg", "mysql", "redis", "https", "snowflake", "s3"))
hosts = st.sampled_from(("db", "db.internal:5432", "10.0.0.7", "[::1]:6379", "acct.snowflakecomputing.com"))
rests = st.sampled_from(("", "/", "/warehouse", ":5432/dw?sslmode=require", "?x=1", "#frag", "/a@b"))
userinfo_padding = st.text(URL_SAFE + ":@=", max_size=6)
plain_users = st.text(URL_SAFE.replace(";", "") + "_", min_size=1, max_size=6)
slash_padding = st.text("abc/?#-", max_size=6)
USERINFO_SHAPES = ("password", "user", "both", "user only", "slash password")
userinfo_shapes = st.sampled_from(USERINFO_SHAPES)


def _around(draw: st.DrawFn, secret_text: str) -> str:
    return f"{draw(noise)} {secret_text} {draw(noise)}"


@st.composite
def userinfo_texts(draw: st.DrawFn, canary: str) -> str:
    """A URL with the canary as, or inside, its password or its user."""
    user, shape = draw(plain_users), draw(userinfo_shapes)
    if shape == "password":
        info = f"{user}:{draw(userinfo_padding)}{canary}{draw(userinfo_padding)}"
    elif shape == "user":
        info = f"{canary}:{draw(userinfo_padding)}"
    elif shape == "both":
        info = f"{canary}:{canary}{draw(userinfo_padding)}"
    elif shape == "user only":
        info = canary
    else:
        # An unencoded "/" in a password, as SQLAlchemy accepts.
        info = f"{user}:{canary}{draw(slash_padding)}"
    return _around(draw, f"{draw(schemes)}://{info}@{draw(hosts)}{draw(rests)}")


parameter_names = st.sampled_from(sorted(DEFAULT_QUERY_PARAMETERS)).map(str.upper) | st.sampled_from(
    sorted(DEFAULT_QUERY_PARAMETERS)
)
value_padding = st.text("abc019-._~%+/=:", max_size=4)
other_parameters = st.lists(st.tuples(st.sampled_from(["page", "sv", "sp", "q", "lang"]), st.text("abc12", max_size=4)))
url_prefixes = st.sampled_from(["https://api.example.com/v1/rows?", "/callback?", "GET /x?", ""])


@st.composite
def query_texts(draw: st.DrawFn, canary: str) -> str:
    """A URL or a bare query string with the canary as the value of a sensitive parameter."""
    name = draw(parameter_names | sensitive_keys(name_spelling))
    pairs = [f"{other}={text}" for other, text in draw(other_parameters)]
    pairs.insert(draw(st.integers(0, len(pairs))), f"{name}={draw(value_padding)}{canary}{draw(value_padding)}")
    query, prefix = "&".join(pairs), draw(url_prefixes)
    if not prefix:
        # A bare query string is one only as the whole text: in free text
        # "code=1" is an exit code, and only key words count there.
        return f"{query} {draw(noise)}"
    return _around(draw, prefix + query)


password_names = st.sampled_from(["password", "PWD", "Pwd", "passwd", "Password", "api_key", "client_secret"])
password_words = st.lists(st.text("abcXYZ01!#$", min_size=1, max_size=5), max_size=2)
CONNECTION_STRINGS: tuple[Callable[[str, list[str]], str], ...] = (
    lambda name, words: f"host=db user=etl {name}={''.join(words)} dbname=dw",
    lambda name, words: f"host=db {name}='{' '.join(words)}' port=5432",
    lambda name, words: f"Driver={{ODBC 18}};Server=db;Uid=sa;{name}={''.join(words)};Encrypt=yes",
    lambda name, words: f"Server=db;User Id=sa;{name}={' '.join(words)};",
    lambda name, words: f"Server=db;{name}={{{'; '.join(words)}}};",
    lambda name, words: f"jdbc:sqlserver://db:1433;user=sa;{name}={''.join(words)};",
)
connection_strings = st.sampled_from(CONNECTION_STRINGS)


@st.composite
def connection_string_texts(draw: st.DrawFn, canary: str) -> str:
    """A libpq, ODBC or JDBC connection string with the canary in its password, spaces and all."""
    words = [canary, *draw(password_words)]
    return _around(draw, draw(connection_strings)(draw(password_names), words))


token_tails = st.text("abcXYZ019-._~+/", max_size=8)
token_padding = st.sampled_from(["", "=", "=="])
bearer_gaps = st.sampled_from([" ", "  ", "\t"])
auth_schemes = st.sampled_from(["", "Basic ", "Token ", "AWS4-HMAC-SHA256 Credential=", "Digest username=a, "])
auth_headers = st.sampled_from(["authorization", "Proxy-Authorization"])


@st.composite
def header_texts(draw: st.DrawFn, canary: str) -> str:
    """A Bearer token or an Authorization header, in any case, with the canary as the credential."""
    token = f"{canary}{draw(token_tails)}{draw(token_padding)}"
    if draw(st.booleans()):
        return _around(draw, f"{_random_case(draw, 'bearer')}{draw(bearer_gaps)}{token}")
    return _around(draw, f"{_random_case(draw, draw(auth_headers))}: {draw(auth_schemes)}{token}")


QUOTED_VALUES: tuple[Callable[[str], object], ...] = (
    lambda canary: canary,
    lambda canary: f"{canary}'quoted\"",
    lambda canary: (canary, "pw"),
    lambda canary: [1, canary],
    lambda canary: {"nested": canary},
    lambda canary: canary.encode(),
)
quoted_values = st.sampled_from(QUOTED_VALUES)
config_neighbours = st.dictionaries(st.sampled_from(["host", "port", "user", "rows"]), texts(max_size=8), max_size=2)


@st.composite
def quoted_texts(draw: st.DrawFn, canary: str) -> str:
    """A dict printed into a message, by repr or as JSON, with the canary under a sensitive key."""
    value = draw(quoted_values)(canary)
    config = {**draw(config_neighbours), draw(sensitive_keys(name_spelling)): value}
    if draw(st.booleans()) and not isinstance(value, bytes | tuple):
        return _around(draw, f"config {json.dumps(config)}")
    return _around(draw, f"config {config!r}")


TEXT_SHAPES = (userinfo_texts, query_texts, connection_string_texts, header_texts, quoted_texts)
text_shapes = st.sampled_from(TEXT_SHAPES)


@st.composite
def text_planted(draw: st.DrawFn) -> tuple[str, str]:
    """A canary planted in one of the text shapes redaction knows."""
    canary = draw(canaries)
    return canary, draw(draw(text_shapes)(canary))


@given(text_planted())
def test_secrets_inside_text_never_survive(planted: tuple[str, str]) -> None:
    """A canary in URL userinfo, a query, a connection string, a header or a printed dict is gone."""
    canary, text = planted
    redacted = redact_text(DEFAULT_POLICY, text)
    assert canary not in redacted
    assert canary not in repr(redact_value(DEFAULT_POLICY, {"message": text, "items": [text]}))


@given(text_planted())
def test_redacting_twice_changes_nothing_more(planted: tuple[str, str]) -> None:
    """Redaction is idempotent: redacted text holds nothing left to redact."""
    once = redact_text(DEFAULT_POLICY, planted[1])
    assert redact_text(DEFAULT_POLICY, once) == once


# --- data without secrets -------------------------------------------------------------


def _secret_free(text: str) -> bool:
    lowered = text.lower()
    return not any(mark in text for mark in ("://", "=", '":', "':")) and not any(
        word in lowered for word in ("bearer", "authorization")
    )


plain_texts = st.text(st.characters(), max_size=30).filter(_secret_free)
plain_keys = plain_texts.filter(lambda key: not is_sensitive_key(DEFAULT_POLICY, key))


def _no_sensitive_pair(items: list[object]) -> bool:
    """Not a two-item list whose first item is a sensitive name: such a list is a header pair, redacted by design."""
    return not (len(items) == 2 and isinstance(items[0], str) and is_sensitive_key(DEFAULT_POLICY, items[0]))


plain_events = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | plain_texts,
    lambda children: (
        st.lists(children, max_size=3).filter(_no_sensitive_pair) | st.dictionaries(plain_keys, children, max_size=3)
    ),
    max_leaves=12,
)


# Nesting past the depth limit is replaced by design; this policy allows any
# depth these events reach, so that only the secret rules are at work.
UNLIMITED = redaction_policy(max_depth=MAX_DEPTH_LIMIT)


@given(st.dictionaries(plain_keys, plain_events, max_size=5))
def test_events_without_secrets_are_left_intact(event: dict[str, object]) -> None:
    """An event with no sensitive key and no secret-shaped text comes back equal, nested or not."""
    assert redact_mapping(UNLIMITED, event) == event


@given(plain_texts)
def test_text_without_secret_shapes_is_unchanged(text: str) -> None:
    """Text without '://', '=', a quoted key, 'bearer' or 'authorization' is never changed."""
    assert redact_text(DEFAULT_POLICY, text) == text


# --- totality ---------------------------------------------------------------------------


@given(anything())
def test_redact_value_never_raises(value: object) -> None:
    """Any value at all, hostile ones included, is redacted without an exception."""
    redact_value(DEFAULT_POLICY, value)
    redact_value(DEFAULT_POLICY, {"password": value, "k": value, "list": [value]})


@given(st.dictionaries(st.text(max_size=8), anything(), max_size=4))
def test_redact_mapping_never_raises(event: dict[str, object]) -> None:
    """A top-level event of any content gives a dict, without an exception."""
    result = redact_mapping(DEFAULT_POLICY, event)
    assert isinstance(result, dict)


@given(st.text(st.characters(), max_size=60))
def test_redact_text_is_total(text: str) -> None:
    """Any text, lone surrogates and control characters included, is redacted to text."""
    assert isinstance(redact_text(DEFAULT_POLICY, text), str)
