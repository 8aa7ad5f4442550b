"""Event dates as the sources give them: reduced precision, ranges, before/after, approximate.

One notation, a subset of ISO 8601-2 / EDTF level 1 (the Extended Date/Time Format, Library of
Congress), is what the graph holds in every ``date`` property (docs/model.md, "Dates"):

* a year, a month or a day: ``2023``, ``2023-04``, ``2023-04-26``;
* a qualifier on the whole date: ``2023~`` approximate, ``2023?`` uncertain, ``2023%`` both;
* an interval of two of those: ``2022-03/2022-05``; ``..`` for an open end:
  ``../2022-04-13`` (on or before), ``2022-04-13/..`` (on or after).

Not accepted: seasons (``2022-21``), unspecified digits (``201X``), qualifiers on one part of a
date (``2022-?04``), sets (``[2022, 2023]``), years outside 0001-9999, times.

The YAML dataset (and every other input, through :meth:`PropertySpec.coerce`) also takes a few
plain-English forms, normalised to the notation on entry: ``before D``, ``after D``,
``about D`` (also ``around``, ``circa``, ``c.``) and ``between D and E``, D and E in the
notation above.

:func:`parse` gives the canonical text and the earliest and latest day it can mean (``None``
for an open end); the stores keep those days as native dates beside the text (the schema's
``date_bounds``), so queries compare days while showing the text.
"""

from __future__ import annotations

import calendar
import functools
import datetime as _dt
import re
from dataclasses import dataclass

__all__ = ["EventDate", "parse", "normalise", "bounds", "NOTATION"]

#: How the notation is described in error messages.
NOTATION = ("an EDTF date: 2023, 2023-04, 2023-04-26, 2022-03/2022-05, ../2022-04-13 (before), "
            "2022-04-13/.. (after), 2023~ (about), 2023? (uncertain); or before/after/about D, between D and E")

_PART = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[?~%])?")
_ENGLISH = [
    (re.compile(r"before\s+(\S+)", re.I), "../{0}"),
    (re.compile(r"after\s+(\S+)", re.I), "{0}/.."),
    (re.compile(r"(?:about|around|circa|c\.)\s*(\S+?)", re.I), "{0}~"),
    (re.compile(r"between\s+(\S+)\s+and\s+(\S+)", re.I), "{0}/{1}"),
]


@dataclass(frozen=True)
class EventDate:
    """A date as given: ``text`` (canonical notation), ``start`` and ``end`` (the earliest and
    latest day it can mean, ISO ``yyyy-mm-dd``; ``None`` for an open end)."""
    text: str
    start: str | None
    end: str | None


def _part(text: str) -> tuple[str, _dt.date, _dt.date]:
    """One date of the notation: (canonical text, first day, last day)."""
    m = _PART.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not {NOTATION}")
    y, mo, d = int(m["y"]), m["m"], m["d"]
    if y < 1:
        raise ValueError(f"{text!r}: the year must be 0001 to 9999")
    if mo is None:
        first, last = _dt.date(y, 1, 1), _dt.date(y, 12, 31)
    else:
        if not 1 <= int(mo) <= 12:
            raise ValueError(f"{text!r}: there is no month {mo} (seasons such as 2022-21 are not accepted)")
        if d is None:
            first = _dt.date(y, int(mo), 1)
            last = _dt.date(y, int(mo), calendar.monthrange(y, int(mo))[1])
        else:
            try:
                first = last = _dt.date(y, int(mo), int(d))
            except ValueError:
                raise ValueError(f"{text!r} is not a calendar date") from None
    return text, first, last


def parse(value: object) -> EventDate:
    """``value`` (text in the notation or a plain-English form, or a :class:`datetime.date`) as
    an :class:`EventDate`; ``ValueError`` saying why not."""
    if isinstance(value, _dt.datetime):
        raise ValueError(f"expected a date, got a date and time {value!r}")
    if isinstance(value, _dt.date):
        iso = value.isoformat()
        return EventDate(iso, iso, iso)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
        value = f"{value:04d}"  # a year, as YAML reads `date: 2023`
    if not isinstance(value, str):
        raise ValueError(f"expected {NOTATION}; got {value!r}")
    return _parse_text(value)


@functools.lru_cache(maxsize=8192)
def _parse_text(value: str) -> EventDate:
    """:func:`parse` of text: cached, as a load's rows repeat a few dates many times (an
    :class:`EventDate` is immutable; a refusal is raised again each time, never cached)."""
    text = " ".join(value.split())
    for pattern, template in _ENGLISH:
        m = pattern.fullmatch(text)
        if m:
            text = template.format(*m.groups())
            break
    if "/" not in text:
        canon, first, last = _part(text)
        return EventDate(canon, first.isoformat(), last.isoformat())
    left, _, right = text.partition("/")
    if left == ".." and right == "..":
        raise ValueError(f"{value!r}: an interval needs at least one end")
    lo = None if left == ".." else _part(left)
    hi = None if right == ".." else _part(right)
    if lo and hi and lo[1] > hi[2]:
        raise ValueError(f"{value!r}: the interval ends before it starts")
    return EventDate(f"{lo[0] if lo else '..'}/{hi[0] if hi else '..'}",
                     lo[1].isoformat() if lo else None, hi[2].isoformat() if hi else None)


def normalise(value: object) -> str:
    """The canonical text of ``value`` (see :func:`parse`)."""
    return parse(value).text


def bounds(value: object) -> tuple[str | None, str | None]:
    """The earliest and latest day ``value`` can mean (ISO text; ``None`` for an open end)."""
    d = parse(value)
    return d.start, d.end
