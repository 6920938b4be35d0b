"""Examples of every redaction rule: sensitive keys, secrets inside text, and structures."""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping
from typing import NoReturn

import pytest

from flext_observability.core.redaction import (
    DEFAULT_KEYS,
    DEFAULT_POLICY,
    DEFAULT_QUERY_PARAMETERS,
    DEFAULT_SAFE_SUFFIXES,
    RedactionPolicy,
    is_sensitive_key,
    redact_mapping,
    redact_text,
    redact_value,
    redaction_policy,
)
from flext_observability.testing.strategies import HOSTILE_MAKERS

R = "REDACTED"


def _fail(*_args: object) -> NoReturn:
    message = "unreadable"
    raise RuntimeError(message)


class _UnreadableMapping(Mapping[str, object]):
    """A mapping that says it has one key and fails when asked for it."""

    def __getitem__(self, key: str) -> object:
        _fail()

    def __iter__(self) -> Iterator[str]:
        return iter(["password"])

    def __len__(self) -> int:
        return 1


class _FailingKey(str):
    """A text key that cannot be hashed, so no dict can hold it."""

    __slots__ = ()
    __hash__ = _fail


class _Shouting(str):
    """A str subclass whose methods lie: redaction must read the text itself."""

    __slots__ = ()

    def __contains__(self, item: object) -> bool:
        return False

    def isidentifier(self) -> bool:
        return True


# --- keys ----------------------------------------------------------------------

# The table the rule is designed against: secrets as services, drivers and
# HTTP name them, and everyday keys that share a word with a secret.
MUST_REDACT = (
    *("password", "db_password", "PGPASSWORD", "dbpassword", "adminpass", "pass"),
    *("api_key", "apiKey", "x-api-key", "authorization", "access_token", "refresh_token"),
    *("client_secret", "client_key", "private_key", "session_id", "cookie", "set-cookie"),
)
MUST_NOT_REDACT = (
    *("auth_method", "auth_provider", "session_duration", "session_state", "signature_algorithm"),
    *("cookie_consent", "token_count", "tokens_total", "partition_key", "sort_key", "cache_key"),
)


@pytest.mark.parametrize("key", MUST_REDACT)
def test_the_table_of_keys_that_must_be_redacted(key: str) -> None:
    """Ensures every key of the must-redact table is sensitive, and its value hidden in an event."""
    assert is_sensitive_key(DEFAULT_POLICY, key)
    assert redact_mapping(DEFAULT_POLICY, {key: "CanaryS3cret"}) == {key: R}


@pytest.mark.parametrize("key", MUST_NOT_REDACT)
def test_the_table_of_keys_that_must_not_be_redacted(key: str) -> None:
    """Ensures no key of the must-not table is sensitive: its value reaches the output as it is."""
    assert not is_sensitive_key(DEFAULT_POLICY, key)
    assert redact_mapping(DEFAULT_POLICY, {key: "oauth"}) == {key: "oauth"}


@pytest.mark.parametrize(
    ("key", "sensitive"),
    [
        ("PGPASSWORD", True),
        ("rootpassword", True),
        ("userPass", True),
        ("dbpwd", True),
        ("XAPIKEY", True),
        ("mysessionid", True),
        ("bypass_cache", False),
        ("compass_heading", False),
        ("passenger", False),
        ("possession", False),
        ("oauth", False),
    ],
)
def test_glued_key_words_count_at_the_end_of_a_word(key: str, sensitive: bool) -> None:
    """Ensures a glued key word counts at a word's end, ordinary words (bypass) and qualifiers (oauth) do not."""
    assert is_sensitive_key(DEFAULT_POLICY, key) is sensitive


