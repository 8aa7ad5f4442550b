"""Statement-level provenance: the one rule for how the values of a node — or of a
relationship — given by several sources are held, merged and chosen. Every load path calls it (datasets and CSV through
:mod:`intelgraph.loaders.plan`, the FalkorDB fast path through the same function for the nodes a
load merges into); nothing else decides which value a node shows.

A **statement** is one property value as one source gives it, held as compact JSON text
``["<property>","<source id>",<value as JSON>]`` (the property and the source id hold no
``"``, so a query can take it apart with ``split`` and ``substring``). A node whose sources all
give the same values is *implicit*: its statements are its values times its ``sources`` and
nothing more is stored. Otherwise the node keeps every statement in the schema's statement
property (``statements``), ordered by property and then by the rule, so the first statement of a
property is the chosen one; the plain property holds the chosen value for every query.

A relationship holds statements the same way, for its value properties (``quantity``,
``date_to``, ...): its discriminators (``relationship_properties`` marked ``discriminator`` in
``schema.yaml``) are part of its identity, so every source of it gives them alike and they are
never statements. Every function below takes a node kind or a relationship type as ``kind``.

The rule (``statements.choose`` in ``schema.yaml``): lists (aliases) are the union of every
source's, best-ranked source first; a single value is the best-ranked statement's, ranked by
the criteria in order — ``source_reliability`` (A first, ungraded last), ``report_date`` (latest
first, undated last), ``value`` (smallest JSON text) — and then the source id. Load order never
enters it, so loading A then B gives the graph that B then A gives.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from intelgraph.graph.dates import bounds
from intelgraph.graph.ids import normalise
from intelgraph.graph.schema import PropertySpec, Schema

__all__ = ["Grade", "held_properties", "statement", "parse", "expand", "settle", "rank", "values_of", "statement_problem",
           "Contradictions"]

#: What the rule knows of a source: its reliability grade and its (report) date, ISO text.
Grade = tuple[str | None, str | None]
_NO_GRADE: Grade = (None, None)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def statement(prop: str, source: str, value: Any) -> str:
    """One statement as stored: canonical JSON text."""
    return _JSON([prop, source, value])


def parse(text: str) -> tuple[str, str, Any]:
    prop, source, value = json.loads(text)
    return prop, source, value


def _report_day(date: str) -> str:
    """The day a report date counts from: its start (the latest day it can mean for an open
    start), as the as-of queries count it (the ``known-by`` fragment)."""
    start, end = bounds(date)
    return start or end or ""


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (_dt.date, _dt.datetime)) else value


def held_properties(schema: Schema, kind: str) -> dict[str, PropertySpec]:
    """The properties statements are held for: a node kind's, or a relationship type's values
    (its discriminators are its identity, never a statement)."""
    if kind in schema.node_kinds:
        return schema.kind(kind).properties
    return {p: s for p, s in schema.rel(kind).properties.items() if p not in schema.discriminators}


def expand(schema: Schema, kind: str, values: Mapping[str, Any], sources: Iterable[str],
           statements: Iterable[str] | None = None) -> set[str]:
    """Every statement a node (or a row) holds: its explicit ``statements`` when it has them, else
    each of its property values (``values``: plain and dates, as the graph or a row holds them)
    given by each of its ``sources``."""
    if statements:
        return set(statements)
    spec = held_properties(schema, kind)
    sources = list(sources)
    return {statement(p, s, _iso(v)) for p, v in values.items() if p in spec and v is not None for s in sources}


def rank(schema: Schema, source: str, value: Any, grades: Mapping[str, Grade]) -> tuple[Any, ...]:
    """The sort key of a statement under the schema's rule: smaller is preferred."""
    reliability, date = grades.get(source, _NO_GRADE)
    key: list[Any] = []
    for criterion in schema.value_rule:
        if criterion == "source_reliability":
            scale = list(schema.reliability_scale)
            key.append(scale.index(reliability) if reliability in scale else len(scale))
        elif criterion == "report_date":
            key.append((0, -_dt.date.fromisoformat(_report_day(date)).toordinal()) if date else (1, 0))
        else:  # value
            key.append(_JSON(value))
    key.append(source)
    return tuple(key)


def settle(schema: Schema, kind: str, statements: Iterable[str], sources: Iterable[str],
           grades: Mapping[str, Grade]) -> tuple[dict[str, Any], list[str] | None]:
    """The values a node shows, chosen from its statements by the rule, and the statements to
    store: ``None`` when the node is implicit (every source gives every value as chosen)."""
    spec = held_properties(schema, kind)
    ranked: dict[str, list[tuple[tuple[Any, ...], Any, str]]] = {}
    held = set(statements)
    for text in held:
        prop, source, value = parse(text)
        ranked.setdefault(prop, []).append((rank(schema, source, value, grades), value, text))
    chosen: dict[str, Any] = {}
    order: list[str] = []
    for prop in sorted(ranked):
        items = sorted(ranked[prop], key=lambda x: x[0])
        order.extend(t for _, _, t in items)
        if prop in spec and spec[prop].type.endswith("[]"):
            union: list[Any] = []
            for _, value, _ in items:
                union.extend(x for x in value if x not in union)
            chosen[prop] = union
        else:
            chosen[prop] = items[0][1]
    sources = set(sources)
    implicit = {statement(p, s, v) for p, v in chosen.items() for s in sources}
    return chosen, (None if implicit == held else order)


