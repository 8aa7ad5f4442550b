"""A load plan: validated rows grouped by kind and type, then written in ``UNWIND`` batches.

Every loader (dataset files, neo4j-admin CSV, the generator) builds a :class:`Plan`;
nothing is written until the whole input has been read and validated, so a bad record
leaves the graph as it was. Writes are idempotent ``MERGE`` on content-derived ids: a load
interrupted at any point and run again converges to the graph of one clean load.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from intelgraph.cypher.statements import (
    quote_name, node_create_statement, node_merge_statement, relationship_create_statement, relationship_merge_statement)
from intelgraph.cypher.store import Store
from intelgraph.errors import StoreError
from intelgraph.graph.provenance import Grade, expand, held_properties, parse, settle
from intelgraph.graph.schema import GRADING, PROVENANCE, Schema
from intelgraph.loaders.rules import better_grade, derived_values, evidence_text, union

__all__ = ["Plan", "LoadStats", "write_plan", "write_merged", "node_row", "evidence_text", "ids_in_graph",
           "changed_under_load", "merge_with_graph", "merge_statements"]

COMPACT_AFTER_ROWS = 20_000  # after a load this big, let the engine compact its storage


def node_row(schema: Schema, kind: str, node_id: str, props: dict[str, Any], sources=(), evidence=(),
             claims=()) -> dict[str, Any]:
    """The row the node statements expect. Adds the derived lookup properties (``name_lc``,
    ``aliases_lc``, ``aliases_text``) and the date bounds (``dates``), which the engine converts. A row
    is implicit: each of its sources gives each of its values (``statements`` None until a merge
    with another source's values makes them explicit: :mod:`intelgraph.graph.provenance`)."""
    row: dict[str, Any] = {"id": node_id, "props": {}, "dates": {}, "sources": sorted(set(sources)),
                           "evidence": sorted(set(evidence)), "claims": sorted(set(claims)), "statements": None}
    _set_values(schema, kind, row, props)
    return row


def _set_values(schema: Schema, kind: str, row: dict[str, Any], props: dict[str, Any]) -> None:
    """Set a row's values (and the lookup properties and date bounds derived from them)."""
    spec = schema.kind(kind).properties
    plain, dates = schema.split_dates(spec, props)
    plain.update(derived_values(schema, kind, plain))  # kind, name_lc...: loaders/rules.py
    row["props"], row["dates"] = plain, dates


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return row["props"]


def _set_rel_values(schema: Schema, rel_type: str, row: dict[str, Any], chosen: dict[str, Any]) -> None:
    """Set a relationship row's values: its discriminators as they are (its identity), the
    others as chosen; with the native bounds of its dates (:meth:`Schema.split_dates`)."""
    keep = {k: v for k, v in _values(row).items() if k in schema.discriminators}
    row["props"], row["dates"] = schema.split_dates(schema.rel(rel_type).properties, {**keep, **chosen})


def merge_statements(schema: Schema, kind: str, row: dict[str, Any], statements: set[str],
                     sources: Iterable[str], grades: dict[str, Grade]) -> None:
    """Give ``row`` (of a node ``kind``, or of a relationship type) the values the rule chooses
    from ``statements`` (and store them explicitly unless every one of ``sources`` gives every
    chosen value)."""
    chosen, row["statements"] = settle(schema, kind, statements, sources, grades)
    if kind in schema.node_kinds:
        _set_values(schema, kind, row, chosen)
    else:
        _set_rel_values(schema, kind, row, chosen)


@dataclass
class LoadStats:
    nodes: int = 0
    relationships: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass
class Plan:
    """Rows to write, keyed by node kind and by relationship type. Adding the same id twice
    merges provenance (as the database would) instead of writing the row twice."""

    schema: Schema
    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    rels: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    node_kind: dict[str, str] = field(default_factory=dict)

    def add_node(self, kind: str, row: dict[str, Any]) -> None:
        """Add a node row; the same node again adds its statements beside the first row's (the
        values are chosen again when the plan is written, when every source's grade is known)."""
        self.node_kind[row["id"]] = kind
        existing = self.nodes[kind].get(row["id"])
        if existing is None:
            row.setdefault("statements", None)
            self.nodes[kind][row["id"]] = row
        else:
            held = (expand(self.schema, kind, _values(existing), existing["sources"], existing["statements"])
                    | expand(self.schema, kind, _values(row), row["sources"], row.get("statements")))
            _merge_provenance(existing, row)
            merge_statements(self.schema, kind, existing, held, existing["sources"], self.grades(held))
            existing["merged"] = True

    def grades(self, statements: Iterable[str], store: Store | None = None) -> dict[str, Grade]:
        """The grade and date of every source the statements name: from the plan's rows, else
        from the graph (``store``)."""
        wanted = {parse(t)[1] for t in statements}
        out: dict[str, Grade] = {}
        for sid in wanted:
            kind = self.node_kind.get(sid)
            if kind is not None:
                row = self.nodes[kind][sid]
                out[sid] = (row["props"].get("reliability"), row["props"].get("date"))
        missing = sorted(wanted - out.keys())
        if missing and store is not None:
            for sid, reliability, date in store.read(
                    "UNWIND $ids AS i MATCH (n:Entity {id: i}) RETURN n.id, n.reliability, toString(n.date)",
                    {"ids": missing}).rows:
                out[sid] = (reliability, date)
        return out

    def add_rel(self, rel_type: str, row: dict[str, Any]) -> None:
        """Add a relationship row; the same relationship again adds its statements (its value
        properties as its sources give them) beside the first row's, as :meth:`add_node` does."""
        existing = self.rels[rel_type].get(row["id"])
        if existing is None:
            row.setdefault("props", {})
            row.setdefault("dates", {})
            row.setdefault("reliability", None)
            row.setdefault("credibility", None)
            row.setdefault("statements", None)
            for p in PROVENANCE:
                row[p] = sorted(set(row.get(p, ())))
            self.rels[rel_type][row["id"]] = row
        else:
            held = (expand(self.schema, rel_type, _values(existing), existing["sources"], existing["statements"])
                    | expand(self.schema, rel_type, _values(row), row["sources"], row.get("statements")))
            _merge_provenance(existing, row)
            merge_statements(self.schema, rel_type, existing, held, existing["sources"], self.grades(held))
            existing["merged"] = True
            # a direct grade (a CSV column; facts resting on claims have none): of two, the
            # better, whatever the order — as the credibility filter takes a fact's best claim
            for g in GRADING:
                existing[g] = better_grade(existing.get(g), row.get(g))

    def counts(self) -> tuple[int, int]:
        return (sum(len(v) for v in self.nodes.values()), sum(len(v) for v in self.rels.values()))

    def referenced(self) -> set[str]:
        """Ids the plan's relationships end on but the plan does not hold: nodes of the graph."""
        ends = {row[e] for rows in self.rels.values() for row in rows.values() for e in ("s", "t")}
        return ends - self.node_kind.keys()


def ids_in_graph(store: Store, ids: Iterable[str], chunk: int = 5000) -> set[str]:
    """Which of ``ids`` are nodes of the graph (an id-index seek each)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for a in range(0, len(wanted), chunk):
        res = store.read("UNWIND $ids AS i MATCH (n:Entity {id: i}) RETURN n.id", {"ids": wanted[a:a + chunk]})
        found.update(r[0] for r in res.rows)
    return found


def _graph_records(store: Store, schema: Schema, kind: str, rows: list[dict[str, Any]],
                   chunk: int) -> dict[str, dict[str, Any]]:
    """What the rule needs of the graph's node (``kind`` a node kind) or relationship (a
    relationship type) of each row's id — its values, sources and statements, not its
    evidence — by id (a relationship: from its start node, an id-index seek)."""
    prop = schema.statement_property
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    wanted = ", ".join(f".{quote_name(p)}" for p in (*held_properties(schema, kind), "sources", prop))
    if kind in schema.node_kinds:
        read = f"UNWIND $rows AS i MATCH (n:{root} {{{key}: i.id}}) RETURN n.{key}, n {{{wanted}}}"
    else:
        read = (f"UNWIND $rows AS i MATCH (:{root} {{{key}: i.s}})-[n:{quote_name(kind)} {{{key}: i.id}}]->() "
                f"RETURN n.{key}, n {{{wanted}}}")
    found: dict[str, dict[str, Any]] = {}
    ends = [{"id": r["id"], "s": r.get("s")} for r in rows]
    for a in range(0, len(ends), chunk):
        for nid, props in store.read(read, {"rows": ends[a:a + chunk]}).rows:
            found[nid] = {k: _iso(v) for k, v in props.items() if v is not None}
    return found


def _iso(value: Any) -> Any:
    """A date as the graph returns it (Python's or the driver's), as ISO text; else as it is."""
    return value.iso_format() if hasattr(value, "iso_format") else value


def merge_with_graph(store: Store, plan: Plan, kind: str, rows: Iterable[dict[str, Any]], in_graph: bool = True,
                     chunk: int = 5000) -> None:
    """Before rows of ``kind`` (a node kind, or a relationship type) are written: add to each the
    statements the graph's node (relationship) of that id holds (``in_graph``: look), and choose
    its values by the rule from all of them. A row whose statements the graph adds nothing to,
    and that no merge in the plan made explicit, is written as it is. Every load path writes
    merged nodes and relationships through here (the FalkorDB fast path too, for the nodes it
    finds in the graph and would change)."""
    schema = plan.schema
    rows = list(rows)
    pending: list[tuple[dict[str, Any], set[str], list[str]]] = []
    prop = schema.statement_property
    found = _graph_records(store, schema, kind, rows, chunk) if in_graph and rows else {}
    for row in rows:
        mine = expand(schema, kind, _values(row), row["sources"], row.get("statements"))
        old = found.get(row["id"])
        if in_graph:  # what the write must still find (cypher.statements._still_as_read)
            row["seen"] = [(old or {}).get("sources") or [], (old or {}).get(prop) or []]
        held = mine
        sources = set(row["sources"])
        if old is not None:
            sources |= set(old.get("sources") or ())
            held = mine | expand(schema, kind, old, old.get("sources") or (), old.get(prop))
        if held != mine or row.get("statements") is not None or row.get("merged"):
            pending.append((row, held, sorted(sources)))
    if not pending:
        return
    grades = plan.grades(set().union(*(h for _, h, _ in pending)), store)
    for row, held, sources in pending:
        merge_statements(schema, kind, row, held, sources, grades)
        row.pop("merged", None)


#: How often a batch is read, merged and written again when loads running at once keep changing it.
MERGE_ATTEMPTS = 8


def write_merged(store: Store, plan: Plan, kind: str, rows: list[dict[str, Any]], stmt: str, batch_size: int,
                 progress: Callable[[int], None] | None = None) -> None:
    """Write node (relationship) rows of ``kind`` with a ``MERGE`` statement, batch by batch: each
    batch merged with the graph's statements just before (:func:`merge_with_graph`) and written
    where the graph still holds what was read — on Neo4j another load may write the same nodes at
    the same time, and the statement checks under each record's write lock. A batch that wrote
    fewer rows than it was given is read, merged and written again (its written rows then write
    the same again); the last attempt is counted as any load's is (a relationship whose end node is
    gone ends the load: :meth:`~intelgraph.cypher.store.Store.write_batches`)."""
    for a in range(0, len(rows), batch_size):
        batch = rows[a:a + batch_size]
        for attempt in range(MERGE_ATTEMPTS):
            merge_with_graph(store, plan, kind, batch)
            if attempt == MERGE_ATTEMPTS - 1:
                store.write_batches(stmt, batch, len(batch), idempotent=True, counted=True)
            elif store.write_idempotent(stmt, {"rows": batch}).scalar() != len(batch):
                continue
            break
        if progress is not None:
            progress(len(batch))


def _merge_provenance(into: dict[str, Any], row: dict[str, Any]) -> None:
    for p in PROVENANCE:
        into[p] = union(into.get(p, ()), row.get(p, ()))


def changed_under_load(store: Store, gone: list[str]) -> StoreError:
    """The error for a load whose relationships end on nodes of the graph that were there when
    its input was read and are gone (or, on the CSV fast path, replaced) under the write lock."""
    return StoreError(f"{len(gone)} node(s) this load's relationships end on are no longer in {store.engine} graph "
                      f"{store.name!r} as they were (e.g. {gone[0]}): it changed after the input was read; "
                      "nothing was written",
                      hint="load those nodes again (or the files that hold them), then this input")


def write_plan(store: Store, plan: Plan, batch_size: int = 1000, fresh: bool = False,
               progress: Callable[[int], None] | None = None) -> LoadStats:
    """Write a validated plan: schema first, then nodes kind by kind, then relationships.

    ``fresh=True`` uses ``CREATE`` instead of ``MERGE`` — only for an empty target graph.
    The ``MERGE`` batches are idempotent, so the store may run one again after it lost a race
    to a concurrent loader (:meth:`Store.write_idempotent`); ``CREATE`` batches are not.

    The nodes of the graph the plan's relationships end on were there when the input was read;
    they are looked for again under the graph's write lock (:meth:`Store.writing`, held for the
    whole write), so a ``db reset`` or another writer in between ends the load before it writes
    anything. Each relationship batch must write every row it was given (a node deleted by a
    writer that does not take the lock still ends the load, at that batch).
    """
    stats = LoadStats()
    schema = plan.schema
    with store.writing():
        store.apply_schema()
        referenced = plan.referenced()
        gone = sorted(referenced - ids_in_graph(store, referenced)) if referenced else []
        if gone:
            raise changed_under_load(store, gone)
        for kind, rows in plan.nodes.items():
            if fresh:
                merge_with_graph(store, plan, kind, rows.values(), in_graph=False)
                store.write_batches(node_create_statement(schema, schema.kind(kind)), list(rows.values()), batch_size,
                                    progress)
            else:
                write_merged(store, plan, kind, list(rows.values()), node_merge_statement(schema, schema.kind(kind)),
                             batch_size, progress)
            stats.by_kind[kind] = len(rows)
            stats.nodes += len(rows)
        for rel_type, rows in plan.rels.items():
            if fresh:
                merge_with_graph(store, plan, rel_type, rows.values(), in_graph=False)
                store.write_batches(relationship_create_statement(schema, schema.rel(rel_type)), list(rows.values()),
                                    batch_size, progress, counted=True)
            else:
                write_merged(store, plan, rel_type, list(rows.values()),
                             relationship_merge_statement(schema, schema.rel(rel_type)), batch_size, progress)
            stats.by_type[rel_type] = len(rows)
            stats.relationships += len(rows)
    if stats.nodes + stats.relationships >= COMPACT_AFTER_ROWS:
        store.compact()
    return stats
