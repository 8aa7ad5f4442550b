"""Engine procedures: a saved query answered by Python driving the engine, where one Cypher
statement would be too slow on that engine.

FalkorDB's ``allShortestPaths`` searches from one end only; between two entities that are not
connected it explores the whole six-hop neighbourhood (30–60 ms on a million-relationship
graph) before giving up. ``connections`` on FalkorDB is therefore a bidirectional
breadth-first search, a layer per query, each layer resolved through the id index. It answers
exactly what the saved Cypher answers — the shortest chains of the same relationship types,
each step with its type, direction, sources and support — and a test compares the two on
the sample story and on a generated graph. The filters are applied during the search (a path
must be shortest among the paths whose every step meets them), as Neo4j does for
``allShortestPaths`` with a predicate on all relationships. The ties they leave out are found
by the saved query's own first part, and each step's support by the same fragments
(``claim-support``, ``fact-support``): the rules are stated once, in Cypher.

The saved ``.cypher`` file stays the definition: ``query show`` prints it, Neo4j runs it, and
the analyser checks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from intelgraph.cypher.store import Result, Store
from intelgraph.queries.registry import SavedQuery, expand_fragments, load_fragments_from, queries_dir

__all__ = ["procedure_for", "connections"]

_TYPES_RE = re.compile(r"allShortestPaths\(\(a\)-\[:([A-Z_|]+)\*\.\.(\d+)\]-\(b\)\)")


def _tie_types(query: SavedQuery) -> tuple[list[str], int]:
    m = _TYPES_RE.search(query.text)
    if not m:  # pragma: no cover - guarded by the tests on the shipped file
        raise ValueError("connections.cypher no longer has the allShortestPaths pattern this procedure mirrors")
    return m.group(1).split("|"), int(m.group(2))


_ENDS = "MATCH (a:Entity {id: $from})"
_FILTERS = ("max_credibility", "min_origins", "exclude_denied", "evidence_only")

#: Each tie between two given entities with its support, as the saved query's steps have it.
_SUPPORT = """UNWIND $pairs AS pr
MATCH (x:Entity {id: pr[0]})-[r:TYPES]-(y:Entity {id: pr[1]})
WHERE NOT r.id IN $failing
UNWIND (CASE WHEN size(coalesce(r.claims, [])) = 0 THEN [null] ELSE r.claims END) AS claimId
OPTIONAL MATCH (c:Entity {id: claimId}) WHERE c:Claim
@claim-support(c, claimed, x, y, r)
WITH x, y, r, claimed ORDER BY claimed.name
WITH x, y, r, collect(claimed) AS claimed
@fact-support(r, claimed, support, x, y)
RETURN x.id, y.id, type(r), startNode(r).id, r.sources, r.id, support"""


def _failing(store: Store, query: SavedQuery, params: dict[str, Any]) -> list[str]:
    """The ids of the ties the filters leave out, by the saved query's own first part."""
    head, found, _ = query.text.partition(_ENDS)
    if not found:  # pragma: no cover - guarded by the tests on the shipped file
        raise ValueError(f"connections.cypher no longer has {_ENDS!r}, after the ties the filters leave out")
    rows = store.read(head + "RETURN failing", {k: params[k] for k in _FILTERS}).rows
    return rows[0][0] if rows else []


def _layer(store: Store, types: str, frontier: list[str], failing: list[str]) -> list[tuple[str, str]]:
    """(node, neighbour) for every tie of the given types from the frontier, either direction."""
    # (the filter costs a third of the layer's time: leave it out when it cannot fail)
    where = "WHERE NOT r.id IN $failing " if failing else ""
    rows = store.read(
        f"UNWIND $ids AS i MATCH (n:Entity {{id: i}})-[r:{types}]-(m) {where}RETURN i, collect(DISTINCT m.id)",
        {"ids": frontier, "failing": failing}).rows
    return [(i, m) for i, ms in rows for m in ms]


