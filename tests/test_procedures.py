"""Engine procedures answer exactly what their saved Cypher answers."""

from __future__ import annotations

import itertools
import random

import pytest

from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.generate import generate, iter_files
from intelgraph.loaders.plan import write_plan
from intelgraph.queries.procedures import procedure_for
from intelgraph.queries.runner import run_saved


def _canonical(result):
    """Paths as comparable values: entities and steps, sources as sets (collect order is free)."""
    out = set()
    for row in result.records():
        steps = tuple((s["from"], s["type"], s["direction"], s["to"], tuple(sorted(s["sources"])), s["grade"],
                       s["credibility"], s["origins"], s["status"], repr(s["claims"]))
                      for s in row["steps"])
        out.add((row["hops"], tuple(row["entities"]), steps))
    return out


def _compare(store, a, b, limit=1000, **filters):
    params = {"from": a, "to": b, "limit": str(limit), **filters}
    fast = run_saved(store, "connections", params)
    plain = run_saved(store, "connections", params, use_procedures=False)
    assert _canonical(fast) == _canonical(plain), (a, b)
    assert [r[0] for r in fast.rows] == list(range(1, len(fast.rows) + 1))
    return len(fast.rows)


def test_connections_procedure_is_the_falkordb_path(sample_store):
    assert procedure_for("falkordb", "connections") is not None
    assert procedure_for("neo4j", "connections") is None  # Neo4j runs the Cypher


@pytest.mark.slow
def test_connections_equal_on_the_sample(sample_store):
    names = [r[0] for r in sample_store.read("MATCH (a:Actor) RETURN a.id ORDER BY a.id").rows]
    found = sum(_compare(sample_store, a, b) > 0 for a, b in itertools.combinations(names, 2))
    assert found > 100  # most actor pairs of the story are connected


@pytest.mark.slow
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


#: A chain Ada - Ben - Cy - Dot (1, 2 and 3 hops from Ada), and a longer way round to Dot.
CHAIN_PEOPLE = "name:ID(Person),:LABEL\n" + "".join(f"{n},Person\n" for n in ("Ada", "Ben", "Cy", "Dot", "Eve", "Fay", "Gus"))
CHAIN_TIES = (":START_ID(Person),:END_ID(Person),:TYPE\n"
              "Ada,Ben,SUPPORTS\nCy,Ben,ALLIED_WITH\nCy,Dot,MEMBER_OF\n"
              "Ada,Eve,ASSOCIATED_WITH\nEve,Fay,ASSOCIATED_WITH\nFay,Gus,ASSOCIATED_WITH\nGus,Dot,ASSOCIATED_WITH\n")
CHAIN = {"Ben": ["Ada", "Ben"], "Cy": ["Ada", "Ben", "Cy"], "Dot": ["Ada", "Ben", "Cy", "Dot"]}


@pytest.fixture
def chain_store(store, tmp_path):
    (tmp_path / "people.csv").write_text(CHAIN_PEOPLE, encoding="utf-8")
    (tmp_path / "ties.csv").write_text(CHAIN_TIES, encoding="utf-8")
    write_plan(store, read_csv_files([tmp_path / "people.csv", tmp_path / "ties.csv"], source="chain test",
                                     store=store))
    return store


@pytest.mark.parametrize("procedures", [True, False], ids=["procedure", "cypher"])
def test_max_hops_is_respected(chain_store, procedures):
    """Each limit gives its own answer: the ends within that many hops, by their shortest chain,
    and nothing for the ends further away (the 4-hop way round to Dot is never shortest)."""
    answers = {}
    for hops in (1, 2, 3):
        got = {}
        for to in CHAIN:
            rows = run_saved(chain_store, "connections", {"from": "Ada", "to": to, "max_hops": str(hops)},
                             use_procedures=procedures).records()
            got[to] = [(r["hops"], r["entities"]) for r in rows]
        answers[hops] = got
    for hops, got in answers.items():
        assert got == {to: ([(len(path) - 1, path)] if len(path) - 1 <= hops else []) for to, path in CHAIN.items()}
    assert answers[1] != answers[2] != answers[3]
    assert all(any(got.values()) for got in answers.values())
