"""Examples of the naming rules ``promtool check metrics`` applies, and of their fix hints.

Every expectation here was first observed with promtool 2.42; the oracle in
``test_naming_promtool.py`` keeps checking them against the real binary.
"""

from __future__ import annotations

import pytest

from flext_observability.core.errors import FlextErrorCode, FlextFieldError
from flext_observability.core.metrics.naming import lint_family, suggest_snake_case, unit_candidates
from flext_observability.core.values import MetricKind

COUNTER, GAUGE, HISTOGRAM, SUMMARY = MetricKind.COUNTER, MetricKind.GAUGE, MetricKind.HISTOGRAM, MetricKind.SUMMARY
Code = FlextErrorCode


def lint(name: str, kind: MetricKind = GAUGE, *labels: str, help_text: object = "Help.") -> tuple[FlextFieldError, ...]:
    """Lint a family with a good help text unless told otherwise."""
    return lint_family(name, kind, help_text=help_text, label_names=labels)


def codes(name: str, kind: MetricKind = GAUGE, *labels: str, help_text: object = "Help.") -> list[Code]:
    """The codes of the problems of a family, in order."""
    return [error.code for error in lint(name, kind, *labels, help_text=help_text)]


def only(name: str, kind: MetricKind = GAUGE, *labels: str) -> FlextFieldError:
    """The single problem of a family that has exactly one."""
    errors = lint(name, kind, *labels)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("pipeline_rows_total", COUNTER),
        ("queue_depth", GAUGE),
        ("request_duration_seconds", HISTOGRAM),
        ("payload_size_bytes", SUMMARY),
        ("heap_mebibytes", GAUGE),
        ("cpu_percent", GAUGE),
        ("ms_spent", GAUGE),
        ("kb", GAUGE),
        ("counter_value", GAUGE),
        ("x_untyped", GAUGE),
        ("_total", COUNTER),
        ("x_total_total", COUNTER),
        ("jobs_count", SUMMARY),
        ("jobs_bucket", HISTOGRAM),
        ("jobs_BUCKET", GAUGE),
        ("thermometers", GAUGE),
    ],
)
def test_well_named_families_have_no_problems(name: str, kind: MetricKind) -> None:
    """Names that follow every convention, including near misses of each rule, pass."""
    assert lint(name, kind, "tap", "a_B") == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rowsProcessed", "rows_processed"),
        ("parseHTTPResponse", "parse_http_response"),
        ("HTTPRequests_total", "http_requests_total"),
        ("tap:rowCount", "tap:row_count"),
        ("x1Y", "x1_y"),
        ("a_B", "a_b"),
        ("already_snake", "already_snake"),
    ],
)
def test_suggest_snake_case_splits_words_and_lowercases(name: str, expected: str) -> None:
    """A new word starts at a capital after a lowercase letter or digit, or at the end of an acronym."""
    assert suggest_snake_case(name) == expected


def test_camel_case_metric_name_gets_a_snake_case_hint() -> None:
    """A lowercase letter followed by a capital is camelCase; the hint is the snake_case name."""
    error = only("rowsProcessed_total", COUNTER)
    assert (error.code, error.field) == (Code.NAMING_CAMEL_CASE, "name")
    assert "'rows_processed_total'" in error.message


@pytest.mark.parametrize("name", ["ABc", "a1B", "a_B", "HTTP"])
def test_capitals_without_a_lowercase_before_them_are_not_camel_case(name: str) -> None:
    """The linter only looks for ``[a-z][A-Z]``: a capital right after a lowercase letter."""
    assert Code.NAMING_CAMEL_CASE not in codes(name)


def test_camel_case_label_names_are_reported_per_label() -> None:
    """Each camelCase label gets its own error on its own field, with a snake_case hint."""
    errors = lint("rows_total", COUNTER, "tapName", "a_B", "sourceDb", "ABc")
    assert [(error.code, error.field) for error in errors] == [
        (Code.NAMING_CAMEL_CASE, "labels['tapName']"),
        (Code.NAMING_CAMEL_CASE, "labels['sourceDb']"),
    ]
    assert "'tap_name'" in errors[0].message


