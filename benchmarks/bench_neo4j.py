"""Neo4j measured, by whole `intelgraph` commands: the sample and generated relationships loaded
through the driver (UNWIND batches), the same through `neo4j-admin database import`, and the
saved-query latencies of bench_queries on the loaded graph; with client and server memory.

    python benchmarks/bench_neo4j.py                  # 100k relationships, 3 runs each
    python benchmarks/bench_neo4j.py --sizes 10000 --repeat 2 --json out.json
    python benchmarks/bench_neo4j.py --sizes 1000000 --repeat 1 --driver-repeat 0   # neo4j-admin only

Needs a running Neo4j from tools/neo4j-local.sh: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD in the
environment (`set -a; . .neo4j-local/env; set +a`) and NEO4J_LOCAL_DIR (default .neo4j-local/)
for its pid; the neo4j-admin path uses a second home of the script under a temporary folder
(its own server, started once, stopped at the end). Its database is WIPED.

* ``driver load``: `intelgraph --engine neo4j load -q FILES` into the emptied database (the
  schema's constraints and indexes made by the load itself), end to end: Python starting,
  files parsed and validated, written in UNWIND batches of 1,000 through managed transactions.
* ``neo4j-admin``: the same files loaded into the embedded engine once and written by `intelgraph
  export neo4j-admin` (timed), then its import.sh (neo4j-admin through `tools/neo4j-local.sh
  admin`, the server stopped), then, the server started again, `intelgraph db finish-import`
  (constraints, indexes, empty lists); the row's time is import + finish-import.
* ``queries``: bench_queries' four saved queries, ``--runs`` times each, in one process through
  ``run_saved`` (as the CLI runs them): median and p95; on the graph the driver loaded, or, with
  ``--driver-repeat 0``, on the graph neo4j-admin imported (after finish-import).
* memory: ``client MiB`` is the command's peak resident set (``ru_maxrss``); ``server MiB`` the
  Neo4j JVM's peak resident set so far (``VmHWM``; heap 1 GB, page cache 256 MB by default).

Each load runs ``--repeat`` times (the driver load ``--driver-repeat`` times); the table shows
the median and the spread (min-max), and every row the machine's load average (1/5/15 min)
when the step ended.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCRIPT = REPO / "tools" / "neo4j-local.sh"
INTELGRAPH = str(Path(sys.executable).parent / "intelgraph")
SEED = 1


def _run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Run a whole command; (seconds, its peak resident MiB). Fails loudly on a non-zero exit."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "dt = time.perf_counter() - t; sys.stderr.write(r.stderr[-2000:] if r.returncode else ''); "
               "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); sys.exit(r.returncode)")
    res = subprocess.run([sys.executable, "-c", wrapper, *args], env=env, cwd=cwd, capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(f"{' '.join(args[:5])} ... failed: {res.stderr[-2000:]}")
    seconds, mib = res.stdout.split()
    return float(seconds), float(mib)


def _server_mib(home: Path) -> float | None:
    try:
        pid = (home / "run" / "neo4j.pid").read_text().strip()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _summary(name: str, size: int, runs: list[tuple[float, float]], server: float | None, rels: int) -> dict:
    secs = [s for s, _ in runs]
    med = statistics.median(secs)
    return {"step": name, "size": size, "runs_s": secs, "median_s": med, "min_s": min(secs), "max_s": max(secs),
            "rels_per_s": rels / med if rels else None, "client_mib": max(m for _, m in runs), "server_mib": server,
            "load_avg": _load_avg()}


def _load_avg() -> str:
    """The machine's 1, 5 and 15 minute load averages when a step ends (2 cores, shared)."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _queries(store, home: Path, size: int, runs: int, graph: str) -> list[dict]:
    """bench_queries' saved-query latencies on the graph in ``store`` (loaded by ``graph``)."""
    sys.path.insert(0, str(HERE))
    from bench_queries import measure

    out = []
    for q in measure(store, runs=runs):
        q.update({"step": f"query: {q.get('query', q.get('name'))}", "size": size, "graph": graph,
                  "server_mib": _server_mib(home), "load_avg": _load_avg()})
        out.append(q)
        _print([q])
    return out