def values_of(schema: Schema, kind: str, node: Mapping[str, Any]) -> list[tuple[str, Any, bool, list[str]]]:
    """Every value a node (its properties, as the graph holds them) was given: ``(property,
    value, chosen, source ids)``, by property, the chosen value first and then the others in the
    rule's order (every part of a list is in the union: all chosen)."""
    spec = held_properties(schema, kind)
    explicit = node.get(schema.statement_property)
    texts = list(explicit) if explicit else sorted(expand(schema, kind, node, node.get("sources") or ()))
    out: dict[tuple[str, str], tuple[str, Any, bool, list[str]]] = {}
    for text in texts:  # explicit statements are stored in the rule's order, property by property
        prop, source, value = parse(text)
        listed = prop in spec and spec[prop].type.endswith("[]")
        key = (prop, _JSON(value))
        if key not in out:
            out[key] = (prop, value, listed or _JSON(value) == _JSON(_iso(node.get(prop))), [])
        out[key][3].append(source)
    return sorted(out.values(), key=lambda v: (v[0], not v[2]))


def statement_problem(schema: Schema, kind: str, texts: Iterable[str], sources: Iterable[str]) -> str | None:
    """What is wrong with statements read back (a neo4j-admin export's ``statements`` column),
    else None: each must be ``["<property>","<source id>",<value>]``, a property of ``kind``
    with a value of its type, from one of the record's ``sources``."""
    spec = held_properties(schema, kind)
    sources = set(sources)
    for text in texts:
        try:
            prop, source, value = parse(text)
        except (ValueError, TypeError):
            return f"{text[:60]!r} is not a statement [\"<property>\",\"<source id>\",<value as JSON>]"
        if not isinstance(prop, str) or prop not in spec:
            return f"{text[:60]!r}: a {kind} has no property {prop!r}"
        if not isinstance(source, str) or source not in sources:
            return f"{text[:60]!r}: {source!r} is not one of the record's sources"
        try:
            if value is None:
                raise ValueError("no value")
            spec[prop].coerce(value)
        except ValueError as exc:
            return f"{text[:60]!r}: {prop}: {exc}"
    return None


class Contradictions:
    """What each source said of each node's (or relationship's) single-valued properties, and
    where: a source that gives one node's property two values (one file, or one load of CSV files) contradicts itself
    and is refused; two sources that differ are both kept (:func:`settle`)."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.seen: dict[tuple[str, str, str], tuple[Any, str]] = {}

    def check(self, kind: str, nid: str, values: Mapping[str, Any], sources: Iterable[str], where: str,
              statements: Iterable[str] | None = None) -> tuple[str, str, Any, str, Any] | None:
        """``(property, source, earlier value, where it was given, value here)`` of the first
        contradiction of this record (its values given by each of its sources, or its explicit
        ``statements``) with an earlier one, else None (and the record's statements are remembered)."""
        spec = held_properties(self.schema, kind)
        key = self.schema.kind(kind).key if kind in self.schema.node_kinds else ()
        found = None
        for text in sorted(expand(self.schema, kind, values, sources, statements)):
            prop, source, value = parse(text)
            if spec[prop].type.endswith("[]"):
                continue
            before = self.seen.setdefault((nid, prop, source), (value, where))
            if before[0] == value or (prop in key and normalise(before[0]) == normalise(value)):
                continue
            found = found or (prop, source, before[0], before[1], value)
        return found

    def refusal(self, kind: str, nid: str, values: Mapping[str, Any], sources: Iterable[str], where: str,
                statements: Iterable[str] | None = None) -> tuple[str, str, str] | None:
        """``(field, why, fix)`` for an error when a record's ``statements`` (read back from an
        export) are malformed (:func:`statement_problem`) or one of its sources contradicts itself
        (:meth:`check`); else None. Two sources that differ are no error."""
        statements = list(statements or ())
        problem = statements and statement_problem(self.schema, kind, statements, sources)
        if problem:
            return self.schema.statement_property, problem, "export the graph again, or drop the column"
        hit = self.check(kind, nid, values, sources, where, statements)
        if hit is None:
            return None
        prop, source, before, seen_at, here = hit
        return prop, (f"the same {kind} as {seen_at}, from the same source {source!r}, but with {prop} "
                      f"{_brief(here)} instead of {_brief(before)}"), "one source gives one value: make the two agree"


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