def test_glued_key_words_must_be_key_words() -> None:
    """Ensures a glued key word that is not a key word is refused at set-up, and defaults follow the keys."""
    with pytest.raises(ValueError, match=r"^glued_keys must be key words too; add \['pin'\] to keys"):
        redaction_policy(glued_keys=["pin"])
    only_pin = redaction_policy(keys=["pin"], glued_keys=["pin"])
    assert is_sensitive_key(only_pin, "cardpin")
    assert not is_sensitive_key(only_pin, "PGPASSWORD")
    assert redaction_policy(keys=["token"]).glued_keys == {"token"}
    assert not is_sensitive_key(redaction_policy(ordinary_words=["adminpass"]), "adminpass")


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "db_password",
        "DB_PASSWORD",
        "dbPassword",
        "X-Api-Key",
        "x_api_key",
        "apikey",
        "APIKey",
        "api.key",
        "accessToken",
        "access_token",
        "Set-Cookie",
        "cookie",
        "AWS_SECRET_ACCESS_KEY",
        "aws_access_key_id",
        "client_secret",
        "Authorization",
        "Proxy-Authorization",
        "basic_auth",
        "session_id",
        "sessionId",
        "PHPSESSID",
        "csrftoken",
        "XSRF-TOKEN",
        "private_key",
        "privateKey",
        "password2",
        "pwd",
        "MYSQL_PWD",
        "dsn",
        "connection string",
        "service.credentials",
        "webhook_signature",
        "token_value",
        "password_hash",
        "token_count_token",
        "_password_",
    ],
)
def test_sensitive_keys(key: str) -> None:
    """Keys holding a key word as whole words are sensitive, in any case and spelling."""
    assert is_sensitive_key(DEFAULT_POLICY, key)


@pytest.mark.parametrize(
    "key",
    [
        "max_tokens",
        "tokens_processed",
        "tokenizer",
        "passwordless_login_enabled",
        "token_count",
        "tokenCount",
        "auth_method",
        "sessionDuration",
        "cookie_consent",
        "input_token_count",
        "secret_name",
        "token_uri",
        "private_key_path",
        "auth_type",
        "password_length",
        "author",
        "oauth",
        "primary_key",
        "partition_key",
        "passport",
        "rows",
        "table_name",
        "Rows",
        "",
        "_",
        "123",
        "密码",
    ],
)
def test_keys_that_are_not_sensitive(key: str) -> None:
    """Plurals, longer words and keys that describe a secret (token_count) are not sensitive."""
    assert not is_sensitive_key(DEFAULT_POLICY, key)


@pytest.mark.parametrize("key", [42, None, b"password", ("password",), object()])
def test_keys_that_are_not_text_are_not_sensitive(key: object) -> None:
    """Only text keys can be sensitive."""
    assert not is_sensitive_key(DEFAULT_POLICY, key)


def test_str_subclass_keys_are_read_as_text() -> None:
    """A key of a str subclass is judged by its text, whatever its methods say."""
    assert is_sensitive_key(DEFAULT_POLICY, _Shouting("db_password"))


def test_policies_without_key_words_or_safe_suffixes() -> None:
    """No key words means no sensitive key; no safe suffixes means token_count is sensitive."""
    none = redaction_policy(keys=())
    assert not is_sensitive_key(none, "password")
    strict = redaction_policy(safe_suffixes=())
    assert is_sensitive_key(strict, "token_count")


# --- the policy ------------------------------------------------------------------


def test_policy_settings_are_normalised_and_combined() -> None:
    """Key words in any spelling are stored as lowercase words; extras add to the defaults."""
    policy = redaction_policy(
        keys=["X-Pin-Code", "BankAccount"],
        extra_keys=["otp"],
        query_parameters=[" Sig "],
        extra_query_parameters=["X-Custom-Token"],
        safe_suffixes=["Hint"],
        replacement="***",
        max_depth=3,
    )
    assert policy.keys == {"x_pin_code", "bank_account", "otp"}
    assert policy.query_parameters == {"sig", "x-custom-token"}
    assert policy.safe_suffixes == {"hint"}
    assert (policy.replacement, policy.max_depth) == ("***", 3)
    assert is_sensitive_key(policy, "xPinCode")
    assert is_sensitive_key(policy, "user_bank_account")
    assert not is_sensitive_key(policy, "otp_hint")
    assert not is_sensitive_key(policy, "password")
    assert DEFAULT_POLICY.keys == DEFAULT_KEYS
    assert DEFAULT_POLICY.query_parameters == DEFAULT_QUERY_PARAMETERS
    assert DEFAULT_POLICY.safe_suffixes == DEFAULT_SAFE_SUFFIXES


