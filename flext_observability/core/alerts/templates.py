"""Annotation templates: text with the alert's value, labels and rule name filled in.

A template is Python format text with three kinds of field:

- ``{value}`` the series' value, with any float format spec: ``{value:.2f}``, ``{value:,.0f}``, ``{value:.1%}``;
- ``{labels.NAME}`` the value of the alert's label ``NAME`` (``""`` when it has none), with a text spec;
- ``{rule}`` the rule's name.

``{{`` and ``}}`` write a brace. A template is parsed and checked when the
rule is made; any other field (``{foo}``, ``{labels[tap]}``, ``{value.real}``),
a conversion (``!r``), a format spec that does not apply, a width above
:data:`MAX_WIDTH` or a precision above :data:`MAX_PRECISION` is a ``Failure``
naming the annotation. Rendering never fails: NaN and infinities format as
Python writes them (``nan``, ``inf``), and the result is cut to
:data:`~flext_observability.core.limits.MAX_TEXT_LENGTH` characters.

>>> template = annotation_template("{rule}: {labels.tap} lag {value:.1f}s").unwrap()
>>> template
annotation_template('{rule}: {labels.tap} lag {value:.1f}s')
>>> render_template(template, value=12.345, labels={"tap": "pg"}, rule="TapLagging")
'TapLagging: pg lag 12.3s'
>>> render_template(template, value=float("nan"), labels={}, rule="TapLagging")
'TapLagging:  lag nans'
>>> for error in annotation_template("{value:d} {labels[tap]} {value!r}").failure().errors:
...     print(error)
template: {value:d}: 'd' is not a format spec for a number: Unknown format code 'd' for object \
of type 'float' [invalid_text]
template: {labels[tap]}: unknown field; use {value}, {value:.2f}, {labels.NAME} or {rule} [unknown_field]
template: {value!r}: conversions such as !r are not supported; format the value with a spec \
instead [invalid_text]
"""

from __future__ import annotations

import math
import re
import string
from typing import Final, NamedTuple

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.checks import (
    LABEL_NAME,
    Problems,
    add,
    as_number,
    check_text,
    describe,
    invalid,
    read_items,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.limits import MAX_TEXT_LENGTH

MAX_WIDTH: Final = 200
"""The widest a field may be padded to: a spec such as ``{value:1000000000}`` would fill memory."""

MAX_PRECISION: Final = 50
"""The most digits a field may ask for after the point (or significant digits)."""

_SPEC: Final = re.compile(
    r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>[0-9]*)[,_]?(?:\.(?P<precision>[0-9]+))?(?P<type>[a-zA-Z%])?",
    re.DOTALL,
)
_FIELDS: Final = "use {value}, {value:.2f}, {labels.NAME} or {rule}"


class TemplatePart(NamedTuple):
    """Literal text, then one field: ``value``, ``rule``, ``labels`` (with its ``label``) or none (``""``)."""

    literal: str
    field: str
    label: str
    spec: str


@frozen(kw_only=True)
class AnnotationTemplate:
    """A checked template and its parts; make it with :func:`annotation_template`."""

    text: str
    parts: tuple[TemplatePart, ...] = field(eq=False)

    def __repr__(self) -> str:
        return f"annotation_template({self.text!r})"


def _show(name: str, spec: str, conversion: str | None) -> str:
    """The field as written, for messages."""
    shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
    return "{" + shown + "}"


def _check_spec(problems: Problems, path: str, shown: str, spec: str, sample: float | str) -> bool:
    matched = _SPEC.fullmatch(spec)
    kind = "a number" if isinstance(sample, float) else "text"
    if matched is None or "{" in spec or "}" in spec:
        add(problems, FlextErrorCode.INVALID_TEXT, path, f"{shown}: {describe(spec)} is not a format spec")
        return False
    width, precision = matched.group("width"), matched.group("precision")
    if (width and int(width) > MAX_WIDTH) or (precision and int(precision) > MAX_PRECISION):
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            path,
            f"{shown}: keep the width at most {MAX_WIDTH} and the precision at most {MAX_PRECISION}",
        )
        return False
    if matched.group("type") == "n":
        add(problems, FlextErrorCode.INVALID_TEXT, path, f"{shown}: 'n' depends on the process locale; use 'g' or ','")
        return False
    try:
        format(sample, spec)
    except (ValueError, TypeError) as error:
        add(problems, FlextErrorCode.INVALID_TEXT, path, f"{shown}: {spec!r} is not a format spec for {kind}: {error}")
        return False
    return True