def test_colon_in_name_gets_an_underscore_hint() -> None:
    """Colons are for recording rules; the hint replaces them with underscores."""
    error = only("job:rows_total", COUNTER)
    assert (error.code, error.field) == (Code.NAMING_COLON, "name")
    assert "'job_rows_total'" in error.message


@pytest.mark.parametrize("name", ["latency_ms", "x_s_y", "x_MS", "x__ms", "_ms", "size_kb_total", "age_d", "x_Sec"])
def test_abbreviated_units_after_the_first_part_are_reported(name: str) -> None:
    """Any part but the first that is an abbreviation, in any letter case, is reported."""
    kind = COUNTER if name.endswith("_total") else GAUGE
    assert codes(name, kind) == [Code.NAMING_ABBREVIATED_UNIT]


@pytest.mark.parametrize("name", ["ms_latency", "kb", "x_secs", "x_min", "x_kib", "x_msec"])
def test_first_parts_and_other_words_are_not_abbreviations(name: str) -> None:
    """The first part is never checked, and only promlint's fourteen abbreviations count."""
    assert Code.NAMING_ABBREVIATED_UNIT not in codes(name)


def test_each_distinct_abbreviation_is_reported_once() -> None:
    """``x_ms_s_MS`` holds two abbreviations (``ms`` twice, in two cases), so it gets two errors."""
    errors = lint("x_ms_s_MS")
    assert [error.code for error in errors] == [Code.NAMING_ABBREVIATED_UNIT] * 2
    assert errors[0].message.startswith("'ms' abbreviates milliseconds")
    assert errors[1].message.startswith("'s' abbreviates seconds")


@pytest.mark.parametrize(
    ("name", "hints"),
    [
        ("latency_ms", ["record seconds (divide by 1000)", "'latency_seconds'"]),
        ("latency_s", ["rename it to 'latency_seconds'"]),
        ("size_kb", ["record bytes (multiply by 1000)", "'size_bytes'"]),
        ("lag_m", ["for minutes, record seconds (multiply by 60)", "'lag_seconds'", "for meters", "'lag_meters'"]),
    ],
)
def test_abbreviation_hints_name_the_base_unit_and_the_conversion(name: str, hints: list[str]) -> None:
    """The hint spells the unit out in its base unit, with the factor to apply."""
    message = only(name).message
    for hint in hints:
        assert hint in message


@pytest.mark.parametrize(
    ("name", "unit", "base", "hint"),
    [
        ("job_minutes", "minutes", "seconds", "record seconds (multiply by 60) and rename it to 'job_seconds'"),
        ("milliseconds", "milliseconds", "seconds", "(divide by 1000) and rename it to 'seconds'"),
        ("link_kilobits", "kilobits", "bytes", "(multiply by 125)"),
        ("heap_mibibytes", "mibibytes", "bytes", "(multiply by 1048576)"),
        ("reach_inches", "inches", "meters", "(multiply by 0.0254)"),
        ("core_kelvins", "kelvins", "kelvin", "keep the values and rename it to 'core_kelvin'"),
        ("core_millikelvin", "millikelvin", "kelvin", "(divide by 1000)"),
        ("room_fahrenheit", "fahrenheit", "celsius", "(subtract 32 and multiply by 5/9)"),
        (
            "room_millifahrenheit",
            "millifahrenheit",
            "celsius",
            "(divide by 1000 to get fahrenheit, then subtract 32 and multiply by 5/9 to get celsius)",
        ),
        ("road_kilometres", "kilometres", "metres", "rename it to 'road_metres'"),
    ],
)
def test_non_base_units_get_the_base_unit_and_a_conversion(name: str, unit: str, base: str, hint: str) -> None:
    """A unit of promlint's table that is not a base unit names the base unit and how to convert."""
    error = only(name)
    assert (error.code, error.field) == (Code.NAMING_NON_BASE_UNIT, "name")
    assert error.message.startswith(f"use base unit '{base}' instead of '{unit}': ")
    assert hint in error.message