def test_policy_repr_is_readable_and_stable() -> None:
    """The repr lists every setting, sorted, and leaves the compiled pattern out."""
    policy = redaction_policy(
        keys=["token", "pwd"], query_parameters=["sig"], safe_suffixes=["count"], ordinary_words=["bypwd"]
    )
    assert repr(policy) == (
        "RedactionPolicy(keys=frozenset({'pwd', 'token'}), query_parameters=frozenset({'sig'}), "
        "safe_suffixes=frozenset({'count'}), glued_keys=frozenset({'pwd', 'token'}), "
        "ordinary_words=frozenset({'bypwd'}), replacement='REDACTED', max_depth=8)"
    )


def test_policies_compare_hash_and_pickle_by_settings() -> None:
    """Two policies with the same settings are equal, hash alike and survive pickling."""
    assert redaction_policy() == DEFAULT_POLICY
    assert hash(redaction_policy()) == hash(DEFAULT_POLICY)
    assert redaction_policy(replacement="x") != DEFAULT_POLICY
    copy = pickle.loads(pickle.dumps(DEFAULT_POLICY))  # noqa: S301 - our own data
    assert copy == DEFAULT_POLICY
    assert is_sensitive_key(copy, "db_password")
    assert isinstance(copy, RedactionPolicy)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"keys": "password"}, "keys must be a collection of words, not one string"),
        ({"extra_keys": 5}, "extra_keys must be a collection of words, got a value of type int"),
        ({"keys": ["token", 7]}, "keys: every entry must be text, got a value of type int"),
        ({"extra_keys": ["--"]}, "extra_keys: '--' has no letters or digits to match"),
        ({"query_parameters": ["  "]}, "query_parameters: '  ' has no letters or digits"),
        ({"replacement": ""}, "replacement must be non-empty text, got ''"),
        ({"replacement": None}, "replacement must be non-empty text, got a value of type NoneType"),
        ({"max_depth": 0}, "max_depth must be an integer from 1 to 100, got 0"),
        ({"max_depth": 101}, "max_depth must be an integer from 1 to 100, got 101"),
        ({"max_depth": True}, "max_depth must be an integer from 1 to 100, got True"),
    ],
)
def test_nonsense_settings_are_refused_with_a_clear_message(settings: dict[str, object], message: str) -> None:
    """Settings that cannot work raise ValueError at set-up, saying what is wrong."""
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        redaction_policy(**settings)  # type: ignore[arg-type]