def _check_field(problems: Problems, path: str, name: str, spec: str, conversion: str | None) -> TemplatePart | None:
    shown = _show(name, spec, conversion)
    if conversion is not None:
        message = f"{shown}: conversions such as !{conversion} are not supported; format the value with a spec instead"
        add(problems, FlextErrorCode.INVALID_TEXT, path, message)
        return None
    if name in {"value", "rule"}:
        sample: float | str = 1.5 if name == "value" else "text"
        return TemplatePart("", name, "", spec) if _check_spec(problems, path, shown, spec, sample) else None
    label = name.removeprefix("labels.")
    if label != name and LABEL_NAME.fullmatch(label) is not None:
        return TemplatePart("", "labels", label, spec) if _check_spec(problems, path, shown, spec, "text") else None
    add(problems, FlextErrorCode.UNKNOWN_FIELD, path, f"{shown}: unknown field; {_FIELDS}")
    return None


def check_template(problems: Problems, path: str, value: object) -> AnnotationTemplate | None:
    """Check template text, reporting each problem under ``path``; the template when all hold."""
    text = check_text(problems, path, value, max_length=MAX_TEXT_LENGTH, allow_empty=True)
    if text is None:
        return None
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        add(
            problems,
            FlextErrorCode.INVALID_TEXT,
            path,
            f"is not a template ({error}); write {{{{ and }}}} for a literal brace",
        )
        return None
    before = len(problems)
    parts: list[TemplatePart] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append(TemplatePart(literal, "", "", ""))
            continue
        part = _check_field(problems, path, name, spec or "", conversion)
        if part is not None:
            parts.append(part._replace(literal=literal))
    if len(problems) != before:
        return None
    return AnnotationTemplate(text=text, parts=tuple(parts))


def annotation_template(text: object) -> Result[AnnotationTemplate, FlextValidationError]:
    """Parse and check template ``text``; every bad field is reported.

    >>> print(annotation_template("{value:.2f").failure())  # doctest: +ELLIPSIS
    invalid annotation template: template: is not a template (...); write {{ and }} for a literal brace [invalid_text]
    """
    problems: Problems = []
    template = check_template(problems, "template", text)
    if template is None:
        return invalid("annotation template", problems)
    return Success(template)


def render_parts(parts: tuple[TemplatePart, ...], value: float, labels: dict[str, str], rule: str) -> str:
    """Fill checked parts in; see :func:`render_template`."""
    pieces: list[str] = []
    for literal, name, label, spec in parts:
        pieces.append(literal)
        if name == "value":
            pieces.append(format(value, spec))
        elif name == "rule":
            pieces.append(format(rule, spec))
        elif name == "labels":
            pieces.append(format(labels.get(label, ""), spec))
    return "".join(pieces)[:MAX_TEXT_LENGTH]


def is_well_formed_template(template: object) -> bool:
    """Tell whether ``template`` is one :func:`annotation_template` made (not built or changed by hand)."""
    if not isinstance(template, AnnotationTemplate) or type(template.text) is not str:
        return False
    parts: object = template.parts
    if type(parts) is not tuple or not all(_is_part(part) for part in parts):
        return False
    checked = check_template([], "template", template.text)
    return checked is not None and checked.parts == parts


def _is_part(part: object) -> bool:
    return type(part) is TemplatePart and all(type(item) is str for item in part)


def render_template(template: AnnotationTemplate, *, value: object, labels: object, rule: object) -> str:
    """The text of ``template`` for one alert; never raises.

    ``value`` that is not a number renders as ``nan``; labels that are not
    text, and a ``labels`` that is not a mapping, render as missing (``""``);
    a ``rule`` that is not text as ``""``; anything but a checked template
    renders as ``""``.

    >>> render_template(annotation_template("{value:,.0f} rows").unwrap(), value=1234567, labels=None, rule=None)
    '1,234,567 rows'
    """
    if not is_well_formed_template(template):
        return ""
    number = as_number(value)
    items = read_items([], "labels", labels) or []
    text_labels = {
        str.__str__(key): str.__str__(item) for key, item in items if isinstance(key, str) and isinstance(item, str)
    }
    name = str.__str__(rule) if isinstance(rule, str) else ""
    return render_parts(template.parts, math.nan if number is None else number, text_labels, name)
