"""Event dates as the sources give them (graph/dates.py): the accepted EDTF subset, the plain-English
forms normalised to it, the days each can mean, and bad dates refused with the reason."""

import pytest

from intelgraph.graph.dates import parse
from intelgraph.graph.schema import PropertySpec


@pytest.mark.parametrize("given, text, start, end", [
    ("2023", "2023", "2023-01-01", "2023-12-31"),
    (2023, "2023", "2023-01-01", "2023-12-31"),  # YAML reads `date: 2023` as a number
    ("2023-04", "2023-04", "2023-04-01", "2023-04-30"),
    ("2024-02", "2024-02", "2024-02-01", "2024-02-29"),
    ("2023-04-26", "2023-04-26", "2023-04-26", "2023-04-26"),
    ("2022-03/2022-05", "2022-03/2022-05", "2022-03-01", "2022-05-31"),
    ("../2022-04-13", "../2022-04-13", None, "2022-04-13"),
    ("2022-04-13/..", "2022-04-13/..", "2022-04-13", None),
    ("2023~", "2023~", "2023-01-01", "2023-12-31"),
    ("2023-06?", "2023-06?", "2023-06-01", "2023-06-30"),
    ("2022%", "2022%", "2022-01-01", "2022-12-31"),
    ("2022-03~/2022-05", "2022-03~/2022-05", "2022-03-01", "2022-05-31"),
    # plain English, normalised to the notation on entry
    ("before 2022-04-13", "../2022-04-13", None, "2022-04-13"),
    ("After 2022-04", "2022-04/..", "2022-04-01", None),
    ("about 2022-06", "2022-06~", "2022-06-01", "2022-06-30"),
    ("circa 2022", "2022~", "2022-01-01", "2022-12-31"),
    ("c. 2022", "2022~", "2022-01-01", "2022-12-31"),
    ("between 2022-03 and  2022-05", "2022-03/2022-05", "2022-03-01", "2022-05-31"),
])
def test_accepted_dates(given, text, start, end):
    d = parse(given)
    assert (d.text, d.start, d.end) == (text, start, end)
    assert PropertySpec("date", "date").coerce(given) == text
    assert parse(text) == d  # the canonical text reads back to itself
    assert parse(text).text == text


@pytest.mark.parametrize("given, why", [
    ("2023-13", "no month 13"),
    ("2023-02-30", "not a calendar date"),
    ("2023-06/2023-04", "ends before it starts"),
    ("../..", "at least one end"),
    ("2022-21", "seasons"),
    ("201X", "not an EDTF date"),
    ("13 April 2022", "not an EDTF date"),
    ("2022-4-13", "not an EDTF date"),
    ("0000", "0001 to 9999"),
    ("", "not an EDTF date"),
    (20220413, "expected"),
    (True, "expected"),
])
def test_bad_dates_say_why(given, why):
    with pytest.raises(ValueError, match=why):
        PropertySpec("date", "date").coerce(given)


def test_a_yaml_date_is_a_full_date():
    import datetime as dt
    assert parse(dt.date(2022, 4, 13)).text == "2022-04-13"
    with pytest.raises(ValueError, match="date and time"):
        parse(dt.datetime(2022, 4, 13, 10, 0))