# --- text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://etl:hunter2@db:5432/dw", f"postgresql://{R}:{R}@db:5432/dw"),
        ("see https://etl@db.example.com/x", f"see https://{R}@db.example.com/x"),
        ("redis://:s3cret@cache:6379/0", f"redis://:{R}@cache:6379/0"),
        ("ftp://anonymous:@files", f"ftp://{R}:@files"),
        ("http://@host/", "http://@host/"),
        ("mysql://u:p@ss:w@rd@db/x", f"mysql://{R}:{R}@db/x"),
        ("postgresql://etl:pa/ss?w#rd@db/x", f"postgresql://{R}:{R}@db/x"),
        ("http://host:8080/users/jane@example.com", "http://host:8080/users/jane@example.com"),
        ("http://host/users/jane@example.com", "http://host/users/jane@example.com"),
        ("http://[::1]:8080/a@b", "http://[::1]:8080/a@b"),
        ("a https://u:p@h b https://v:q@k", f"a https://{R}:{R}@h b https://{R}:{R}@k"),
        ("mailto jane@example.com, see https://example.com", "mailto jane@example.com, see https://example.com"),
    ],
)
def test_url_userinfo_is_hidden(text: str, expected: str) -> None:
    """The user and password of a URL are replaced; host, port, path and plain URLs are kept."""
    assert redact_text(DEFAULT_POLICY, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=abc%2Fdef",
            f"https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig={R}",
        ),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F&X-Amz-Signature=f00d&X-Amz-Expires=60",
            f"https://b.s3.amazonaws.com/k?X-Amz-Credential={R}&X-Amz-Signature={R}&X-Amz-Expires=60",
        ),
        ("GET /cb?code=4/0Ad&state=xyz", f"GET /cb?code={R}&state=xyz"),
        ("https://maps.googleapis.com/api?KEY=AIza&q=x", f"https://maps.googleapis.com/api?KEY={R}&q=x"),
        ("https://h/p?db_password=x&page=2", f"https://h/p?db_password={R}&page=2"),
        ("https://h/p?token=&page=2", "https://h/p?token=&page=2"),
        ("https://h/p?page=2&per_page=50#token", "https://h/p?page=2&per_page=50#token"),
        ("token=abc&page=2", f"token={R}&page=2"),
        ("repr 'https://h/?token=abc'", f"repr 'https://h/?token={R}'"),
        ('json "https://h/?sig=abc"', f'json "https://h/?sig={R}"'),
    ],
)
def test_sensitive_query_parameters_are_hidden(text: str, expected: str) -> None:
    """Sensitive query parameter values are replaced, names kept, whatever their case."""
    assert redact_text(DEFAULT_POLICY, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("host=db user=etl password=s3cret dbname=dw", f"host=db user=etl password={R} dbname=dw"),
        ("host=db password='s3 cret' port=5432", f"host=db password='{R}' port=5432"),
        ("host=db password='' port=5432", "host=db password='' port=5432"),
        ('run --token="a b" now', f'run --token="{R}" now'),
        ("Driver={ODBC 18};Server=db;Uid=sa;Pwd={p;w d};", f"Driver={{ODBC 18}};Server=db;Uid=sa;Pwd={{{R}}};"),
        ("Server=db;User Id=sa;Password=my secret pass;Encrypt=yes", f"Server=db;User Id=sa;Password={R};Encrypt=yes"),
        ("jdbc:sqlserver://db:1433;user=sa;password=x#y;", f"jdbc:sqlserver://db:1433;user=sa;password={R};"),
        ("Server=db;key=abc", f"Server=db;key={R}"),
        ("retry with token=abc rows=5", f"retry with token={R} rows=5"),
        ("exit code=1 key=users:42", "exit code=1 key=users:42"),
        ("tokens=1200 max_tokens=4096 token_count=3", "tokens=1200 max_tokens=4096 token_count=3"),
        ("a == b", "a == b"),
        ("Session(auth=('u', 'p w'), verify=True)", f"Session(auth={R}, verify=True)"),
        ("opts(token=[1, 2] n=1)", f"opts(token={R} n=1)"),
        ("command='psql password=x' done", f"command='psql password={R} done"),
    ],
)
def test_connection_string_and_free_text_pairs(text: str, expected: str) -> None:
    """name=value pairs with a sensitive name are hidden in connection strings and free text."""
    assert redact_text(DEFAULT_POLICY, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", f"Bearer {R}"),
        ("sent bearer abc-def_ghi~jkl+mno/pqr== to api", f"sent bearer {R} to api"),
        ("BEARER\tx", f"BEARER\t{R}"),
        ("Authorization: Basic dXNlcjpwYXNz", f"Authorization: {R}"),
        ("proxy-authorization: Digest username=a, response=b\nnext", f"proxy-authorization: {R}\nnext"),
        ("AUTHORIZATION='Token abc' ok", f"AUTHORIZATION='{R}' ok"),
        ("authorization failed: missing scope", "authorization failed: missing scope"),
        ("the bearer of bad news", f"the bearer {R} bad news"),
    ],
)
def test_bearer_tokens_and_authorization_headers(text: str, expected: str) -> None:
    """Bearer tokens, in any case, and whatever follows Authorization: are hidden."""
    assert redact_text(DEFAULT_POLICY, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cfg {'host': 'db', 'password': 'hunter2'}", f"cfg {{'host': 'db', 'password': '{R}'}}"),
        ('cfg {"user": "etl", "apiKey": "AIza"}', f'cfg {{"user": "etl", "apiKey": "{R}"}}'),
        ("cfg {'pin': 1, 'secret': 1234}", f"cfg {{'pin': 1, 'secret': {R}}}"),
        ('cfg {"token": "a\\"b", "n": 1}', f'cfg {{"token": "{R}", "n": 1}}'),
        ("truncated {'password': 'hunt", f"truncated {{'password': {R}"),
        ("cfg {'session': {'id': 'x'}, 'n': 1}", f"cfg {{'session': {R}, 'n': 1}}"),
        ("cfg {'auth': ('etl', 'p)w'), 'n': 1}", f"cfg {{'auth': {R}, 'n': 1}}"),
        ("cfg {'password': b'x,y' }", f"cfg {{'password': {R} }}"),
        ("cfg {'token': Secret(value='abc', kind=[1, 2])}", f"cfg {{'token': {R}}}"),
        ("cfg {'password': [1,\n2]}", f"cfg {{'password': {R}\n2]}}"),
        ("cfg {'password': }", "cfg {'password': }"),
        ("cfg {'rows': 'many'}", "cfg {'rows': 'many'}"),
        ("""cfg {'note': '{"password": "x"}'}""", f"""cfg {{'note': '{{"password": "{R}"}}'}}"""),
    ],
)
def test_quoted_pairs_in_messages(text: str, expected: str) -> None:
    """JSON and Python reprs put into a message get sensitive values hidden, quotes kept."""
    assert redact_text(DEFAULT_POLICY, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login failed, password: hunter2", f"login failed, password: {R}"),
        ("PGPASSWORD: 's3 cret' for etl", f"PGPASSWORD: '{R}' for etl"),
        ("X-Api-Key:AIza, next", f"X-Api-Key:{R}, next"),
        ("auth_method: oauth; rows: 5", "auth_method: oauth; rows: 5"),
        ("authorization failed: missing scope", "authorization failed: missing scope"),
        ("error: password incorrect", "error: password incorrect"),
        ("see http://host:8080/x at 12:30:00", "see http://host:8080/x at 12:30:00"),
        ("password:", "password:"),
    ],
)
def test_prose_and_yaml_pairs(text: str, expected: str) -> None:
    """Ensures ``name: value`` in prose or YAML hides the value of a sensitive name, and only that."""
    assert redact_text(DEFAULT_POLICY, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CREATE ROLE etl LOGIN PASSWORD 'hunter2'", f"CREATE ROLE etl LOGIN PASSWORD '{R}'"),
        ("alter user etl with password 'it''s' valid until 'x'", f"alter user etl with password '{R}' valid until 'x'"),
        ("CREATE USER 'etl'@'%' IDENTIFIED BY 'pw'", f"CREATE USER 'etl'@'%' IDENTIFIED BY '{R}'"),
        ('ALTER ROLE x PASSWORD = "pw"', f'ALTER ROLE x PASSWORD = "{R}"'),
        ("ALTER ROLE x PASSWORD NULL", "ALTER ROLE x PASSWORD NULL"),
        ("SELECT password_changed FROM users", "SELECT password_changed FROM users"),
    ],
)
def test_sql_password_literals(text: str, expected: str) -> None:
    """Ensures the password literal of CREATE/ALTER ROLE and IDENTIFIED BY is hidden in a db.statement."""
    assert redact_text(DEFAULT_POLICY, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "headers [('Authorization', 'Basic dXNl'), ('Accept', 'json')]",
            f"headers [('Authorization', '{R}'), ('Accept', 'json')]",
        ),
        ("[(b'authorization', b'Bearer x'), (b'host', b'h')]", f"[(b'authorization', {R}), (b'host', b'h')]"),
        ('["x-api-key", "k"]', f'["x-api-key", "{R}"]'),
        ("(('auth_method', 'oauth'),)", "(('auth_method', 'oauth'),)"),
        ("rows ('orders', 'lines')", "rows ('orders', 'lines')"),
    ],
)
def test_header_pairs_formatted_into_text(text: str, expected: str) -> None:
    """Ensures a header list formatted into a message (a repr, or JSON) has credential values hidden."""
    assert redact_text(DEFAULT_POLICY, text) == expected