def _env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each neo4j-admin import (0: none)")
    ap.add_argument("--driver-repeat", type=int, metavar="N",
                    help="runs of the driver load of a generated size (default --repeat; 0: none, and the "
                         "queries run on the graph neo4j-admin imported)")
    ap.add_argument("--runs", type=int, default=30, help="runs of each saved query")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    driver_repeat = args.repeat if args.driver_repeat is None else args.driver_repeat
    for key in ("NEO4J_URI", "NEO4J_PASSWORD"):
        if not os.environ.get(key):
            ap.error(f"{key} is not set: start tools/neo4j-local.sh and export .neo4j-local/env")
    home = Path(os.environ.get("NEO4J_LOCAL_DIR") or REPO / ".neo4j-local")
    env = {**os.environ, "INTELGRAPH_ENGINE": "neo4j"}
    from intelgraph.cypher.neo4j_store import Neo4jStore

    def connect(settings: dict[str, str]) -> Neo4jStore:
        return Neo4jStore(settings["NEO4J_URI"], settings.get("NEO4J_USER", "neo4j"), settings["NEO4J_PASSWORD"],
                          timeout=600)

    store = connect(dict(os.environ))
    rows: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="intelgraph-bench-neo4j-"))
    second = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_USER"))}
    second["NEO4J_LOCAL_DIR"] = str(work / "neo4j-home")
    try:
        if driver_repeat:
            runs = []
            for _ in range(driver_repeat):
                store.clear()
                runs.append(_run([INTELGRAPH, "load", "-q", "--sample"], env))
            rows.append(_summary("driver load: sample", 330, runs, _server_mib(home), 330))
            _print(rows[-1:])

        if args.repeat:  # the second home, made once
            subprocess.run(["bash", str(SCRIPT), "start"], env=second, check=True, capture_output=True)
            subprocess.run(["bash", str(SCRIPT), "stop"], env=second, check=True, capture_output=True)
        bin_dir = work / "bin"
        bin_dir.mkdir()
        (bin_dir / "neo4j-admin").write_text(f'#!/bin/sh\nexec bash "{SCRIPT}" admin "$@"\n')
        (bin_dir / "neo4j-admin").chmod(0o755)
        admin_env = {**second, "PATH": f"{bin_dir}{os.pathsep}{second['PATH']}"}

        for size in args.sizes:
            gen = work / f"gen-{size}"
            info = subprocess.run([INTELGRAPH, "generate", str(gen), "-n", str(size), "--seed", str(SEED)],
                                  env=env, check=True, capture_output=True, text=True).stdout
            files = sorted(str(p) for p in gen.glob("*.csv"))
            rels = None
            if driver_repeat:
                runs = []
                for _ in range(driver_repeat):
                    store.clear()
                    runs.append(_run([INTELGRAPH, "load", "-q", *files], env))
                rels = store.counts()[1]
                rows.append(_summary("driver load: generated", rels, runs, _server_mib(home), rels))
                rows[-1]["generated"] = info.strip().splitlines()[0]
                _print(rows[-1:])
                rows += _queries(store, home, rels, args.runs, "driver")

            if not args.repeat:  # the driver path only
                continue
            falkor = {**{k: v for k, v in env.items() if k != "INTELGRAPH_ENGINE"},
                      "INTELGRAPH_DB": str(work / f"falkordb-{size}")}
            subprocess.run([INTELGRAPH, "load", "-q", *files], env=falkor, check=True, capture_output=True)
            export = work / f"export-{size}"
            t_export = _run([INTELGRAPH, "export", "neo4j-admin", str(export), "--import-dir", str(export)], falkor)
            rows.append(_summary("export neo4j-admin (from the embedded engine)", rels or size, [t_export], None,
                                 rels or 0))
            _print(rows[-1:])
            runs = []
            for i in range(args.repeat):
                t_import = _run(["sh", str(export / "import.sh")], admin_env, cwd=work)
                subprocess.run(["bash", str(SCRIPT), "start"], env=second, check=True, capture_output=True)
                env2 = _env_file(work / "neo4j-home" / "env")
                t_finish = _run([INTELGRAPH, "db", "finish-import"], {**second, "INTELGRAPH_ENGINE": "neo4j", **env2})
                imported = connect(env2)
                try:
                    rels = imported.counts()[1]
                    if not driver_repeat and i == args.repeat - 1:  # the queries on the imported graph
                        rows += _queries(imported, work / "neo4j-home", rels, args.runs, "neo4j-admin")
                finally:
                    imported.close()
                server = _server_mib(work / "neo4j-home")
                subprocess.run(["bash", str(SCRIPT), "stop"], env=second, check=True, capture_output=True)
                runs.append((t_import[0] + t_finish[0], max(t_import[1], t_finish[1])))
                rows.append({"step": f"neo4j-admin run {i + 1}", "size": rels, "import_s": t_import[0],
                             "finish_import_s": t_finish[0], "load_avg": _load_avg()})
                _print(rows[-1:])
            rows.append(_summary("neo4j-admin import + finish-import", rels, runs, server, rels))
            _print(rows[-1:])
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=second, capture_output=True)
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


def _print(rows: list[dict]) -> None:
    for r in rows:
        if "median_s" in r and "runs_s" in r:
            spread = f"{r['min_s']:.1f}-{r['max_s']:.1f}" if len(r["runs_s"]) > 1 else "-"
            rate = f"{r['rels_per_s']:,.0f} rels/s" if r.get("rels_per_s") else ""
            print(f"{r['size']:>9,} {r['step']:<48} {r['median_s']:8.1f} s (spread {spread}) {rate:>16} "
                  f"client {r['client_mib']:6.0f} MiB  server {r['server_mib'] or 0:6.0f} MiB  "
                  f"load {r['load_avg']}", flush=True)
        else:
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    sys.exit(main())
