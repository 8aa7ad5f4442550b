"""The rules of a record, each stated once: what every reader shape applies to a row.

A CSV row (or a dataset record) becomes a node or a relationship by these rules; the thorough
reader (:mod:`intelgraph.loaders.csv_admin`), the dataset reader and the fast reader's shapes
(:mod:`intelgraph.loaders.bulk`: row by row, a batch at a time, column-wise through Arrow, the
last applying a rule once per *distinct* value of a column and mapping the answers back) call
them instead of restating them. A rule that a value breaks raises :class:`RuleError` (a
:class:`ValueError` naming the field, the reason and the fix): the thorough reader turns it into
a :class:`~intelgraph.errors.Problem` with the file and row, the fast reader hands the load to
the thorough reader, which then reports it.

* **node key** (:func:`node_key_problems`): a node needs its kind's key properties (its id is
  derived from them) and its required properties;
* **derived lookup properties** (:func:`derived_values`, :func:`derived_mismatch`): the
  schema's ``derived_properties``, each computed from the property it names with
  :func:`~intelgraph.graph.ids.normalise` (a CSV column giving one is accepted when it agrees);
* **provenance** (:func:`row_provenance`): a row's sources, evidence and claims, from its
  ``sources``/``evidence``/``claims`` lists, its one ``source`` and ``quote``, or the load's
  source; and the **provenance merge** (:func:`union`): the same record twice keeps the union;
* **relationship** (:func:`rel_extra`, :func:`discriminator`, :func:`rel_identity`): its id,
  grading columns, the properties that tell two relationships of the same ends apart, and the
  order of a symmetric tie's ends; and **grading** (:func:`better_grade`): of two grades of one
  relationship, the better.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from intelgraph.graph.ids import normalise, relationship_id
from intelgraph.graph.schema import DISCRIMINATORS, PropertySpec, Schema
from intelgraph.loaders.csv_header import _REL_ID_RE, CONTENT_ID_RE, _short

__all__ = ["RuleError", "evidence_text", "derived_values", "derived_column", "date_bound_columns",
           "derived_mismatch", "key_properties", "own_node_id",
           "node_key_problems", "node_key_problems_columns", "row_provenance", "union", "rel_extra",
           "discriminator", "rel_identity", "better_grade", "DISCRIMINATORS", "DERIVE"]


class RuleError(ValueError):
    """A value breaks a rule: ``field`` (the property or column), ``reason``, ``fix``."""

    def __init__(self, field: str, reason: str, fix: str = ""):
        super().__init__(reason)
        self.field, self.reason, self.fix = field, reason, fix


# -- derived lookup properties -------------------------------------------------------------------
def _aliases_lc(aliases: Sequence[str]) -> list[str]:
    return sorted({normalise(a) for a in aliases})


def _aliases_text(aliases: Sequence[str]) -> str:
    return " ; ".join(aliases)


#: How each derived property of ``schema.yaml`` is computed from the value of the property it is
#: derived from (``kind``, derived from no property, is the node's kind). tests/test_row_rules.py
#: checks that every declared derived property has one.
DERIVE: dict[str, Callable[[Any], Any]] = {
    "name_lc": normalise,
    "aliases_lc": _aliases_lc,
    "aliases_text": _aliases_text,
}


def derived_values(schema: Schema, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The derived lookup properties of a node of ``kind`` with ``values``, in declared order
    (one derived from a property the node lacks, or holds empty, is left out)."""
    out: dict[str, Any] = {}
    for d in schema.derived_properties.values():
        if not d.source:
            out[d.name] = kind
            continue
        value = values.get(d.source)
        if value is None or (isinstance(value, list) and not value):
            continue
        out[d.name] = DERIVE[d.name](value)
    return out


def derived_column(schema: Schema, kind: str, name: str, source: Sequence[Any]) -> list[Any]:
    """The derived property ``name`` of a column of nodes of ``kind``, given the column of the
    property it is derived from (``source``; ignored for one derived from none): the rule of
    :func:`derived_values` applied once per distinct value and mapped back to the rows."""
    d = schema.derived_properties[name]
    if not d.source:
        return [kind] * len(source)
    rule = DERIVE[name]
    if source and isinstance(next((v for v in source if v is not None), None), list):
        return [rule(v) if v else None for v in source]  # lists: not hashable, each row's own
    got = {v: (rule(v) if v is not None else None) for v in set(source)}
    return list(map(got.__getitem__, source))


