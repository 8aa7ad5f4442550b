"""Engine procedures answer exactly what their saved Cypher answers."""

from __future__ import annotations

import itertools
import random

import pytest

from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.generate import generate, iter_files
from intelgraph.loaders.plan import write_plan
from intelgraph.queries.procedures import procedure_for
from intelgraph.queries.registry import get_query
from intelgraph.queries.runner import run_saved


def _canonical(result):
    """Paths as comparable values: entities and steps, sources as sets (collect order is free)."""
    out = set()
    for row in result.records():
        steps = tuple((s["from"], s["type"], s["direction"], s["to"], tuple(sorted(s["sources"])), s["credibility"])
                      for s in row["steps"])
        out.add((row["hops"], tuple(row["entities"]), steps))
    return out


def _compare(store, a, b, limit=1000):
    params = {"from": a, "to": b, "limit": str(limit)}
    fast = run_saved(store, "connections", params)
    plain = run_saved(store, "connections", params, use_procedures=False)
    assert _canonical(fast) == _canonical(plain), (a, b)
    assert [r[0] for r in fast.rows] == list(range(1, len(fast.rows) + 1))
    return len(fast.rows)


def test_connections_procedure_is_the_falkordb_path(sample_store):
    assert procedure_for("falkordb", "connections") is not None
    assert procedure_for("neo4j", "connections") is None  # Neo4j runs the Cypher


def test_connections_equal_on_the_sample(sample_store):
    names = [r[0] for r in sample_store.read("MATCH (a:Actor) RETURN a.id ORDER BY a.id").rows]
    found = sum(_compare(sample_store, a, b) > 0 for a, b in itertools.combinations(names, 2))
    assert found > 100  # most actor pairs of the story are connected


def test_connections_equal_on_a_generated_graph(store, tmp_path):
    generate(tmp_path, 3000, seed=5)
    write_plan(store, read_csv_files(list(iter_files(tmp_path))))
    ids = [r[0] for r in store.read("MATCH (a:Actor) RETURN a.id ORDER BY a.id").rows]
    rng = random.Random(3)
    results = [_compare(store, *rng.sample(ids, 2)) for _ in range(40)]
    assert any(results) and not all(results)  # both connected and unconnected pairs were compared


def test_credibility_filter_is_applied_during_the_search(sample_store):
    rows = run_saved(sample_store, "connections", {"from": "PMF", "to": "Russia", "max_credibility": "3"}).records()
    assert rows and all(s["credibility"] is not None and s["credibility"] <= 3 for r in rows for s in r["steps"])
    assert run_saved(sample_store, "connections", {"from": "PMF", "to": "Russia", "max_credibility": "1"}).rows == []


@pytest.mark.parametrize("hops", [1, 2])
def test_max_hops_is_respected(sample_store, hops):
    q = get_query("connections")
    rows = run_saved(sample_store, q, {"from": "Iranian army", "to": "Iraqi Border Ports Authority",
                                       "max_hops": str(hops)}).records()
    assert all(r["hops"] <= hops for r in rows)
