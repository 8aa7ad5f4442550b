"""Loading neo4j-admin CSV into the embedded engine: the fast paths against one MERGE per row.

    python benchmarks/bench_load.py                      # 10k, 100k and 1M relationships
    python benchmarks/bench_load.py --sizes 10000 100000 # smaller
    python benchmarks/bench_load.py --json out.json      # the rows also to out.json (--json alone: printed)

For each size the generator's files (``intelgraph.loaders.generate``, seed 1; cached under
``--cache``) are loaded by the command's own code path, ``intelgraph.api.load_paths``, into an
empty graph of a private embedded FalkorDB, each measurement in a child process of its own (so
its peak memory, ``ru_maxrss``, is the load's alone):

* ``merge``    — the idempotent path (``--no-fresh``) into an empty graph;
* ``reload``   — the same files again, onto that graph: nothing changes (counts and checksum
  are compared);
* ``fresh``    — the fresh-graph path (``--fresh``, ``CREATE``) into another empty graph.

Each path runs ``--repeat`` times (3) per size; the table shows the median run (peak memory: the
highest of the runs) and the JSON holds every run's seconds. Seconds are end to end: files
parsed and validated, then written (the two phases are also shown apart; on the ``early`` path
into an empty graph — :mod:`intelgraph.loaders.early` — the nodes are written while the files are
read, so ``read s`` holds that and ``write s`` is what follows the reading: relationships, then
the rename). ``client cpu`` and ``server cpu`` are the CPU seconds the loading process (all its
threads) and the embedded server (from ``/proc``) spent on the load: with the server's writes to
one graph on one thread, a load can take no less than the server's share, nor, on two cores,
less than half the sum. Each load into an emptied graph starts once the server has finished
freeing the graph it held (which FalkorDB does in the background). The baseline is the classic
writer with one ``MERGE`` per row (``batch_size=1``), on a
generated sample of about 5,000 rows, measured in the same run; ``x baseline`` is a path's rows
per second over the baseline's. Targets (issue: loading): 1M relationships in at most 12 s on the
idempotent path and at least 25x the baseline, a reload no slower; the fresh path at least
250,000 relationships/s; under 500 MB of client memory at 1M.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 1
BASELINE_RELS = 3700  # a generated sample of about 5,000 rows (nodes and relationships)


def _server_cpu_s(server) -> float | None:
    """CPU seconds (user + system) the embedded server's process has used so far; None off Linux."""
    try:
        pid = int((server.state() or {})["pid"])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (KeyError, ValueError, OSError):
        return None


def _server_idle(server, quiet_s: float = 0.2, most_s: float = 60.0) -> None:
    """Wait until the server has used (almost) no CPU for ``quiet_s``: FalkorDB frees a deleted
    graph in the background (GRAPH.DELETE of a 1M-relationship graph returns in 2 ms, then
    takes ~1.3 s of server CPU), which would otherwise be counted in the next load."""
    deadline = time.monotonic() + most_s
    before = _server_cpu_s(server)
    while before is not None and time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = _server_cpu_s(server)
        if now is None or now - before <= 0.02:
            return
        before = now


