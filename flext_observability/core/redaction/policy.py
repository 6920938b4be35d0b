"""Redaction: keep secrets out of log events, span attributes and metric labels.

A :class:`RedactionPolicy` says what counts as a secret. Two rules apply:

- **keys**: the value under a sensitive key (``db_password``, ``X-Api-Key``,
  ``accessToken``, ``PGPASSWORD``) is replaced wholesale, whatever its type,
  and so is the value of a ``(name, value)`` header pair with a sensitive name;
- **text**: secrets written inside text are replaced and the text around them
  kept: URL userinfo, sensitive query and connection-string parameters,
  ``Bearer`` tokens, ``Authorization`` headers, quoted ``'password': ...``
  pairs (JSON or a Python ``repr`` put into a message), ``password: x`` in
  prose and SQL password literals.

The key rule is exact; the text rules are a safety net for secrets formatted
into messages, and cannot know every format. Log a secret as a field, never
inside a message, and the key rule takes care of it. Metric labels use the
text rules only: a label's name says what it counts, so ``auth_method`` keeps
its values, and only a credential inside a value is replaced.

>>> policy = redaction_policy()
>>> redact_value(policy, {"user": "etl", "db_password": "hunter2", "tables": ["orders"]})
{'user': 'etl', 'db_password': 'REDACTED', 'tables': ['orders']}
>>> redact_text(policy, "connecting to postgresql://etl:hunter2@db:5432/warehouse?sslmode=require")
'connecting to postgresql://REDACTED:REDACTED@db:5432/warehouse?sslmode=require'
>>> redact_text(policy, "GET https://api.example.com/v1/rows?page=2&access_token=ya29.abc")
'GET https://api.example.com/v1/rows?page=2&access_token=REDACTED'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final, NamedTuple, TypeVar

from attrs import Factory, field, frozen

from flext_observability.core.checks import describe, is_encodable

K = TypeVar("K")

DEFAULT_KEYS: Final = frozenset(
    (
        # Passwords under their usual spellings (MYSQL_PWD, passwd files, key passphrases, db_pass).
        *("password", "passwd", "pass", "pwd", "passphrase"),
        # Secrets of every kind: client_secret, AWS_SECRET_ACCESS_KEY, webhook_secret.
        "secret",
        # Bearer credentials: access_token, refresh_token, id_token, XSRF-TOKEN, JWTs.
        *("token", "jwt"),
        # API and cloud keys (api_key also matches apikey and apiKey). "key" alone
        # is left out: primary_key, partition_key, sort_key and a cache key are
        # everyday data, not secrets.
        *("api_key", "access_key", "account_key", "private_key", "client_key", "signing_key", "encryption_key"),
        # HTTP: Authorization and Proxy-Authorization, basic_auth, Cookie and
        # Set-Cookie ("cookie" is one of its words, so it needs no entry of its own).
        *("authorization", "auth", "cookie"),
        # Connection strings hold the password next to the host.
        *("dsn", "connection_string", "conn_str"),
        # Credentials objects, and service-account files read into memory.
        *("credential", "credentials"),
        # Session and anti-forgery ids are bearer credentials too; the cookie
        # names of Django, Java and PHP are single words.
        *("session", "sessionid", "jsessionid", "phpsessid", "csrf", "xsrf", "csrftoken"),
        # Request signatures (webhooks, presigned URLs) let anyone replay the request.
        "signature",
    ),
)
"""Key words that make a key sensitive (see :func:`is_sensitive_key`)."""

DEFAULT_GLUED_KEYS: Final = frozenset(
    ("password", "passwd", "pass", "pwd", "passphrase", "secret", "token", "api_key", "private_key", "sessionid"),
)
"""Key words that also count at the end of a longer word, where a prefix is glued
on without a separator: libpq's ``PGPASSWORD``, ``dbpassword``, ``adminpass``,
``csrftoken``, ``XAPIKEY``. Short qualifiers such as ``auth`` and ``session``
are not here: ``oauth`` and ``possession`` hold no secret."""

DEFAULT_ORDINARY_WORDS: Final = frozenset(
    ("bypass", "compass", "overpass", "underpass", "surpass", "trespass", "encompass"),
)
"""Whole words that end like a glued key word and are not secrets (``bypass_cache``)."""

DEFAULT_SAFE_SUFFIXES: Final = frozenset(
    (
        *("count", "total", "length", "size", "limit"),
        *("type", "kind", "name", "version", "format"),
        *("path", "file", "url", "uri", "endpoint"),
        *("enabled", "required", "ttl", "expiry", "expires", "expiration", "timeout", "lifetime", "age"),
        # How a credential is chosen or checked, not the credential: auth_method,
        # auth_provider, signature_algorithm, session_state, cookie_consent.
        *("method", "provider", "scheme", "mode", "strategy", "policy", "algorithm", "alg"),
        *("state", "status", "duration", "consent", "domain", "issuer", "audience", "level"),
    ),
)
"""Words that, when they are all that follows a key word, describe the secret
instead of holding it: ``token_count``, ``secret_name``, ``token_uri``,
``private_key_path``, ``auth_method``, ``session_duration``, ``password_length``
are not sensitive. (``session_id`` and ``password_hash`` stay sensitive: "id"
and "hash" are deliberately not here.)"""

DEFAULT_QUERY_PARAMETERS: Final = frozenset(
    (
        # Presigned URLs: Azure SAS (sig), S3 (Signature, X-Amz-*), GCS (X-Goog-Signature).
        *("sig", "signature", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature"),
        # OAuth 2.0 and OpenID Connect: tokens, the authorization code, the client secret.
        *("token", "access_token", "refresh_token", "id_token", "code", "client_secret"),
        # API keys (Google APIs take ?key=) and passwords some services take in the URL.
        *("api_key", "apikey", "key", "password", "pass", "secret"),
    ),
)
"""Query and connection-string parameter names whose values are secret (compared
case-insensitively and exactly; every key word of the policy counts too)."""

DEFAULT_REPLACEMENT: Final = "REDACTED"
DEFAULT_MAX_DEPTH: Final = 8
MAX_DEPTH_LIMIT: Final = 100
"""The deepest nesting a policy may allow, well inside Python's recursion limit."""
_SHOWN_INT: Final = 10**18

