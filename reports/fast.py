"""Fast paths for the heavy centrality measures, giving networkx's values.

:func:`intelgraph.reports.measures.compute_measures` takes these paths; networkx stays the
reference (the tests compare every measure with it) and the fallback (a multigraph, a graph of
fewer than three nodes, or igraph not installed).

**Betweenness and closeness**, when sampled (or ``backend="igraph"``), run in igraph (pinned in
``pyproject.toml``), chosen by measurement on this project's 2-core machine
(``benchmarks/bench_centrality.py --engines``, CPU seconds for 10,000 nodes / 50,000 edges, a busy
machine): exact betweenness igraph 13 (10 when quiet), rustworkx 19 (31 with two threads; 16
quiet), networkit 51, networkx ~500-900 (extrapolated); FalkorDB's ``algo.betweenness`` only
samples. Closeness: igraph 4.3 (3.5 quiet), networkit 4.6 (and 2 s to import), rustworkx 17,
networkx ~60-90. Every engine searches from every node once per measure; for the report's case —
both measures exact, directed or not — the :data:`FUSED` backend
(:mod:`intelgraph.reports._brandes`, Numba, pinned) does one search per source for both, in
threads. On the directed 10,000-node Barabási–Albert graph of the default actors projection (ties
both ways, 99,950 arcs; load average ~5.4 on 2 cores) it took 16.1 CPU-seconds against igraph's
17.9 (betweenness) + 12.0 (closeness: two passes on a DiGraph, to recover the reach); undirected
(49,975 edges), 14.3 against 20.7 + 5.2 at the same load (10.5 against 10.6 + 3.5 on a quiet
machine, measured before the kernel took DiGraphs). igraph's (and the kernel's) numbers are turned
into networkx's with networkx's own arithmetic (the kernel's betweenness sums come in another
order: within ~2e-16 of networkx's; its closeness sums are integers: to the bit):

* betweenness: igraph counts the paths from each source (halved on an undirected graph); the sum
  is rescaled as :func:`networkx.betweenness_centrality` rescales (normalized, endpoints
  excluded). With ``k`` sources, they are drawn exactly as networkx draws them
  (``random.Random(seed).sample(list(G), k)``) and rescaled as networkx does, so the estimate is
  networkx's estimate.
* closeness: from igraph's ``1 / total distance`` the integer total distance is recovered, and
  the number of nodes that reach each node (the size of its component, or on a DiGraph from
  igraph's normalized value; the kernel counts both itself, per target); then networkx's own
  arithmetic (Wasserman-Faust, incoming distances on a DiGraph) gives the same bits.

igraph's work is split by source and by node over worker processes (``python -c`` running
:mod:`intelgraph.reports._igraph_worker`, the request in a temporary file; no ``multiprocessing``,
so a caller's script without a ``__main__`` guard is safe), so it uses every core while the main
process computes the communities, PageRank and the eigenvector centrality, then a smaller share
of its own (:data:`MAIN_SHARE`).

**Eigenvector centrality** (:func:`eigenvector`) is networkx's power iteration on A + I --
uniform start, L1 stopping rule ``< n * tol``, ``math.hypot`` norm -- with the products done by
SciPy: the same iterates up to rounding (~1e-16), 30x faster. Like networkx's, its values are
converged only to ``tol``: equal to networkx's, not closer to the true eigenvector.

**PageRank** stays :func:`networkx.pagerank` (already SciPy; 0.3 s for 50,000 edges).

**Sampling.** :class:`ShortestPaths` with ``betweenness_k`` / ``closeness_k`` estimates from a
seeded sample of nodes (the same nodes for both when the sizes match):

* betweenness: networkx's estimator; its standard error is estimated from 10 batches of the
  sampled sources (batch means), with the finite-population correction ``sqrt(1 - k/n)``.
* closeness: the sampled nodes are pivots (Eppstein and Wang, *Fast approximation of
  centrality*, 2004): for each node, the share of pivots that reach it estimates the share of all
  nodes that do, and their mean distance estimates its mean distance, giving
  ``reached**2 / (pivots * total distance)``; its standard error comes from the pivots' spread by
  the delta method, with the same correction. With every node as a pivot it is the exact value.
"""

from __future__ import annotations

import math
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import networkx as nx
import numpy as np

from intelgraph.reports import _brandes, _igraph_worker

