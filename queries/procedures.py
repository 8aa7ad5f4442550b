"""Engine procedures: a saved query answered by Python driving the engine, where one Cypher
statement would be too slow on that engine.

FalkorDB's ``allShortestPaths`` searches from one end only; between two entities that are not
connected it explores the whole six-hop neighbourhood (30–60 ms on a million-relationship
graph) before giving up. ``connections`` on FalkorDB is therefore a bidirectional
breadth-first search, a layer per query, each layer resolved through the id index. It answers
exactly what the saved Cypher answers — the shortest chains of the same relationship types,
each step with its type, direction, sources and credibility — and a test compares the two on
the sample story and on a generated graph. The credibility filter is applied during the
search (a path must be shortest among the paths whose every step is credible enough), as Neo4j
does for ``allShortestPaths`` with a predicate on all relationships.

The saved ``.cypher`` file stays the definition: ``query show`` prints it, Neo4j runs it, and
the analyser checks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from intelgraph.cypher.store import Result, Store
from intelgraph.queries.registry import SavedQuery

__all__ = ["procedure_for", "connections"]

_TYPES_RE = re.compile(r"allShortestPaths\(\(a\)-\[:([A-Z_|]+)\*\.\.(\d+)\]-\(b\)\)")


def _tie_types(query: SavedQuery) -> tuple[list[str], int]:
    m = _TYPES_RE.search(query.text)
    if not m:  # pragma: no cover - guarded by the tests on the shipped file
        raise ValueError("connections.cypher no longer has the allShortestPaths pattern this procedure mirrors")
    return m.group(1).split("|"), int(m.group(2))


def _layer(store: Store, types: str, frontier: list[str], max_cred: int) -> list[tuple[str, str]]:
    """(node, neighbour) for every tie of the given types from the frontier, either direction."""
    # (the credibility test costs a third of the layer's time: leave it out when it cannot fail)
    where = "WHERE coalesce(r.credibility, 6) <= $mc " if max_cred < 6 else ""
    rows = store.read(
        f"UNWIND $ids AS i MATCH (n:Entity {{id: i}})-[r:{types}]-(m) {where}RETURN i, collect(DISTINCT m.id)",
        {"ids": frontier, "mc": max_cred}).rows
    return [(i, m) for i, ms in rows for m in ms]


def connections(store: Store, query: SavedQuery, params: dict[str, Any]) -> Result:
    columns = ["path", "hops", "entities", "steps"]
    a, b = params["from"], params["to"]
    max_hops, max_cred, limit = params["max_hops"], params["max_credibility"], params["limit"]
    types_list, pattern_max = _tie_types(query)
    max_hops = min(max_hops, pattern_max)
    types = "|".join(f"`{t}`" for t in types_list)
    if a == b:
        return Result(columns, [])
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
        for u, v in _layer(store, types, frontier[side], max_cred):
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
    rows = store.read(
        f"UNWIND $pairs AS pr MATCH (x:Entity {{id: pr[0]}})-[r:{types}]-(y:Entity {{id: pr[1]}}) "
        "WHERE coalesce(r.credibility, 6) <= $mc "
        "RETURN pr[0], pr[1], type(r), startNode(r).id, r.credibility, r.sources, r.id",
        {"pairs": [list(p) for p in pairs], "mc": max_cred}).rows
    for x, y, rtype, start, cred, sources, rid in rows:
        ties.setdefault((x, y), []).append({"type": rtype, "start": start, "credibility": cred,
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
                      "credibility": t["credibility"]} for i, t in enumerate(rels)]
            out.append([len(out) + 1, len(rels), [names.get(n) for n in nodes], steps])
    return Result(columns, out)


_PROCEDURES: dict[tuple[str, str], Callable[[Store, SavedQuery, dict[str, Any]], Result]] = {
    ("falkordb", "connections"): connections,
}


def procedure_for(engine: str, name: str) -> Callable[[Store, SavedQuery, dict[str, Any]], Result] | None:
    return _PROCEDURES.get((engine, name))