def date_bound_columns(schema: Schema, specs: dict[str, PropertySpec],
                       values: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """The native date bounds derived from columns of values (property -> its column, coerced,
    None where empty): :meth:`~intelgraph.graph.schema.Schema.split_dates` applied once per
    distinct value of each ``date`` column and mapped back to the rows (None: no bound)."""
    out: dict[str, list[Any]] = {}
    for prop, column in values.items():
        spec = specs.get(prop)
        if spec is None or spec.type != "date":
            continue
        got = {v: schema.split_dates(specs, {prop: v})[1] for v in set(column)}
        for bound in schema.date_bounds(prop):
            out[bound] = [got[v].get(bound) for v in column]
    return out


def derived_mismatch(schema: Schema, kind: str, values: Mapping[str, Any],
                     given: Mapping[str, Any]) -> tuple[str, Any, Any] | None:
    """``(property, given value, derived value)`` of the first derived property a row gives that
    disagrees with what is derived from its values — a lookup property or a date's native bound
    (:meth:`~intelgraph.graph.schema.Schema.split_dates`); None when they all agree."""
    derived = {**derived_values(schema, kind, values), **schema.split_dates(schema.kind(kind).properties, values)[1]}
    for name, value in given.items():
        if derived.get(name) != value:
            return name, value, derived.get(name)
    return None


# -- a node's key --------------------------------------------------------------------------------
def key_properties(schema: Schema, kind: str) -> tuple[str, ...]:
    """The properties every node of ``kind`` must have filled: its key, then its required ones."""
    kspec = schema.kind(kind)
    return (*kspec.key, *(k for k, s in kspec.properties.items() if s.required and k not in kspec.key))


def node_key_problems(schema: Schema, kind: str, props: Mapping[str, Any], id_hint: str = "") -> list[RuleError]:
    """What a node of ``kind`` with ``props`` lacks: a key property (its id is derived from them)
    or a required one. ``id_hint``: how the input could give a key property instead (with ``{}``
    for the property's name)."""
    kspec = schema.kind(kind)
    out = []
    for k in kspec.key:
        if props.get(k) in (None, ""):
            out.append(RuleError(k, f"missing: a {kind}'s id is derived from {', '.join(kspec.key)}",
                                 f"add a {k} column{id_hint.format(k)}"))
    for k, s in kspec.properties.items():
        if s.required and k not in kspec.key and props.get(k) in (None, "", []):
            out.append(RuleError(k, f"required for a {kind}", f"add a {k} column and fill it"))
    return out


def own_node_id(schema: Schema, kind: str, column: str, text: str, value: str) -> str | None:
    """A node row's ``:ID`` value (``value``, in the column named ``column``, written ``text``): a
    handle other rows refer to, and the node's id when the column is the id property and the value
    is an intelgraph id (of the row's kind: returned). None: a handle only."""
    if value == "":
        raise RuleError(text, "empty :ID value", "give every node an id value (relationship files refer to it)")
    m = CONTENT_ID_RE.fullmatch(value) if column == schema.id_property else None
    if m is None:
        return None
    if m.group(1) != kind.lower():
        named = {k.lower(): k for k in schema.node_kinds}.get(m.group(1), m.group(1))
        raise RuleError(text, f"{_short(value)} is the id of a {named}, but the row is a {kind}",
                        "fix the label or the id")
    return value


def node_key_problems_columns(schema: Schema, kind: str, columns: Mapping[str, Sequence[Any]]) -> list[RuleError]:
    """:func:`node_key_problems` of a block of rows given column by column (``columns``: property ->
    its values, one per row): each column stands for its rows by an empty value if it holds one."""
    worst: dict[str, Any] = {}
    for k in key_properties(schema, kind):
        col = columns.get(k)
        if col is not None and len(col):
            worst[k] = next((v for v in col if v in (None, "", [])), col[0])
    return node_key_problems(schema, kind, worst)


# -- provenance ----------------------------------------------------------------------------------
def evidence_text(source_id: str, quote: str) -> str:
    """How one piece of evidence is stored: the source's id, then the verbatim quote."""
    return f"{source_id} | {quote}"


def row_provenance(prov: Mapping[str, Any], fname: str, row: int, file_source: str | None,
                   source: Callable[[str, str], str], claim: Callable[[str], str],
                   ) -> tuple[list[str], list[str], list[str]] | list[RuleError]:
    """A row's ``(sources, evidence, claims)``, or what is wrong with its provenance.

    ``prov``: the row's provenance values (``sources``, ``evidence``, ``claims`` lists, ``source``
    and ``quote`` text). A row's one ``source`` adds evidence: its ``quote``, else ``"<file name>
    row <n>"``; so does the load's source (``file_source``) for a row that names none. ``source(field,
    value)`` gives the id of the source a value names, ``claim(value)`` checks a claim id; either
    raises :class:`RuleError` (a list's every element is checked before the answer)."""
    problems: list[RuleError] = []
    sources: list[str] = []
    for value in prov.get("sources", ()):
        try:
            sid = source("sources", value)
        except RuleError as exc:
            problems.append(exc)
            continue
        if sid not in sources:
            sources.append(sid)
    evidence = list(prov.get("evidence", ()))
    claims: list[str] = []
    for value in prov.get("claims", ()):
        try:
            claims.append(claim(value))
        except RuleError as exc:
            problems.append(exc)
    quote = prov.get("quote")
    if prov.get("source"):
        try:
            sid = source("source", prov["source"])
        except RuleError as exc:
            return [*problems, exc]
        sources.append(sid)
        evidence.append(evidence_text(sid, quote or f"{fname} row {row}"))
    elif file_source and not sources:
        sources.append(file_source)
        evidence.append(evidence_text(file_source, quote or f"{fname} row {row}"))
    elif quote:
        return [*problems, RuleError("quote", "a quote with no source", "add a source column, or pass --source")]
    if problems:
        return problems
    if not sources:
        return [RuleError("source", "no provenance: the row names no source",
                          "add a `source` column (a Source's id or name in this load), or pass --source "
                          "(one source for the whole file)")]
    return sources, evidence, claims


def union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """The provenance merge: the same record twice holds both rows' sources (evidence, claims)."""
    return sorted(set(a) | set(b))


# -- relationships -------------------------------------------------------------------------------
def discriminator(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The properties that tell two relationships of one type between the same ends apart (in
    the id): the schema's ``discriminator`` relationship properties, in declared order."""
    return tuple(values.get(k) for k in DISCRIMINATORS)


def rel_extra(schema: Schema, name: str, value: Any) -> Any:
    """A relationship's ``id``, ``reliability`` or ``credibility`` column value, checked."""
    if name == "id":
        if not isinstance(value, str) or not _REL_ID_RE.fullmatch(value):
            raise ValueError("not an intelgraph relationship id (rel:<20 hex digits>); relationship "
                             "ids are derived from content — drop the column")
    elif name == "reliability":
        if value not in schema.reliability_scale:
            raise ValueError(f"expected one of {', '.join(schema.reliability_scale)}")
    elif str(value) not in schema.credibility_scale:
        raise ValueError(f"expected one of {', '.join(schema.credibility_scale)}")
    return value


def rel_identity(schema: Schema, rtype: str, start: str, end: str, values: Mapping[str, Any],
                 given_id: str | None = None) -> tuple[str, bool]:
    """A relationship's id (``given_id``, as an export writes it, else derived from its type, ends
    and discriminators) and whether its ends are to be swapped (a symmetric tie is stored from the
    smaller id)."""
    rt = schema.rel(rtype)
    rid = given_id or relationship_id(rtype, start, end, discriminator(values), symmetric=rt.symmetric)
    return rid, rt.symmetric and end < start


def better_grade(old: Any, new: Any) -> Any:
    """Of two grades of one relationship (either may be None), the better: the smaller on its
    scale (A before F, 1 before 6), whatever the order they came in."""
    if new is not None and (old is None or new < old):
        return new
    return old
