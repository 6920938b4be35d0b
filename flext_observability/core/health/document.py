"""The ``application/health+json`` document of a health report.

The format is the IETF draft "Health Check Response Format for HTTP APIs"
(draft-inadarei-api-health-check). :func:`health_document` returns plain JSON
data for ``json.dumps``; it has two levels of detail, because outputs and
observed values can tell an outsider about internals (hosts, versions,
error texts):

- ``details=False``: only ``status`` and, when there are checks, ``checks``
  mapping each ``component:measurement`` key to one ``{"status": ...}`` per
  check. Nothing else: no service facts, no output, no observed value, no
  component id or type, no time.
- ``details=True``: everything the draft describes that is known. Top level:
  ``status``; ``version``, ``releaseId``, ``serviceId``, ``description``
  when not empty; ``notes`` and ``links`` when given; ``output`` only when
  the status is not ``pass``. Each check: ``componentId`` and
  ``componentType`` when not empty, ``observedValue`` when not ``None``,
  ``observedUnit`` when not empty, ``status``, ``time`` (RFC 3339, UTC),
  and ``output`` only when its status is not ``pass`` and it has one.

Each check shows its own status; the top level shows the aggregated one
(:mod:`flext_observability.core.health.report`). Keys are sorted, and the
checks under one key keep the report's order, so the same report always
gives the same document. Texts are given as they are: redacting them is the
job of whoever made the checks.

>>> from flext_observability.core.health.check import build_health_check
>>> from flext_observability.core.health.report import aggregate
>>> slow = build_health_check(
...     component="postgres", measurement="responseTime", status="warn",
...     observed_value=250, observed_unit="ms", output="slow", time=1_700_000_000.0,
... ).unwrap()
>>> report = aggregate([slow], time=1_700_000_001.0)
>>> health_document(report, details=False)
{'status': 'warn', 'checks': {'postgres:responseTime': [{'status': 'warn'}]}}
>>> health_document(report, details=True, service=build_service_info(version="1").unwrap())
... # doctest: +NORMALIZE_WHITESPACE
{'status': 'warn', 'version': '1', 'output': 'postgres:responseTime warn',
 'checks': {'postgres:responseTime': [{'observedValue': 250, 'observedUnit': 'ms', 'status': 'warn',
 'time': '2023-11-14T22:13:20.000Z', 'output': 'slow'}]}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from attrs import frozen
from returns.result import Result, Success

from flext_observability.core.checks import (
    Problems,
    check_count,
    check_text,
    invalid,
    key_path,
    read_items,
    read_sequence,
)
from flext_observability.core.errors import FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.health.report import HealthReport
from flext_observability.core.limits import MAX_LABEL_VALUE_LENGTH, MAX_TEXT_LENGTH
from flext_observability.core.timestamps import format_rfc3339
from flext_observability.core.values import HealthStatus

if TYPE_CHECKING:
    from collections.abc import Iterable

    from flext_observability.core.health.report import HealthOutcome
    from flext_observability.core.records import JsonDict, JsonValue

HEALTH_JSON: Final = "application/health+json"
"""The media type of the document, for the ``Content-Type`` header."""

MAX_NOTES: Final = 32
"""Notes one document may carry."""

MAX_LINKS: Final = 32
"""Links one document may carry."""

_ELLIPSIS: Final = "..."


@frozen(kw_only=True)
class ServiceInfo:
    """What the document says of the service itself, set up once.

    Empty texts and an empty ``notes`` or ``links`` are left out of the
    document. Build it with :func:`build_service_info`; the constructor
    checks nothing.
    """

    version: str = ""
    release_id: str = ""
    service_id: str = ""
    description: str = ""
    notes: tuple[str, ...] = ()
    links: FrozenMap[str, str] = EMPTY_MAP


NO_SERVICE_INFO: Final = ServiceInfo()
"""Service facts with nothing in them: a document of statuses and checks only."""


def _check_notes(problems: Problems, value: object) -> tuple[str, ...] | None:
    items = read_sequence(problems, "notes", value)
    if items is None or not check_count(problems, "notes", len(items), MAX_NOTES, "notes"):
        return None
    checked = [
        check_text(problems, f"notes[{index}]", item, max_length=MAX_TEXT_LENGTH) for index, item in enumerate(items)
    ]
    notes = tuple(note for note in checked if note is not None)
    return notes if len(notes) == len(checked) else None


def _check_links(problems: Problems, value: object) -> FrozenMap[str, str] | None:
    items = read_items(problems, "links", value)
    if items is None or not check_count(problems, "links", len(items), MAX_LINKS, "links"):
        return None
    links: dict[str, str] = {}
    for relation, uri in items:
        path = key_path("links", relation)
        checked_relation = check_text(problems, path, relation)
        checked_uri = check_text(problems, path, uri, max_length=MAX_LABEL_VALUE_LENGTH)
        if checked_relation is not None and checked_uri is not None:
            links[checked_relation] = checked_uri
    return FrozenMap.adopt(links) if len(links) == len(items) else None


def build_service_info(
    *,
    version: object = "",
    release_id: object = "",
    service_id: object = "",
    description: object = "",
    notes: object = (),
    links: object = None,
) -> Result[ServiceInfo, FlextValidationError]:
    """Check every rule of the service facts and build a :class:`ServiceInfo`.

    ``notes`` is a list of texts; ``links`` maps link relations (``about``,
    a URI...) to URIs, as the draft's ``links`` object does.

    >>> build_service_info(service_id="etl-7", links={"about": "https://example.com/etl"}).unwrap().service_id
    'etl-7'
    >>> print(build_service_info(version=1, notes="all good").failure())
    invalid service_info: version: expected text (str), got a value of type int [wrong_type]
      notes: expected a list or tuple, got 'all good' [wrong_type]
    """
    problems: Problems = []
    texts = [
        check_text(problems, "version", version, allow_empty=True),
        check_text(problems, "release_id", release_id, allow_empty=True),
        check_text(problems, "service_id", service_id, allow_empty=True),
        check_text(problems, "description", description, max_length=MAX_TEXT_LENGTH, allow_empty=True),
    ]
    checked_notes = _check_notes(problems, notes)
    checked_links = EMPTY_MAP if links is None else _check_links(problems, links)
    checked_version, checked_release, checked_service, checked_description = texts
    if (
        problems
        or checked_version is None
        or checked_release is None
        or checked_service is None
        or checked_description is None
        or checked_notes is None
        or checked_links is None
    ):
        return invalid("service_info", problems)
    return Success(
        ServiceInfo(
            version=checked_version,
            release_id=checked_release,
            service_id=checked_service,
            description=checked_description,
            notes=checked_notes,
            links=checked_links,
        ),
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(_ELLIPSIS)] + _ELLIPSIS


def report_output(report: HealthReport) -> str:
    """The top-level ``output`` of a report: its checks that are not ``pass``, by key; empty on ``pass``.

    Each key is named once per status it shows, failures first; a
    non-critical check that fails is named ``fail (not critical)``. The text
    does not depend on the order of the checks, and is cut to the length of
    a check output.

    >>> from flext_observability.core.health.check import build_health_check
    >>> from flext_observability.core.health.report import HealthOutcome, aggregate
    >>> down = build_health_check(component="cache", status="fail", time=0.0).unwrap()
    >>> report_output(aggregate([HealthOutcome(check=down, critical=False)], time=0.0))
    'cache:status fail (not critical)'
    """
    if report.status is HealthStatus.PASS:
        return ""
    # A set, sorted: the same checks give the same text in any order.
    parts = {
        (outcome.key, outcome.check.status is HealthStatus.WARN, outcome.status is not outcome.check.status)
        for outcome in report.outcomes
        if outcome.check.status is not HealthStatus.PASS
    }
    words = [
        f"{key} {'warn' if warns else 'fail'}{' (not critical)' if softened else ''}"
        for key, warns, softened in sorted(parts)
    ]
    return _shorten(", ".join(words), MAX_TEXT_LENGTH)


def _check_entry(outcome: HealthOutcome, *, details: bool) -> JsonDict:
    check = outcome.check
    if not details:
        return {"status": check.status.value}
    entry: JsonDict = {}
    if outcome.component_id:
        entry["componentId"] = outcome.component_id
    if outcome.component_type:
        entry["componentType"] = outcome.component_type
    if check.observed_value is not None:
        entry["observedValue"] = check.observed_value
    if check.observed_unit:
        entry["observedUnit"] = check.observed_unit
    entry["status"] = check.status.value
    entry["time"] = format_rfc3339(check.time)
    if check.status is not HealthStatus.PASS and check.output:
        entry["output"] = check.output
    return entry


def _checks_by_key(outcomes: Iterable[HealthOutcome], *, details: bool) -> JsonDict:
    grouped: dict[str, list[JsonValue]] = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.key, []).append(_check_entry(outcome, details=details))
    return {key: grouped[key] for key in sorted(grouped)}


def _service_fields(service: ServiceInfo) -> JsonDict:
    fields: JsonDict = {}
    for name, value in (
        ("version", service.version),
        ("releaseId", service.release_id),
        ("serviceId", service.service_id),
        ("description", service.description),
    ):
        if value:
            fields[name] = value
    if service.notes:
        fields["notes"] = list(service.notes)
    return fields


def health_document(report: HealthReport, *, details: bool, service: ServiceInfo = NO_SERVICE_INFO) -> JsonDict:
    """The ``application/health+json`` document of ``report``: plain JSON data.

    ``details`` chooses between statuses only and everything (see the
    module); ``service`` is shown only with details.

    >>> from flext_observability.core.health.report import aggregate
    >>> health_document(aggregate([], time=0.0), details=True)
    {'status': 'pass'}
    """
    given: tuple[object, object, object] = (report, details, service)  # callers outside the type checker
    if not isinstance(given[0], HealthReport):
        return {"status": HealthStatus.FAIL.value, "output": "no health report to show"}
    if not isinstance(given[2], ServiceInfo):
        service = NO_SERVICE_INFO
    details = given[1] is True
    document: JsonDict = {"status": report.status.value}
    if given[1] is True:
        document.update(_service_fields(service))
        if report.status is not HealthStatus.PASS:
            document["output"] = report_output(report)
        if service.links:
            document["links"] = {relation: service.links[relation] for relation in sorted(service.links)}
    if report.outcomes:
        document["checks"] = _checks_by_key(report.outcomes, details=details)
    return document
