"""Whole-command benchmarks: each row times an ``intelgraph`` process as a user types it (issue 11,
point 6) — not a function inside one process.

    python benchmarks/bench_commands.py                     # 1M relationships, 3 runs a row (tens of minutes)
    python benchmarks/bench_commands.py --relationships 100000 --runs 3
    python benchmarks/bench_commands.py --json rows.json    # also the rows as JSON (run.py --commands)

Every command runs in a child process (``subprocess``; the ``intelgraph`` script beside this
Python) with ``INTELGRAPH_TIMINGS=1``, so it prints where its time went (:mod:`intelgraph.timings`:
Python's start and the imports, opening the store — starting the server when none runs —, reading,
writing, the report's projection and measures, exit). Per row: the median wall clock of the runs
with their min-max, the client's peak RSS (``VmHWM`` of the ``intelgraph`` process, polled), the
embedded server's peak RSS (``VmHWM`` from ``/proc``, counted apart: the server is a separate
process, started by ``db start`` or by the command itself), the load average when the row ended,
and the median run's breakdown.

Rows: ``load`` of ``generate --relationships N --seed 1`` into an empty graph with the server
running (warm); the reload of the same files, which must write nothing (the graph's checksum,
read from the graph, is the same before and after); ``load`` with no server running and an empty
data folder (cold: the command starts the server and stops it); ``query run`` of each benchmark
query; ``report centrality --projection actors`` on three 10,000-node / ~50,000-edge graphs loaded
as neo4j-admin CSV (Person nodes, ASSOCIATED_WITH ties; the projection is a DiGraph with each tie
as two arcs): Barabási–Albert ``barabasi_albert_graph(10000, 5, seed=1)``, powerlaw-cluster
``powerlaw_cluster_graph(10000, 5, 0.3, seed=1)``, and a graph of strong community structure,
``planted_partition_graph(100, 100, 0.09, 0.0001, seed=1)`` (100 groups of 100 nodes, ~45,000
ties inside groups and ~5,000 between).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"load": 10.0, "reload": 10.0, "cold": 12.0, "report": 6.0}  # seconds, whole process
CLIENT_MAX_MIB = 500.0
QUERIES = {  # the benchmark queries, with parameters found in the generated graph (see _query_params)
    "shipment-route": None, "connections": None, "search": None, "network": None}
GRAPHS = {
    "barabasi-albert": lambda nx, n: nx.barabasi_albert_graph(n, 5, seed=1),
    "powerlaw-cluster": lambda nx, n: nx.powerlaw_cluster_graph(n, 5, 0.3, seed=1),
    "planted-partition": lambda nx, n: nx.planted_partition_graph(n // 100, 100, 0.09, 0.0001 * 10_000 / n, seed=1),
}


def intelgraph() -> str:
    """The ``intelgraph`` script of this Python's environment (as a user would type it)."""
    here = Path(sys.executable).parent / "intelgraph"
    return str(here) if here.exists() else shutil.which("intelgraph") or "intelgraph"