__all__ = ["ENGINE", "BACKENDS", "available", "usable", "sample", "eigenvector", "ShortestPaths", "ShortestPathResult",
           "default_workers", "BATCHES"]

ENGINE = "igraph"
#: Exact betweenness and closeness of a simple graph in one search per source (Numba).
FUSED = "numba"
#: What :class:`ShortestPaths` can run on: the fast engines, and networkx (the reference).
BACKENDS = (ENGINE, FUSED, "networkx")

#: Batches of sampled sources behind the standard error of sampled betweenness.
BATCHES = 10

#: With worker processes, this process takes MAIN_SHARE / (workers + 1) of the nodes: it has the
#: communities and PageRank to compute meanwhile.
MAIN_SHARE = 0.5

#: Below this many (nodes x edges) the work stays in this process: a worker costs ~0.3 s to start.
PARALLEL_MIN_WORK = 100_000_000

#: The worker's command line (None: this Python running :func:`intelgraph.reports._igraph_worker.main`).
WORKER_COMMAND: list[str] | None = None

# relative cost per source (betweenness) or per node (closeness, pivots), measured with igraph
_COST = {"betweenness": 1.0, "closeness": 0.45, "closeness_directed": 0.9, "pivots": 0.5}


def available() -> str | None:
    """None when the fast engine can be used, else why not."""
    try:
        import igraph  # noqa: F401
    except ImportError as exc:
        return f"igraph is not installed ({exc})"
    return None


def fused_applies(G: nx.Graph, betweenness_k: int | None, closeness_k: int | None) -> bool:
    """Whether :data:`FUSED` can compute these measures of ``G``: exact ones, of a simple Graph or
    DiGraph."""
    return _brandes.available() and not G.is_multigraph() and betweenness_k is None and closeness_k is None


def usable(G: nx.Graph) -> bool:
    """Whether the fast paths apply to ``G``: a simple Graph or DiGraph of three nodes or more."""
    return not G.is_multigraph() and G.number_of_nodes() >= 3 and available() is None


def default_workers(G: nx.Graph) -> int:
    """Worker processes for ``G``: none for small graphs, else one per usable core (at least two,
    the main process computes the other measures meanwhile), at most eight."""
    if G.number_of_nodes() * G.number_of_edges() < PARALLEL_MIN_WORK:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(8, max(2, cores - 1))


def sample(G: nx.Graph, k: int, seed: int) -> list[Any]:
    """The ``k`` nodes networkx's ``betweenness_centrality(G, k=k, seed=seed)`` uses as sources."""
    return random.Random(seed).sample(list(G.nodes()), k)


# -- eigenvector ------------------------------------------------------------------------------
def eigenvector(G: nx.Graph, weight: str | None = "weight", max_iter: int = 100,
                tol: float = 1.0e-6) -> dict[Any, float]:
    """:func:`networkx.eigenvector_centrality` (default start), computed with SciPy.

    The same power iteration on A + I: ``x <- (x + A^T x) / ||x + A^T x||`` from ``1/n``, stopping
    when the L1 change is below ``n * tol``; raises :class:`networkx.PowerIterationFailedConvergence`
    after ``max_iter`` iterations, :class:`networkx.NetworkXPointlessConcept` on the null graph.

    >>> G = nx.karate_club_graph()
    >>> ours, theirs = eigenvector(G, weight="weight"), nx.eigenvector_centrality(G, weight="weight")
    >>> max(abs(ours[n] - theirs[n]) for n in G) < 1e-12
    True
    """
    n = G.number_of_nodes()
    if n == 0:
        raise nx.NetworkXPointlessConcept("cannot compute centrality for the null graph")
    if G.is_multigraph():
        return nx.eigenvector_centrality(G, max_iter=max_iter, tol=tol, weight=weight)
    nodes = list(G)
    # A[u, v] = weight of u -> v (1 when missing or weight=None), as networkx reads G[u][v]
    AT = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, format="csr").T.tocsr()
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        xlast = x
        x = xlast + AT @ xlast
        norm = math.hypot(*x.tolist()) or 1.0
        x = x / norm
        if float(np.abs(x - xlast).sum()) < n * tol:
            return dict(zip(nodes, x.tolist()))
    raise nx.PowerIterationFailedConvergence(max_iter)


# -- betweenness and closeness ------------------------------------------------------------------
@dataclass
class ShortestPathResult:
    """Betweenness and closeness as networkx gives them, and how they were computed."""

    betweenness: dict[Any, float]
    closeness: dict[Any, float]
    info: dict[str, Any] = field(default_factory=dict)
    betweenness_se: dict[Any, float] | None = None  # standard errors, when sampled
    closeness_se: dict[Any, float] | None = None


