"""Centrality report: who sits at the centre of a projection of the graph.

:func:`centrality_report` projects the stored graph (:mod:`intelgraph.reports.projection`),
computes the measures with networkx's values (:func:`compute_measures`) and writes to a folder:

``centrality.csv``
    one row per node, sorted by id: ``id, name, kind``, one column per measure, ``community``.
``report.md``, ``report.html``
    the projection, counts, notes on direction, weights and multi-edges, the top nodes per
    measure, the communities, and the Cypher that was run.
``network.png``
    the network drawn with matplotlib (Agg, no display): node size by a measure, colour by
    community, labels on the top nodes; the layout is seeded.
``provenance.json``
    the queries and parameters, the projection, a SHA-256 of the projected data, library
    versions, engine, timestamp, seed, and the SHA-256 of each file written.

Choices (also written into every report):

* **Values are networkx's.** ``degree`` is :func:`networkx.degree_centrality` (``in_degree`` and
  ``out_degree`` are added for a directed projection); ``betweenness`` is exact
  :func:`networkx.betweenness_centrality` (normalized, all sources -- O(nodes x edges));
  ``closeness`` is :func:`networkx.closeness_centrality` (Wasserman--Faust scaling for
  disconnected graphs; on a DiGraph it uses incoming distances); ``pagerank`` is
  :func:`networkx.pagerank` (alpha 0.85). Betweenness and closeness are *computed* by igraph in
  worker processes and eigenvector centrality by networkx's iteration in SciPy
  (:mod:`intelgraph.reports.fast`): the values equal networkx's to ~1e-15, tested against
  networkx; ``backend="networkx"`` computes them with networkx itself.
* **Sampling.** Above ``exact_limit`` nodes (default 20,000) betweenness and closeness are
  estimated from ``sample_k`` nodes (default 1,000) drawn with the seed: betweenness is
  networkx's estimate from those sources, closeness uses them as pivots. The report says so in
  its facts and notes, with standard errors estimated from the sample; ``betweenness_k`` asks for
  sampled betweenness on any graph.
* **Weights.** An edge's ``weight`` counts the relationships (and shared nodes) it collapses.
  PageRank, eigenvector centrality and the communities use it as tie strength (``weight=None``
  turns that off); betweenness and closeness ignore it, because a count of ties is not a
  distance (as a distance, a stronger tie would be a *longer* path).
* **Eigenvector** is :func:`networkx.eigenvector_centrality` -- power iteration on A + I from a
  uniform start, up to 1000 iterations, tolerance 1e-6 -- rather than the ARPACK-based
  ``eigenvector_centrality_numpy``: from the same start it always returns the same bits, and on a
  disconnected graph (or one with several equal leading eigenvalues) it returns one defined
  mixture instead of an arbitrary eigenvector. Like networkx's, the values are converged to that
  tolerance only (about 1e-6 from the true eigenvector; equal to networkx's to ~1e-15). On a
  graph that is not (strongly) connected the values concentrate on the component(s) with the
  largest leading eigenvalue and are near 0 elsewhere; on a directed graph they count incoming
  ties. If the iteration does not converge, the column is left empty (NaN) and the report says so.
  PageRank is likewise networkx's own, converged to its ``tol=1e-6``.
* **Communities**: Louvain — networkx's partition (:func:`networkx.community.louvain_communities`,
  the report's ``seed``), computed by :mod:`intelgraph.reports.louvain`, networkx's algorithm
  with its node-moving loop compiled (0.8 s instead of 4-6 s on 10,000 nodes / 50,000 edges);
  communities are numbered by size (0 = largest), ties broken by their smallest node id.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import platform
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import networkx as nx

from intelgraph.cypher.store import Store
from intelgraph.errors import ReportError, StoreError
from intelgraph.graph.schema import Schema
from intelgraph.graph.text import escape_controls, escape_json, spreadsheet_cell
from intelgraph.reports import fast, louvain
from intelgraph.reports.projection import DEFAULT_PAGE, Projection, graph_hash, project

__all__ = ["compute_measures", "centrality_report", "report_from_projection", "write_csv", "ReportResult",
           "MEASURES", "measure_columns", "EIGENVECTOR_MAX_ITER", "EIGENVECTOR_TOL", "EXACT_LIMIT", "SAMPLE_K",
           "BACKENDS"]

EIGENVECTOR_MAX_ITER = 1000
EIGENVECTOR_TOL = 1.0e-6

#: Above this many nodes, betweenness and closeness are estimated from a sample (``exact_limit``).
EXACT_LIMIT = 20_000
#: Nodes sampled above the exact limit: sources for betweenness, pivots for closeness (``sample_k``).
SAMPLE_K = 1_000
#: Implementations of betweenness and closeness (``backend``): see :func:`compute_measures`.
BACKENDS = ("auto", "igraph", "networkx")

#: Every measure compute_measures may return, in column order (``community`` is last).
MEASURES = ("degree", "in_degree", "out_degree", "betweenness", "closeness", "eigenvector", "pagerank")

MEASURE_DOC = {
    "degree": "share of the other nodes a node is tied to (networkx degree_centrality; on a DiGraph "
              "in + out, so up to 2)",
    "in_degree": "share of the other nodes with a tie into the node (in_degree_centrality)",
    "out_degree": "share of the other nodes the node has a tie to (out_degree_centrality)",
    "betweenness": "share of shortest paths between other nodes that pass through the node "
                   "(normalized, unweighted; exact unless the notes say it was sampled)",
    "closeness": "inverse mean distance to the node, scaled by the share of nodes that can reach it "
                 "(Wasserman-Faust; unweighted)",
    "eigenvector": "ties to nodes that are themselves central (power iteration; incoming ties on a DiGraph)",
    "pagerank": "share of time a random walk along ties spends at the node (alpha 0.85)",
    "community": "Louvain community (0 = largest)",
}

FILES = ("centrality.csv", "report.md", "report.html", "network.png", "provenance.json")


def measure_columns(directed: bool) -> list[str]:
    """The measure columns of the CSV for a directed or undirected graph, ``community`` last."""
    cols = [m for m in MEASURES if directed or m not in ("in_degree", "out_degree")]
    return [*cols, "community"]


# -- measures ---------------------------------------------------------------------------------
def compute_measures(G: nx.Graph, seed: int = 0, weight: str | None = "weight",
                     notes: list[str] | None = None, betweenness_k: int | None = None, *,
                     exact_limit: int | None = EXACT_LIMIT, sample_k: int = SAMPLE_K, backend: str = "auto",
                     workers: int | None = None, details: dict[str, Any] | None = None,
                     _defer: bool = False) -> dict[str, dict[Any, Any]]:
    """Centrality measures and communities of ``G``, with networkx's values.

    Betweenness and closeness take the fast path of :mod:`intelgraph.reports.fast` (igraph, in
    worker processes, while this process computes the rest); eigenvector centrality is
    networkx's iteration done with SciPy; PageRank, degree and the communities are networkx's
    own. Each value equals networkx's to ~1e-15 (the tests check 1e-9).

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
    seed : int
        Seed of the Louvain community search and of any sample.
    weight : str or None
        Edge attribute used as tie strength by PageRank, eigenvector centrality and Louvain.
        Betweenness and closeness are always unweighted (see the module docstring).
    notes : list, optional
        Receives a sentence for anything the caller should know (e.g. non-convergence, sampling).
    betweenness_k : int, optional
        An int below the node count: estimate betweenness from ``k`` source nodes drawn with
        ``seed`` as networkx draws them (networkx's estimate). None: exact, unless the graph is
        larger than ``exact_limit``.
    exact_limit : int or None
        Above this many nodes, betweenness and closeness are estimated from ``sample_k`` nodes
        drawn with ``seed`` (noted in ``notes`` with standard errors). None: always exact.
    sample_k : int
        Sampled nodes (sources for betweenness, pivots for closeness) above ``exact_limit``.
    backend : {"auto", "igraph", "networkx"}
        ``auto``: igraph when installed and ``G`` is a simple graph, else networkx (noted).
        ``networkx``: the reference implementations (minutes for betweenness beyond ~10^4 edges).
    workers : int, optional
        Worker processes for betweenness and closeness (default: one per core for big graphs,
        none for small ones).
    details : dict, optional
        Receives how each measure was computed (backend, sample, standard errors) for provenance.

    Returns
    -------
    dict
        measure name -> {node: value}: ``degree`` (plus ``in_degree``/``out_degree`` for a
        DiGraph), ``betweenness``, ``closeness``, ``eigenvector``, ``pagerank`` and
        ``community`` (an int per node). (``_defer=True``, for the report: the pending
        computation, whose ``finish()`` returns the dict once the workers are done.)

    Examples
    --------
    >>> G = nx.florentine_families_graph()
    >>> round(compute_measures(G)["betweenness"]["Medici"], 3)
    0.522
    """
    if backend not in BACKENDS:
        raise ReportError(f"unknown backend {backend!r}", hint=f"use one of: {', '.join(BACKENDS)}")
    notes = notes if notes is not None else []
    details = details if details is not None else {}
    n = G.number_of_nodes()
    directed = G.is_directed()
    bk = betweenness_k if betweenness_k is not None and 0 < betweenness_k < n else None
    ck = None
    if sample_k < 1:
        raise ReportError(f"sample_k must be a positive number of nodes, not {sample_k}",
                          hint="give how many nodes the estimate samples: 2 or more")
    # a sample of every other node would cost as much as the exact values
    over = exact_limit is not None and n > exact_limit and 3 <= n and sample_k < n - 1
    if over:
        ck = sample_k
        bk = bk if bk is not None else ck
    missing = fast.available()
    if backend == "igraph" and missing:
        raise ReportError(f"backend 'igraph' was asked for, but {missing}",
                          hint="pip install intelgraph (it depends on igraph) or use backend='auto'")
    simple = not G.is_multigraph() and n >= 3
    if backend == "networkx" or missing:
        sp_backend = "networkx"
    elif backend == "auto" and fast.fused_applies(G, bk, ck):
        sp_backend = fast.FUSED  # exact and undirected: both measures from one search per source
    else:
        sp_backend = fast.ENGINE
    sp = fast.ShortestPaths(G, betweenness_k=bk, closeness_k=ck, seed=seed, workers=workers,
                            backend=sp_backend) if simple else None  # workers start now

    out: dict[str, dict[Any, Any]] = {"degree": nx.degree_centrality(G)}
    if directed:
        out["in_degree"] = nx.in_degree_centrality(G)
        out["out_degree"] = nx.out_degree_centrality(G)
    out["eigenvector"] = _eigenvector(G, weight, notes, fast_path=backend != "networkx")
    out["pagerank"] = _pagerank(G, weight, notes)
    out["community"] = community_ids(G, seed=seed, weight=weight)
    details["eigenvector"] = {"function": "networkx.eigenvector_centrality" if backend == "networkx" else
                              "intelgraph.reports.fast.eigenvector (networkx's iteration with SciPy)",
                              "max_iter": EIGENVECTOR_MAX_ITER, "tol": EIGENVECTOR_TOL}
    if missing and backend == "auto" and simple:
        notes.append(f"Betweenness and closeness were computed by networkx, not the fast path ({missing}): same "
                     "values, much slower.")
    pending = _Pending(G, out, sp, notes, details, bk, seed, n, exact_limit, over)
    return pending if _defer else pending.finish()


@dataclass
class _Pending:
    """Measures computed so far, while the workers compute betweenness and closeness."""

    G: nx.Graph
    out: dict[str, dict[Any, Any]]
    sp: fast.ShortestPaths | None
    notes: list[str]
    details: dict[str, Any]
    bk: int | None
    seed: int
    n: int
    exact_limit: int | None
    over: bool

    def finish(self) -> dict[str, dict[Any, Any]]:
        """Wait for betweenness and closeness; return every measure in column order."""
        G, notes, details = self.G, self.notes, self.details
        if self.sp is not None:
            res = self.sp.result()
            between, close = res.betweenness, res.closeness
            details.update(res.info)
            if res.info["worker_errors"]:
                notes.append(f"{len(res.info['worker_errors'])} worker process(es) failed; their share of "
                             "betweenness and closeness was computed in the main process (same values).")
        else:  # a multigraph or fewer than three nodes: networkx as is
            between = (nx.betweenness_centrality(G, k=self.bk, seed=self.seed) if self.bk is not None
                       else nx.betweenness_centrality(G))
            close = nx.closeness_centrality(G)
            details.update({"backend": "networkx", "betweenness": {"exact": self.bk is None, "k": self.bk,
                                                                   "seed": self.seed},
                            "closeness": {"exact": True}})
        notes.extend(_sampling_notes(details, self.n, self.exact_limit, self.over, self.seed))
        measures = {**self.out, "betweenness": between, "closeness": close}
        return {m: measures[m] for m in (*MEASURES, "community") if m in measures}


def _sampling_notes(details: dict[str, Any], n: int, exact_limit: int | None, over: bool, seed: int) -> list[str]:
    b, c = details.get("betweenness", {}), details.get("closeness", {})
    out = []
    if over:
        out.append(f"Betweenness and closeness are estimated, not exact: the graph has {n:,} nodes, more than the "
                   f"exact limit of {exact_limit:,} (exact_limit). They use {c['k']:,} nodes sampled with seed {seed}: "
                   "betweenness is networkx's estimate from those source nodes, closeness uses them as pivots "
                   "(Eppstein-Wang: the share of pivots reaching a node and their mean distance to it).")
    elif not b.get("exact", True):
        out.append(f"Betweenness is estimated from {b['k']:,} sampled source nodes (seed {seed}), not exact "
                   "(networkx's estimate).")
    for name, d in (("betweenness", b), ("closeness", c)):
        se = d.get("standard_error")
        if se and not math.isnan(se["max"]):
            how = f", {d.get('batches')} batches of sources" if name == "betweenness" else ", by the delta method"
            out.append(f"Standard error of the {name} estimates (from the sample{how}): "
                       f"median {se['median']:.2g}, largest {se['max']:.2g}; the top value, {se['top_value']:.4g}, "
                       f"is +/- {se['at_top']:.2g}.")
    return out


def _eigenvector(G: nx.Graph, weight: str | None, notes: list[str], fast_path: bool = True) -> dict[Any, float]:
    if G.number_of_nodes() == 0:
        return {}
    try:
        if fast_path:
            return fast.eigenvector(G, weight=weight, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL)
        return nx.eigenvector_centrality(G, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL, weight=weight)
    except nx.PowerIterationFailedConvergence:
        notes.append(f"Eigenvector centrality did not converge in {EIGENVECTOR_MAX_ITER} iterations "
                     "(typical of a directed graph without cycles); its column is left empty. Use PageRank.")
        return {n: math.nan for n in G}


def _pagerank(G: nx.Graph, weight: str | None, notes: list[str]) -> dict[Any, float]:
    if G.number_of_nodes() == 0:
        return {}
    try:
        return nx.pagerank(G, weight=weight)
    except nx.PowerIterationFailedConvergence:  # pragma: no cover - PageRank converges on any graph in practice
        notes.append("PageRank did not converge in 100 iterations; its column is left empty.")
        return {n: math.nan for n in G}


def community_ids(G: nx.Graph, seed: int = 0, weight: str | None = "weight") -> dict[Any, int]:
    """Louvain communities as ``{node: id}``, numbered by size (0 = largest), then smallest node id."""
    if G.number_of_nodes() == 0:
        return {}
    parts = louvain.louvain_communities(G, weight=weight, seed=seed)
    ordered = sorted((sorted(map(str, p)), p) for p in parts)
    ordered.sort(key=lambda item: -len(item[1]))  # stable: equal sizes stay in smallest-id order
    return {n: i for i, (_, p) in enumerate(ordered) for n in p}


# -- the report -------------------------------------------------------------------------------
@dataclass
class ReportResult:
    """What :func:`centrality_report` produced."""

    out_dir: Path
    files: dict[str, Path]
    projection: Projection
    measures: dict[str, dict[Any, Any]]
    data_sha256: str
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def graph(self) -> nx.Graph:
        return self.projection.graph


def centrality_report(store: Store, out_dir: str | Path, projection: str = "actors", undirected: bool = False,
                      seed: int = 0, *, weighted: bool = True, top_n: int = 10, size_by: str = "pagerank",
                      label_top: int = 15, draw_max_nodes: int = 300, page: int = DEFAULT_PAGE,
                      betweenness_k: int | None = None, schema: Schema | None = None,
                      exact_limit: int | None = EXACT_LIMIT, sample_k: int = SAMPLE_K, backend: str = "auto",
                      workers: int | None = None, compute: str = "networkx",
                      timeout: float | None = None, csv_raw: bool = False) -> ReportResult:
    """Project ``store`` and write the centrality report into ``out_dir`` (created if missing).

    Parameters
    ----------
    store : Store
        The graph to read (FalkorDB or Neo4j). Only read.
    out_dir : path
        Folder for ``centrality.csv``, ``report.md``, ``report.html``, ``network.png`` and
        ``provenance.json`` (existing files of those names are replaced).
    projection : str
        A projection named in the schema (``all``, ``actors``, ``social``, ``logistics`` ...).
    undirected : bool
        Force an undirected graph even when the projection has directed relationship types.
    seed : int
        Seeds the Louvain communities and the drawing's layout. Same data and seed give the same
        ``centrality.csv``, byte for byte.
    weighted : bool
        Use the collapsed-tie counts as strength in PageRank, eigenvector and Louvain.
    top_n : int
        Rows per ranked table. ``label_top``: nodes labelled in the drawing. ``size_by``: the
        measure that sizes nodes in the drawing. ``draw_max_nodes``: above this many nodes only
        the top nodes by ``size_by`` are drawn.
    page : int
        Rows per read from the store.
    betweenness_k : int, optional
        Estimate betweenness from this many sampled sources instead of exactly (big graphs).
    exact_limit : int or None
        Above this many nodes, betweenness and closeness are estimated from ``sample_k`` nodes
        drawn with ``seed``; the report says so, with standard errors. None: always exact.
    sample_k : int
        Sampled nodes above ``exact_limit`` (sources for betweenness, pivots for closeness).
    backend : {"auto", "igraph", "networkx"}
        Who computes betweenness and closeness (see :func:`compute_measures`); the values are
        networkx's either way.
    workers : int, optional
        Worker processes for betweenness and closeness (default: one per core on big graphs).
    csv_raw : bool
        Write the text cells of ``centrality.csv`` as they are, even those a spreadsheet would run
        as a formula (by default they get a leading ``'``; see :func:`write_csv`).
    """
    proj = project(store, projection, undirected=undirected, schema=schema, page=page)
    precomputed = None
    engine = getattr(store, "engine", "?")
    if compute == "gds":
        from intelgraph.reports.gds import gds_measures

        gds_notes: list[str] = []
        gds_queries: list[dict[str, Any]] = []
        info: dict[str, Any] = {}
        nodes, measures = gds_measures(store, projection, undirected, seed, weighted=weighted,
                                       betweenness_k=betweenness_k, schema=schema, notes=gds_notes,
                                       queries=gds_queries, info=info, timeout=timeout)
        if set(nodes) != set(proj.graph):
            raise StoreError("GDS projected other nodes than the report's projection",
                             hint="the graph changed while the report was made: run it again")
        proj.queries.extend(gds_queries)
        details = {"backend": "neo4j-gds", "version": str(info.get("gds_version", "")),
                   "betweenness": {"exact": betweenness_k is None, "k": betweenness_k, "seed": seed},
                   "closeness": {"exact": True},
                   "eigenvector": {"function": "gds.eigenvector.stream",
                                   **((info.get("parameters") or {}).get("eigenvector") or {})}}
        precomputed = (measures, details, gds_notes)
        engine = f"neo4j + GDS {info.get('gds_version', '')}".strip()
    elif compute != "networkx":
        raise ReportError(f"unknown compute {compute!r}", hint="use 'networkx' (here) or 'gds' (in Neo4j)")
    return report_from_projection(proj, out_dir, seed=seed, weighted=weighted, top_n=top_n, size_by=size_by,
                                  label_top=label_top, draw_max_nodes=draw_max_nodes, betweenness_k=betweenness_k,
                                  engine=engine, graph_name=getattr(store, "name", "?"),
                                  exact_limit=exact_limit, sample_k=sample_k, backend=backend, workers=workers,
                                  precomputed=precomputed, csv_raw=csv_raw)


class _Ready:
    """Measures computed elsewhere, shaped like a pending computation."""

    def __init__(self, measures: dict[str, dict[Any, Any]]):
        self.out = measures

    def finish(self) -> dict[str, dict[Any, Any]]:
        return self.out


def report_from_projection(proj: Projection, out_dir: str | Path, seed: int = 0, *, weighted: bool = True,
                           top_n: int = 10, size_by: str = "pagerank", label_top: int = 15,
                           draw_max_nodes: int = 300, betweenness_k: int | None = None, engine: str = "?",
                           graph_name: str = "?", exact_limit: int | None = EXACT_LIMIT, sample_k: int = SAMPLE_K,
                           backend: str = "auto", workers: int | None = None,
                           precomputed: tuple[dict[str, Any], dict[str, Any], list[str]] | None = None,
                           csv_raw: bool = False) -> ReportResult:
    """Write the report files for an already projected graph (see :func:`centrality_report`;
    ``engine`` and ``graph_name`` name the store for the provenance). ``precomputed`` —
    (measures, details, notes) computed elsewhere (Neo4j GDS) — replaces the computation here."""
    if size_by not in MEASURES:
        raise ReportError(f"unknown size_by {size_by!r}", hint=f"use one of: {', '.join(MEASURES)}")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot make the report folder {out}: {exc.strerror or exc}",
                          hint="give --out a folder you can write, or one that can be made") from None
    G = proj.graph
    weight = "weight" if weighted else None
    notes: list[str] = []
    details: dict[str, Any] = {}
    if precomputed is not None:
        details.update(precomputed[1])
        notes.extend(precomputed[2])
        pending: Any = _Ready(precomputed[0])
    else:
        pending = compute_measures(G, seed=seed, weight=weight, notes=notes, betweenness_k=betweenness_k,
                                   exact_limit=exact_limit, sample_k=sample_k, backend=backend, workers=workers,
                                   details=details, _defer=True)
    # while the workers compute betweenness and closeness: what does not need them
    files = {name: out / name for name in FILES}
    data_sha = graph_hash(G)
    proj_notes = _notes(proj, weighted)

    def draw(measures: dict[str, dict[Any, Any]]) -> int:
        return draw_network(G, measures, files["network.png"], seed=seed, size_by=size_by, label_top=label_top,
                            max_nodes=draw_max_nodes, title=f"intelgraph - projection '{proj.spec.name}'")

    drawn = draw(pending.out) if size_by in pending.out else None
    measures = pending.finish()
    if drawn is None:
        drawn = draw(measures)
    columns = measure_columns(G.is_directed())
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    facts = _facts(proj, measures, weight, seed, engine, graph_name, created, data_sha)
    facts.insert(-3, ("betweenness, closeness", _how_computed(details)))
    notes = proj_notes + notes

    write_csv(G, measures, files["centrality.csv"], raw=csv_raw)
    tables = {m: _ranked(G, measures, m, top_n) for m in columns if m != "community"}
    comms = _communities(G, measures)
    files["report.md"].write_text(_markdown(proj, facts, notes, tables, comms), encoding="utf-8")
    files["report.html"].write_text(_html(proj, facts, notes, tables, comms), encoding="utf-8")
    provenance = {
        "tool": "intelgraph centrality report",
        "created": created,
        "engine": engine,
        "graph": graph_name,
        "seed": seed,
        "weighted": weighted,
        "projection": {**proj.spec.as_dict(), "directed": proj.directed, "undirected_forced": proj.undirected_forced},
        "queries": proj.queries,
        "data_sha256": data_sha,
        "data_hash_covers": "direction; nodes sorted by id as [id, name, kind]; edges sorted as "
                            "[source, target, weight, types] (ends in id order when undirected); canonical JSON",
        "counts": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), **proj.stats},
        "measures": {m: MEASURE_DOC[m] for m in columns},
        "parameters": {"eigenvector": {**details["eigenvector"], "values_of": "networkx.eigenvector_centrality",
                                       "weight": weight},
                       "pagerank": {"function": "networkx.pagerank", "alpha": 0.85, "weight": weight},
                       "betweenness": {"values_of": "networkx.betweenness_centrality", "normalized": True,
                                       "k": details["betweenness"].get("k"),
                                       "seed": seed if details["betweenness"].get("k") else None,
                                       "weight": None, **_computed(details, "betweenness")},
                       "closeness": {"values_of": "networkx.closeness_centrality", "wf_improved": True,
                                     "distance": None, **_computed(details, "closeness")},
                       "exact_limit": exact_limit, "sample_k": sample_k,
                       "communities": {"values_of": "networkx.community.louvain_communities", "seed": seed,
                                       "weight": weight, "resolution": 1,
                                       "computed_by": "intelgraph.reports.louvain" if louvain.available()
                                       else "networkx"},
                       "drawing": {"layout": f"networkx.kamada_kawai_layout up to {KAMADA_KAWAI_MAX} connected "
                                             "nodes, else networkx.spring_layout", "seed": seed, "size_by": size_by,
                                   "nodes_drawn": drawn}},
        "notes": notes,
        "versions": _versions(engine, details.get("backend")),
        "files": {name: _sha256(path) for name, path in files.items() if name != "provenance.json"},
    }
    files["provenance.json"].write_text(
        escape_json(json.dumps(provenance, indent=2, ensure_ascii=False, default=str)) + "\n", encoding="utf-8")
    return ReportResult(out_dir=out, files=files, projection=proj, measures=measures, data_sha256=data_sha,
                        notes=notes, provenance=provenance)


# -- CSV --------------------------------------------------------------------------------------
def _num(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def _text_cell(value: Any, raw: bool) -> str:
    text = escape_controls(str(value), keep="\t\n")
    return text if raw else spreadsheet_cell(text)


def write_csv(G: nx.Graph, measures: dict[str, dict[Any, Any]], path: str | Path, raw: bool = False) -> None:
    """One row per node sorted by id; floats in Python's shortest round-trip form, NaN as empty.
    Text cells (id, name, kind) have control characters escaped and, unless ``raw``, a leading
    ``'`` where a spreadsheet would read a formula (:func:`intelgraph.graph.text.spreadsheet_cell`);
    the measures are numbers and are never changed."""
    cols = [c for c in measure_columns(G.is_directed()) if c in measures]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "name", "kind", *cols])
    for n in sorted(G.nodes, key=str):
        attrs = G.nodes[n]
        values = (_num(measures[c].get(n, math.nan)) for c in cols)
        w.writerow([_text_cell(n, raw), _text_cell(attrs.get("name", n), raw), _text_cell(attrs.get("kind", ""), raw),
                    *values])
    Path(path).write_bytes(buf.getvalue().encode("utf-8"))


# -- content shared by the Markdown and HTML reports ------------------------------------------
def _ranked(G: nx.Graph, measures: dict[str, dict[Any, Any]], measure: str, top_n: int) -> list[dict[str, Any]]:
    values = measures.get(measure, {})
    nodes = [n for n in G if not math.isnan(values.get(n, math.nan))]
    nodes.sort(key=lambda n: (-values[n], str(G.nodes[n].get("name", n)), str(n)))
    return [{"rank": i + 1, "id": n, "name": G.nodes[n].get("name", n), "kind": G.nodes[n].get("kind", ""),
             "value": values[n], "community": measures["community"].get(n)} for i, n in enumerate(nodes[:top_n])]


def _communities(G: nx.Graph, measures: dict[str, dict[Any, Any]], show: int = 20, members: int = 5):
    groups: dict[int, list[Any]] = {}
    for n, c in measures["community"].items():
        groups.setdefault(c, []).append(n)
    pr = measures["pagerank"]
    rows = []
    for c in sorted(groups)[:show]:
        top = sorted(groups[c], key=lambda n: (-(pr.get(n, 0) if not math.isnan(pr.get(n, 0)) else 0), str(n)))
        rows.append({"community": c, "size": len(groups[c]),
                     "members": [str(G.nodes[n].get("name", n)) for n in top[:members]]})
    return {"rows": rows, "total": len(groups)}


def _facts(proj, measures, weight, seed, engine, graph_name, created, data_sha) -> list[tuple[str, str]]:
    G = proj.graph
    isolates = nx.number_of_isolates(G)
    if G.number_of_nodes():
        comps = list(nx.weakly_connected_components(G) if G.is_directed() else nx.connected_components(G))
        comp_text = f"{len(comps)} (largest {max(len(c) for c in comps)} nodes)"
    else:
        comp_text = "0"
    parts = [set() for _ in range(len(set(measures["community"].values())))]
    for n, c in measures["community"].items():
        parts[c].add(n)
    modularity = nx.community.modularity(G, parts, weight=weight) if G.number_of_edges() else float("nan")
    s = proj.stats
    return [
        ("projection", f"{proj.spec.name} — {proj.spec.description}"),
        ("node kinds", ", ".join(proj.spec.node_kinds)),
        ("relationship types", ", ".join(proj.spec.relationship_types) or "(none)"),
        ("via", "; ".join(f"{k}: {', '.join(v)}" for k, v in proj.spec.via.items()) or "(none)"),
        ("graph", f"{'directed (DiGraph)' if G.is_directed() else 'undirected (Graph)'}"),
        ("nodes", f"{G.number_of_nodes()} ({isolates} without ties)"),
        ("edges", (f"{G.number_of_edges()} (from {s.get('relationships', 0)} relationships"
                  f" and {s.get('via_pairs', 0)} shared-node pairs)")),
        ("components", comp_text + (" — weakly connected" if G.is_directed() else "")),
        ("communities", (f"{len(parts)} (Louvain, seed {seed}, modularity "
                        f"{'n/a' if math.isnan(modularity) else f'{modularity:.3f}'})")),
        ("engine", f"{engine} (graph {graph_name})"),
        ("generated", created),
        ("data SHA-256", data_sha),
    ]


def _notes(proj: Projection, weighted: bool) -> list[str]:
    spec, s, G = proj.spec, proj.stats, proj.graph
    notes = []
    if G.is_directed():
        notes.append("Directed graph: each directed relationship is one arc from its start to its end; symmetric "
                     f"types ({', '.join(spec.symmetric_types) or 'none here'}) and shared-node (via) ties are "
                     "two arcs, one each way. Closeness and eigenvector centrality count incoming paths and ties; "
                     "in_degree and out_degree are given beside degree.")
    elif proj.undirected_forced:
        notes.append("Undirected graph (forced): the projection has directed types, but every tie is read "
                     "without its direction.")
    else:
        notes.append("Undirected graph: every tie in this projection is symmetric or a shared-node (via) tie.")
    same = " in the same direction" if G.is_directed() else ""
    notes.append(f"Multi-edges collapsed: ties between the same pair{same} become one edge whose weight is "
                 f"their number ({s.get('multi_ties_collapsed', 0)} extra ties merged); the edge keeps the list "
                 "of types it stands for.")
    if spec.via:
        notes.append("Via ties: two nodes are tied when both are joined (either direction) to a common "
                     f"{' or '.join(spec.via)}; each shared node adds 1 to the weight.")
    if s.get("self_loops_dropped"):
        notes.append(f"{s['self_loops_dropped']} relationship(s) from a node to itself were left out.")
    notes.append("Weights: " + ("PageRank, eigenvector centrality and the communities use the edge weight as tie "
                                "strength; " if weighted else "no measure uses the edge weight; ")
                 + "betweenness and closeness count hops and ignore weights.")
    if G.number_of_nodes() and not (nx.is_strongly_connected(G) if G.is_directed() else nx.is_connected(G)):
        notes.append("The graph is not " + ("strongly " if G.is_directed() else "") + "connected: eigenvector "
                     "centrality concentrates on the part with the largest leading eigenvalue and is near 0 "
                     "elsewhere; compare nodes across parts with PageRank or degree instead.")
    return notes


def _how_computed(details: dict[str, Any]) -> str:
    """One line for the facts table: exact or estimated, and by what."""
    b, c = details.get("betweenness", {}), details.get("closeness", {})
    who = f"{details.get('backend', 'networkx')} {details.get('version', '')}".strip()
    if details.get("workers"):
        who += f", {details['workers']} worker processes"
    parts = ["betweenness exact" if b.get("exact", True) else
             f"betweenness ESTIMATED from {b['k']:,} sampled source nodes (networkx's estimator, seed {b.get('seed')})",
             "closeness exact" if c.get("exact", True) else
             f"closeness ESTIMATED with {c['k']:,} sampled nodes as pivots (seed {c.get('seed')})"]
    exact = b.get("exact", True) and c.get("exact", True)
    return "; ".join(parts) + (" -- networkx's values" if exact else " -- standard errors in the notes") + \
        f"; computed by {who}"


def _computed(details: dict[str, Any], measure: str) -> dict[str, Any]:
    d = details.get(measure, {})
    out = {"computed_by": details.get("backend", "networkx"), "exact": d.get("exact", True)}
    if not d.get("exact", True):
        out["sampling"] = {k: v for k, v in d.items() if k != "exact"}
    return out


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


#: Characters that Markdown (and the HTML it lets through, and the maths some renderers draw
#: between dollars) would read as markup: backslash-escaped in every cell from the data.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|!~&$#{}])")


def _md_cell(text: Any) -> str:
    one_line = str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _MD_SPECIAL.sub(r"\\\1", escape_controls(one_line))


def _without_ties(G: nx.Graph) -> list[str]:
    """Names of the nodes with no tie: listed in the report, not drawn."""
    return sorted(str(G.nodes[n].get("name", n)) for n in nx.isolates(G))


def _markdown(proj, facts, notes, tables, comms) -> str:
    lines = [f"# Centrality report — projection `{proj.spec.name}`", "", "| | |", "| --- | --- |"]
    lines += [f"| {k} | {_md_cell(v)} |" for k, v in facts]
    lines += ["", "## Notes", ""] + [f"- {_md_cell(n)}" for n in notes]
    lines += ["", "## Measures", ""] + [f"- **{m}**: {MEASURE_DOC[m]}" for m in [*tables, "community"]]
    for m, rows in tables.items():
        lines += ["", f"## Top {len(rows)} by {m}", "", "| rank | name | kind | " + m + " | community |",
                  "| ---: | --- | --- | ---: | ---: |"]
        lines += [f"| {r['rank']} | {_md_cell(r['name'])} | {_md_cell(r['kind'])} | {_fmt(r['value'])} | {r['community']} |"
                  for r in rows]
    lines += ["", f"## Communities ({comms['total']})", "", "| community | size | top members by PageRank |",
              "| ---: | ---: | --- |"]
    lines += [f"| {c['community']} | {c['size']} | {_md_cell(', '.join(c['members']))} |" for c in comms["rows"]]
    if comms["total"] > len(comms["rows"]):
        lines.append(f"\n({comms['total'] - len(comms['rows'])} smaller communities not shown; see centrality.csv)")
    alone = _without_ties(proj.graph)
    lines += ["", f"## Without ties ({len(alone)})", "", ", ".join(_md_cell(n) for n in alone) or "(none)"]
    lines += ["", "![network](network.png)", "", "## Queries", ""]
    for q in proj.queries:
        lines += [(f"{q['purpose']} — {q['rows']} rows, pages of {q['page']}; parameters: "
                  f"`{json.dumps(q['params'], ensure_ascii=False)}`"), "", "```cypher", q["cypher"], "```", ""]
    lines += [("Files: `centrality.csv` (every node), `network.png`, `provenance.json` (queries, versions, "
              "data hash)."), ""]
    return "\n".join(lines)


_CSS = ("body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em}"
        "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}"
        "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}img{max-width:100%}")


def _html(proj, facts, notes, tables, comms) -> str:
    def e(text: Any) -> str:
        return html.escape(escape_controls(str(text)))

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Centrality report — {e(proj.spec.name)}</title><style>{_CSS}</style></head><body>",
           f"<h1>Centrality report — projection <code>{e(proj.spec.name)}</code></h1>", "<table>"]
    out += [f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in facts]
    out += ["</table>", "<h2>Notes</h2><ul>"] + [f"<li>{e(n)}</li>" for n in notes] + ["</ul>"]
    out += ["<h2>Measures</h2><ul>"]
    out += [f"<li><b>{e(m)}</b>: {e(MEASURE_DOC[m])}</li>" for m in [*tables, "community"]] + ["</ul>"]
    for m, rows in tables.items():
        out += [f"<h2>Top {len(rows)} by {e(m)}</h2>",
                f"<table><tr><th>rank</th><th>name</th><th>kind</th><th>{e(m)}</th><th>community</th></tr>"]
        out += [f'<tr><td class="n">{r["rank"]}</td><td title="{e(str(r["id"]))}">{e(str(r["name"]))}</td>'
                f'<td>{e(str(r["kind"]))}</td><td class="n">{_fmt(r["value"])}</td>'
                f'<td class="n">{r["community"]}</td></tr>' for r in rows]
        out.append("</table>")
    out += [f"<h2>Communities ({comms['total']})</h2>",
            "<table><tr><th>community</th><th>size</th><th>top members by PageRank</th></tr>"]
    out += [f'<tr><td class="n">{c["community"]}</td><td class="n">{c["size"]}</td>'
            f'<td>{e(", ".join(c["members"]))}</td></tr>' for c in comms["rows"]]
    out.append("</table>")
    alone = _without_ties(proj.graph)
    out += [f"<h2>Without ties ({len(alone)})</h2><p>{e(', '.join(alone)) or '(none)'}</p>"]
    out += ['<h2>Network</h2><p><img src="network.png" alt="the projected network"></p>', "<h2>Queries</h2>"]
    for q in proj.queries:
        out += [(f"<p>{e(q['purpose'])} — {q['rows']} rows, pages of {q['page']}; parameters: "
                f"<code>{e(json.dumps(q['params'], ensure_ascii=False))}</code></p>"), f"<pre>{e(q['cypher'])}</pre>"]
    out += [("<p>Files: <code>centrality.csv</code> (every node), <code>network.png</code>, "
            "<code>provenance.json</code> (queries, versions, data hash).</p>"), "</body></html>", ""]
    return "\n".join(out)


# -- drawing ----------------------------------------------------------------------------------
def draw_network(G: nx.Graph, measures: dict[str, dict[Any, Any]], path: str | Path, seed: int = 0,
                 size_by: str = "pagerank", label_top: int = 15, max_nodes: int = 300, title: str = "") -> int:
    """Draw ``G`` to a PNG with matplotlib's Agg canvas (no display, no pyplot state). Nodes are
    sized by ``size_by`` and coloured by community; the ``label_top`` nodes by ``size_by`` are
    labelled; above ``max_nodes`` only the top nodes are drawn. Nodes without ties are not drawn
    (the report lists them). Returns the number drawn.

    Every text is drawn as plain text (``text.parse_math`` off): a name such as ``$\\nope$`` is
    not read as mathtext. The format follows ``path``'s suffix (PNG unless it says otherwise)."""
    from matplotlib import rc_context

    with rc_context({"text.parse_math": False, "text.usetex": False, "svg.fonttype": "none"}):
        return _draw(G, measures, path, seed, size_by, label_top, max_nodes, title)


def _draw(G: nx.Graph, measures: dict[str, dict[Any, Any]], path: str | Path, seed: int, size_by: str,
          label_top: int, max_nodes: int, title: str) -> int:
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    values = {n: (v if not math.isnan(v) else 0.0) for n, v in measures.get(size_by, {}).items()}
    # nodes without ties are listed in the report, not drawn as a row of dots
    ranked = sorted((n for n in G.nodes if G.degree(n) > 0), key=lambda n: (-values.get(n, 0.0), str(n)))
    keep = sorted(ranked[:max_nodes], key=str)
    H = G.subgraph(keep)
    fig = Figure(figsize=(12, 9), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_axis_off()
    tied = len(ranked)
    shown = f" (top {len(keep)} of {tied} tied nodes by {size_by})" if len(keep) < tied else ""
    ax.set_title(f"{title}{shown}\nsize: {size_by}, colour: community", fontsize=10)
    if len(H):
        pos = _layout(H, seed)
        vals = [values.get(n, 0.0) for n in H]
        lo, hi = min(vals), max(vals)
        sizes = [60 + 1400 * ((v - lo) / (hi - lo) if hi > lo else 0.5) for v in vals]
        palette = colormaps["tab20"]
        comm = measures.get("community", {})
        colours = [palette(comm[n] % 20) if comm.get(n, 99) < 20 else (0.75, 0.75, 0.75, 1.0) for n in H]
        directed_arrows = H.is_directed() and H.number_of_edges() <= 1500
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing glyphs for non-Latin names
            nx.draw_networkx_edges(H, pos, ax=ax, alpha=0.35, width=[0.6 + 0.4 * math.log(d.get("weight", 1))
                                                                      for _, _, d in H.edges(data=True)],
                                   arrows=directed_arrows, arrowsize=8, node_size=sizes)
            nx.draw_networkx_nodes(H, pos, ax=ax, node_size=sizes, node_color=colours, linewidths=0.5,
                                   edgecolors="#333333")
            top = [n for n in ranked if n in H][:label_top]
            nx.draw_networkx_labels(H, pos, ax=ax, font_size=8,
                                    labels={n: _short(H.nodes[n].get("name", n)) for n in top},
                                    bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})
    else:
        ax.text(0.5, 0.5, "(no ties in this projection)", ha="center", va="center", transform=ax.transAxes)
    fig.savefig(path, format=Path(path).suffix.lstrip(".").lower() or "png")
    return len(H)


#: Kamada-Kawai lays out at most this many connected nodes (0.2 s; 300 nodes take 2.5 s), the
#: seeded spring layout the rest.
KAMADA_KAWAI_MAX = 150


def _layout(H: nx.Graph, seed: int) -> dict[Any, Any]:
    """Connected nodes laid out together (Kamada-Kawai, deterministic; spring layout with the
    seed for larger drawings); isolated nodes in rows beneath, so they do not crowd the picture."""
    U = H.to_undirected(as_view=True)
    isolates = sorted((n for n in H if U.degree(n) == 0), key=str)
    core = nx.Graph(U.subgraph([n for n in H if U.degree(n) > 0]))  # a copy: views of views are slow
    pos: dict[Any, Any] = {}
    if len(core):
        if len(core) <= KAMADA_KAWAI_MAX:
            pos.update(nx.kamada_kawai_layout(core))
        else:
            pos.update(nx.spring_layout(core, seed=seed, weight="weight", k=2 / math.sqrt(len(core))))
    per_row = max(8, int(math.sqrt(len(isolates) or 1) * 3))
    for i, n in enumerate(isolates):
        row, col = divmod(i, per_row)
        pos[n] = (-1 + 2 * (col + 0.5) / per_row, -1.25 - 0.15 * row)
    return pos


def _short(name: Any, limit: int = 28) -> str:
    text = escape_controls(str(name))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- provenance -------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _versions(engine: str, backend: str | None = None) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("intelgraph", "networkx", "numpy", "scipy", "matplotlib",
                 {"falkordb": "falkordb", "neo4j": "neo4j"}.get(engine, ""),
                 backend if backend and backend not in ("networkx", "neo4j-gds") else "",
                 "numba" if louvain.available() and backend != "neo4j-gds" else ""):
        if not dist:
            continue
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out
