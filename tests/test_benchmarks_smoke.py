"""The benchmarks run (at a smoke size: the real sizes are for `python benchmarks/...`)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_queries  # noqa: E402


def test_query_benchmark_smoke(tmp_path):
    rows = bench_queries.run([1000], runs=3, workdir=str(tmp_path))
    assert [r["benchmark"] for r in rows] == [f"query {n}" for n in bench_queries.TARGETS_MS]
    for r in rows:
        assert r["median_ms"] > 0 and r["p95_ms"] >= r["median_ms"] * 0.5
    assert rows[0]["rows_per_run"] > 0  # shipment-route found its legs