class ShortestPaths:
    """Betweenness and closeness of ``G``, computed in worker processes from construction on.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Simple, unweighted for these measures (see :func:`usable`).
    betweenness_k, closeness_k : int, optional
        Estimate from this many sampled nodes (fewer than the nodes of ``G``); None: exact.
    seed : int
        Seed of the sample (networkx's ``seed``).
    workers : int, optional
        Worker processes; 0 computes in this process (when :meth:`result` is called). Default
        :func:`default_workers`.
    backend : {"igraph", "numba", "networkx"}
        ``numba``: exact values, both measures from one search per source
        (:mod:`intelgraph.reports._brandes`), in threads (``workers`` of them). ``networkx``
        computes in this process with networkx (exact values are networkx's own).

    Examples
    --------
    >>> G = nx.florentine_families_graph()
    >>> res = ShortestPaths(G).result()
    >>> round(res.betweenness["Medici"], 3), round(res.closeness["Medici"], 3)
    (0.522, 0.56)
    """

    def __init__(self, G: nx.Graph, *, betweenness_k: int | None = None, closeness_k: int | None = None,
                 seed: int = 0, workers: int | None = None, backend: str = ENGINE):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        if backend == ENGINE and available():
            raise RuntimeError(available())
        if backend == FUSED and not fused_applies(G, betweenness_k, closeness_k):
            raise ValueError("the numba backend computes exact betweenness and closeness of a simple graph "
                             "(and needs Numba)")
        if G.is_multigraph() or G.number_of_nodes() < 3:
            raise ValueError("betweenness and closeness here need a simple Graph or DiGraph of three nodes or more")
        self.started = time.perf_counter()
        self.G, self.seed, self.backend = G, seed, backend
        self.nodes = list(G)
        self.n, self.directed = len(self.nodes), G.is_directed()
        index = {u: i for i, u in enumerate(self.nodes)}
        m = G.number_of_edges()
        self.edges = np.fromiter(chain.from_iterable((index[u], index[v]) for u, v in G.edges()),
                                 dtype=np.int32, count=2 * m).reshape(m, 2)
        for name, k in (("betweenness_k", betweenness_k), ("closeness_k", closeness_k)):
            if k is not None and not 0 < k < self.n:
                raise ValueError(f"{name} must be between 1 and {self.n - 1} (the nodes less one), not {k}")
        self.betweenness_k, self.closeness_k = betweenness_k, closeness_k
        self.workers = default_workers(G) if workers is None else max(0, int(workers))
        if backend == "networkx":
            self.workers = 0
        self.samples: dict[str, np.ndarray] = {}
        for name, k in (("betweenness", betweenness_k), ("closeness", closeness_k)):
            if k is not None:
                self.samples[name] = np.array([index[u] for u in sample(G, k, seed)], dtype=np.int64)
        self.tasks = [] if backend == FUSED else self._tasks()
        self.worker_cpu: list[float] = []
        self._pending = None
        self._fused: list[Any] = []
        if backend == FUSED:
            self._fused = self._start_fused()
        elif self.workers:
            self._pending = self._start()

    # -- planning -----------------------------------------------------------------------------
    def _tasks(self) -> list[tuple[str, Any, str, bool]]:
        """(kind, argument, what the result is for, done in this process) of every piece of work."""
        split = max(1, self.workers)
        out: list[tuple[str, Any, str, bool]] = []
        if self.backend == "networkx":  # exact values come straight from networkx in result()
            if self.betweenness_k is not None:
                batches = np.array_split(self.samples["betweenness"], min(BATCHES, self.betweenness_k))
                out += [("betweenness", b, f"betweenness batch {i}", True) for i, b in enumerate(batches)]
            if self.closeness_k is not None:
                out.append(("pivots", self.samples["closeness"], "closeness pivots", True))
            return out
        if self.betweenness_k is None:
            out += [("betweenness", p, "betweenness", here) for p, here in self._parts()]
        else:
            batches = np.array_split(self.samples["betweenness"], min(BATCHES, self.betweenness_k))
            out += [("betweenness", b, f"betweenness batch {i}", not self.workers) for i, b in enumerate(batches)]
        if self.closeness_k is None:
            out += [("closeness", p, "closeness", here) for p, here in self._parts()]
        else:
            out += [("pivots", p, "closeness pivots", not self.workers)
                    for p in np.array_split(self.samples["closeness"], split)]
        return out

    def _parts(self) -> list[tuple[Any, bool]]:
        """All nodes (None) for this process alone; with workers, one part per worker and a smaller
        last part for this process, which meanwhile computes the communities and PageRank."""
        if not self.workers:
            return [(None, True)]
        main = MAIN_SHARE / (self.workers + 1)
        cuts = np.rint(np.cumsum([(1 - main) / self.workers] * self.workers) * self.n).astype(np.int64)
        parts = np.split(np.arange(self.n), cuts.tolist())
        return [(p, i == self.workers) for i, p in enumerate(parts) if len(p)]

    def _cost(self, task: tuple[str, Any, str, bool]) -> float:
        kind, arg = task[:2]
        size = self.n if arg is None else len(arg)
        key = "closeness_directed" if kind == "closeness" and self.directed else kind
        return _COST[key] * size

    def _assign(self) -> list[list[int]]:
        """Worker tasks' indexes per worker, longest first to the least loaded (balanced)."""
        loads = [0.0] * self.workers
        plan: list[list[int]] = [[] for _ in range(self.workers)]
        mine = [i for i, t in enumerate(self.tasks) if not t[3]]
        for i in sorted(mine, key=lambda i: -self._cost(self.tasks[i])):
            w = loads.index(min(loads))
            plan[w].append(i)
            loads[w] += self._cost(self.tasks[i])
        return [p for p in plan if p]

    # -- running ------------------------------------------------------------------------------
    def _start(self):
        plan = self._assign()
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        cmd = list(WORKER_COMMAND or [sys.executable, "-c",
                                      "from intelgraph.reports._igraph_worker import main; main()"])
        procs = []
        for indexes in plan:
            # the request goes through a file, written now: a pipe would need this process's threads,
            # and its main thread holds the interpreter for seconds inside igraph
            fd, path = tempfile.mkstemp(prefix="intelgraph-igraph-", suffix=".pickle")
            with os.fdopen(fd, "wb") as fh:
                request = {"n": self.n, "edges": self.edges, "directed": self.directed,
                           "tasks": [self.tasks[i][:2] for i in indexes]}
                pickle.dump(request, fh, protocol=pickle.HIGHEST_PROTOCOL)
            proc = subprocess.Popen([*cmd, path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=env)
            procs.append((indexes, proc, path))

        def wait(job) -> tuple[list[int], list[Any] | str]:
            indexes, proc, path = job
            try:
                stdout, stderr = proc.communicate()
            finally:
                os.unlink(path)
            if proc.returncode != 0:
                return indexes, stderr.decode("utf-8", "replace")[-2000:]
            reply = pickle.loads(stdout)
            self.worker_cpu.append(round(reply["cpu_seconds"], 3))
            return indexes, reply["results"]

        pool = ThreadPoolExecutor(max_workers=max(1, len(procs)), thread_name_prefix="intelgraph-igraph")
        futures = [pool.submit(wait, job) for job in procs]
        pool.shutdown(wait=False)
        return futures

    def _start_fused(self) -> list[Any]:
        """The sources in ``workers`` parts, each searched in a thread from now on (none: in
        :meth:`result`)."""
        arrays = _brandes.adjacency(self.n, self.edges, self.directed)
        parts = np.array_split(np.arange(self.n, dtype=np.int64), max(1, self.workers))
        jobs = [(arrays, p, self.n) for p in parts]
        if not self.workers:
            return jobs
        pool = ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="intelgraph-brandes")
        futures = [pool.submit(_timed_sums, *job) for job in jobs]
        pool.shutdown(wait=False)
        return futures

    def _fused_results(self) -> dict[str, list[Any]]:
        outs = [job.result() if isinstance(job, Future) else _timed_sums(*job) for job in self._fused]
        if self.workers:
            self.worker_cpu = [round(cpu, 3) for _, cpu in outs]
        # each thread's partial sums, added; betweenness halved on an undirected graph: igraph's
        # count (each unordered pair once), which result() converts
        between = np.sum([o[0][0] for o in outs], axis=0) / (1 if self.directed else 2)
        total = np.sum([o[0][1] for o in outs], axis=0).astype(float)
        reached = np.sum([o[0][2] for o in outs], axis=0).astype(float)
        with np.errstate(divide="ignore"):
            inv_total = np.where(total > 0, 1.0 / total, np.nan)
        return {"betweenness": [between], "closeness": [(inv_total, reached)]}

    def _results(self) -> tuple[list[Any], list[str]]:
        results: list[Any] = [None] * len(self.tasks)
        errors: list[str] = []
        here = [i for i, t in enumerate(self.tasks) if t[3]]
        if not here:
            done: list[Any] = []
        elif self.backend == "networkx":
            done = _networkx_run(self.G, self.nodes, [self.tasks[i][:2] for i in here])
        else:
            done = _igraph_worker.run(self.n, self.edges, self.directed, [self.tasks[i][:2] for i in here])
        for i, r in zip(here, done):
            results[i] = r
        for fut in self._pending or []:
            indexes, out = fut.result()
            if isinstance(out, str):  # the worker failed: do its share here
                errors.append(out)
                out = _igraph_worker.run(self.n, self.edges, self.directed, [self.tasks[i][:2] for i in indexes])
            for i, r in zip(indexes, out):
                results[i] = r
        return results, errors

    def result(self) -> ShortestPathResult:
        """Wait for the workers and return networkx's values (and standard errors if sampled)."""
        n, nodes = self.n, self.nodes
        if self.backend == FUSED:
            by, errors = self._fused_results(), []
        else:
            results, errors = self._results()
            by = {}
            for (kind, _, purpose, _), r in zip(self.tasks, results):
                by.setdefault(purpose.split(" batch")[0] if kind == "betweenness" else purpose, []).append(r)
        info: dict[str, Any] = {"backend": self.backend, "version": _version(self.backend), "workers": self.workers,
                                "seconds": None, "worker_errors": errors}
        out = ShortestPathResult({}, {}, info)
        # betweenness: igraph (and networkx's subset betweenness) count each unordered pair once
        # on an undirected graph, networkx's betweenness_centrality each ordered pair
        factor = 1.0 if self.directed else 2.0
        if self.betweenness_k is None and self.backend == "networkx":
            out.betweenness = nx.betweenness_centrality(self.G)
            info["betweenness"] = {"exact": True}
        elif self.betweenness_k is None:
            acc = np.sum(by["betweenness"], axis=0) * factor
            if n - 1 >= 2:
                acc = acc * (1 / ((n - 1) * (n - 2)))
            out.betweenness = dict(zip(nodes, acc.tolist()))
            info["betweenness"] = {"exact": True}
        else:
            k = self.betweenness_k
            batches = [b * factor for b in by["betweenness"]]
            scale = sampled_scale(n, k, self.samples["betweenness"])
            est = np.sum(batches, axis=0) * scale
            sizes = [len(b) for b in np.array_split(self.samples["betweenness"], len(batches))]
            se = _batch_se([b * (k / s) * scale for b, s in zip(batches, sizes)], k, n)
            out.betweenness = dict(zip(nodes, est.tolist()))
            out.betweenness_se = dict(zip(nodes, se.tolist()))
            info["betweenness"] = {"exact": False, "k": k, "seed": self.seed, "batches": len(batches),
                                   "standard_error": _summary(se, est)}
        # closeness
        if self.closeness_k is None and self.backend == "networkx":
            out.closeness = nx.closeness_centrality(self.G)
            info["closeness"] = {"exact": True}
        elif self.closeness_k is None:
            inv_total = np.concatenate([r[0] for r in by["closeness"]])
            others = np.concatenate([r[1] for r in by["closeness"]])
            with np.errstate(divide="ignore", invalid="ignore"):
                total = np.where(inv_total > 0, np.rint(1.0 / inv_total), 0.0)
                value = np.where((total > 0) & (others > 0), (others / total) * (others / (n - 1)), 0.0)
            out.closeness = dict(zip(nodes, value.tolist()))
            info["closeness"] = {"exact": True}
        else:
            reached = np.sum([r[0] for r in by["closeness pivots"]], axis=0)
            total = np.sum([r[1] for r in by["closeness pivots"]], axis=0)
            squares = np.sum([r[2] for r in by["closeness pivots"]], axis=0)
            k = self.closeness_k
            pivots_at = np.full(n, float(k))
            pivots_at[self.samples["closeness"]] -= 1  # a pivot is not its own pivot
            est, se = _pivot_estimate(reached, total, squares, pivots_at, n)
            out.closeness = dict(zip(nodes, est.tolist()))
            out.closeness_se = dict(zip(nodes, se.tolist()))
            info["closeness"] = {"exact": False, "k": k, "seed": self.seed, "method": "pivots (Eppstein-Wang)",
                                 "standard_error": _summary(se, est)}
        info["seconds"] = round(time.perf_counter() - self.started, 3)
        info["worker_cpu_seconds"] = self.worker_cpu
        return out