# Key words are stored as lowercase words joined by "_": one pass splits at
# separators of any kind, camelCase and acronym boundaries (APIKey), and
# letter/digit boundaries.
_WORD_BREAK: Final = re.compile(
    r"[\W_]+"
    r"|(?<=[a-z])(?=[A-Z])"
    r"|(?<=[A-Z])(?=[A-Z][a-z])"
    r"|(?<=[^\W\d_])(?=\d)"
    r"|(?<=\d)(?=[^\W\d_])",
)
# Keys are only lowercased, and camelCase split when there is one: the key
# pattern itself treats any non-letter as a word boundary, which spares the
# full split on every key (most keys are already lowercase).
_CAMEL_BREAK: Final = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NEVER: Final = "(?!)"


def _words(key: str) -> str:
    """``key`` as lowercase words joined by ``_`` (how key words are stored).

    >>> [_words(key) for key in ("accessToken", "X-Api-Key", "APIKey", "db.password2", "AWS_SECRET")]
    ['access_token', 'x_api_key', 'api_key', 'db_password_2', 'aws_secret']
    """
    return _WORD_BREAK.sub("_", key).lower()


def _key_text(key: str) -> str:
    """``key`` lowercased, with ``_`` at its camelCase boundaries."""
    if key.islower():
        return key
    if key.isupper() or key.istitle():
        # No lowercase letter runs into an uppercase one: nothing to split.
        return key.lower()
    return _CAMEL_BREAK.sub("_", key).lower()


def _alternatives(words: frozenset[str]) -> str:
    # Longest first, so that the pattern is the same whatever the set's order.
    # The words of a key word match with or without separators between them:
    # api_key matches api_key, api-key, apiKey and apikey.
    ordered = sorted(words, key=lambda word: (-len(word), word))
    return "|".join(re.escape(word).replace("_", r"[\W_]*") for word in ordered)


def _compile_key_pattern(policy: RedactionPolicy) -> re.Pattern[str]:
    if not policy.keys:  # glued key words are key words too
        return re.compile(_NEVER)
    # A word starts and ends where a letter does not continue it: at a
    # separator, a digit, or either end of the key.
    described = (
        rf"(?!(?:[\W\d_]+(?:{_alternatives(policy.safe_suffixes)})(?![^\W\d_]))+[\W\d_]*\Z)"
        if policy.safe_suffixes
        else ""
    )
    # The class of first letters only makes most positions fail sooner.
    first = "".join(sorted({re.escape(word[0]) for word in policy.keys}))
    heads = [rf"(?<![^\W\d_])(?=[{first}])(?:{_alternatives(policy.keys)})"]
    # Anywhere in a word, as long as it ends the word; the caller checks the
    # whole word against the ordinary words.
    glued = _NEVER
    if policy.glued_keys:
        first = "".join(sorted({re.escape(word[0]) for word in policy.glued_keys}))
        glued = rf"(?=[{first}])(?:{_alternatives(policy.glued_keys)})"
    heads.append(rf"(?P<glued>{glued})")
    return re.compile(rf"(?:{'|'.join(heads)})(?![^\W\d_]){described}")


