"""Dates of reduced precision (docs/model.md, "Dates"): a store written before them holds every
``date`` property as a native date (only full days could be entered). Today a date property
holds its text in the one notation (:mod:`intelgraph.graph.dates`) and, beside it, the native
dates of its bounds (the schema's ``date_bounds``: ``date_start``, ``date_end``).

:func:`migrate` rewrites each date property that has no bound yet — a native date, or text
written without bounds — to its canonical text and adds its bounds, on nodes and relationships,
in batches. A value already migrated always has at least one bound (an interval has at most
one open end), so a second run finds nothing to do. The result is the graph a fresh load of the
same inputs writes (tests/test_migrate_dates.py compares checksums).
"""

from __future__ import annotations

from typing import Any

from intelgraph.cypher.statements import quote_name
from intelgraph.cypher.store import Store
from intelgraph.graph.dates import parse
from intelgraph.graph.schema import COMMON_REL_PROPERTIES, Schema, load_schema

__all__ = ["migrate"]

BATCH = 2000


def _date_props(specs: dict[str, Any]) -> list[str]:
    return sorted(p for p, s in specs.items() if s.type == "date")


def _bound_sets(schema: Schema, target: str, prop: str) -> str:
    start, end = (quote_name(b) for b in schema.date_bounds(prop))
    q = quote_name(prop)
    return (f"SET {target}.{q} = row.text, "
            f"{target}.{start} = CASE WHEN row.start IS NULL THEN null ELSE date(row.start) END, "
            f"{target}.{end} = CASE WHEN row.end IS NULL THEN null ELSE date(row.end) END")


def _unmigrated(schema: Schema, target: str, prop: str) -> str:
    start, end = (quote_name(b) for b in schema.date_bounds(prop))
    return (f"{target}.{quote_name(prop)} IS NOT NULL AND {target}.{start} IS NULL "
            f"AND {target}.{end} IS NULL")


def _row(text: str) -> dict[str, Any]:
    d = parse(text)
    return {"text": d.text, "start": d.start, "end": d.end}


def migrate(store: Store, schema: Schema | None = None) -> dict[str, int]:
    """Give every date property of the graph its canonical text and native bounds; returns how
    many values were rewritten, by ``node.<prop>`` and ``rel.<prop>``. Idempotent."""
    schema = schema or load_schema()
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    node_props = sorted({p for k in schema.node_kinds.values() for p in _date_props(k.properties)})
    done: dict[str, int] = {}
    for prop in node_props:
        rows = [{"id": nid, **_row(text)} for nid, text in store.read(
            f"MATCH (n:{root}) WHERE {_unmigrated(schema, 'n', prop)} RETURN n.{key}, toString(n.{quote_name(prop)})").rows]
        for i in range(0, len(rows), BATCH):
            store.write(f"UNWIND $rows AS row MATCH (n:{root} {{{key}: row.id}}) " + _bound_sets(schema, "n", prop),
                        {"rows": rows[i:i + BATCH]})
        done[f"node.{prop}"] = len(rows)
    for prop in _date_props(COMMON_REL_PROPERTIES):
        found = store.read(
            f"MATCH (a:{root})-[r]->(b:{root}) WHERE {_unmigrated(schema, 'r', prop)} "
            f"RETURN type(r), a.{key}, b.{key}, r.{key}, toString(r.{quote_name(prop)})").rows
        by_type: dict[str, list[dict[str, Any]]] = {}
        for rtype, a, b, rid, text in found:
            by_type.setdefault(rtype, []).append({"a": a, "b": b, "id": rid, **_row(text)})
        for rtype, rows in sorted(by_type.items()):
            if rtype not in schema.relationship_types:
                continue  # not ours: left as it is
            for i in range(0, len(rows), BATCH):
                store.write(f"UNWIND $rows AS row MATCH (a:{root} {{{key}: row.a}})"
                            f"-[r:{quote_name(rtype)} {{{key}: row.id}}]->(b:{root} {{{key}: row.b}}) "
                            + _bound_sets(schema, "r", prop), {"rows": rows[i:i + BATCH]})
        done[f"rel.{prop}"] = len(found)
    return done
