"""The centrality measures computed in Neo4j Graph Data Science (GDS), in networkx's conventions.

``intelgraph report centrality --compute gds`` sends the work of :func:`compute_measures
<intelgraph.reports.measures.compute_measures>` to a Neo4j server with the GDS plugin: the
named projection is projected into GDS's in-memory catalog, each measure is streamed back, the
raw GDS scores are converted to what networkx would have returned, and the projected graph is
dropped. Run against a live GDS 2.13 by ``tests/test_gds.py`` (see ``docs/gds.md``).

How
---
Plain Cypher through the store (:meth:`Store.read`/:meth:`Store.write`), not the
``graphdatascience`` client: every statement is text that Neo4j's own analyser checks
(``tests/test_gds.py`` lints them with ``gds`` allowed) and no extra dependency is needed.
:func:`gds_statements` lists them; :func:`gds_measures` runs them.

The projection is one **Cypher aggregation** (``RETURN gds.graph.project($graphName, a, b,
dataConfig, configuration)``, GDS 2.x; GDS 2.13 is the release for Neo4j 5.26), because a
native projection can neither make ``via`` ties (two actors that sent, handled or received the
same shipment) nor collapse ties of several types into one weighted edge. The Cypher builds
exactly the graph :func:`intelgraph.reports.projection.project` builds for networkx -- the same
nodes (isolates included), one ``TIE`` per pair whose ``weight`` counts the relationships and
shared ``via`` nodes it stands for, self-loops dropped; undirected (``undirectedRelationshipTypes:
['TIE']``) when every tie is symmetric or ``undirected=True``, otherwise directed with symmetric
and ``via`` ties as two arcs. Each node also gets one ``SELF`` loop and, but for the nodes of
largest strength, a ``SINK`` relationship to one extra node, which only the eigenvector run reads
(see below). ``tests/test_gds.py``
runs the same Cypher (without the GDS call) on the embedded FalkorDB and compares it with
:func:`project` for every projection.

Conventions (GDS raw score -> networkx)
---------------------------------------
* **degree**: GDS streams a count of relationships (``orientation`` NATURAL = out, REVERSE = in;
  one per neighbour here, since ties are collapsed). networkx divides by ``n - 1`` and, on a
  directed graph, ``degree`` is ``in + out``: :func:`degree_from_gds`.
* **betweenness**: GDS is not normalised. On a directed graph it sums over ordered pairs; on an
  undirected graph over unordered pairs (the same as networkx with ``normalized=False``, e.g.
  9.5 for "Carol" in GDS's own example). networkx's normalised value is raw x ``1/((n-1)(n-2))``
  (directed) or raw x ``2/((n-1)(n-2))`` (undirected), unchanged for ``n <= 2``:
  :func:`betweenness_from_gds`. Sampled (``betweenness_k``): GDS sums ``k`` sources without
  extrapolating; networkx scales by ``n/k``, so the estimate is scaled the same way -- but GDS
  draws sources with probability proportional to degree, networkx uniformly.
* **closeness**: GDS's default is ``(r-1)/farness`` (``r - 1`` = nodes that reach the node);
  with ``useWassermanFaust: true`` it is ``(r-1)/farness x (r-1)/(n-1)``, exactly networkx's
  ``wf_improved`` closeness; on a directed graph both sum distances *to* the node. Asked with
  ``useWassermanFaust: true``, so :func:`closeness_from_gds` only checks the values.
* **eigenvector**: networkx iterates x <- (A + I) x from the uniform vector (on a directed graph
  scores flow along the arcs), L2-normalising each step, until the summed change is below
  ``n x tol``. GDS's Pregel computation starts at 1/n; in each superstep a node's next value is
  its L2-normalised score plus what its in-neighbours sent, and it sends that *unnormalised*
  next value along its outgoing relationships, divided, when a weight property is given, by its
  total outgoing weight (a random-walk weighting, not networkx's raw weights). With s_k the
  unnormalised vector and W the weights divided by their row sums, s_k = (W^T + I/|s_k-1|) s_k-1.
  On the graph as it is the sums grow (|s| ~ rho^k), the I term fades and GDS iterates on A
  alone: it oscillates on bipartite graphs, and on a graph in several parts the sums overflow to
  a vector of zeros (which GDS then reports as converged) before the smaller parts have decayed.
  So the eigenvector run reads a padded graph: every node gets a ``SELF`` loop of weight 1 and,
  unless its total outgoing weight is the largest (``c - 1``), a ``SINK`` relationship to one
  extra node (the integer id :data:`SINK_ID`) carrying the difference. Every node then sends the
  same total c, so W = (A + I)/c, whose spectral radius (rho + 1)/c is at most 1: the sums stay
  bounded. The sink sends nothing, so on the real nodes each superstep multiplies by
  (A^T + b_k I)/c with b_k = 1 + c/|s_k-1| >= 1 -- a polynomial in A, from the same uniform
  start as networkx's (A + I)^k x_0. Both converge to the same vector: the leading eigenvector
  of the part(s) with the largest leading eigenvalue (zero elsewhere), mixed as the uniform start
  gives when parts share it; they differ only in how fast the other parts decay. Weighted, the
  property read is ``weight`` (the collapsed-tie counts, networkx's raw weights); unweighted,
  ``unweighted`` (each tie 1, with its own slack). Every other call filters ``nodeLabels:
  ['Node'], relationshipTypes: ['TIE']``, so no other measure sees the loops or the sink.
  :func:`eigenvector_from_gds` leaves the sink out and L2-normalises again. GDS stops when no
  score moves more than ``tolerance`` (1e-12 here), networkx when the summed change is below
  ``n x tol``: both values are within 1e-6 of the exact vector (checked against a live GDS in
  ``tests/test_gds.py``, connected or not).
* **pagerank**: GDS returns ``y = (1-d) + d P^T y`` with no redistribution of dangling nodes'
  rank (sum about ``n``, less on graphs with sinks); networkx returns a distribution that sums to
  1 and spreads dangling rank uniformly. With a uniform teleport both are proportional (the
  dangling term is uniform too), so :func:`pagerank_from_gds` divides by the sum (L1 norm) --
  done here rather than with GDS's ``scaler``, which not every 2.x release offers as ``L1Norm``.
* **community**: GDS Louvain has no random seed (``randomSeed`` is Leiden's). It is run with
  ``concurrency: 1`` (deterministic for the same projected graph) and the communities are
  numbered like networkx's: by size, ties by smallest node id (:func:`communities_from_gds`).
  The partition is GDS's own and need not equal networkx's seeded Louvain.
* ``seed`` only seeds sampled betweenness (``samplingSeed``).

The ``gds.*`` names used -- ``gds.version``, ``gds.graph.project`` (the aggregation function),
``gds.degree``/``betweenness``/``closeness``/``louvain`` ``.stream``, ``gds.eigenvector`` and
``gds.pageRank`` ``.stream``/``.stats``, ``gds.graph.drop``, ``gds.util.asNode`` -- are all in the
GDS catalogue of Neo4j's analyser, with these signatures, and run on GDS 2.13.9.
``gds.closeness.stream`` replaced ``gds.beta.closeness.stream`` during 2.x: releases older than
that know only the beta name.

Every statement is composed by a function (never a plain string literal) because
:func:`intelgraph.cypher_lint.literal_statements` lints plain literals *without* ``gds``
allowed; these need it (``lint_statements(gds_lint_statements(), allow=["gds"])``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import Any

from intelgraph.cypher.statements import quote_name
from intelgraph.cypher.store import Store
from intelgraph.errors import GdsUnavailable, QueryTimeout, ServerError, StoreError
from intelgraph.graph.schema import Schema, load_schema
from intelgraph.reports.projection import ProjectionSpec, projection_spec

__all__ = [
    "GdsUnavailable", "GDS_SUPPORTED", "GDS_PARAMETERS", "gds_statements", "gds_lint_statements",
    "gds_measures", "gds_version", "ties_query", "nodes_query",
    "degree_from_gds", "betweenness_from_gds", "closeness_from_gds", "eigenvector_from_gds",
    "pagerank_from_gds", "communities_from_gds",
]

#: The GDS release line the statements are written for (GDS 2.13 is the one for Neo4j 5.26).
GDS_SUPPORTED = "2.13"
#: Relationship properties of the projected graph: the collapsed-tie count (1 on a SELF loop, the
#: weighted slack on a SINK relationship), and the same with every tie counted once.
WEIGHT, UNWEIGHTED = "weight", "unweighted"
#: Relationship types of the projected graph: the ties; a loop on every node; a relationship from
#: every node whose strength is below the largest to the sink (the last two only in the
#: eigenvector run: A + I, scaled; see the module docstring).
TIE, SELF, SINK = "TIE", "SELF", "SINK"
#: Node labels of the projected graph: every projected node, and the one sink node. Every call
#: but the eigenvector's filters on NODE, so the sink is seen by nothing else.
NODE = "Node"
#: The sink's node id in the projected graph: an integer, not a database node (Neo4j's node ids
#: stay far below it), so no projected node can have it.
SINK_ID = 2 ** 62
#: The procedures' namespace. Statements are composed with f-strings so that no plain string
#: literal here starts with a Cypher keyword (see the module docstring).
_GDS = "gds"
#: Algorithm settings, chosen to match networkx's defaults in reports/measures.py.
GDS_PARAMETERS: dict[str, dict[str, Any]] = {
    # tighter than networkx's defaults (EIGENVECTOR_TOL 1e-6, PageRank tol 1e-6, both summed over the
    # nodes): GDS stops when no score moves more than `tolerance`, and its values are to be within
    # 1e-6 of the exact ones (the live test compares with networkx run at tol 1e-12). On a graph in
    # several parts the smaller parts decay slowly (the sample's logistics graph: hundreds of
    # supersteps). GDS 2.13's supersteps cost more the larger maxIterations is (about 30 ms each at
    # 100,000, about 3 ms at 10,000, measured), and more with concurrency above 1 on a busy machine
    "eigenvector": {"maxIterations": 10000, "tolerance": 1.0e-12, "concurrency": 1},
    "pagerank": {"dampingFactor": 0.85, "maxIterations": 1000, "tolerance": 1.0e-10},  # nx alpha
    "louvain": {"maxLevels": 10, "maxIterations": 10, "tolerance": 1.0e-7},  # nx threshold 1e-7
    "closeness": {"useWassermanFaust": True},
}


# -- Cypher -------------------------------------------------------------------------------
from intelgraph.reports.projection import _label_filter, _where  # noqa: E402  (one definition of each)


def _types(types: tuple[str, ...] | list[str]) -> str:
    return "|".join(quote_name(t) for t in types)


def _check_spec(spec: ProjectionSpec, schema: Schema) -> None:
    """Labels and types come only from the schema (they cannot be parameters)."""
    known_kinds = set(schema.node_kinds) | {schema.root_label}
    for kind in (*spec.node_kinds, *spec.via):
        if kind not in known_kinds:
            raise ValueError(f"projection {spec.name!r}: {kind!r} is not a kind in the schema")
    for rtype in (*spec.relationship_types, *(t for ts in spec.via.values() for t in ts)):
        if rtype not in schema.relationship_types:
            raise ValueError(f"projection {spec.name!r}: {rtype!r} is not a relationship type in the schema")


def _kinds_most_specific_first(schema: Schema) -> list[str]:
    return sorted(schema.node_kinds, key=lambda k: (-len(schema.node_kinds[k].ancestors), k))


def nodes_query(spec: ProjectionSpec, schema: Schema) -> tuple[str, dict[str, Any]]:
    """Id, name and most specific kind of every node of the projection, in id order (plain
    Cypher, the same on FalkorDB and Neo4j; paged by :meth:`Store.iter_read`)."""
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    cypher = (f"MATCH (n:{root}){_where(_label_filter('n', spec.node_kinds, schema.root_label))} "
              f"RETURN n.{key} AS id, n.`name` AS name, "
              f"head([k IN $kinds WHERE k IN labels(n)]) AS kind ORDER BY id")
    return cypher, {"kinds": _kinds_most_specific_first(schema)}


def _ties_body(spec: ProjectionSpec, schema: Schema, directed: bool, scoped_call: bool = True) -> str:
    """``CALL { ... } WITH a, b, sum(w) AS weight``: one row per projected node (``a = b``,
    weight 0) and one per tie, ``a``/``b`` nodes, ``weight`` the number of relationships and
    shared nodes.

    Relationships are counted with ``count(r)`` rather than one row each: FalkorDB (where the
    tests run this Cypher) returns one row per node pair when a matched relationship is not
    used afterwards, which would undercount parallel relationships."""
    _check_spec(spec, schema)
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)

    def kinds(var: str) -> str:
        return _label_filter(var, spec.node_kinds, schema.root_label)

    # every node, as a tie to itself: brings isolates in, and is the SELF loop of the eigenvector
    branches = [f"MATCH (n:{root}){_where(kinds('n'))}\n    RETURN n AS a, n AS b, 0 AS w"]
    not_self = f"x.{key} <> y.{key}"
    if directed:
        one_way = [t for t in spec.relationship_types if t not in spec.symmetric_types]
        if one_way:  # a directed relationship is one arc, start -> end
            branches.append(f"MATCH (x:{root})-[r:{_types(one_way)}]->(y:{root})"
                            f"{_where(kinds('x'), kinds('y'), not_self)}\n    RETURN x AS a, y AS b, count(r) AS w")
        if spec.symmetric_types:  # matched without direction: one row each way, two arcs
            branches.append(f"MATCH (x:{root})-[r:{_types(spec.symmetric_types)}]-(y:{root})"
                            f"{_where(kinds('x'), kinds('y'), not_self)}\n    RETURN x AS a, y AS b, count(r) AS w")
    elif spec.relationship_types:  # undirected: one row per relationship, ends in id order
        lower = f"x.{key} < y.{key}"
        branches.append(f"MATCH (x:{root})-[r:{_types(spec.relationship_types)}]->(y:{root})"
                        f"{_where(kinds('x'), kinds('y'), not_self)}\n"
                        f"    RETURN CASE WHEN {lower} THEN x ELSE y END AS a, "
                        f"CASE WHEN {lower} THEN y ELSE x END AS b, count(r) AS w")
    pair = f"p.{key} <> q.{key}" if directed else f"p.{key} < q.{key}"
    for via_kind, via_types in spec.via.items():
        # each shared node ties each pair of its (distinct) members once; both ways when directed
        branches.append(f"MATCH (v:{root})-[:{_types(via_types)}]-(x:{root})"
                        f"{_where(f'v:{quote_name(via_kind)}', kinds('x'))}\n"
                        f"    WITH DISTINCT v, x\n    WITH v, collect(x) AS members\n"
                        f"    UNWIND members AS p\n    UNWIND members AS q\n"
                        f"    WITH p, q WHERE {pair}\n    RETURN p AS a, q AS b, 1 AS w")
    scope = "() " if scoped_call else ""
    return (f"CALL {scope}{{\n    " + "\n  UNION ALL\n    ".join(branches) + "\n}\nWITH a, b, sum(w) AS weight")


def ties_query(spec: ProjectionSpec, schema: Schema, *, directed: bool, scoped_call: bool = True) -> str:
    """The projection's rows as plain Cypher -- ``source``, ``target`` (the source itself, weight
    0, for the row that brings each node in), ``weight`` -- i.e. :func:`gds_statements`' projection without the
    GDS call. ``scoped_call=False`` writes ``CALL {`` (FalkorDB) instead of Neo4j 5.26's
    ``CALL () {``."""
    key = quote_name(schema.id_property)
    return (_ties_body(spec, schema, directed, scoped_call)
            + f"\nRETURN a.{key} AS source, b.{key} AS target, weight ORDER BY source, target")


def _project_statement(spec: ProjectionSpec, schema: Schema, directed: bool) -> str:
    """The Cypher-aggregation projection: per node its ``SELF`` loop, its ``TIE`` s (undirected:
    each tie once, from the end with the smaller id) and, when its strength is below the
    largest, one ``SINK`` relationship to the integer node ``$sink`` carrying the difference
    (``weight`` for the weighted strength, ``unweighted`` for the tie count), so that every real
    node's outgoing weights sum to the same constant (see the module docstring)."""
    key = quote_name(schema.id_property)
    config = "" if directed else f"undirectedRelationshipTypes: ['{TIE}']"
    # a directed tie is an out-arc of its start; an undirected one counts in both ends' strengths
    # but is projected once, from the row's a (undirectedRelationshipTypes stores it both ways)
    ends = "[[a, b, true]]" if directed else "[[a, b, true], [b, a, false]]"
    return (_ties_body(spec, schema, directed)
            + f"\nUNWIND CASE WHEN a = b THEN [[a, b, true]] ELSE {ends} END AS arc\n"
            "WITH arc[0] AS a, arc[1] AS b, weight, arc[2] AS kept\n"
            "WITH a, collect(CASE WHEN a <> b THEN [b, weight, kept] END) AS arcs\n"
            "WITH a, arcs, reduce(s = 0, arc IN arcs | s + arc[1]) AS strength\n"
            "WITH collect([a, arcs, strength]) AS nodes, max(strength) AS widest, max(size(arcs)) AS busiest\n"
            "UNWIND nodes AS node\n"
            "WITH node[0] AS a, widest - node[2] AS slack, busiest - size(node[1]) AS unweightedSlack,\n"
            "  [arc IN node[1] WHERE arc[2]] AS ties\n"
            f"UNWIND [[a, '{SELF}', 1, 1]] + [t IN ties | [t[0], '{TIE}', t[1], 1]]\n"
            f"  + CASE WHEN slack > 0 OR unweightedSlack > 0 THEN [[$sink, '{SINK}', slack, unweightedSlack]] "
            "ELSE [] END AS rel\n"
            f"WITH a, rel ORDER BY a.{key}, rel[1], CASE WHEN rel[1] = '{TIE}' THEN rel[0].{key} END\n"
            f"WITH gds.graph.project($graphName, a, rel[0],\n"
            f"  {{sourceNodeLabels: '{NODE}', targetNodeLabels: CASE WHEN rel[1] = '{SINK}' THEN '{SINK}' "
            f"ELSE '{NODE}' END,\n"
            f"   relationshipType: rel[1],\n"
            f"   relationshipProperties: {{{WEIGHT}: toFloat(rel[2]), {UNWEIGHTED}: toFloat(rel[3])}}}},\n"
            f"  {{{config}}}) AS g,\n"
            f"  count(CASE WHEN rel[1] = '{TIE}' THEN 1 END) AS ties, "
            f"max(CASE WHEN rel[1] = '{TIE}' THEN rel[2] END) AS maxWeight,\n"
            f"  count(CASE WHEN rel[1] = '{SINK}' THEN 1 END) AS sinks\n"
            f"RETURN g.graphName AS graphName, g.nodeCount - CASE WHEN sinks > 0 THEN 1 ELSE 0 END AS nodeCount, "
            f"g.relationshipCount AS relationshipCount, ties, maxWeight")


def _config(entries: list[str]) -> str:
    return ", {" + ", ".join(entries) + "}" if entries else ""


def _stream(proc: str, entries: list[str], key: str, value: str = "score", but_not: str | None = None) -> str:
    skip = f"WITH nodeId, {value} WHERE nodeId <> {but_not}\n" if but_not else ""
    return (f"CALL gds.{proc}.stream($graphName{_config(entries)})\nYIELD nodeId, {value}\n{skip}"
            f"RETURN gds.util.asNode(nodeId).{key} AS id, {value} ORDER BY id")


def _stats(proc: str, entries: list[str]) -> str:
    return (f"CALL gds.{proc}.stats($graphName{_config(entries)})\nYIELD didConverge, ranIterations\n"
            f"RETURN didConverge, ranIterations")


def _plan(spec: ProjectionSpec, schema: Schema, *, directed: bool, weighted: bool,
          betweenness_k: int | None, seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Every statement of one run, in order, with its parameters (``$graphName`` is added at
    run time): ``(name, cypher, params)``."""
    key = quote_name(schema.id_property)
    w = [f"relationshipWeightProperty: '{WEIGHT}'"] if weighted else []
    ties = [f"nodeLabels: ['{NODE}']", f"relationshipTypes: ['{TIE}']"]
    ev, pr, lv = GDS_PARAMETERS["eigenvector"], GDS_PARAMETERS["pagerank"], GDS_PARAMETERS["louvain"]
    # the sink is in this run only: every node's outgoing weights sum to the same constant
    ev_cfg = [f"relationshipTypes: ['{TIE}', '{SELF}', '{SINK}']",
              f"relationshipWeightProperty: '{WEIGHT if weighted else UNWEIGHTED}'",
              "maxIterations: $maxIterations", "tolerance: $tolerance", "concurrency: $concurrency"]
    pr_cfg = [*ties, "dampingFactor: $dampingFactor", "maxIterations: $maxIterations", "tolerance: $tolerance"]
    plan: list[tuple[str, str, dict[str, Any]]] = [
        ("gds version", _version_statement(), {}),
        ("gds nodes", *nodes_query(spec, schema)),
        ("gds project", _project_statement(spec, schema, directed), {"sink": SINK_ID}),
    ]
    if directed:
        plan += [("gds out_degree", _stream("degree", [*ties, "orientation: 'NATURAL'"], key), {}),
                 ("gds in_degree", _stream("degree", [*ties, "orientation: 'REVERSE'"], key), {})]
    else:
        plan.append(("gds degree", _stream("degree", ties, key), {}))
    if betweenness_k is not None:
        plan.append(("gds betweenness", _stream("betweenness", [*ties, "samplingSize: $samplingSize",
                                                                 "samplingSeed: $samplingSeed"], key),
                     {"samplingSize": betweenness_k, "samplingSeed": seed}))
    else:
        plan.append(("gds betweenness", _stream("betweenness", ties, key), {}))
    plan.append(("gds closeness", _stream("closeness", [*ties, "useWassermanFaust: true"], key), {}))
    ev_params = {k: ev[k] for k in ("maxIterations", "tolerance", "concurrency")}
    plan += [("gds eigenvector stats", _stats("eigenvector", ev_cfg), ev_params),
             ("gds eigenvector", _stream("eigenvector", ev_cfg, key, but_not="$sink"), {**ev_params, "sink": SINK_ID})]
    pr_params = {k: pr[k] for k in ("dampingFactor", "maxIterations", "tolerance")}
    plan += [("gds pagerank stats", _stats("pageRank", pr_cfg + w), pr_params),
             ("gds pagerank", _stream("pageRank", pr_cfg + w, key), pr_params),
             ("gds louvain", _stream("louvain", [*ties, "concurrency: 1", "maxLevels: $maxLevels",
                                                 "maxIterations: $maxIterations", "tolerance: $tolerance", *w],
                                     key, value="communityId"),
              {k: lv[k] for k in ("maxLevels", "maxIterations", "tolerance")}),
             ("gds drop", f"CALL {_GDS}.graph.drop($graphName, false) YIELD graphName\nRETURN graphName", {})]
    return plan


def gds_statements(spec: ProjectionSpec | str, schema: Schema | None = None, *, undirected: bool = False,
                   weighted: bool = True, betweenness_k: int | None = None) -> list[tuple[str, str]]:
    """The Cypher of one GDS run of projection ``spec`` (a :class:`ProjectionSpec` or its name):
    ``[(name, cypher), ...]`` in the order :func:`gds_measures` sends them -- version check,
    node list, projection, the stream (and stats) calls, drop. Values travel as ``$params``
    (``$graphName`` always); labels and types come from the schema, backtick-quoted."""
    schema = schema or load_schema()
    spec = projection_spec(spec, schema) if isinstance(spec, str) else spec
    directed = spec.has_directed_types and not undirected
    return [(name, cypher) for name, cypher, _ in
            _plan(spec, schema, directed=directed, weighted=weighted, betweenness_k=betweenness_k, seed=0)]


def gds_lint_statements(schema: Schema | None = None) -> list[Any]:
    """Every distinct GDS statement for every projection of the schema -- directed and
    undirected, weighted or not, exact or sampled betweenness -- as
    :class:`intelgraph.cypher_lint.Statement` objects, for the analyser with ``allow=["gds"]``."""
    from intelgraph.cypher_lint import Statement

    schema = schema or load_schema()
    seen: dict[str, Any] = {}
    for pname in schema.projections:
        spec = projection_spec(pname, schema)
        for undirected in (False, True):
            for weighted in (True, False):
                for k in (None, 10):
                    for name, text in gds_statements(spec, schema, undirected=undirected, weighted=weighted,
                                                     betweenness_k=k):
                        if text not in seen:
                            shape = "directed" if spec.has_directed_types and not undirected else "undirected"
                            seen[text] = Statement(f"{name} ({pname}, {shape})", text)
    return list(seen.values())


# -- conversions: GDS raw score -> networkx's convention ------------------------------------
def _floats(raw: Mapping[Any, Any]) -> dict[Any, float]:
    return {n: (math.nan if v is None else float(v)) for n, v in raw.items()}


def degree_from_gds(counts: Mapping[Any, float], n: int) -> dict[Any, float]:
    """A count of ties (GDS ``degree``) -> networkx ``degree_centrality``: count / (n - 1); for a
    graph of one node networkx gives 1."""
    if n <= 1:
        return {node: 1.0 for node in counts}
    return {node: float(c) / (n - 1) for node, c in counts.items()}


def betweenness_from_gds(raw: Mapping[Any, float], n: int, directed: bool,
                         sampled: int | None = None) -> dict[Any, float]:
    """GDS's unnormalised betweenness -> networkx's normalised ``betweenness_centrality``.

    Directed: raw / ((n-1)(n-2)). Undirected: GDS (like networkx unnormalised) counts each
    unordered pair once, so raw x 2 / ((n-1)(n-2)). ``n <= 2``: unchanged (all 0), as networkx.
    ``sampled=k`` (k source nodes): also x n/k, networkx's extrapolation of a sample."""
    scale = 1.0
    if n > 2:
        scale = (1.0 if directed else 2.0) / ((n - 1) * (n - 2))
    if sampled is not None and 0 < sampled < n:
        scale *= n / sampled
    return {node: v * scale for node, v in _floats(raw).items()}


def closeness_from_gds(raw: Mapping[Any, float]) -> dict[Any, float]:
    """GDS closeness run with ``useWassermanFaust: true`` is ``(r-1)/farness x (r-1)/(n-1)``,
    networkx's ``closeness_centrality`` (``wf_improved=True``), 0 for a node nothing reaches.
    Values are returned as floats; a negative or non-finite value means the wrong setting was used."""
    out = _floats(raw)
    bad = [node for node, v in out.items() if not (0.0 <= v <= 1.0 + 1e-9)]
    if bad:
        raise ValueError(f"closeness outside [0, 1] for {len(bad)} node(s): GDS was not run with useWassermanFaust")
    return out


def eigenvector_from_gds(raw: Mapping[Any, float]) -> dict[Any, float]:
    """GDS eigenvector scores of the projected nodes -> networkx's: L2-normalised again (GDS's
    norm also counted the sink). A vector that is all zero or has a non-finite value (sums that
    overflowed, as GDS's iteration does on A alone) is not a result: every value becomes NaN."""
    values = _floats(raw)
    if not values:
        return values
    norm = math.sqrt(math.fsum(v * v for v in values.values())) if all(map(math.isfinite, values.values())) else 0
    if not (norm > 0 and math.isfinite(norm)):
        return {node: math.nan for node in values}
    return {node: v / norm for node, v in values.items()}


def pagerank_from_gds(raw: Mapping[Any, float]) -> dict[Any, float]:
    """GDS PageRank (``(1-d) + d * sum``, no dangling redistribution) -> networkx ``pagerank``:
    divided by the sum, a distribution (proportional, see the module docstring)."""
    values = _floats(raw)
    total = math.fsum(v for v in values.values() if not math.isnan(v))
    if not total:
        return values
    return {node: v / total for node, v in values.items()}


def communities_from_gds(raw: Mapping[Any, int]) -> dict[Any, int]:
    """GDS community ids (arbitrary numbers) -> intelgraph's numbering: 0 is the largest
    community, equal sizes ordered by their smallest node id (as ``community_ids``)."""
    groups: dict[Any, list[Any]] = {}
    for node, c in raw.items():
        groups.setdefault(c, []).append(node)
    ordered = sorted((sorted(map(str, members)), members) for members in groups.values())
    ordered.sort(key=lambda item: -len(item[1]))
    return {node: i for i, (_, members) in enumerate(ordered) for node in members}


# -- running ------------------------------------------------------------------------------
def _require_neo4j(store: Store) -> None:
    engine = getattr(store, "engine", "?")
    if engine != "neo4j":
        raise GdsUnavailable(
            f"--compute gds needs a Neo4j server with the Graph Data Science plugin; this store is {engine!r}",
            hint="point intelgraph at Neo4j (INTELGRAPH_ENGINE=neo4j, NEO4J_URI=bolt://localhost:7687) "
                 "with GDS installed (docs/gds.md), or leave out --compute gds to compute with networkx")


def gds_version(store: Store, timeout: float | None = None) -> str:
    """The server's GDS version (``CALL gds.version()``); :class:`GdsUnavailable` if the store is
    not Neo4j or the procedure is missing."""
    _require_neo4j(store)
    cypher = _version_statement()
    try:
        version = store.read(cypher, {}, timeout=timeout).scalar()
    except (ServerError, QueryTimeout):
        raise
    except StoreError as exc:
        raise GdsUnavailable(
            f"the Neo4j server has no Graph Data Science plugin (CALL gds.version() failed: {exc})",
            hint=f"install GDS {GDS_SUPPORTED} (the release for Neo4j 5.26): add \"graph-data-science\" to "
                 "NEO4J_PLUGINS in docker-compose.yml and restart (docs/gds.md)") from None
    return str(version)


def _version_statement() -> str:
    return f"CALL {_GDS}.version() YIELD gdsVersion\nRETURN gdsVersion"


def gds_measures(store: Store, projection: str = "all", undirected: bool = False, seed: int = 0, *,
                 weighted: bool = True, betweenness_k: int | None = None, schema: Schema | None = None,
                 notes: list[str] | None = None, queries: list[dict[str, Any]] | None = None,
                 info: dict[str, Any] | None = None, timeout: float | None = None,
                 graph_name: str | None = None) -> tuple[dict[Any, dict[str, Any]], dict[str, dict[Any, Any]]]:
    """Centrality measures of ``projection`` computed by GDS on the Neo4j ``store``, in networkx's
    conventions.

    Parameters
    ----------
    store : Store
        A :class:`~intelgraph.cypher.neo4j_store.Neo4jStore` whose server has GDS 2.x.
    projection, undirected, seed, weighted, betweenness_k
        As for :func:`~intelgraph.reports.centrality.centrality_report` (``seed`` seeds only
        sampled betweenness: GDS Louvain takes no seed).
    notes : list, optional
        Receives a sentence for anything the reader of the report should know.
    queries : list, optional
        Receives ``{"purpose", "cypher", "params", "page", "rows"}`` per statement run (``page``
        is None: GDS streams are read whole, never paged -- a page would rerun the algorithm).
    info : dict, optional
        Receives ``gds_version``, ``graph_name``, ``directed``, ``node_count``,
        ``relationship_count``, ``ties``, ``max_weight`` and ``parameters`` (per measure).
    timeout : float, optional
        Seconds per statement (the store's default otherwise).

    Returns
    -------
    (nodes, measures)
        ``nodes``: ``{id: {"name": ..., "kind": ...}}`` in id order; ``measures``: the same shape
        as ``compute_measures`` (``degree``, ``in_degree``/``out_degree`` when directed,
        ``betweenness``, ``closeness``, ``eigenvector``, ``pagerank``, ``community``).

    Raises
    ------
    GdsUnavailable
        The store is not Neo4j, or ``CALL gds.version()`` fails.
    """
    notes = notes if notes is not None else []
    queries = queries if queries is not None else []
    info = info if info is not None else {}
    _require_neo4j(store)
    schema = schema or getattr(store, "schema", None) or load_schema()
    spec = projection_spec(projection, schema)
    directed = spec.has_directed_types and not undirected
    k = betweenness_k if betweenness_k is not None and betweenness_k > 0 else None
    plan = {name: (cypher, params) for name, cypher, params in
            _plan(spec, schema, directed=directed, weighted=weighted, betweenness_k=k, seed=seed)}
    version = gds_version(store, timeout=timeout)
    queries.append({"purpose": "gds version", "cypher": plan["gds version"][0], "params": {}, "page": None,
                    "rows": 1})

    # nodes: plain Cypher, paged
    cypher, params = plan["gds nodes"]
    entry = {"purpose": "nodes", "cypher": cypher, "params": params, "page": 50_000, "rows": 0}
    queries.append(entry)
    nodes: dict[Any, dict[str, Any]] = {}
    for nid, name, kind in store.iter_read(cypher, params):
        entry["rows"] += 1
        nodes[nid] = {"name": name if name is not None else nid, "kind": kind or schema.root_label}
    n = len(nodes)
    columns = ["degree", *(["in_degree", "out_degree"] if directed else []), "betweenness", "closeness",
               "eigenvector", "pagerank", "community"]
    info.update({"gds_version": version, "directed": directed, "node_count": n,
                 "parameters": _parameters(weighted, k, seed)})
    if not version.startswith("2."):
        notes.append(f"GDS {version} is not a 2.x release; these statements follow GDS {GDS_SUPPORTED}.")
    if n == 0:
        return nodes, {c: {} for c in columns}

    graph = graph_name or f"intelgraph_{spec.name}_{uuid.uuid4().hex[:12]}"
    info["graph_name"] = graph

    def run(name: str, purpose: str | None = None) -> list[list[Any]]:
        cypher, params = plan[name]
        params = {**params, "graphName": graph}
        # write routing: GDS's catalog lives in one server's memory, so every call goes to the
        # same (writer) member; GDS procedures are read-only towards the database itself
        rows = store.write(cypher, params, timeout=timeout).rows
        queries.append({"purpose": purpose or name, "cypher": cypher, "params": params, "page": None,
                        "rows": len(rows)})
        return rows

    def scores(name: str) -> dict[Any, float]:
        out: dict[Any, float] = {}
        for nid, value in run(name):
            if nid is None:
                continue
            out[nid] = value
        return out

    raw: dict[str, dict[Any, Any]] = {}
    try:
        (_, node_count, rel_count, ties, max_weight), = run("gds project")
        info.update({"relationship_count": rel_count, "ties": ties, "max_weight": max_weight})
        if node_count != n:
            notes.append(f"GDS projected {node_count} nodes where the node list has {n}: the graph changed "
                         "between the two reads; run the report again.")
        if directed:
            raw["out_degree"] = scores("gds out_degree")
            raw["in_degree"] = scores("gds in_degree")
        else:
            raw["degree"] = scores("gds degree")
        raw["betweenness"] = scores("gds betweenness")
        raw["closeness"] = scores("gds closeness")
        (ev_converged, ev_iterations), = run("gds eigenvector stats")
        raw["eigenvector"] = scores("gds eigenvector")
        (pr_converged, pr_iterations), = run("gds pagerank stats")
        raw["pagerank"] = scores("gds pagerank")
        raw["community"] = scores("gds louvain")
    finally:
        try:
            run("gds drop")
        except StoreError as exc:  # the measures are good; say the graph may still take memory
            notes.append(f"Could not drop the GDS graph {graph!r} ({exc}); drop it with "
                         f"CALL gds.graph.drop('{graph}', false).")

    unknown = set().union(*(set(v) for v in raw.values())) - set(nodes)
    if unknown:
        notes.append(f"GDS returned {len(unknown)} node(s) not in the node list (the graph changed while the "
                     "report ran); they are left out.")

    def complete(values: dict[Any, Any], fill: Any = math.nan) -> dict[Any, Any]:
        return {nid: values.get(nid, fill) for nid in nodes}

    measures: dict[str, dict[Any, Any]] = {}
    if directed:
        out_c, in_c = complete(raw["out_degree"], 0), complete(raw["in_degree"], 0)
        measures["degree"] = degree_from_gds({v: out_c[v] + in_c[v] for v in nodes}, n)
        measures["in_degree"] = degree_from_gds(in_c, n)
        measures["out_degree"] = degree_from_gds(out_c, n)
    else:
        measures["degree"] = degree_from_gds(complete(raw["degree"], 0), n)
    measures["betweenness"] = betweenness_from_gds(complete(raw["betweenness"]), n, directed, sampled=k)
    measures["closeness"] = closeness_from_gds(complete(raw["closeness"]))
    if ev_converged:
        measures["eigenvector"] = eigenvector_from_gds(complete(raw["eigenvector"]))
        if any(math.isnan(v) for v in measures["eigenvector"].values()):
            measures["eigenvector"] = {nid: math.nan for nid in nodes}
            notes.append("GDS's eigenvector scores are all zero or not finite (its sums overflowed); the column "
                         "is left empty. Use PageRank.")
    else:
        measures["eigenvector"] = {nid: math.nan for nid in nodes}
        notes.append(f"Eigenvector centrality did not converge in {ev_iterations} iterations (typical of a "
                     "directed graph without cycles); its column is left empty. Use PageRank.")
    if pr_converged:
        measures["pagerank"] = pagerank_from_gds(complete(raw["pagerank"]))
    else:
        measures["pagerank"] = {nid: math.nan for nid in nodes}
        notes.append(f"PageRank did not converge in {pr_iterations} iterations; its column is left empty.")
    # a node GDS did not return (cannot happen unless the graph changed) is a community of its own
    measures["community"] = communities_from_gds({nid: raw["community"].get(nid, ("missing", nid)) for nid in nodes})

    notes.append(f"Computed by Neo4j Graph Data Science {version} on the server (graph {graph!r}, dropped "
                 "afterwards) and converted to networkx's conventions: degree divided by n-1, betweenness "
                 "normalised, closeness with Wasserman-Faust scaling, eigenvector L2-normalised, PageRank "
                 "divided by its sum.")
    if k is not None and k < n:
        notes.append(f"Betweenness is estimated from {k} source nodes (GDS samplingSeed {seed}), drawn with "
                     "probability proportional to degree (networkx draws uniformly), scaled by n/k.")
    notes.append("Communities: GDS Louvain (concurrency 1, no random seed — GDS Louvain takes none); the "
                 "partition is GDS's and may differ from networkx's seeded Louvain."
                 + (" On a directed graph the two implementations may also weigh direction differently."
                    if directed else ""))
    return nodes, {c: measures[c] for c in columns}


def _parameters(weighted: bool, k: int | None, seed: int) -> dict[str, dict[str, Any]]:
    w = WEIGHT if weighted else None
    return {
        "degree": {"procedure": "gds.degree.stream", "orientation": "NATURAL (out) and REVERSE (in)",
                   "conversion": "count / (n - 1)"},
        "betweenness": {"procedure": "gds.betweenness.stream", "samplingSize": k, "samplingSeed": seed if k else None,
                        "relationshipWeightProperty": None,
                        "conversion": "x 1/((n-1)(n-2)) directed, x 2/((n-1)(n-2)) undirected"},
        "closeness": {"procedure": "gds.closeness.stream", **GDS_PARAMETERS["closeness"], "conversion": "none"},
        "eigenvector": {"procedure": "gds.eigenvector.stream", **GDS_PARAMETERS["eigenvector"],
                        "relationshipTypes": [TIE, SELF, SINK], "relationshipWeightProperty": w or UNWEIGHTED,
                        "conversion": "the sink left out, L2-normalised; SELF loops and SINK relationships make "
                                      "every node's outgoing weights sum to one constant c, so that GDS iterates "
                                      "on (A + I) / c"},
        "pagerank": {"procedure": "gds.pageRank.stream", **GDS_PARAMETERS["pagerank"],
                     "relationshipWeightProperty": w, "conversion": "divided by the sum (L1)"},
        "communities": {"procedure": "gds.louvain.stream", "concurrency": 1, **GDS_PARAMETERS["louvain"],
                        "relationshipWeightProperty": w, "randomSeed": None,
                        "conversion": "renumbered by size, then smallest node id"},
    }