@pytest.mark.parametrize("name", ["x_seconds", "x_metres", "x_Milliseconds", "x_mebibytes", "x_percent", "x_kilo"])
def test_base_units_and_unknown_words_are_not_non_base_units(name: str) -> None:
    """Base units, other letter cases and words outside promlint's table pass."""
    assert Code.NAMING_NON_BASE_UNIT not in codes(name)


def test_the_prefixed_unit_wins_over_the_bare_one() -> None:
    """For one unit, the linter tries the prefixes (in its order) before the bare unit."""
    assert unit_candidates("x_bytes_kilobytes") == (("kilobytes", "bytes"),)
    assert unit_candidates("x_kilobytes_bytes") == (("kilobytes", "bytes"),)
    assert unit_candidates("x_kiloseconds_milliseconds") == (("milliseconds", "seconds"),)
    assert [error.message[:48] for error in lint("x_bytes_kilobytes")] == [
        "use base unit 'bytes' instead of 'kilobytes': re",
    ]


def test_every_unit_promtool_may_pick_is_reported() -> None:
    """With two units in a name promtool checks either one, so every non-base one is reported."""
    assert unit_candidates("x_kelvin_minutes") == (("kelvin", "kelvin"), ("minutes", "seconds"))
    assert codes("x_kelvin_minutes") == [Code.NAMING_NON_BASE_UNIT]
    assert [error.message.split(":")[0] for error in lint("x_hours_minutes")] == [
        "use base unit 'seconds' instead of 'hours'",
        "use base unit 'seconds' instead of 'minutes'",
    ]


@pytest.mark.parametrize(
    ("name", "kind", "types"),
    [
        ("rows_counter_total", COUNTER, ["counter"]),
        ("x_Gauge", GAUGE, ["gauge"]),
        ("x_histogram_summary", SUMMARY, ["histogram", "summary"]),
        ("x_counter_", GAUGE, ["counter"]),
        ("x_gauge_histogram", HISTOGRAM, ["gauge", "histogram", "gauge_histogram"]),
        ("gauge_histogram", GAUGE, ["histogram"]),
    ],
)
def test_type_names_after_an_underscore_are_reported(name: str, kind: MetricKind, types: list[str]) -> None:
    """Every metric type after a ``_``, in any case and whatever the family's type, is reported once."""
    errors = lint(name, kind)
    assert [error.code for error in errors] == [Code.NAMING_TYPE_IN_NAME] * len(types)
    assert [error.message.split("'")[1] for error in errors] == types


def test_type_hint_drops_the_type_from_the_name() -> None:
    """The hint is the name without the type word."""
    assert "drop it: 'rows_total'" in only("rows_Counter_total", COUNTER).message


def test_counters_need_the_total_suffix() -> None:
    """A counter exposed without ``_total`` is told to add it."""
    error = only("rows", COUNTER)
    assert (error.code, error.field) == (Code.NAMING_TOTAL_SUFFIX, "name")
    assert "'rows_total'" in error.message
    assert codes("rows_TOTAL", COUNTER) == [Code.NAMING_TOTAL_SUFFIX]


@pytest.mark.parametrize("kind", [GAUGE, HISTOGRAM, SUMMARY])
def test_only_counters_may_end_in_total(kind: MetricKind) -> None:
    """Any other type ending in ``_total`` is told to drop the suffix."""
    error = only("queue_total", kind)
    assert error.code is Code.NAMING_TOTAL_SUFFIX
    assert f"this is a {kind.value}" in error.message
    assert "'queue'" in error.message


@pytest.mark.parametrize(
    ("name", "kind", "suffixes"),
    [
        ("x_bucket", GAUGE, ["_bucket"]),
        ("x_count", GAUGE, ["_count"]),
        ("x_sum", GAUGE, ["_sum"]),
        ("x_bucket", SUMMARY, ["_bucket"]),
        ("x_count", SUMMARY, []),
        ("x_sum", HISTOGRAM, []),
        ("x_bucket_total", COUNTER, []),
        ("x_Count", GAUGE, []),
    ],
)
def test_reserved_suffixes_belong_to_histograms_and_summaries(name: str, kind: MetricKind, suffixes: list[str]) -> None:
    """``_bucket`` is a histogram's, ``_count`` and ``_sum`` a histogram's or summary's (exact case)."""
    errors = [error for error in lint(name, kind) if error.code is Code.NAMING_RESERVED_SUFFIX]
    assert [error.message.split("'")[1] for error in errors] == suffixes