def _server_pid(db: Path) -> int | None:
    try:
        return int(json.loads((db / "server.json").read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _hwm_mib(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_once(args: list[str], db: Path, env: dict[str, str] | None = None) -> dict:
    """One ``intelgraph --db DB ARGS`` process: wall seconds, the client's peak RSS and the
    server's (``VmHWM``, polled while the command runs: a cold command starts and stops its own
    server, and ``wait4``'s ``ru_maxrss`` counts this process's own memory, copied by the fork
    before the exec), and its timings line."""
    env = {**os.environ, **(env or {}), "INTELGRAPH_TIMINGS": "1"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([intelgraph(), "--db", str(db), *args], env=env, stdout=out, stderr=err, text=True)
        server_mib: float | None = None
        client_mib = 0.0
        while True:
            client_mib = max(client_mib, _hwm_mib(proc.pid) or 0.0)  # the exec'd command's own peak so far
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            mib = _hwm_mib(_server_pid(db))
            if mib is not None:
                server_mib = max(server_mib or 0.0, mib)
            if pid:
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode:
        raise RuntimeError(f"intelgraph {' '.join(args)} failed ({proc.returncode}): {stderr[-2000:]}")
    timings = [ln for ln in stderr.splitlines() if ln.startswith("timings: ")]
    return {"wall_s": wall, "client_mib": client_mib, "server_mib": server_mib,
            "cpu_s": usage.ru_utime + usage.ru_stime, "timings": timings[-1][9:] if timings else "",
            "stdout": stdout}


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def row(step: str, runs: list[dict], target_s: float | None, note: str = "") -> dict:
    """The median run of ``runs`` (its breakdown), the spread, and the targets judged."""
    walls = [r["wall_s"] for r in runs]
    median = sorted(runs, key=lambda r: r["wall_s"])[(len(runs) - 1) // 2]
    client = max(r["client_mib"] for r in runs)
    servers = [r["server_mib"] for r in runs if r["server_mib"] is not None]
    checks = ([(f"<= {target_s:g} s", statistics.median(walls) <= target_s)] if target_s is not None else []) + \
        [(f"client < {CLIENT_MAX_MIB:g} MiB", client < CLIENT_MAX_MIB)]
    return {"step": step, "median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls),
            "runs": len(runs), "client_mib": client, "server_mib": max(servers) if servers else None,
            "client_cpu_s": median["cpu_s"], "load_average": _load(), "breakdown": median["timings"],
            "target": "; ".join(t for t, _ in checks), "met": all(ok for _, ok in checks), "note": note}


def _checksum(db: Path, graph: str) -> tuple[tuple[int, int], str]:
    """Counts and checksum read from the graph itself (the running server)."""
    from intelgraph import Graph

    with Graph.open(db=str(db), graph=graph, timeout=3600) as g:  # a 1M graph's checksum reads it all
        return g.store.counts(), g.store.checksum()


def _counts(db: Path, graph: str) -> tuple[int, int]:
    """Nodes and relationships, read from the graph itself (the running server)."""
    from intelgraph import Graph

    with Graph.open(db=str(db), graph=graph) as g:
        return g.store.counts()


def _write_graph_csv(G, folder: Path) -> list[Path]:
    """``G`` as neo4j-admin CSV: Person nodes ``p<n>`` and ASSOCIATED_WITH ties."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes, ties = folder / "persons.csv", folder / "ties.csv"
    with open(nodes, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name:ID(Person)", ":LABEL"])
        w.writerows([f"p{n}", "Person"] for n in G)
    with open(ties, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([":START_ID(Person)", ":END_ID(Person)", ":TYPE"])
        w.writerows([f"p{a}", f"p{b}", "ASSOCIATED_WITH"] for a, b in G.edges())
    return [nodes, ties]


def _query_params(db: Path, graph: str) -> dict[str, list[str]]:
    """``-p`` arguments for each benchmark query, from the loaded graph (as bench_queries picks)."""
    from intelgraph import Graph

    with Graph.open(db=str(db), graph=graph) as g:
        ship = g.cypher("MATCH (s:Shipment) RETURN s.name AS n ORDER BY s.id LIMIT 1")[0]["n"]
        people = [r["n"] for r in g.cypher("MATCH (a:Person) RETURN a.name AS n ORDER BY a.id LIMIT 2")]
        hub = g.cypher("MATCH (a:Actor)-[r:ASSOCIATED_WITH|MEMBER_OF|SUPPORTS|ALLIED_WITH]-() "
                       "RETURN a.name AS n, count(r) AS d ORDER BY d DESC, a.name LIMIT 1")[0]["n"]
    return {"shipment-route": ["-p", "shipment", ship],
            "connections": ["-p", "from", people[0], "-p", "to", people[1]],
            "search": ["-p", "text", people[0].split()[-1][:4]],
            "network": ["-p", "entity", hub, "-p", "hops", "2"]}


def bench(relationships: int, runs: int, nodes: int, work: Path, say=print) -> list[dict]:
    """Every row, in a fresh data folder under ``work``."""
    import networkx as nx

    from intelgraph.loaders.generate import generate, iter_files

    data = work / "generated"
    generate(data, relationships, seed=1)
    files = [str(p) for p in iter_files(data)]
    rows: list[dict] = []
    db = work / "db"
    subprocess.run([intelgraph(), "--db", str(db), "db", "start"], check=True, capture_output=True)
    try:
        loads, reloads = [], []
        for i in range(runs):
            graph = f"load{i}"
            loads.append(run_once(["--graph", graph, "load", *files], db))
            # the harness's own proof that the reload changes nothing, around the first run's
            # reload (a 1M graph's checksum takes minutes; the counts are compared every time)
            before = _checksum(db, graph) if i == 0 else _counts(db, graph)
            reloads.append(run_once(["--graph", graph, "load", *files], db))
            after = _checksum(db, graph) if i == 0 else _counts(db, graph)
            if before != after:
                raise RuntimeError(f"the reload changed the graph: {before} -> {after}")
            if i == 0:
                checked = before
        rows.append(row(f"load {relationships:,} rels, server running, empty graph", loads, TARGETS["load"]))
        say(rows[-1])
        rows.append(row("reload, nothing changes (checksum read from the graph: same)", reloads, TARGETS["reload"],
                        note=f"{checked[0][0]:,} nodes, {checked[0][1]:,} relationships"))
        say(rows[-1])
        params = _query_params(db, "load0")
        for name, p in params.items():
            rows.append(row(f"query run {name}", [run_once(["--graph", "load0", "query", "run", name, *p], db)
                                                  for _ in range(runs)], None))
            say(rows[-1])
        for name, make in GRAPHS.items():
            G = make(nx, nodes)
            csvs = _write_graph_csv(G, work / name)
            run_once(["--graph", name, "load", *map(str, csvs), "--source", "benchmark", "-q"], db)
            reports = [run_once(["--graph", name, "report", "centrality", "--projection", "actors",
                                 "--out", str(work / f"report-{name}-{i}")], db) for i in range(runs)]
            for i in range(runs):
                missing = [f for f in ("centrality.csv", "report.md", "report.html", "network.png", "provenance.json")
                           if not (work / f"report-{name}-{i}" / f).exists()]
                if missing:
                    raise RuntimeError(f"report on {name} did not write {missing}")
            rows.append(row(f"report centrality --projection actors: {name} ({G.number_of_nodes():,} nodes, "
                            f"{G.number_of_edges():,} edges)", reports, TARGETS["report"]))
            say(rows[-1])
    finally:
        subprocess.run([intelgraph(), "--db", str(db), "db", "stop"], capture_output=True)
    colds = []
    for i in range(runs):
        cold_db = work / f"cold{i}"  # an empty data folder, no server running
        colds.append(run_once(["load", *files], cold_db))
    rows.insert(2, row("load, no server running, empty data folder (cold)", colds, TARGETS["cold"]))
    say(rows[2])
    return rows


COLUMNS = ["command", "median", "runs (min-max)", "client MiB", "server MiB", "load average", "target", "met",
           "breakdown (median run)"]


def table(rows: list[dict]) -> str:
    """A Markdown table of the rows."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for r in rows:
        cells = [r["step"], f"{r['median_s']:.2f} s", f"{r['runs']} ({r['min_s']:.2f}-{r['max_s']:.2f} s)",
                 f"{r['client_mib']:,.0f}", "" if r["server_mib"] is None else f"{r['server_mib']:,.0f}",
                 r["load_average"], r["target"], "yes" if r["met"] else "no",
                 r["breakdown"] + (f"; {r['note']}" if r["note"] else "")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--relationships", type=int, default=1_000_000, help="generate this many (default 1,000,000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per row (default 3; the median is shown)")
    ap.add_argument("--nodes", type=int, default=10_000, help="nodes of each report graph (default 10,000)")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="intelgraph-bench-commands-") as tmp:
        rows = bench(args.relationships, args.runs, args.nodes, Path(tmp),
                     say=lambda r: print(f"{r['step']}: {r['median_s']:.2f} s (load {r['load_average']})", flush=True))
    print()
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