def sampled_scale(n: int, k: int, sources: np.ndarray) -> np.ndarray:
    """Per node, what networkx multiplies a betweenness sum over ``k`` sampled ``sources`` by
    (normalized, endpoints excluded; a source is not its own source)."""
    N = n - 1
    scale = np.full(n, 1 / (k * (N - 1)))
    scale[sources] = 1 / ((k - 1) * (N - 1)) if k > 1 else math.nan
    return scale


def _timed_sums(arrays: tuple[np.ndarray, ...], sources: np.ndarray, n: int) -> tuple[Any, float]:
    t = time.thread_time()
    out = _brandes.sources_sums(*arrays, sources, n)
    return out, time.thread_time() - t


def _networkx_run(G: nx.Graph, nodes: list[Any], tasks: list[tuple[str, Any]]) -> list[Any]:
    """The sampled tasks of :mod:`~intelgraph.reports._igraph_worker`, done by networkx."""
    out: list[Any] = []
    for kind, arg in tasks:
        if kind == "betweenness":  # sum over the sources of their dependencies, halved if undirected
            raw = nx.betweenness_centrality_subset(G, [nodes[i] for i in arg], nodes, normalized=False)
            out.append(np.array([raw[u] for u in nodes], dtype=float))
        elif kind == "pivots":
            index = {u: i for i, u in enumerate(nodes)}
            reached, total, squares = np.zeros(len(nodes)), np.zeros(len(nodes)), np.zeros(len(nodes))
            for p in arg:
                lengths = nx.single_source_shortest_path_length(G, nodes[p])
                lengths.pop(nodes[p])
                at = np.fromiter((index[u] for u in lengths), dtype=np.int64, count=len(lengths))
                d = np.fromiter(lengths.values(), dtype=float, count=len(lengths))
                reached[at] += 1
                total[at] += d
                squares[at] += d * d
            out.append((reached, total, squares))
        else:  # pragma: no cover - exact closeness comes from networkx directly
            raise ValueError(f"no networkx task {kind!r}")
    return out