def test_header_pair_lists_hide_credentials() -> None:
    """Ensures headers as lists of pairs (WSGI, httpx, requests; ASGI as bytes) have credential values hidden."""
    wsgi = [("Content-Type", "text/plain"), ("Authorization", "Basic dXNlcjpwYXNz"), ("Set-Cookie", "sid=abc")]
    asgi = [(b"host", b"api"), (b"authorization", b"Bearer abc"), [b"x-api-key", bytearray(b"k")]]
    assert redact_value(DEFAULT_POLICY, wsgi) == [
        ("Content-Type", "text/plain"),
        ("Authorization", R),
        ("Set-Cookie", R),
    ]
    assert redact_value(DEFAULT_POLICY, asgi) == [
        (b"host", b"api"),
        (b"authorization", R.encode()),
        [b"x-api-key", R.encode()],
    ]
    headers = redact_mapping(DEFAULT_POLICY, {"event": "request", "headers": wsgi})["headers"]
    assert isinstance(headers, list)
    assert headers[1] == ("Authorization", R)
    assert redact_value(DEFAULT_POLICY, ("auth_method", "oauth")) == ("auth_method", "oauth")
    assert redact_value(DEFAULT_POLICY, ("password", "x", "y")) == ("password", "x", "y")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "orders",
        "loaded 1200 rows into orders in 3.2 s",
        "ratio: 0.5 (see docs)",
        "a\nb\x1b[2J\u2028",
        "\udc80",
    ],
)
def test_ordinary_text_is_unchanged(text: str) -> None:
    """Text without any secret shape comes back as it is."""
    assert redact_text(DEFAULT_POLICY, text) == text