def _sorted_set(words: frozenset[str]) -> str:
    return "frozenset({" + ", ".join(repr(word) for word in sorted(words)) + "})"


def _normalised_words(setting: str, values: object, normalise: bool) -> frozenset[str]:
    if isinstance(values, str):
        message = f"{setting} must be a collection of words, not one string; write ({describe(values)},)"
        raise ValueError(message)  # noqa: TRY004 - one exception type for every bad setting
    if not isinstance(values, Iterable):
        message = f"{setting} must be a collection of words, got {describe(values)}"
        raise ValueError(message)  # noqa: TRY004 - one exception type for every bad setting
    try:
        entries = list(values)
    except Exception as error:  # a user's collection may fail in any way: say which setting
        message = f"{setting} could not be read as a collection of words; pass a list or a set of str"
        raise ValueError(message) from error
    words: set[str] = set()
    for value in entries:
        if not isinstance(value, str):
            message = f"{setting}: every entry must be text, got {describe(value)}"
            raise ValueError(message)  # noqa: TRY004 - one exception type for every bad setting
        # str.__str__ reads a str subclass's text without calling its overrides.
        text = str.__str__(value)
        word = _words(text).strip("_") if normalise else text.strip().lower()
        if not word:
            message = f"{setting}: {describe(text)} has no letters or digits to match"
            raise ValueError(message)
        words.add(word)
    return frozenset(words)


def _checked_replacement(replacement: str) -> str:
    given: object = replacement  # the annotation binds type checkers, not every caller
    text = str.__str__(given) if isinstance(given, str) else ""
    if not text:
        message = f"replacement must be non-empty text, got {describe(given)}"
        raise ValueError(message)
    if not is_encodable(text):
        message = "replacement must encode as UTF-8; it holds lone surrogate characters"
        raise ValueError(message)
    return text


def _checked_depth(max_depth: int) -> int:
    given: object = max_depth  # the annotation binds type checkers, not every caller
    if type(given) is int and 1 <= given <= MAX_DEPTH_LIMIT:
        return given
    # Only a plain int or bool of a few digits is shown: a subclass's repr is the caller's code.
    small = type(given) in {int, bool} and -_SHOWN_INT < given < _SHOWN_INT  # type: ignore[operator]
    message = (
        f"max_depth must be an integer from 1 to {MAX_DEPTH_LIMIT}, got {repr(given) if small else describe(given)}"
    )
    raise ValueError(message)


# Converters of the policy's settings, one per field, so that a policy built
# directly is checked as one built by redaction_policy: none can fail in use.
# Words already normalised are unchanged by normalising them again.


def _key_words(values: Iterable[str]) -> frozenset[str]:
    return _normalised_words("keys", values, normalise=True)


def _parameter_names(values: Iterable[str]) -> frozenset[str]:
    return _normalised_words("query_parameters", values, normalise=False)


def _suffix_words(values: Iterable[str]) -> frozenset[str]:
    return _normalised_words("safe_suffixes", values, normalise=True)


def _glued_words(values: Iterable[str]) -> frozenset[str]:
    return _normalised_words("glued_keys", values, normalise=True)


def _ordinary_words(values: Iterable[str]) -> frozenset[str]:
    return _normalised_words("ordinary_words", values, normalise=False)


