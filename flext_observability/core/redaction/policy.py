"""What counts as a secret: the sensitive key words, the policy, and the key rule.

See :mod:`flext_observability.core.redaction` for the two rules; this module
holds the policy and answers whether a key is sensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from attrs import Factory, field, frozen

from flext_observability.core.checks import describe, is_encodable

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

    >>> from flext_observability.core.redaction import redact_value
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