def test_text_of_a_str_subclass_is_read_as_plain_text() -> None:
    """A str subclass cannot hide a secret by answering the substring checks falsely."""
    assert redact_text(DEFAULT_POLICY, _Shouting("token=abc")) == f"token={R}"


def test_the_replacement_is_the_policys() -> None:
    """Every rule writes the policy's replacement."""
    policy = redaction_policy(replacement="[hidden]")
    text = "https://u:p@h/?sig=1 Bearer t {'password': 'x'} pwd=y"
    assert redact_text(policy, text) == (
        "https://[hidden]:[hidden]@h/?sig=[hidden] Bearer [hidden] {'password': '[hidden]'} pwd=[hidden]"
    )


# --- structures ------------------------------------------------------------------


def test_sensitive_values_are_replaced_wholesale() -> None:
    """The value under a sensitive key is replaced whatever it holds; other values are redacted in turn."""
    event = {
        "event": "connect",
        "credentials": {"user": "etl", "password": "x"},
        "headers": {"Authorization": "Basic abc", "Accept": "json"},
        "urls": ["https://u:p@h/", ("https://h/?sig=1", 3)],
        "rows": 3,
        "ratio": 0.5,
        "ok": True,
        "none": None,
        "raw": b"password=x",
    }
    assert redact_value(DEFAULT_POLICY, event) == {
        "event": "connect",
        "credentials": R,
        "headers": {"Authorization": R, "Accept": "json"},
        "urls": [f"https://{R}:{R}@h/", (f"https://h/?sig={R}", 3)],
        "rows": 3,
        "ratio": 0.5,
        "ok": True,
        "none": None,
        "raw": b"password=x",
    }


def test_keys_holding_secrets_are_redacted_and_other_keys_kept() -> None:
    """A text key is redacted as text; keys of other types are kept as they are."""
    assert redact_value(DEFAULT_POLICY, {"https://u:p@h": 1, 7: "x", None: "Bearer t"}) == {
        f"https://{R}:{R}@h": 1,
        7: "x",
        None: f"Bearer {R}",
    }