@frozen
class RedactionPolicy:
    """What counts as a secret and what replaces it; build one with :func:`redaction_policy`.

    ``keys`` (key words), ``glued_keys`` and ``safe_suffixes`` are lowercase
    words joined by ``_``; ``ordinary_words`` are lowercase words and
    ``query_parameters`` lowercase names. Containers nested more than
    ``max_depth`` levels deep are replaced wholesale. Built directly, the
    settings are checked and normalised as :func:`redaction_policy` does
    (``ValueError`` naming the setting), so every policy works in use.

    >>> RedactionPolicy(keys=["X-Pin"], query_parameters=(), safe_suffixes=()).keys
    frozenset({'x_pin'})
    >>> RedactionPolicy(keys=(), query_parameters=(), safe_suffixes=(), replacement=3)
    Traceback (most recent call last):
    ...
    ValueError: replacement must be non-empty text, got a value of type int
    """

    keys: frozenset[str] = field(converter=_key_words, repr=_sorted_set)
    query_parameters: frozenset[str] = field(converter=_parameter_names, repr=_sorted_set)
    safe_suffixes: frozenset[str] = field(converter=_suffix_words, repr=_sorted_set)
    glued_keys: frozenset[str] = field(default=DEFAULT_GLUED_KEYS, converter=_glued_words, repr=_sorted_set)
    ordinary_words: frozenset[str] = field(default=DEFAULT_ORDINARY_WORDS, converter=_ordinary_words, repr=_sorted_set)
    replacement: str = field(default=DEFAULT_REPLACEMENT, converter=_checked_replacement)
    max_depth: int = field(default=DEFAULT_MAX_DEPTH, converter=_checked_depth)
    _key_pattern: re.Pattern[str] = field(
        init=False,
        eq=False,
        repr=False,
        default=Factory(_compile_key_pattern, takes_self=True),
    )
    # The answers of is_sensitive_key so far: keys repeat (span attributes, log fields), and the answer is a
    # pure function of the policy and the key, so remembering it changes no result. Bounded: once full,
    # further keys are read each time.
    _sensitive: dict[str, bool] = field(init=False, eq=False, repr=False, factory=dict)