def _batch_se(estimates: list[np.ndarray], k: int, n: int) -> np.ndarray:
    """Standard error of the mean of batch estimates, with the finite-population correction."""
    b = len(estimates)
    if b < 2:
        return np.full(n, math.nan)
    spread = np.std(np.vstack(estimates), axis=0, ddof=1)
    return spread / math.sqrt(b) * math.sqrt(max(0.0, 1 - k / n))


def _pivot_estimate(reached: np.ndarray, total: np.ndarray, squares: np.ndarray, pivots: np.ndarray,
                    n: int) -> tuple[np.ndarray, np.ndarray]:
    """Closeness from pivots, and its standard error by the delta method (see the module doc)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = reached / pivots          # mean of the reach indicator
        mean_d = total / pivots            # mean distance, 0 for a pivot that does not reach
        est = np.where(total > 0, share * share / mean_d, 0.0)
        var_i = share * (1 - share)
        var_d = squares / pivots - mean_d ** 2
        cov = mean_d * (1 - share)         # I * D = D
        g_i, g_d = 2 * share / mean_d, -(share * share) / (mean_d ** 2)
        var = (g_i ** 2 * var_i + 2 * g_i * g_d * cov + g_d ** 2 * var_d) / np.maximum(pivots - 1, 1)
        fpc = np.clip(1 - pivots / (n - 1), 0.0, 1.0)
        se = np.where(total > 0, np.sqrt(np.clip(var, 0.0, None) * fpc), 0.0)
    return est, se


def _summary(se: np.ndarray, est: np.ndarray) -> dict[str, float]:
    """Median and largest standard error, and the error at the node with the largest estimate."""
    finite = se[np.isfinite(se)]
    if not len(finite):
        return {"median": math.nan, "max": math.nan, "at_top": math.nan, "top_value": math.nan}
    top = int(np.nanargmax(est))
    return {"median": float(np.median(finite)), "max": float(finite.max()), "at_top": float(se[top]),
            "top_value": float(est[top])}


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "not installed"
