"""The schema, loaded from ``schema.yaml`` — the one declaration of what the graph may hold.

Constraints and indexes (per engine), dataset validation, CSV header checks, CLI
choices, the Browser style and the report projections are all derived from the
:class:`Schema` object built here; nothing else in the code base names a kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from collections.abc import Iterable
from typing import Any

import yaml

from intelgraph.errors import SchemaError
from intelgraph.graph.dates import parse as parse_date
from intelgraph.graph.text import check_text

__all__ = ["Schema", "NodeKind", "RelType", "PropertySpec", "DerivedProperty", "load_schema", "IDENT_RE",
           "PROVENANCE", "GRADING", "COMMON_REL_PROPERTIES", "DISCRIMINATORS"]

#: What a label, relationship type or property key may look like. Everything the
#: schema declares matches it, so names can be spliced into Cypher without escaping.
IDENT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # use with fullmatch

SCALAR_TYPES = {"string", "text", "int", "float", "bool", "date", "string[]", "enum"}


@dataclass(frozen=True)
class PropertySpec:
    name: str
    type: str
    required: bool = False
    indexed: bool = False
    values: tuple[str, ...] = ()
    format: str = ""  # "name": one line of text, no control characters, backticks or braces
    refers_to: str = ""  # a kind: the value names a node of that kind (by id or by name)

    def coerce(self, value: Any) -> Any:
        """Return ``value`` as this property's type, or raise ``ValueError`` saying why not.

        Nothing is silently fixed: a string where a number is expected is an error,
        except that dates are accepted as text (how YAML, JSON and CSV carry them) and returned
        in their canonical notation (:mod:`intelgraph.graph.dates`).
        """
        t = self.type
        if value is None:
            return None
        if t in ("string", "text"):
            if not isinstance(value, str):
                raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
            if self.format == "name":
                _check_name(value)
            else:
                check_text(value, multiline=t == "text")
            return value
        if t == "enum":
            text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
            if text is None or text not in self.values:
                raise ValueError(f"expected one of {', '.join(self.values)}, got {value!r}")
            return text
        if t == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"expected a whole number, got {value!r}")
            if self.values and str(value) not in self.values:
                raise ValueError(f"expected one of {', '.join(self.values)}, got {value!r}")
            if abs(value) >= 2**63:
                raise ValueError(f"{value} does not fit a 64-bit integer")
            return value
        if t == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"expected a number, got {value!r}")
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"expected a finite number, got {value!r}")
            return float(value)
        if t == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"expected true or false, got {value!r}")
            return value
        if t == "date":
            return parse_date(value).text
        if t == "string[]":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"expected a list of text values, got {value!r}")
            for v in value:
                if self.format == "name":
                    _check_name(v)
                else:
                    check_text(v)
            return list(value)
        raise ValueError(f"unknown property type {t}")  # pragma: no cover - schema is checked on load


_NAME_BAD = re.compile(r"[`{}]")


def _check_name(value: str) -> None:
    """Names are one line of plain text. Values always travel as parameters, so nothing in a
    name could run as Cypher; but a name holding backticks, braces or control characters
    (:func:`~intelgraph.graph.text.check_text`) is not a name, and is refused rather than stored."""
    if not value.strip():
        raise ValueError("a name cannot be empty or blank")
    check_text(value)
    m = _NAME_BAD.search(value)
    if m:
        raise ValueError(f"a name is one line of plain text; {m.group(0)!r} is not allowed in {value[:60]!r}")


@dataclass(frozen=True)
class NodeKind:
    name: str
    description: str
    abstract: bool
    parents: tuple[str, ...]
    ancestors: tuple[str, ...]  # all ancestors, nearest first, without the root label
    properties: dict[str, PropertySpec]
    key: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """Labels a node of this kind carries, root first, own kind last."""
        return ("Entity", *reversed(self.ancestors), self.name)

    def is_a(self, kind: str) -> bool:
        return kind == self.name or kind in self.ancestors or kind == "Entity"


@dataclass(frozen=True)
class RelType:
    name: str
    description: str
    from_kinds: tuple[str, ...]
    to_kinds: tuple[str, ...]
    symmetric: bool
    stance: bool = False
    properties: dict[str, PropertySpec] = field(default_factory=dict)


#: What ``statements.choose`` may name (the rule itself: :mod:`intelgraph.graph.provenance`).
VALUE_RULE_CRITERIA = ("source_reliability", "report_date", "value")


@dataclass(frozen=True)
class DerivedProperty:
    """A lookup property the loaders add to a node, derived from ``source`` (another property;
    empty: derived for every node)."""
    name: str
    type: str
    source: str = ""


class Schema:
    """The parsed schema. Build it with :func:`load_schema`."""

    def __init__(self, data: dict[str, Any], origin: str = "schema.yaml"):
        self.origin = origin
        self.version = data.get("version")
        self.root_label: str = data.get("root_label", "Entity")
        self.id_property: str = data.get("id_property", "id")
        meta = data.get("store_metadata") or {}
        #: Labels of the store's metadata nodes (never the root label): every one carries
        #: ``meta_label``; the version stamp also ``meta_store_label``, a load record ``meta_load_label``.
        self.meta_label: str = str(meta.get("label", "IntelgraphMeta"))
        self.meta_store_label: str = str(meta.get("store", "IntelgraphStore"))
        self.meta_load_label: str = str(meta.get("load", "IntelgraphLoad"))
        for what, label in (("label", self.meta_label), ("store", self.meta_store_label),
                            ("load", self.meta_load_label)):
            self._check_ident(label, f"store_metadata.{what}")
            if label == self.root_label:
                raise SchemaError(origin, f"store_metadata.{what}", "a metadata label must not be the root label")
        grading = data.get("grading", {})
        self.reliability_scale = {str(k): v for k, v in grading.get("reliability", {}).items()}
        self.credibility_scale = {str(k): v for k, v in grading.get("credibility", {}).items()}
        #: The grading properties, best grade first in each scale (``reliability``, ``credibility``).
        self.grading_properties: tuple[str, ...] = tuple(str(k) for k in grading)
        #: Provenance properties every written record carries: name -> type.
        self.provenance_properties: dict[str, str] = {}
        for pname, ptype in (data.get("provenance_properties") or {}).items():
            self._check_ident(pname, "provenance property")
            if ptype not in SCALAR_TYPES:
                raise SchemaError(origin, f"provenance_properties.{pname}", f"unknown type {ptype!r}")
            self.provenance_properties[pname] = ptype
        stmts = data.get("statements") or {}
        #: The node property holding a node's statements where its sources differ.
        self.statement_property: str = str(stmts.get("property", "statements"))
        self._check_ident(self.statement_property, "statement property")
        #: The criteria, in order, that choose one value among differing statements.
        self.value_rule: tuple[str, ...] = tuple(stmts.get("choose") or ("value",))
        for criterion in self.value_rule:
            if criterion not in VALUE_RULE_CRITERIA:
                raise SchemaError(origin, "statements.choose", f"unknown criterion {criterion!r}; "
                                  f"use {', '.join(VALUE_RULE_CRITERIA)}")
        #: Lookup properties the loaders derive on every node, in the order they are written.
        self.derived_properties: dict[str, DerivedProperty] = {}
        for pname, dspec in (data.get("derived_properties") or {}).items():
            self._check_ident(pname, "derived property")
            dspec = dspec or {}
            if dspec.get("type", "string") not in SCALAR_TYPES:
                raise SchemaError(origin, f"derived_properties.{pname}", f"unknown type {dspec.get('type')!r}")
            self.derived_properties[pname] = DerivedProperty(pname, dspec.get("type", "string"),
                                                             str(dspec.get("from", "")))
        bounds = data.get("date_bounds") or {}
        #: Suffixes of the native dates derived beside each ``date`` property: (earliest, latest day).
        self.date_bound_suffixes: tuple[str, str] = (str(bounds.get("start", "_start")), str(bounds.get("end", "_end")))
        #: Properties any relationship may carry besides provenance (``relationship_properties``).
        self.relationship_properties: dict[str, PropertySpec] = {}
        discriminators = []
        for pname, rspec in (data.get("relationship_properties") or {}).items():
            self._check_ident(pname, "relationship property")
            rspec = rspec or {}
            if rspec.get("type", "string") not in SCALAR_TYPES:
                raise SchemaError(origin, f"relationship_properties.{pname}", f"unknown type {rspec.get('type')!r}")
            self.relationship_properties[pname] = PropertySpec(pname, str(rspec.get("type", "string")))
            if rspec.get("discriminator"):
                discriminators.append(pname)
        #: The relationship properties that are part of a relationship's identity, in declared order.
        self.discriminators: tuple[str, ...] = tuple(discriminators)
        raw_kinds = data.get("node_kinds") or {}
        self.node_kinds: dict[str, NodeKind] = {}
        for name in raw_kinds:
            self._build_kind(name, raw_kinds, ())
        self.relationship_types: dict[str, RelType] = {}
        for name, spec in (data.get("relationship_types") or {}).items():
            self._check_ident(name, "relationship type")
            for k in [*spec.get("from", []), *spec.get("to", [])]:
                if k not in self.node_kinds:
                    raise SchemaError(origin, f"relationship_types.{name}", f"names unknown kind {k!r}")
            self.relationship_types[name] = RelType(
                name=name,
                description=spec.get("description", ""),
                from_kinds=tuple(spec.get("from", [])),
                to_kinds=tuple(spec.get("to", [])),
                symmetric=bool(spec.get("symmetric", False)),
                stance=bool(spec.get("stance", False)),
                properties=dict(self.relationship_properties),
            )
        self.projections: dict[str, dict[str, Any]] = data.get("projections") or {}
        for pname, proj in self.projections.items():
            types = proj.get("relationship_types", [])
            if types != "all":
                for t in list(types) + [t for ts in (proj.get("via") or {}).values() for t in ts]:
                    if t not in self.relationship_types:
                        raise SchemaError(origin, f"projections.{pname}", f"names unknown relationship type {t!r}")
            for k in [*proj.get("node_kinds", []), *(proj.get("via") or {})]:
                if k != self.root_label and k not in self.node_kinds:
                    raise SchemaError(origin, f"projections.{pname}", f"names unknown kind {k!r}")

    # -- construction -------------------------------------------------------------------
    def _check_ident(self, name: str, what: str) -> None:
        if not IDENT_RE.fullmatch(name):
            raise SchemaError(self.origin, name, f"{what} name must match {IDENT_RE.pattern}")

    def _build_kind(self, name: str, raw: dict[str, Any], stack: tuple[str, ...]) -> NodeKind:
        if name in self.node_kinds:
            return self.node_kinds[name]
        if name in stack:
            raise SchemaError(self.origin, f"node_kinds.{name}", "inherits from itself")
        if name not in raw:
            raise SchemaError(self.origin, f"node_kinds.{stack[-1]}", f"extends unknown kind {name!r}")
        self._check_ident(name, "kind")
        spec = raw[name] or {}
        parents = tuple(spec.get("extends", []))
        ancestors: list[str] = []
        properties: dict[str, PropertySpec] = {}
        key: tuple[str, ...] = ()
        for p in parents:
            parent = self._build_kind(p, raw, (*stack, name))
            for a in (parent.name, *parent.ancestors):
                if a not in ancestors:
                    ancestors.append(a)
            for pname, pspec in parent.properties.items():
                properties.setdefault(pname, pspec)
            key = key or parent.key
        for pname, pspec in (spec.get("properties") or {}).items():
            self._check_ident(pname, "property")
            ptype = pspec.get("type", "string")
            if ptype not in SCALAR_TYPES:
                raise SchemaError(self.origin, f"node_kinds.{name}.{pname}", f"unknown type {ptype!r}")
            properties[pname] = PropertySpec(
                name=pname,
                type=ptype,
                required=bool(pspec.get("required", False)),
                indexed=bool(pspec.get("indexed", False)),
                values=tuple(str(v) for v in pspec.get("values", [])),
                format=str(pspec.get("format", "")),
                refers_to=str(pspec.get("refers_to", "")),
            )
            if pspec.get("refers_to") and pspec["refers_to"] not in raw:
                raise SchemaError(self.origin, f"node_kinds.{name}.{pname}",
                                  f"refers to unknown kind {pspec['refers_to']!r}")
        key = tuple(spec.get("key", key))
        for k in key:
            if k not in properties:
                raise SchemaError(self.origin, f"node_kinds.{name}.key", f"key property {k!r} is not declared")
        kind = NodeKind(
            name=name,
            description=spec.get("description", ""),
            abstract=bool(spec.get("abstract", False)),
            parents=parents,
            ancestors=tuple(ancestors),
            properties=properties,
            key=key,
        )
        self.node_kinds[name] = kind
        return kind

    # -- queries --------------------------------------------------------------------------
    @property
    def concrete_kinds(self) -> list[str]:
        return [k for k, v in self.node_kinds.items() if not v.abstract]

    def kind(self, name: str) -> NodeKind:
        return self.node_kinds[name]

    def rel(self, name: str) -> RelType:
        return self.relationship_types[name]

    def kinds_of(self, family: str) -> list[str]:
        """Concrete kinds that are ``family`` or descend from it."""
        return [k for k in self.concrete_kinds if self.node_kinds[k].is_a(family)]

    def all_labels(self) -> list[str]:
        return [self.root_label, *self.node_kinds]

    def indexed_properties(self) -> list[tuple[str, str]]:
        """(label, property) pairs to index: the id on the root label, then each declared index
        on the highest kind that declares it."""
        pairs = [(self.root_label, self.id_property)]
        for kname, kind in self.node_kinds.items():
            for pname, spec in kind.properties.items():
                if not spec.indexed:
                    continue
                declared_by_parent = any(pname in self.node_kinds[p].properties and
                                         self.node_kinds[p].properties[pname].indexed
                                         for p in kind.ancestors)
                if not declared_by_parent:
                    pairs.append((kname, pname))
        # the lower-cased name used for case-insensitive lookup
        pairs.append((self.root_label, "name_lc"))
        return pairs

    def derived_for(self, properties: Iterable[str]) -> tuple[str, ...]:
        """The derived lookup properties a node with ``properties`` gets, in declared order."""
        have = set(properties)
        return tuple(d.name for d in self.derived_properties.values() if not d.source or d.source in have)

    def date_bounds(self, prop: str) -> tuple[str, str]:
        """The native dates derived beside the ``date`` property ``prop``: (earliest, latest day)."""
        return (prop + self.date_bound_suffixes[0], prop + self.date_bound_suffixes[1])

    def bound_properties(self) -> dict[str, str]:
        """Every derived date bound any node kind or relationship type can hold -> its date property."""
        specs = [*(k.properties for k in self.node_kinds.values()),
                 *(r.properties for r in self.relationship_types.values())]
        return {b: p for props in specs for p, s in props.items() if s.type == "date" for b in self.date_bounds(p)}

    def split_dates(self, specs: dict[str, PropertySpec], values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """``values`` (coerced, None left out) as (values, the date bounds derived from them): the
        one place a ``date`` property's text gives the native dates beside it (ISO text, for the
        engine's ``date()``; an open end gives none)."""
        plain: dict[str, Any] = {}
        dates: dict[str, Any] = {}
        for k, v in values.items():
            if v is None:
                continue
            plain[k] = v
            if k in specs and specs[k].type == "date":
                d = parse_date(v)
                for name, day in zip(self.date_bounds(k), (d.start, d.end)):
                    if day is not None:
                        dates[name] = day
        return plain, dates

    def date_layout(self, specs: dict[str, PropertySpec], names: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The columns of rows holding properties ``names``: (every one of them, sorted; the date
        bounds derived from its ``date`` properties, sorted) — the second written with ``date()``."""
        names = sorted(names)
        return (tuple(names), tuple(sorted(b for n in names if n in specs and specs[n].type == "date"
                                           for b in self.date_bounds(n))))

    def reference_properties(self) -> dict[tuple[str, str], str]:
        """``(kind, property) -> kind referred to`` for the properties that name another node
        (``refers_to`` in the schema)."""
        return {(kname, pname): spec.refers_to for kname, kind in self.node_kinds.items()
                for pname, spec in kind.properties.items() if spec.refers_to}

    def allowed_endpoint(self, rel: RelType, kind: str, side: str) -> bool:
        allowed = rel.from_kinds if side == "from" else rel.to_kinds
        return any(self.node_kinds[kind].is_a(a) for a in allowed)

    def stance_types(self) -> list[str]:
        return [n for n, r in self.relationship_types.items() if r.stance]

    def symmetric_types(self) -> list[str]:
        return [n for n, r in self.relationship_types.items() if r.symmetric]


@lru_cache(maxsize=1)
def load_schema() -> Schema:
    """The schema shipped with the package (``intelgraph/graph/schema.yaml``)."""
    text = resources.files("intelgraph.graph").joinpath("schema.yaml").read_text(encoding="utf-8")
    # libyaml's parser when PyYAML has it (the same data; the pure-Python one took ~0.25 s of every command's start)
    return Schema(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)),
                  origin="intelgraph/graph/schema.yaml")


#: Provenance properties every written record carries, as ``schema.yaml`` declares them.
PROVENANCE: tuple[str, ...] = tuple(load_schema().provenance_properties)
#: The grading properties (``reliability``, ``credibility``), as ``schema.yaml`` declares them.
GRADING: tuple[str, ...] = load_schema().grading_properties
#: Properties any relationship may carry besides provenance, as ``schema.yaml`` declares them.
COMMON_REL_PROPERTIES: dict[str, PropertySpec] = load_schema().relationship_properties
#: The relationship properties that are part of its identity (``discriminator: true``).
DISCRIMINATORS: tuple[str, ...] = load_schema().discriminators
#: The label every store-metadata node carries (``store_metadata.label``): never part of the analysed graph.
META_LABEL: str = load_schema().meta_label