def redaction_policy(  # noqa: PLR0913 - one argument per setting, all keyword-only
    *,
    keys: Iterable[str] = DEFAULT_KEYS,
    extra_keys: Iterable[str] = (),
    query_parameters: Iterable[str] = DEFAULT_QUERY_PARAMETERS,
    extra_query_parameters: Iterable[str] = (),
    safe_suffixes: Iterable[str] = DEFAULT_SAFE_SUFFIXES,
    glued_keys: Iterable[str] = DEFAULT_GLUED_KEYS,
    ordinary_words: Iterable[str] = DEFAULT_ORDINARY_WORDS,
    replacement: str = DEFAULT_REPLACEMENT,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> RedactionPolicy:
    """Check the settings once and build a :class:`RedactionPolicy`.

    Key words, glued key words and safe suffixes may be given in any
    spelling: ``"X-Pin-Code"`` is stored as ``x_pin_code``; query parameter
    names and ordinary words are lowercased. ``keys`` replaces the defaults
    and ``extra_keys`` adds to them; the same holds for query parameters.
    ``glued_keys`` says which key words also count at the end of a longer
    word (by default, those of :data:`DEFAULT_GLUED_KEYS` that are among the
    key words). Raises ``ValueError`` on settings that cannot work: a single
    string where a collection is expected, an entry that is not text or has no
    letters or digits, a glued key word that is not a key word, an empty
    replacement, or a depth outside 1 to 100.

    >>> policy = redaction_policy(extra_keys=["pin"], replacement="***")
    >>> redact_value(policy, {"card_pin": 1234, "pin_length": 4})
    {'card_pin': '***', 'pin_length': 4}
    >>> redaction_policy(keys="password")
    Traceback (most recent call last):
    ...
    ValueError: keys must be a collection of words, not one string; write ('password',)
    """
    key_words = _normalised_words("keys", keys, normalise=True) | _normalised_words(
        "extra_keys", extra_keys, normalise=True
    )
    parameters = _normalised_words("query_parameters", query_parameters, normalise=False) | _normalised_words(
        "extra_query_parameters", extra_query_parameters, normalise=False
    )
    suffixes = _normalised_words("safe_suffixes", safe_suffixes, normalise=True)
    glued = _normalised_words("glued_keys", glued_keys, normalise=True)
    if glued_keys is DEFAULT_GLUED_KEYS:
        glued &= key_words
    elif not glued <= key_words:
        message = f"glued_keys must be key words too; add {sorted(glued - key_words)} to keys or extra_keys"
        raise ValueError(message)
    ordinary = _normalised_words("ordinary_words", ordinary_words, normalise=False)
    return RedactionPolicy(
        keys=key_words,
        query_parameters=parameters,
        safe_suffixes=suffixes,
        glued_keys=glued,
        ordinary_words=ordinary,
        replacement=replacement,
        max_depth=max_depth,
    )


DEFAULT_POLICY: Final = redaction_policy()
"""The default key words, glued key words, ordinary words, query parameters and safe suffixes, ``REDACTED``, depth 8."""


def is_sensitive_key(policy: RedactionPolicy, key: object) -> bool:
    """Tell whether the value under ``key`` is a secret: a key word of ``policy`` is among its words.

    The key is read as lowercase words: any character that is not a letter
    (a separator, a digit, either end) and every camelCase boundary ends a
    word. It is sensitive when a key word equals a run of whole words, the
    words of the key word joined by separators or none (``api_key`` matches
    ``X-Api-Key``, ``apiKey`` and ``APIKEY``), or when a glued key word ends
    one of its words (``PGPASSWORD``, ``adminpass``; not the ordinary words
    such as ``bypass``) — unless only safe suffixes follow it
    (``token_count``, ``auth_method``). A key in mixed case is also read
    with its case ignored, so that ``passWord`` is sensitive too. Keys that
    are not text are never sensitive.

    >>> [is_sensitive_key(DEFAULT_POLICY, key) for key in ("db_password", "X-Api-Key", "PGPASSWORD", "adminpass")]
    [True, True, True, True]
    >>> [is_sensitive_key(DEFAULT_POLICY, key) for key in ("max_tokens", "auth_method", "cache_key", "bypass", 42)]
    [False, False, False, False, False]

    Like every function here that takes a policy, anything that is not a
    :class:`RedactionPolicy` is read as :data:`DEFAULT_POLICY`: redaction
    never raises, and never stops hiding secrets.
    """
    given: object = policy  # the annotation binds type checkers, not every caller
    if not isinstance(given, RedactionPolicy):
        policy = DEFAULT_POLICY
    if not issubclass(type(key), str):
        return False
    text = str.__str__(key)
    known = policy._sensitive  # noqa: SLF001 - the policy's own memo
    answer = known.get(text)
    if answer is None:
        answer = _read_sensitive(policy, text)
        if len(known) < MAX_REMEMBERED_KEYS and len(text) <= MAX_REMEMBERED_KEY_LENGTH and text.isascii():
            known[text] = answer
    return answer


MAX_REMEMBERED_KEYS: Final = 1024
"""Keys whose sensitivity a policy remembers: with their length limit, the memo stays under about 150 KB."""
MAX_REMEMBERED_KEY_LENGTH: Final = 64
"""Longer keys, and keys that are not ASCII, are read each time, never remembered."""


def _read_sensitive(policy: RedactionPolicy, text: str) -> bool:
    if _has_key_word(policy, _key_text(text)):
        return True
    # Case that follows no convention ("passWord", "xsrF") must not hide a key
    # word, so a mixed-case key is also read with its case ignored.
    return not (text.islower() or text.isupper() or text.istitle()) and _has_key_word(policy, text.lower())


def _has_key_word(policy: RedactionPolicy, text: str) -> bool:
    pattern = policy._key_pattern  # noqa: SLF001 - the policy's own compiled key words
    position = 0
    while (match := pattern.search(text, position)) is not None:
        glued = match.start("glued")
        if glued < 0:
            return True
        start = glued
        while start and text[start - 1].isalpha():
            start -= 1
        if text[start : match.end("glued")] not in policy.ordinary_words:
            return True
        position = glued + 1
    return False


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


# --- secrets inside structures ------------------------------------------------

_ATOMS: Final = frozenset({int, float, bool, type(None), bytes, complex})


def _redact_entries(
    policy: RedactionPolicy,
    mapping: Mapping[K, object],
    depth: int,
    ancestors: tuple[int, ...],
) -> dict[K | str, object]:
    inside = (*ancestors, id(mapping))
    redacted: dict[K | str, object] = {}
    for key, item in list(mapping.items()):
        if issubclass(type(key), str):
            # A key may hold a URL; one with credentials gets them hidden too.
            text = str.__str__(key)
            name = redact_text(policy, text)
            redacted[key if name == text else name] = (
                policy.replacement if is_sensitive_key(policy, key) else _redact(policy, item, depth + 1, inside)
            )
        else:
            redacted[key] = _redact(policy, item, depth + 1, inside)
    return redacted


def _redact_any(
    policy: RedactionPolicy,
    value: object,
    depth: int,
    ancestors: tuple[int, ...],
) -> object:
    if isinstance(value, str):
        text = str.__str__(value)
        redacted = redact_text(policy, text)
        return value if redacted == text else redacted
    if not isinstance(value, Mapping | list | tuple):
        return value
    # A container seen again on the way down is a cycle; stop there.
    if depth >= policy.max_depth or id(value) in ancestors:
        return policy.replacement
    if isinstance(value, Mapping):
        return _redact_entries(policy, value, depth, ancestors)
    pair = _header_pair(policy, value)
    if pair is not None:
        return pair
    inside = (*ancestors, id(value))
    items = [_redact(policy, item, depth + 1, inside) for item in list(value)]
    return tuple(items) if isinstance(value, tuple) else items


def _header_pair(policy: RedactionPolicy, value: list[object] | tuple[object, ...]) -> object:
    """A (name, value) pair with a sensitive name, its value replaced; ``None`` for anything else.

    Headers travel as lists of pairs in WSGI, ASGI (as bytes), httpx and
    requests: ``[("Authorization", "Basic ...")]``.
    """
    if len(value) != 2:
        return None
    name, secret = value
    if isinstance(name, bytes | bytearray):
        name = bytes(name).decode("latin-1")
    if not is_sensitive_key(policy, name):
        return None
    hidden: object = policy.replacement.encode() if isinstance(secret, bytes | bytearray) else policy.replacement
    return (value[0], hidden) if isinstance(value, tuple) else [value[0], hidden]


def _redact(policy: RedactionPolicy, value: object, depth: int, ancestors: tuple[int, ...]) -> object:
    kind = type(value)
    if kind is str:
        return redact_text(policy, value)  # type: ignore[arg-type]
    if kind in _ATOMS:
        return value
    try:
        return _redact_any(policy, value, depth, ancestors)
    except Exception:  # noqa: BLE001 - what cannot be read cannot be shown safely either
        return policy.replacement


def redact_value(policy: RedactionPolicy, value: object) -> object:
    """``value`` with its secrets replaced by ``policy.replacement``; never raises.

    Text goes through :func:`redact_text`. Any mapping becomes a new ``dict``:
    the values of sensitive keys are replaced wholesale, the others redacted in
    turn, and text keys are redacted as text (a key may be a URL). Lists and
    tuples come back as lists and tuples. Containers nested deeper than
    ``policy.max_depth``, cycles, and whatever fails when read are replaced;
    every other value (numbers, bytes, other objects) is returned unchanged.
    A pair (a list or tuple of two items) whose first item is a sensitive
    name, as text or bytes, is a header: its second item is replaced.

    >>> redact_value(DEFAULT_POLICY, [{"Authorization": "Basic dXNlcjpwYXNz"}, ("https://u:p@h", 3)])
    [{'Authorization': 'REDACTED'}, ('https://REDACTED:REDACTED@h', 3)]
    >>> redact_value(DEFAULT_POLICY, [(b"host", b"api"), (b"authorization", b"Basic dXNlcjpwYXNz")])
    [(b'host', b'api'), (b'authorization', b'REDACTED')]
    >>> loop = {"name": "loop"}
    >>> loop["self"] = loop
    >>> redact_value(DEFAULT_POLICY, loop)
    {'name': 'loop', 'self': 'REDACTED'}

    A policy that is not a :class:`RedactionPolicy` is read as :data:`DEFAULT_POLICY`.
    """
    given: object = policy  # the annotation binds type checkers, not every caller
    return _redact(given if isinstance(given, RedactionPolicy) else DEFAULT_POLICY, value, 0, ())


def redact_mapping(policy: RedactionPolicy, mapping: Mapping[str, object]) -> dict[str, object]:
    """A top-level event with its secrets replaced, as a new ``dict``; never raises.

    The same as :func:`redact_value` for a mapping, except that the result is
    always a ``dict``: an event that cannot be read gives an empty one. A
    policy that is not a :class:`RedactionPolicy` is read as :data:`DEFAULT_POLICY`.

    >>> redact_mapping(DEFAULT_POLICY, {"event": "loaded", "sessionId": "8f3a", "rows": 120})
    {'event': 'loaded', 'sessionId': 'REDACTED', 'rows': 120}
    """
    try:
        given: object = policy  # the annotation binds type checkers, not every caller
        return _redact_entries(given if isinstance(given, RedactionPolicy) else DEFAULT_POLICY, mapping, 0, ())
    except Exception:  # noqa: BLE001 - an unreadable event has nothing that can be shown safely
        return {}
