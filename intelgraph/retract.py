"""``intelgraph unload --source ID``: take one source out of the graph in place — the answer to
"what if this source is discredited", made real (docs/history.md#unload-a-source).

What falls is what the saved query ``rests-on-source`` marks ``only this source`` (one rule, one
place: its chains, re-reports and confirmations decide), and what the source itself gives:

1. each (claim, asserting document) pair the query marks as falling loses its ``ASSERTS``; a
   claim no document asserts any more goes, with its stances, confirmations and ties;
2. each fact the query marks as falling goes (a fact it marks ``also others`` as well is kept);
   the claims that went leave every other fact's ``claims``;
3. the source leaves every node's and relationship's ``sources`` with its evidence entries and
   statements; a node's values are chosen again from what is left by the loaders' rule
   (:func:`intelgraph.loaders.plan.merge_statements`); a node or relationship left with no
   source goes (the source's own node too, unless another source reports it).

The whole is computed first (``dry_run`` stops there) and written as a few statements; a
failure between them leaves the graph partly changed — load the same files again into an empty
graph to rebuild it (the load history lists them). The unload is recorded in the load history,
and a graph rebuilt from the history (``unload --dataset``) applies it again in its place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from intelgraph.cypher.store import Store
from intelgraph.graph.schema import load_schema

__all__ = ["SourceUnload", "unload_source"]


@dataclass
class SourceUnload:
    """What an unload of one source did (or would do)."""

    source: str  # its id
    name: str | None
    dry_run: bool
    claims: list[tuple[str, str]] = field(default_factory=list)         # (id, statement) that go
    asserts: list[tuple[str, str]] = field(default_factory=list)        # (document id, claim id) ties that go
    facts: list[tuple[str, str]] = field(default_factory=list)          # (id, "x TYPE y") that go
    nodes: list[tuple[str, str, str | None]] = field(default_factory=list)  # (id, kind, name) that go
    relationships: list[tuple[str, str]] = field(default_factory=list)  # (id, type) with no source left
    changed_nodes: int = 0  # nodes that keep other sources: the source's values taken out
    changed_relationships: int = 0

    def rows(self) -> list[dict[str, Any]]:
        return ([{"what": "claim", "id": i, "kind": "Claim", "name": s} for i, s in self.claims]
                + [{"what": "fact", "id": i, "kind": "fact", "name": w} for i, w in self.facts]
                + [{"what": "node", "id": i, "kind": k, "name": n} for i, k, n in self.nodes]
                + [{"what": "relationship", "id": i, "kind": t, "name": None} for i, t in self.relationships])


def _falling(store: Store, sid: str) -> tuple[set[tuple[str, str]], set[str]]:
    """The (asserting document id, claim id) pairs and the fact relationship ids that
    ``rests-on-source`` marks as falling with source ``sid``."""
    from intelgraph.queries.runner import run_saved

    rows = run_saved(store, "rests-on-source", {"source": sid}).records()
    pairs: set[tuple[str, str]] = set()
    fall: set[str] = set()
    stay: set[str] = set()
    for r in rows:
        if r["kind"] == "claim" and r["support"] == "only this source":
            pairs.update((a, c) for a, c in store.read(
                "MATCH (a:Source)-[:ASSERTS]->(c:Claim) WHERE c.statement = $what AND a.name = $by "
                "RETURN a.id, c.id", {"what": r["what"], "by": r["reported_by"]}).rows)
        elif r["kind"] == "fact":
            ids = {x[0] for x in store.read("MATCH (x:Entity)-[r]->(y:Entity) "
                                            "WHERE x.name + ' ' + type(r) + ' ' + y.name = $what RETURN r.id",
                                            {"what": r["what"]}).rows}
            (fall if r["support"] == "only this source" else stay).update(ids)
    return pairs, fall - stay  # a fact the query also lists as kept is kept


def _resettled(store: Store, kind: str, props: dict[str, Any], sid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A node's properties without source ``sid``'s statements, its values chosen again by the
    loaders' rule: (plain properties, dates' native bounds as ISO text). ``kind``: a node kind or a
    relationship type (its discriminators, its identity, are kept as they are)."""
    from intelgraph.graph.provenance import expand, held_properties, parse
    from intelgraph.graph.schema import load_schema
    from intelgraph.loaders.plan import Plan, merge_statements

    schema = load_schema()
    spec = held_properties(schema, kind)
    bounds = schema.bound_properties()
    sources = [s for s in props.get("sources") or () if s != sid]
    values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in props.items() if k in spec}
    held = {t for t in expand(schema, kind, values, props.get("sources") or (), props.get(schema.statement_property))
            if parse(t)[1] != sid}
    row: dict[str, Any] = {"props": {}}
    merge_statements(schema, kind, row, held, sources, Plan(schema).grades(held, store))
    keep = {k: v for k, v in props.items() if k not in spec and k not in schema.derived_properties
            and k not in bounds and k != schema.statement_property}
    plain = {**keep, **row["props"], "sources": sources,
             "evidence": [e for e in props.get("evidence") or () if e.partition(" | ")[0] != sid]}
    if row["statements"] is not None:
        plain[schema.statement_property] = row["statements"]
    return plain, row["dates"]