def _child(spec: dict) -> dict:
    """One measurement, in this (child) process."""
    import resource

    from intelgraph.api import load_paths
    from intelgraph.cypher.falkordb.server import EmbeddedServer
    from intelgraph.cypher.falkordb.store import FalkorStore
    from intelgraph.loaders.generate import iter_files

    files = list(iter_files(spec["files"]))
    store = FalkorStore(EmbeddedServer(spec["db"]), graph=spec["graph"], timeout=600)
    try:
        out: dict = {}
        if spec["what"] == "baseline":
            from intelgraph.loaders.csv_admin import read_csv_files
            from intelgraph.loaders.plan import write_plan

            store.clear()
            _server_idle(store.server)
            plan = read_csv_files(files)
            t = time.perf_counter()
            write_plan(store, plan, batch_size=1)  # one MERGE statement per row
            out["write_s"] = time.perf_counter() - t
            out["seconds"] = out["write_s"]
        else:
            if spec["what"] in ("merge", "fresh"):
                store.clear()
                _server_idle(store.server)
            fresh = {"merge": False, "fresh": True, "reload": None}[spec["what"]]
            import intelgraph.loaders.bulk as bulk

            phases: dict = {}
            original = bulk.write_staged

            def timed(*a, **kw):  # the write phase alone, for the table
                t = time.perf_counter()
                try:
                    return original(*a, **kw)
                finally:
                    phases["write_s"] = phases.get("write_s", 0.0) + time.perf_counter() - t
                    # into an empty graph the nodes were written while the files were read
                    # (loaders.early): the "write" is what follows (relationships, the rename)
                    early = type(a[1].early).__name__ == "EarlyWrite"
                    phases["mode"] = a[1].mode + (", early" if early else "")

            bulk.write_staged = timed
            server_before = _server_cpu_s(store.server)
            cpu = time.process_time()
            t = time.perf_counter()
            stats = load_paths(store, files, batch_size=5000, fresh=fresh)
            out["seconds"] = time.perf_counter() - t
            out["client_cpu_s"] = time.process_time() - cpu
            server_after = _server_cpu_s(store.server)
            if server_before is not None and server_after is not None:
                out["server_cpu_s"] = server_after - server_before
            out.update(phases)
            out["loaded"] = [stats.nodes, stats.relationships]
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before any checking
        out["counts"] = list(store.counts())
        if spec.get("checksum"):
            out["checksum"] = store.checksum(page=5000)
        return out
    finally:
        store.close()


