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

The measures and the choices behind their values are :mod:`intelgraph.reports.measures`; the
text files are written by :mod:`intelgraph.reports.render`, the drawing by
:mod:`intelgraph.reports.drawing`; the measures computed in Neo4j GDS instead are
:mod:`intelgraph.reports.gds`.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import networkx as nx

from intelgraph import timings
from intelgraph.cypher.store import Store
from intelgraph.errors import ReportError, StoreError
from intelgraph.graph.schema import Schema
from intelgraph.graph.text import escape_json
from intelgraph.reports import louvain
from intelgraph.reports.drawing import KAMADA_KAWAI_MAX, draw_network
from intelgraph.reports.measures import (EXACT_LIMIT, MEASURE_DOC, MEASURES, SAMPLE_K, compute_measures,
                                         measure_columns)
from intelgraph.reports.projection import DEFAULT_PAGE, Projection, graph_hash, project
from intelgraph.reports.render import (_communities, _facts, _how_computed, _html, _markdown, _notes, _ranked,
                                       write_csv)

__all__ = ["centrality_report", "report_from_projection", "ReportResult", "FILES"]

FILES = ("centrality.csv", "report.md", "report.html", "network.png", "provenance.json")


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
        Parallel workers for betweenness and closeness: threads of the compiled kernel for exact
        values, igraph worker processes for sampled ones (default: one per core on big graphs).
    csv_raw : bool
        Write the text cells of ``centrality.csv`` as they are, even those a spreadsheet would run
        as a formula (by default they get a leading ``'``; see :func:`write_csv`).
    """
    proj = project(store, projection, undirected=undirected, schema=schema, page=page)
    timings.mark("projection")
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
    timings.mark("measures")
    if drawn is None:
        drawn = draw(measures)
    columns = measure_columns(G.is_directed())
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    facts = _facts(proj, measures, weight, seed, engine, graph_name, created, data_sha,
                   (details.get("communities") or {}).get("modularity"))
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
                                       **(details.get("communities") or {}),
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
    timings.mark("files")
    return ReportResult(out_dir=out, files=files, projection=proj, measures=measures, data_sha256=data_sha,
                        notes=notes, provenance=provenance)


# -- provenance -------------------------------------------------------------------------------
def _computed(details: dict[str, Any], measure: str) -> dict[str, Any]:
    d = details.get(measure, {})
    out = {"computed_by": details.get("backend", "networkx"), "exact": d.get("exact", True)}
    if not d.get("exact", True):
        out["sampling"] = {k: v for k, v in d.items() if k != "exact"}
    return out


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
