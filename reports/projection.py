"""Named projections of the stored graph into networkx, for the centrality report.

A projection (``projections:`` in ``graph/schema.yaml``) says which node kinds become nodes
and which relationship types become ties; a ``via`` entry ties two nodes that are both joined
to a common node of the ``via`` kind (two actors that sent, handled or received the same
shipment). :func:`project` reads only what the graph needs -- ids, names, most specific
kinds, relationship types -- in ordered pages (:meth:`Store.iter_read`), a fixed number of
queries whatever the graph's size, and builds:

* an undirected :class:`networkx.Graph` when every tie is symmetric (a ``symmetric:`` type or a
  ``via`` co-membership) or when ``undirected=True``;
* otherwise a :class:`networkx.DiGraph` in which a directed relationship is one arc and a
  symmetric or ``via`` tie is two arcs, one each way.

Several relationships between the same pair (in the same direction, for a DiGraph) are
collapsed into one edge whose ``weight`` is their number; a ``via`` tie adds one per shared
node. The edge attribute ``types`` lists what the edge stands for (relationship types, and
``via <Kind>`` for shared nodes). Self-loops are dropped and counted. Nodes carry ``name``
and ``kind`` (their most specific label); nodes of the projected kinds without any tie are
kept (isolates).

The Cypher is the same on FalkorDB 4.16 and Neo4j 5: labels and types come only from the
schema and are backtick-quoted, label alternatives are written ``WHERE n:A OR n:B``, values
travel as parameters.

>>> from intelgraph.graph.schema import load_schema
>>> projection_spec("actors", load_schema()).via["Shipment"]
('SENT', 'HANDLED', 'RECEIVED')
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations, groupby
from typing import Any

import networkx as nx

from intelgraph.cypher.statements import quote_name
from intelgraph.cypher.store import Store
from intelgraph.errors import IntelgraphError
from intelgraph.graph.schema import Schema, load_schema

__all__ = ["ProjectionSpec", "Projection", "UnknownProjection", "projection_spec", "project",
           "graph_hash", "DEFAULT_PAGE"]

#: Rows per page when reading the graph.
DEFAULT_PAGE = 50_000


class UnknownProjection(IntelgraphError):
    """The projection name is not one the schema declares."""

    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        self.hint = f"use one of: {', '.join(known)} (see `projections:` in graph/schema.yaml)"
        super().__init__(f"unknown projection {name!r}")


@dataclass(frozen=True)
class ProjectionSpec:
    """One projection of the schema, resolved: ``relationship_types: all`` becomes every type."""

    name: str
    description: str
    node_kinds: tuple[str, ...]
    relationship_types: tuple[str, ...]
    via: dict[str, tuple[str, ...]]
    symmetric_types: tuple[str, ...]

    @property
    def has_directed_types(self) -> bool:
        return any(t not in self.symmetric_types for t in self.relationship_types)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "node_kinds": list(self.node_kinds),
                "relationship_types": list(self.relationship_types),
                "via": {k: list(v) for k, v in self.via.items()},
                "symmetric_types": list(self.symmetric_types)}


def projection_spec(name: str, schema: Schema | None = None) -> ProjectionSpec:
    """The projection ``name`` of ``schema`` (the shipped schema by default)."""
    schema = schema or load_schema()
    if name not in schema.projections:
        raise UnknownProjection(name, sorted(schema.projections))
    raw = schema.projections[name] or {}
    types = raw.get("relationship_types", [])
    types = tuple(schema.relationship_types) if types == "all" else tuple(types or ())
    symmetric = set(schema.symmetric_types())
    return ProjectionSpec(
        name=name,
        description=str(raw.get("description", "")),
        node_kinds=tuple(raw.get("node_kinds") or (schema.root_label,)),
        relationship_types=types,
        via={str(k): tuple(v or ()) for k, v in (raw.get("via") or {}).items()},
        symmetric_types=tuple(t for t in types if t in symmetric),
    )


@dataclass
class Projection:
    """A projected graph and how it was obtained (for the report's provenance)."""

    graph: nx.Graph
    spec: ProjectionSpec
    directed: bool
    undirected_forced: bool
    queries: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def data_hash(self) -> str:
        return graph_hash(self.graph)


def graph_hash(G: nx.Graph) -> str:
    """SHA-256 of a projected graph's content: direction, sorted nodes (id, name, kind) and sorted
    edges (ends -- in id order for an undirected graph --, weight, types). Independent of the
    order in which the engine returned rows."""
    nodes = sorted([str(n), G.nodes[n].get("name"), G.nodes[n].get("kind")] for n in G.nodes)
    edges = []
    for u, v, data in G.edges(data=True):
        a, b = (str(u), str(v)) if G.is_directed() else tuple(sorted((str(u), str(v))))
        edges.append([a, b, data.get("weight", 1), sorted(data.get("types", []))])
    edges.sort()
    payload = json.dumps({"directed": G.is_directed(), "nodes": nodes, "edges": edges},
                         ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- Cypher -------------------------------------------------------------------------------
def _label_filter(var: str, kinds: tuple[str, ...], root: str) -> str:
    """``(n:`A` OR n:`B`)``, or "" when the root label (every node) is among the kinds."""
    if root in kinds:
        return ""
    return "(" + " OR ".join(f"{var}:{quote_name(k)}" for k in kinds) + ")"


def _where(*conditions: str) -> str:
    conds = [c for c in conditions if c]
    return f" WHERE {' AND '.join(conds)}" if conds else ""


def _kinds_most_specific_first(schema: Schema) -> list[str]:
    # a kind always has more ancestors than each of its ancestors: deepest first is most specific
    return sorted(schema.node_kinds, key=lambda k: (-len(schema.node_kinds[k].ancestors), k))


def node_query(spec: ProjectionSpec, schema: Schema) -> tuple[str, dict[str, Any]]:
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    cypher = (f"MATCH (n:{root}){_where(_label_filter('n', spec.node_kinds, schema.root_label))} "
              f"RETURN n.{key} AS id, n.`name` AS name, "
              f"head([k IN $kinds WHERE k IN labels(n)]) AS kind ORDER BY id")
    return cypher, {"kinds": _kinds_most_specific_first(schema)}


def edge_query(spec: ProjectionSpec, schema: Schema) -> tuple[str, dict[str, Any]]:
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    types = "|".join(quote_name(t) for t in spec.relationship_types)
    where = _where(_label_filter("a", spec.node_kinds, schema.root_label),
                   _label_filter("b", spec.node_kinds, schema.root_label))
    cypher = (f"MATCH (a:{root})-[r:{types}]->(b:{root}){where} "
              f"RETURN a.{key} AS source, b.{key} AS target, type(r) AS type "
              f"ORDER BY r.{key}, source, target, type")
    return cypher, {}


def via_query(spec: ProjectionSpec, schema: Schema, via_kind: str) -> tuple[str, dict[str, Any]]:
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    types = "|".join(quote_name(t) for t in spec.via[via_kind])
    cypher = (f"MATCH (v:{root})-[:{types}]-(a:{root})"
              f"{_where(f'v:{quote_name(via_kind)}', _label_filter('a', spec.node_kinds, schema.root_label))} "
              f"RETURN DISTINCT v.{key} AS via, a.{key} AS member ORDER BY via, member")
    return cypher, {}


# -- projecting ---------------------------------------------------------------------------
def project(store: Store, projection: str = "all", *, undirected: bool = False, schema: Schema | None = None,
            page: int = DEFAULT_PAGE) -> Projection:
    """Build the networkx graph of the named ``projection`` from ``store``.

    Parameters
    ----------
    store : Store
        Any store (FalkorDB or Neo4j); only read.
    projection : str
        A name under ``projections:`` in the schema (``all``, ``actors``, ``social``, ...).
    undirected : bool
        Force an undirected :class:`networkx.Graph` even when the projection has directed types.
    schema : Schema, optional
        Defaults to the store's schema, else the shipped one.
    page : int
        Rows per read (``SKIP``/``LIMIT`` pages over an ordered query).

    Returns
    -------
    Projection
        ``graph`` (nodes: ``name``, ``kind``; edges: ``weight``, ``types``), ``directed``,
        the ``queries`` run (text, parameters, rows read) and ``stats``.

    Raises
    ------
    UnknownProjection
        If the schema has no projection of that name.
    """
    schema = schema or getattr(store, "schema", None) or load_schema()
    spec = projection_spec(projection, schema)
    directed = spec.has_directed_types and not undirected
    G: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    queries: list[dict[str, Any]] = []
    stats: Counter[str] = Counter()

    def run(purpose: str, cypher: str, params: dict[str, Any]):
        entry = {"purpose": purpose, "cypher": cypher, "params": params, "page": page, "rows": 0}
        queries.append(entry)
        for row in store.iter_read(cypher, params, page=page):
            entry["rows"] += 1
            yield row

    # nodes, in id order (so every run builds the same graph in the same order)
    cypher, params = node_query(spec, schema)
    for nid, name, kind in run("nodes", cypher, params):
        G.add_node(nid, name=name if name is not None else nid, kind=kind or schema.root_label)
    stats["nodes"] = G.number_of_nodes()

    # ties: (u, v) -> Counter of what they stand for; collapsed into one weighted edge below
    ties: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)

    def tie(u: str, v: str, label: str, both_ways: bool) -> None:
        if directed:
            ties[(u, v)][label] += 1
            if both_ways:
                ties[(v, u)][label] += 1
        else:
            ties[(u, v) if u <= v else (v, u)][label] += 1

    if spec.relationship_types:
        cypher, params = edge_query(spec, schema)
        symmetric = set(spec.symmetric_types)
        for source, target, rtype in run("relationships", cypher, params):
            stats["relationships"] += 1
            if source == target:
                stats["self_loops_dropped"] += 1
                continue
            if source not in G or target not in G:  # pragma: no cover - both ends are filtered in Cypher
                continue
            tie(source, target, rtype, both_ways=rtype in symmetric)

    for via_kind in spec.via:
        # (via node, member) rows in via-node order: the members of one shared node arrive together,
        # so pairs are made client-side from a linear read, never as a quadratic query result
        cypher, params = via_query(spec, schema, via_kind)
        for _, group in groupby(run(f"via {via_kind}", cypher, params), key=lambda row: row[0]):
            members = [member for _, member in group if member in G]
            stats["via_memberships"] += len(members)
            stats[f"via_{via_kind}_nodes"] += 1
            for u, v in combinations(members, 2):
                stats["via_pairs"] += 1
                tie(u, v, f"via {via_kind}", both_ways=True)

    for (u, v), labels in sorted(ties.items()):
        weight = sum(labels.values())
        stats["multi_ties_collapsed"] += weight - 1
        G.add_edge(u, v, weight=weight, types=sorted(labels))
    stats["edges"] = G.number_of_edges()
    return Projection(graph=G, spec=spec, directed=directed, undirected_forced=undirected and spec.has_directed_types,
                      queries=queries, stats=dict(stats))