def test_containers_come_back_as_new_plain_containers() -> None:
    """Any mapping becomes a dict, lists stay lists and tuples stay tuples, all new."""
    source = {"a": [1], "b": (2,)}
    result = redact_value(DEFAULT_POLICY, source)
    assert result == source
    assert result is not source
    assert type(redact_value(DEFAULT_POLICY, _ListOf([1]))) is list
    assert type(redact_value(DEFAULT_POLICY, _TupleOf((1,)))) is tuple


class _ListOf(list[object]):
    """A list subclass."""


class _TupleOf(tuple[object, ...]):
    """A tuple subclass."""

    __slots__ = ()


def test_str_subclasses_are_kept_unless_redacted() -> None:
    """A text of a str subclass comes back as itself when it holds no secret, as plain text otherwise."""
    clean = _Shouting("orders")
    assert redact_value(DEFAULT_POLICY, clean) is clean
    assert redact_value(DEFAULT_POLICY, _Shouting("pwd=x")) == f"pwd={R}"


def test_nesting_deeper_than_the_limit_is_replaced() -> None:
    """Containers nested deeper than max_depth become the replacement; shallower ones are kept."""
    policy = redaction_policy(max_depth=2)
    assert redact_value(policy, {"a": {"b": {"c": 1}}, "d": ["x"]}) == {"a": {"b": R}, "d": ["x"]}
    assert redact_value(policy, [[[1]], "https://u:p@h"]) == [[R], f"https://{R}:{R}@h"]
    assert redact_mapping(redaction_policy(max_depth=1), {"a": {"b": 1}, "c": "d"}) == {"a": R, "c": "d"}


def test_cycles_end_at_the_first_repeat() -> None:
    """A container that holds itself is replaced where it repeats, however often it repeats."""
    loop: list[object] = ["x"]
    loop.extend([loop] * 1000)
    assert redact_value(DEFAULT_POLICY, loop) == ["x", *[R] * 1000]
    shared = {"k": "v"}
    assert redact_value(DEFAULT_POLICY, [shared, shared]) == [{"k": "v"}, {"k": "v"}]


@pytest.mark.parametrize("make", HOSTILE_MAKERS)
def test_hostile_values_never_raise(make: object) -> None:
    """Values whose methods raise are returned unchanged or replaced, never raised from."""
    value = make()  # type: ignore[operator]
    redact_value(DEFAULT_POLICY, value)
    redact_value(DEFAULT_POLICY, {"k": value, "password": value})
    redact_mapping(DEFAULT_POLICY, {"k": value})


def test_what_cannot_be_read_is_replaced() -> None:
    """A mapping or list that fails when read is replaced; its neighbours are kept."""
    event = {"bad": _UnreadableMapping(), "list": _FailingList([1]), "ok": "fine"}
    assert redact_value(DEFAULT_POLICY, event) == {"bad": R, "list": R, "ok": "fine"}


class _FailingList(list[object]):
    """A list whose iteration fails."""

    def __iter__(self) -> Iterator[object]:
        _fail()


def test_a_mapping_with_an_unhashable_text_key_is_replaced() -> None:
    """A key that cannot go into the new dict makes its whole mapping the replacement."""
    weird = _PairsMapping([(_FailingKey("k"), 1)])
    assert redact_value(DEFAULT_POLICY, {"m": weird}) == {"m": R}
    assert redact_mapping(DEFAULT_POLICY, weird) == {}


class _PairsMapping(Mapping[str, object]):
    """A mapping over a list of pairs (keys need not be hashable)."""

    def __init__(self, pairs: list[tuple[str, object]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: str) -> object:
        return next(value for name, value in self._pairs if name is key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)


def test_redact_mapping_gives_a_dict_and_an_empty_one_when_unreadable() -> None:
    """A top-level event comes back as a dict; an unreadable one as an empty dict."""
    assert redact_mapping(DEFAULT_POLICY, {"event": "x", "apiKey": "k"}) == {"event": "x", "apiKey": R}
    assert redact_mapping(DEFAULT_POLICY, _UnreadableMapping()) == {}