def _measure(spec: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"measurement {spec['what']} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _dataset(cache: Path, rels: int) -> tuple[Path, dict]:
    from intelgraph.loaders.generate import generate

    out = cache / f"gen-{rels}-s{SEED}"
    info_file = out / "info.json"
    if info_file.exists():
        return out, json.loads(info_file.read_text())
    t = time.perf_counter()
    info = generate(out, rels, seed=SEED)
    info["generate_s"] = time.perf_counter() - t
    info_file.write_text(json.dumps(info))
    return out, info


def _settle(store) -> None:
    """Let a background rewrite of the append-only file (after a big load) finish first."""
    conn = store.db.connection
    for _ in range(1200):
        if not int(conn.info("persistence").get("aof_rewrite_in_progress", 0)):
            return
        time.sleep(0.25)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                    help="relationships per generated dataset")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "intelgraph-bench-load",
                    help="where generated files are kept between runs")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each path per size; the table shows the median run (default 3)")
    ap.add_argument("--checksum-up-to", type=int, default=100_000,
                    help="compare checksums after the reload up to this size (counts always)")
    ap.add_argument("--json", nargs="?", const="-", metavar="FILE",
                    help="alone: print the rows as JSON too; with FILE: write them to FILE")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0

    from intelgraph.cypher.falkordb.server import EmbeddedServer
    from intelgraph.cypher.falkordb.store import FalkorStore

    args.cache.mkdir(parents=True, exist_ok=True)
    rows_out = []
    with tempfile.TemporaryDirectory(prefix="intelgraph-bench-load-") as tmp:
        db = Path(tmp) / "db"
        server = EmbeddedServer(db)
        server.start()
        keeper = FalkorStore(server, graph="bench_keeper")
        try:
            base_dir, base_info = _dataset(args.cache, BASELINE_RELS)
            spec = {"db": str(db), "files": str(base_dir), "graph": "baseline"}
            b = _measure({**spec, "what": "baseline"})
            base_rows = sum(b["counts"])
            base_rate = base_rows / b["seconds"]
            rows_out.append({"size": "sample", "size_rels": None, "step": "baseline",
                             "path": "baseline: 1 MERGE/row", "rows": base_rows,
                             "rels": b["counts"][1], "seconds": b["seconds"], "read_s": None,
                             "write_s": b["write_s"], "rows_per_s": base_rate, "rels_per_s": None,
                             "write_rels_per_s": None, "rss_mb": b["rss_mb"], "x": 1.0, "ok": True})
            _settle(keeper)
            for size in args.sizes:
                folder, info = _dataset(args.cache, size)
                spec = {"db": str(db), "files": str(folder), "graph": f"g{size}"}
                check = size <= args.checksum_up_to
                runs: dict[str, list[dict]] = {"merge": [], "reload": [], "fresh": []}
                for _ in range(max(1, args.repeat)):  # merge into an emptied graph, reload onto it, fresh
                    for what, graph in (("merge", f"g{size}"), ("reload", f"g{size}"), ("fresh", f"f{size}")):
                        r = _measure({**spec, "graph": graph, "what": what, "checksum": check and what != "merge"})
                        _settle(keeper)
                        runs[what].append(r)
                results = {what: sorted(rs, key=lambda r: r["seconds"])[len(rs) // 2] for what, rs in runs.items()}
                nodes, rels = info["nodes"], info["relationships"]
                for what in ("merge", "reload", "fresh"):
                    r = results[what]
                    ok = all(x["counts"] == [nodes, rels] for x in runs[what])
                    if check and what == "fresh":
                        ok = ok and len({x["checksum"] for x in runs["fresh"] + runs["reload"]}) == 1
                    rows = nodes + rels
                    rows_out.append({
                        "size": f"{size:,}", "size_rels": size, "step": what,
                        "path": f"{what} ({r.get('mode')})", "rows": rows, "rels": rels,
                        "seconds": r["seconds"], "read_s": r["seconds"] - r.get("write_s", 0.0),
                        "write_s": r.get("write_s"), "rows_per_s": rows / r["seconds"],
                        "rels_per_s": rels / r["seconds"],
                        "write_rels_per_s": rels / r["write_s"] if r.get("write_s") else None,
                        "client_cpu_s": r.get("client_cpu_s"), "server_cpu_s": r.get("server_cpu_s"),
                        "rss_mb": max(x["rss_mb"] for x in runs[what]), "x": rows / r["seconds"] / base_rate,
                        "runs_s": [x["seconds"] for x in runs[what]], "ok": ok})
                    if check and what == "reload":
                        rows_out[-1]["ok"] = ok  # same counts; the checksum is compared with fresh's
                # print as we go: the 1M run takes minutes
                _print(rows_out)
        finally:
            keeper.close()
            server.stop()
    _print(rows_out, final=True)
    load = os.getloadavg()
    print(f"\nload average during the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"(the machine has {os.cpu_count()} cores; other work on it slows every number)")
    if args.json == "-":
        print(json.dumps(rows_out, indent=1))
    elif args.json:
        Path(args.json).write_text(json.dumps(rows_out, indent=1))
    return 0 if all(r["ok"] for r in rows_out) else 1


def _fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _print(rows: list[dict], final: bool = False) -> None:
    head = (f"{'size':>10} {'path':<24} {'rows':>10} {'seconds':>8} {'read s':>7} {'write s':>8} "
            f"{'rows/s':>9} {'rels/s':>9} {'write rels/s':>12} {'client cpu':>10} {'server cpu':>10} {'peak MB':>8} "
            f"{'x baseline':>10} ok")
    if final:
        print("\n" + head)
    else:
        print("\n" + head, file=sys.stderr)
    for r in rows:
        line = (f"{r['size']:>10} {r['path']:<24} {r['rows']:>10,} {r['seconds']:>8.2f} {_fmt(r['read_s'], '>7.2f')} "
                f"{_fmt(r['write_s'], '>8.2f')} {r['rows_per_s']:>9,.0f} {_fmt(r['rels_per_s'], '>9,.0f')} "
                f"{_fmt(r['write_rels_per_s'], '>12,.0f')} {_fmt(r.get('client_cpu_s'), '>10.2f')} "
                f"{_fmt(r.get('server_cpu_s'), '>10.2f')} {r['rss_mb']:>8.0f} {r['x']:>10.1f} "
                f"{'yes' if r['ok'] else 'NO'}")
        print(line, file=sys.stdout if final else sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
