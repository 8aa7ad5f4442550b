"""The shortest-path work of :mod:`intelgraph.reports.fast`, in igraph.

:func:`run` does a list of tasks on one graph; :func:`main` does the same in a worker process
(started by :mod:`~intelgraph.reports.fast` with ``python -c``), reading a pickled request from
the file named by its argument (or standard input) and writing the pickled results on standard
output. Only NumPy and igraph are
imported, so a worker is ready in about 0.3 s.

Tasks (node positions are ``0 .. n-1``):

``("betweenness", sources)``
    igraph's betweenness counting the shortest paths from ``sources`` (all nodes when ``None``)
    to every node: ``sum over s of delta_s(v)``, halved for an undirected graph.
``("closeness", vertices)``
    for each vertex, ``1 / (sum of the distances from the nodes that reach it)`` (igraph,
    ``normalized=False``, NaN when none does) and how many other nodes reach it.
``("pivots", pivots)``
    for every node v, over the pivots p other than v: how many reach v, the sum of their
    distances to v and the sum of the squares of those distances.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any

import numpy as np


def _graph(n: int, edges: np.ndarray, directed: bool):
    sys.modules.setdefault("matplotlib", None)  # igraph imports pyplot when it can: 0.6 s for nothing
    import igraph

    return igraph.Graph(n=n, edges=edges.tolist(), directed=directed)


def _closeness(g, vertices: Any, directed: bool) -> tuple[np.ndarray, np.ndarray]:
    inv_total = np.array(g.closeness(vertices=vertices, mode="in", normalized=False), dtype=float)
    if directed:
        # normalized: (reached - 1) / total; so reached - 1 = normalized / raw, an exact integer
        per_hop = np.array(g.closeness(vertices=vertices, mode="in", normalized=True), dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            others = np.where(inv_total > 0, np.rint(per_hop / inv_total), 0.0)
    else:
        membership = np.asarray(g.connected_components().membership)
        size = np.bincount(membership)[membership]
        idx = np.arange(g.vcount()) if vertices is None else np.asarray(vertices, dtype=np.int64)
        others = (size[idx] - 1).astype(float)
    return inv_total, others


def _pivots(g, pivots: np.ndarray, batch_cells: int = 1 << 22) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = g.vcount()
    reached, total, squares = np.zeros(n), np.zeros(n), np.zeros(n)
    step = max(1, batch_cells // max(n, 1))
    for start in range(0, len(pivots), step):
        batch = np.asarray(pivots[start:start + step], dtype=np.int64)
        # hops from each pivot along out-edges: the incoming distance of every node
        d = np.array(g.distances(source=batch.tolist(), mode="out"), dtype=float).reshape(len(batch), n)
        d[np.arange(len(batch)), batch] = np.inf  # a pivot is not counted for itself
        finite = np.isfinite(d)
        d[~finite] = 0.0
        reached += finite.sum(axis=0)
        total += d.sum(axis=0)
        squares += (d * d).sum(axis=0)
    return reached, total, squares


def run(n: int, edges: np.ndarray, directed: bool, tasks: list[tuple[str, Any]]) -> list[Any]:
    """The results of ``tasks`` on the graph of ``n`` nodes and ``edges`` (an ``m x 2`` array)."""
    g = _graph(n, edges, directed)
    out: list[Any] = []
    for kind, arg in tasks:
        if kind == "pivots":
            out.append(_pivots(g, arg))
        elif kind == "betweenness":
            sources = None if arg is None else np.asarray(arg).tolist()
            values = g.betweenness(directed=True) if sources is None else g.betweenness(sources=sources, targets=None)
            out.append(np.asarray(values, dtype=float))
        elif kind == "closeness":
            out.append(_closeness(g, None if arg is None else np.asarray(arg).tolist(), directed))
        else:  # pragma: no cover - the parent only sends the kinds above
            raise ValueError(f"unknown task {kind!r}")
    return out


def main() -> None:
    """Worker process: a pickled ``{"n", "edges", "directed", "tasks"}`` in; the pickled
    ``{"results": [...], "cpu_seconds": ...}`` out."""
    import time

    if len(sys.argv) > 1:  # the request in a file
        with open(sys.argv[1], "rb") as fh:
            request = pickle.load(fh)
    else:
        request = pickle.load(sys.stdin.buffer)
    results = run(request["n"], request["edges"], request["directed"], request["tasks"])
    pickle.dump({"results": results, "cpu_seconds": time.process_time()}, sys.stdout.buffer,
                protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
