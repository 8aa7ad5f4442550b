"""The benchmarks run (at a smoke size: the real sizes are for `python benchmarks/...`), and
run.py's one table is built from what they wrote, judging each target from the numbers."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_queries, run  # noqa: E402

pytestmark = pytest.mark.slow  # runs the three benchmark scripts: over a minute and a half

SMOKE = [  # the smallest sizes each script takes; bench_load's 5,000-row baseline is fixed
    ("bench_load.py", ["--sizes", "1000", "--repeat", "2"]),
    ("bench_queries.py", ["--sizes", "1000", "--runs", "3"]),
    ("bench_centrality.py", ["--projection-sizes", "500:2000", "--nodes", "300", "--m", "3", "--skip-sampling"]),
]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """The three scripts run as run.py runs them (child processes writing JSON), once."""
    tmp = tmp_path_factory.mktemp("bench")
    runs = [(script, [*args, "--cache", str(tmp / "cache")] if script == "bench_load.py" else args)
            for script, args in SMOKE]
    results, failures, loads = run.run_all(runs, tmp)
    assert failures == []
    assert [line.split(":")[0] for line in loads] == [f"load average after {s}" for s, _ in SMOKE]
    return results


def test_query_benchmark_smoke(smoke):
    rows = smoke["bench_queries.py"]
    assert [r["benchmark"] for r in rows] == [f"query {n}" for n in bench_queries.TARGETS_MS]
    for r in rows:
        assert r["median_ms"] > 0 and r["p95_ms"] >= r["median_ms"] * 0.5
        assert r["target_p95_ms"] == bench_queries.TARGETS_MS[r["query"]]
    assert rows[0]["rows_per_run"] > 0  # shipment-route found its legs


def _tables(results: dict) -> list[dict]:
    return run.table_rows(results["bench_load.py"], results["bench_queries.py"], results["bench_centrality.py"])


def test_combined_table_from_a_real_run(smoke):
    rows = _tables(smoke)
    assert [r["step"] for r in rows] == [
        "load: baseline, 1 MERGE per row", "load: merge (idempotent, empty graph)",
        "load: reload (nothing changes)", "load: fresh (CREATE, empty graph)",
        *(f"query: {q}" for q in bench_queries.TARGETS_MS),
        "projection -> networkx Graph", "projection -> networkx DiGraph", "centrality: full report (5 files)"]
    assert all(list(r) == run.COLUMNS for r in rows)
    # every number comes from the run: the rows' cells are the scripts' values, formatted
    load, queries, cent = smoke["bench_load.py"], smoke["bench_queries.py"], smoke["bench_centrality.py"]
    assert rows[1]["throughput"] == f"{load[1]['rels_per_s']:,.0f} rels/s"
    assert rows[1]["vs naive (same run)"] == f"{load[1]['x']:.1f}x"
    # each load path ran twice (--repeat 2); the row is the median run, the spread in the notes
    for r, src in zip(rows[1:4], load[1:4]):
        assert len(src["runs_s"]) == 2 and src["seconds"] == sorted(src["runs_s"])[1]
        assert f"median of 2 runs ({min(src['runs_s']):.2f}-{max(src['runs_s']):.2f} s)" in r["notes"]
        # where the load's time went: both sides' CPU, measured (the server's from /proc)
        assert src["client_cpu_s"] > 0 and src["server_cpu_s"] >= 0  # the server's counts 10 ms ticks
        assert f"CPU: client {src['client_cpu_s']:.2f} s, server {src['server_cpu_s']:.2f} s" in r["notes"]
    assert rows[4]["p95"] == f"{queries[0]['p95_ms']:.1f} ms"
    assert rows[-1]["time (median)"] == f"{cent[-1]['report_s']:.2f} s"
    assert rows[0]["met"] == "" and rows[0]["target"] == ""  # the baseline has no target
    assert all(r["met"] in ("yes", "no") for r in rows[1:])
    for r, q in zip(rows[4:8], queries):
        assert r["met"] == ("yes" if q["p95_ms"] <= q["target_p95_ms"] else "no")
    assert rows[-1]["met"] == ("yes" if cent[-1]["report_s"] <= run.REPORT_MAX_S else "no")

    text = run.combined(smoke, ["load average after x: 1.00 1.00 1.00"])
    lines = text.splitlines()
    table = lines[:len(rows) + 2]
    assert [c.strip() for c in table[0].strip("|").split("|")] == run.COLUMNS
    assert set(table[1]) <= set("|-: ") and lines[len(rows) + 2] == ""  # one table, then the notes
    assert all(len(line.strip("|").split("|")) == len(run.COLUMNS) for line in table)  # no stray "|"
    assert len({len(line) for line in table}) == 1  # padded: it reads as plain text too
    assert "machine: " in text and "Python " in text and text.endswith("load average after x: 1.00 1.00 1.00")


def _met(results: dict, step: str) -> tuple[str, str]:
    row = next(r for r in _tables(results) if r["step"] == step)
    return row["met"], row["notes"]


def _source(results: dict, which: str) -> dict:
    """The script's row behind a table row: a load step, the first query, the first projection,
    or the report."""
    if which in ("merge", "reload", "fresh"):
        return next(r for r in results["bench_load.py"] if r["step"] == which)
    return {"query": results["bench_queries.py"][0], "projection": results["bench_centrality.py"][0],
            "report": results["bench_centrality.py"][-1]}[which]


STEPS = {"merge": "load: merge (idempotent, empty graph)", "reload": "load: reload (nothing changes)",
         "fresh": "load: fresh (CREATE, empty graph)", "query": "query: shipment-route",
         "projection": "projection -> networkx Graph", "report": "centrality: full report (5 files)"}


def test_met_is_judged_from_the_numbers(smoke):
    on_target = copy.deepcopy(smoke)  # exactly on every target: met
    _source(on_target, "merge").update(seconds=run.MERGE_MAX_S, x=run.MERGE_MIN_X, rss_mb=run.LOAD_MAX_MIB - 1,
                                       ok=True)
    _source(on_target, "reload").update(seconds=run.MERGE_MAX_S, rss_mb=100, ok=True)
    _source(on_target, "fresh").update(rels_per_s=run.FRESH_MIN_RELS_S, rss_mb=100, ok=True)
    query = _source(on_target, "query")
    query["p95_ms"] = query["target_p95_ms"]
    _source(on_target, "projection").update(edges_per_s=run.PROJECTION_MIN_EDGES_S,
                                            peak_ratio=run.PROJECTION_MAX_RATIO)
    _source(on_target, "report")["report_s"] = run.REPORT_MAX_S
    for which, step in STEPS.items():
        met, notes = _met(on_target, step)
        assert met == "yes" and "missed" not in notes, (which, notes)

    misses = [  # one number past one target: not met, and the notes name that target
        ("merge", {"seconds": 12.01}, "<= 12 s"),
        ("merge", {"x": 24.9}, ">= 25x"),
        ("merge", {"rss_mb": 500.0}, "< 500 MiB"),
        ("reload", {"seconds": 12.01}, "<= merge's 12.00 s"),
        ("fresh", {"rels_per_s": 249_999.0}, ">= 250,000 rels/s"),
        ("fresh", {"ok": False}, "same counts and checksum"),
        ("query", {"p95_ms": 25.1}, "p95 <= 25 ms"),
        ("projection", {"edges_per_s": 149_999.0}, ">= 150,000 edges/s"),
        ("projection", {"peak_ratio": 2.01}, "peak <= 2x graph"),
        ("report", {"report_s": 10.01}, "<= 10 s"),
    ]
    for which, values, target in misses:
        case = copy.deepcopy(on_target)
        _source(case, which).update(values)
        met, notes = _met(case, STEPS[which])
        assert met == "no" and notes.endswith(f"missed: {target}"), (which, values, notes)


def test_a_failed_script_is_reported(tmp_path):
    results, failures, _ = run.run_all([("bench_queries.py", ["--sizes", "10"])], tmp_path)  # < 100: refused
    assert results == {} and len(failures) == 1 and "bench_queries.py FAILED" in failures[0]
    assert run.combined(results).startswith("| ")  # the table of what there is, still


def test_fresh_row_names_the_servers_ceiling(smoke):
    """The server writes one graph on one thread, so its CPU per load bounds the fresh rate."""
    case = copy.deepcopy(smoke)
    _source(case, "fresh").update(rels=1_000_000, client_cpu_s=6.0, server_cpu_s=4.0)
    _, notes = _met(case, STEPS["fresh"])
    assert "CPU: client 6.00 s, server 4.00 s (the server's share alone caps it at 250,000 rels/s)" in notes
    _source(case, "fresh").update(server_cpu_s=0.0)  # under one clock tick: no ceiling to name
    _, notes = _met(case, STEPS["fresh"])
    assert "CPU: client 6.00 s, server 0.00 s" in notes and "caps" not in notes


def test_whole_command_benchmark_smoke(tmp_path):
    """bench_commands.py at a tiny size: every row is an intelgraph process, timed, with its
    breakdown; the reload is checked against the graph (the script fails if it changed it)."""
    from benchmarks import bench_commands

    results, failures, _ = run.run_all(
        [("bench_commands.py", ["--relationships", "1000", "--runs", "2", "--nodes", "300"])], tmp_path)
    assert failures == []
    rows = results["bench_commands.py"]
    steps = [r["step"] for r in rows]
    assert steps[0].startswith("load 1,000 rels") and steps[1].startswith("reload") and steps[2].startswith("load, no server")
    assert [s.split()[2] for s in steps[3:7]] == list(bench_commands.QUERIES)
    assert [s.split(": ")[1].split()[0] for s in steps[7:]] == list(bench_commands.GRAPHS)
    for r in rows:
        assert r["runs"] == 2 and r["min_s"] <= r["median_s"] <= r["max_s"] and r["min_s"] > 0
        assert 10 < r["client_mib"] < 2000 and r["breakdown"].startswith("timings: ") is False
        assert r["breakdown"].startswith("imports ") and "total " in r["breakdown"]
        assert r["met"] == all(ok for ok in [r["median_s"] <= float(r["target"].split()[1])
                                             if r["target"].startswith("<=") else True,
                                             r["client_mib"] < bench_commands.CLIENT_MAX_MIB])
    for r in rows[:3]:  # the loads: where the time went
        assert "read " in r["breakdown"] and "write " in r["breakdown"]
    assert rows[0]["server_mib"] and rows[2]["server_mib"]  # the server's, warm and cold (its own)
    for r in rows[7:]:
        assert "projection " in r["breakdown"] and "measures " in r["breakdown"] and "files " in r["breakdown"]
    text = bench_commands.table(rows)
    assert text.count("\n") == len(rows) + 1 and "| command | median |" in text
