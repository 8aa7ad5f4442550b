"""The synthetic dataset generator: deterministic, loadable, shaped like an investigation."""

from __future__ import annotations

import hashlib

import pytest

from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.generate import generate, iter_files
from intelgraph.loaders.plan import write_plan


def _digest(folder) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 2000, seed=7)
    generate(b, 2000, seed=7)
    generate(c, 2000, seed=8)
    assert _digest(a) == _digest(b) != _digest(c)


@pytest.mark.slow
def test_generated_data_loads_idempotently_and_has_the_shape(engine_store, tmp_path):
    store = engine_store  # both engines
    info = generate(tmp_path, 3000, seed=1)
    assert 2700 <= info["relationships"] <= 3300
    plan = read_csv_files(list(iter_files(tmp_path)))
    assert plan.counts() == (info["nodes"], info["relationships"])
    write_plan(store, plan)
    assert store.counts() == (info["nodes"], info["relationships"])
    digest = store.checksum()
    write_plan(store, read_csv_files(list(iter_files(tmp_path))))
    assert store.checksum() == digest
    # skewed degrees: the best-connected actor has far more ties than the median one
    degrees = sorted(r[1] for r in store.read(
        "MATCH (a:Actor) OPTIONAL MATCH (a)-[r:ASSOCIATED_WITH|MEMBER_OF|SUPPORTS|ALLIED_WITH]-() "
        "RETURN a.id, count(r)").rows)
    assert degrees[-1] >= 5 * max(1, degrees[len(degrees) // 2])
    # multi-leg shipments through a few chokepoints
    legs = store.read("MATCH (s:Shipment)-[:HAS_LEG]->(l) WITH s, count(l) AS n RETURN min(n), max(n)").rows[0]
    assert legs[0] >= 2 and legs[1] <= 4
    top = store.read("MATCH (l:Leg)-[:PASSES_THROUGH]->(p) RETURN p.name, count(l) AS n ORDER BY n DESC").rows
    assert len(top) <= 10 and top[0][1] > 10
    # mixed reliability, re-reports, denials; everything with provenance
    grades = {r[0] for r in store.read("MATCH (d:Document) RETURN DISTINCT d.reliability").rows}
    assert len(grades) >= 4
    assert store.read("MATCH (:Document)-[:CITES]->(:Document) RETURN count(*)").scalar() > 0
    assert store.read("MATCH ()-[r:DENIES|DOUBTS|DECLINES_TO_COMMENT]->(:Claim) RETURN count(r)").scalar() > 0
    assert store.read("MATCH (n:Entity) WHERE size(n.sources) = 0 OR size(n.evidence) = 0 RETURN count(n)").scalar() == 0
    assert store.read("MATCH ()-[r]->() WHERE size(r.sources) = 0 RETURN count(r)").scalar() == 0


@pytest.mark.slow  # 100k relationships per engine: ~107 s of the 'not slow' loop on the embedded engine
def test_100k_generated_relationships_load_once_on_each_engine(engine_store, tmp_path):
    """A generated graph of 100k relationships, loaded through each engine's store (Neo4j:
    UNWIND batches in managed transactions), holds every node and relationship of the files,
    and a second load of the same files changes nothing."""
    info = generate(tmp_path, 100_000, seed=5)
    write_plan(engine_store, read_csv_files(list(iter_files(tmp_path))))
    assert engine_store.counts() == (info["nodes"], info["relationships"])
    digest = engine_store.checksum()
    write_plan(engine_store, read_csv_files(list(iter_files(tmp_path))))
    assert engine_store.counts() == (info["nodes"], info["relationships"])
    assert engine_store.checksum() == digest
