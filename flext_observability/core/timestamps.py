"""Times as text: RFC 3339 in UTC, computed by arithmetic (the core reads no clock and imports no ``datetime``).

Health documents and alert payloads both write times this way, so the
conversion lives here, shared by the signals.
"""

from __future__ import annotations

import math
from typing import Final

from flext_observability.core.limits import MAX_TIMESTAMP

_SECONDS_PER_DAY: Final = 86_400

ZERO_TIME: Final = "0001-01-01T00:00:00Z"
"""Go's zero time as Alertmanager writes it: the ``endsAt`` of an alert that has not ended."""


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """``(year, month, day)`` of the ``days``-th day after 1970-01-01, proleptic Gregorian.

    The era arithmetic of Howard Hinnant's ``civil_from_days``: the
    calendar repeats every 400 years (146 097 days), and counting years
    from March puts the leap day last.
    """
    shifted = days + 719_468
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_from_march = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_from_march + 2) // 5 + 1
    # month_from_march runs from 0 (March) to 11 (February); January and February end the year before.
    month = month_from_march + 3 if month_from_march < 10 else month_from_march - 9
    year = year_of_era + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def format_rfc3339(seconds: float) -> str:
    """``seconds`` since the epoch as an RFC 3339 UTC time, to the millisecond.

    Rounded to the nearest millisecond. Valid timestamps lie between 1970
    and 9999 (entities are checked so); anything outside is clamped into
    that range, and NaN gives the epoch, so the function never fails.

    >>> format_rfc3339(1_700_000_000.25)
    '2023-11-14T22:13:20.250Z'
    >>> format_rfc3339(951_782_400.0), format_rfc3339(float("nan"))
    ('2000-02-29T00:00:00.000Z', '1970-01-01T00:00:00.000Z')
    """
    clamped = 0.0 if math.isnan(seconds) else min(max(seconds, 0.0), MAX_TIMESTAMP)
    millis = round(clamped * 1000)
    days, millis_of_day = divmod(millis, _SECONDS_PER_DAY * 1000)
    year, month, day = _civil_from_days(days)
    second_of_day, milli = divmod(millis_of_day, 1000)
    hour, rest = divmod(second_of_day, 3600)
    minute, second = divmod(rest, 60)
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{milli:03d}Z"