def test_a_counter_with_a_reserved_suffix_gets_both_problems() -> None:
    """``c_count`` as a counter lacks ``_total`` and ends in ``_count``."""
    assert codes("c_count", COUNTER) == [Code.NAMING_TOTAL_SUFFIX, Code.NAMING_RESERVED_SUFFIX]


@pytest.mark.parametrize(
    ("kind", "reported"),
    [(COUNTER, ["le", "quantile"]), (GAUGE, ["le", "quantile"]), (HISTOGRAM, ["quantile"]), (SUMMARY, ["le"])],
)
def test_le_and_quantile_labels_belong_to_histograms_and_summaries(kind: MetricKind, reported: list[str]) -> None:
    """``le`` is reported on anything but a histogram, ``quantile`` on anything but a summary."""
    name = "x_total" if kind is COUNTER else "x"
    errors = lint(name, kind, "le", "quantile", "LE", "le_x")
    assert [error.field for error in errors] == [f"labels[{label!r}]" for label in reported]
    assert {error.code for error in errors} <= {Code.NAMING_RESERVED_LABEL}
    if reported:
        assert "'le_value'" in errors[0].message or "'quantile_value'" in errors[0].message


@pytest.mark.parametrize("help_text", [None, "", " ", "\t", " \t ", 42, b"bytes"])
def test_missing_or_blank_help_is_reported(help_text: object) -> None:
    """No help, or one of only spaces and tabs (which the parser skips), is reported on ``help``."""
    errors = lint("queue_depth", help_text=help_text)
    assert [(error.code, error.field) for error in errors] == [(Code.MISSING_HELP, "help")]
    assert "describe what it measures" in errors[0].message


@pytest.mark.parametrize("help_text", [" x", "\n", "\\", "\r", "\u00a0"])
def test_help_with_anything_but_spaces_and_tabs_counts(help_text: str) -> None:
    """A newline, backslash or other whitespace is written out as help text, so promtool sees one."""
    assert lint("queue_depth", help_text=help_text) == ()


def test_all_problems_are_reported_in_a_stable_order() -> None:
    """Name problems come first in rule order, then the help, then each label in the given order."""
    errors = lint("aB:c_kilobits_ms_counter", COUNTER, "tapName", "le", help_text=None)
    assert [(error.field, error.code) for error in errors] == [
        ("name", Code.NAMING_CAMEL_CASE),
        ("name", Code.NAMING_COLON),
        ("name", Code.NAMING_ABBREVIATED_UNIT),
        ("name", Code.NAMING_NON_BASE_UNIT),
        ("name", Code.NAMING_TYPE_IN_NAME),
        ("name", Code.NAMING_TOTAL_SUFFIX),
        ("help", Code.MISSING_HELP),
        ("labels['tapName']", Code.NAMING_CAMEL_CASE),
        ("labels['le']", Code.NAMING_RESERVED_LABEL),
    ]
    assert errors == lint("aB:c_kilobits_ms_counter", COUNTER, "tapName", "le", help_text=None)


def test_a_repeated_label_name_is_reported_once() -> None:
    """A series carries each label once, so a repeated name counts once."""
    assert codes("x", GAUGE, "aB", "aB", "le", "le") == [Code.NAMING_CAMEL_CASE, Code.NAMING_RESERVED_LABEL]


def test_label_names_may_be_any_iterable() -> None:
    """Label names are read from any iterable, such as a generator."""
    assert codes("x", GAUGE, *(label for label in ("aB",))) == [Code.NAMING_CAMEL_CASE]
    assert lint_family("x", GAUGE, help_text="h", label_names=iter(["le"]))[0].field == "labels['le']"