def connections(store: Store, query: SavedQuery, params: dict[str, Any]) -> Result:
    columns = ["path", "hops", "entities", "steps"]
    a, b = params["from"], params["to"]
    max_hops, limit = params["max_hops"], params["limit"]
    types_list, pattern_max = _tie_types(query)
    max_hops = min(max_hops, pattern_max)
    types = "|".join(f"`{t}`" for t in types_list)
    if a == b:
        return Result(columns, [])
    failing = _failing(store, query, params)
    dist = {"a": {a: 0}, "b": {b: 0}}
    preds: dict[str, dict[str, set[str]]] = {"a": {a: set()}, "b": {b: set()}}
    frontier = {"a": [a], "b": [b]}
    level = {"a": 0, "b": 0}
    meet_len = None
    split_side = "a"
    while level["a"] + level["b"] < max_hops and frontier["a"] and frontier["b"]:
        side = "a" if len(frontier["a"]) <= len(frontier["b"]) else "b"
        other = "b" if side == "a" else "a"
        level[side] += 1
        k = level[side]
        new: list[str] = []
        for u, v in _layer(store, types, frontier[side], failing):
            if v not in dist[side]:
                dist[side][v] = k
                preds[side][v] = {u}
                new.append(v)
            elif dist[side][v] == k:
                preds[side][v].add(u)
        frontier[side] = sorted(set(new))
        hits = [v for v in frontier[side] if v in dist[other]]
        if hits:
            meet_len = min(k + dist[other][v] for v in hits)
            split_side = side
            break
    if meet_len is None:
        return Result(columns, [])
    k = level[split_side]
    other = "b" if split_side == "a" else "a"
    middle = sorted(v for v in frontier[split_side] if dist[other].get(v) == meet_len - k)

    def chains(side: str, v: str) -> list[list[str]]:
        """Shortest node chains from the side's end to v (end first)."""
        if not preds[side][v]:
            return [[v]]
        return [c + [v] for u in sorted(preds[side][v]) for c in chains(side, u)]

    node_paths: list[list[str]] = []
    for v in middle:
        for left in chains("a" if split_side == "a" else "b", v):
            for right in chains(other, v):
                path = left + right[::-1][1:] if split_side == "a" else right + left[::-1][1:]
                node_paths.append(path)
                if len(node_paths) >= limit:
                    break
    node_paths = sorted({tuple(p) for p in node_paths})[:limit]

    # every tie between consecutive nodes of the paths, with what the rows need
    pairs = sorted({(p[i], p[i + 1]) for p in node_paths for i in range(len(p) - 1)})
    ties: dict[tuple[str, str], list[dict[str, Any]]] = {}
    support = expand_fragments(_SUPPORT.replace("TYPES", types), load_fragments_from(queries_dir() / "fragments"),
                               "connections procedure")
    rows = store.read(support, {"pairs": [list(p) for p in pairs], "failing": failing}).rows
    for x, y, rtype, start, sources, rid, sup in rows:
        ties.setdefault((x, y), []).append({"type": rtype, "start": start, "support": sup,
                                            "sources": sources or [], "rid": rid})
    ids = sorted({n for p in node_paths for n in p} | {s for ts in ties.values() for t in ts for s in t["sources"]})
    names = dict(store.read("UNWIND $ids AS i MATCH (n:Entity {id: i}) RETURN i, n.name", {"ids": ids}).rows)

    out: list[list[Any]] = []
    for nodes in node_paths:
        expanded: list[list[dict[str, Any]]] = [[]]
        for i in range(len(nodes) - 1):
            options = sorted(ties.get((nodes[i], nodes[i + 1]), []), key=lambda t: (t["type"], t["rid"] or ""))
            expanded = [e + [t] for e in expanded for t in options]
        for rels in expanded:
            if len(out) >= limit:
                break
            steps = [{"step": i + 1, "from": names.get(nodes[i]), "type": t["type"],
                      "direction": "forward" if t["start"] == nodes[i] else "backward",
                      "to": names.get(nodes[i + 1]),
                      "sources": sorted({names[s] for s in t["sources"] if s in names}),
                      **{k: t["support"][k] for k in ("grade", "credibility", "origins", "status", "claims")}}
                     for i, t in enumerate(rels)]
            out.append([len(out) + 1, len(rels), [names.get(n) for n in nodes], steps])
    return Result(columns, out)


_PROCEDURES: dict[tuple[str, str], Callable[[Store, SavedQuery, dict[str, Any]], Result]] = {
    ("falkordb", "connections"): connections,
}


def procedure_for(engine: str, name: str) -> Callable[[Store, SavedQuery, dict[str, Any]], Result] | None:
    return _PROCEDURES.get((engine, name))