def unload_source(store: Store, source: str, dry_run: bool = False, record: bool = True) -> SourceUnload:
    """Take source ``source`` (a name, alias or id) out of the graph; see the module docstring.
    ``record``: add it to the load history (an ``unload`` record naming the source), so that a
    graph rebuilt from the history takes the source out again at the same point."""
    from intelgraph.cypher.meta import check_version
    from intelgraph.queries.runner import resolve_entity

    check_version(store)
    with store.writing():
        sid = resolve_entity(store, source, kinds=("Source",), param="--source")
        name = store.read("MATCH (s:Entity {id: $id}) RETURN s.name", {"id": sid}).scalar()
        res = SourceUnload(sid, name, dry_run)
        pairs, facts = _falling(store, sid)
        res.asserts = sorted(pairs)
        asserted = store.read("MATCH (a:Source)-[:ASSERTS]->(c:Claim) WHERE c.id IN $ids RETURN c.id, c.statement, "
                              "collect(a.id)", {"ids": sorted({c for _, c in pairs})}).rows
        res.claims = sorted((c, text) for c, text, docs in asserted if all((a, c) in pairs for a in docs))
        gone_claims = {c for c, _ in res.claims}
        res.facts = sorted(store.read("MATCH (x:Entity)-[r]->(y:Entity) WHERE r.id IN $ids "
                                      "RETURN r.id, x.name + ' ' + type(r) + ' ' + y.name", {"ids": sorted(facts)}).rows)
        nodes = store.read("MATCH (n:Entity) WHERE $sid IN n.sources RETURN n.id, n.kind, n.name, properties(n)",
                           {"sid": sid}).rows
        res.nodes = sorted((i, k, n) for i, k, n, p in nodes if set(p.get("sources") or ()) <= {sid}
                           and i not in gone_claims)
        rels = store.read("MATCH (:Entity)-[r]->(:Entity) WHERE $sid IN r.sources AND NOT r.id IN $facts "
                          "RETURN r.id, type(r), r.sources, properties(r)", {"sid": sid, "facts": sorted(facts)}).rows
        res.relationships = sorted((i, t) for i, t, s, _ in rels if set(s) <= {sid})
        res.changed_nodes = sum(1 for *_, p in nodes if not set(p.get("sources") or ()) <= {sid})
        res.changed_relationships = len(rels) - len(res.relationships)
        if dry_run:
            return res
        before = store.counts()
        _write(store, sid, res, nodes, gone_claims, facts, rels)
        if record:
            from intelgraph.loaders.history import UNLOAD, record_load

            record_load(store, [UNLOAD], [], [], before, store.counts(), {"source": sid})
    return res


def _write(store: Store, sid: str, res: SourceUnload, nodes: list[list[Any]], gone_claims: set[str],
           facts: set[str], rels: list[list[Any]]) -> None:
    store.write("UNWIND $pairs AS p MATCH (a:Entity {id: p[0]})-[t:ASSERTS]->(c:Entity {id: p[1]}) DELETE t",
                {"pairs": [list(p) for p in res.asserts]})
    store.write("UNWIND $ids AS i MATCH (c:Entity {id: i}) DETACH DELETE c", {"ids": sorted(gone_claims)})
    store.write("MATCH ()-[r]->() WHERE r.id IN $ids DELETE r", {"ids": sorted(facts)})
    store.write("MATCH ()-[r]->() WHERE $sid IN r.sources SET r.sources = [s IN r.sources WHERE s <> $sid], "
                "r.evidence = [e IN coalesce(r.evidence, []) WHERE split(e, ' | ')[0] <> $sid]", {"sid": sid})
    store.write("MATCH ()-[r]->() WHERE r.id IN $ids DELETE r", {"ids": [i for i, _ in res.relationships]})
    gone = {i for i, *_ in res.nodes} | gone_claims
    store.write("UNWIND $ids AS i MATCH (n:Entity {id: i}) DETACH DELETE n", {"ids": sorted(gone)})
    for nid, kind, _, props in nodes:
        if nid in gone:
            continue
        plain, dates = _resettled(store, kind, props, sid)
        keys = ", ".join(f"n.`{k}` = date($d.`{k}`)" for k in dates)
        store.write(f"MATCH (n:Entity {{id: $id}}) SET n = $p{', ' + keys if keys else ''}",
                    {"id": nid, "p": json.loads(json.dumps(plain, default=str)), "d": dates})
    # a kept fact's values: the source's statements out, its values chosen again by the same rule
    schema = load_schema()
    gone_rels = {i for i, _ in res.relationships} | set(facts)
    for rid, rtype, _, props in rels:
        if rid in gone_rels or props.get(schema.statement_property) is None:
            continue
        plain, dates = _resettled(store, rtype, props, sid)
        keys = ", ".join(f"r.`{k}` = date($d.`{k}`)" for k in dates)
        store.write(f"MATCH (:Entity)-[r]->(:Entity) WHERE r.id = $id SET r = $p{', ' + keys if keys else ''}",
                    {"id": rid, "p": json.loads(json.dumps(plain, default=str)), "d": dates})
    # last: the values written back above still named the claims that fell
    for pattern in ("()-[r]->()", "(r:Entity)"):
        store.write(f"MATCH {pattern} WHERE any(c IN coalesce(r.claims, []) WHERE c IN $ids) "
                    "SET r.claims = [c IN r.claims WHERE NOT c IN $ids]", {"ids": sorted(gone_claims)})
