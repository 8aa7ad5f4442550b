"""One contract, every configured store: the embedded FalkorDB always, Neo4j when
INTELGRAPH_TEST_NEO4J_URI (with NEO4J_USER / NEO4J_PASSWORD) is set."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from intelgraph.cypher.falkor import FalkorStore
from intelgraph.errors import QueryTimeout, ReadOnlyViolation, StoreError
from intelgraph.loaders.api import load_sample

ENGINES = ["falkordb"] + (["neo4j"] if os.environ.get("INTELGRAPH_TEST_NEO4J_URI") else [])


@pytest.fixture(params=ENGINES)
def any_store(request, server):
    if request.param == "falkordb":
        st = FalkorStore(server, graph=f"contract_{os.getpid()}")
    else:
        from intelgraph.cypher.neo4j_store import Neo4jStore

        st = Neo4jStore(os.environ["INTELGRAPH_TEST_NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                        os.environ["NEO4J_PASSWORD"], database=os.environ.get("NEO4J_DATABASE", "neo4j"))
    st.clear()
    yield st
    st.clear()
    st.close()


def test_empty_store_counts_zero(any_store):
    assert any_store.counts() == (0, 0)


def test_schema_is_idempotent(any_store):
    any_store.apply_schema()
    second = any_store.apply_schema()
    if any_store.engine == "falkordb":
        assert second == []  # nothing left to create


def test_write_then_read_plain_values(any_store):
    any_store.write("CREATE (:Entity {id: $id, d: date($d), xs: $xs, n: $n})",
                    {"id": "x:1", "d": "2022-03-26", "xs": ["a", "b"], "n": 3})
    res = any_store.read("MATCH (n:Entity {id: $id}) RETURN n.d AS d, n.xs AS xs, n.n AS n, n AS node", {"id": "x:1"})
    assert res.columns == ["d", "xs", "n", "node"]
    d, xs, n, node = res.rows[0]
    assert d == dt.date(2022, 3, 26)
    assert xs == ["a", "b"] and n == 3
    assert node["id"] == "x:1" and "Entity" in node["_labels"]


def test_read_refuses_to_write(any_store):
    with pytest.raises(ReadOnlyViolation):
        any_store.read("CREATE (:Entity {id: 'nope'})")
    assert any_store.counts() == (0, 0)


def test_uniqueness_is_enforced_by_the_engine(any_store):
    any_store.apply_schema()
    any_store.write("CREATE (:Entity {id: 'dup'})")
    with pytest.raises(StoreError):
        any_store.write("CREATE (:Entity {id: 'dup'})")
    assert any_store.counts() == (1, 0)


def test_timeout_ends_a_long_query(any_store):
    any_store.write("UNWIND range(1, 2000) AS i CREATE (:Entity {id: 't' + toString(i)})")
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        any_store.read("MATCH (a:Entity), (b:Entity), (c:Entity) RETURN count(*)", timeout=0.2)
    assert time.monotonic() - started < 10  # ended by the limit, not by finishing 8e9 rows


def test_bad_cypher_is_a_store_error(any_store):
    with pytest.raises(StoreError) as err:
        any_store.read("MATCH (n RETURN n")
    assert not isinstance(err.value, ReadOnlyViolation)


def test_sample_loads_idempotently(any_store):
    first = load_sample(any_store)
    counts = any_store.counts()
    assert counts == (first.nodes, first.relationships)
    digest = any_store.checksum()
    load_sample(any_store)
    assert any_store.counts() == counts
    assert any_store.checksum() == digest


def test_clear_empties(any_store):
    load_sample(any_store)
    any_store.clear()
    assert any_store.counts() == (0, 0)


def test_paged_reads_return_every_row(any_store):
    any_store.write("UNWIND range(1, 2500) AS i CREATE (:Entity {id: 'n' + toString(i), i: i})")
    rows = list(any_store.iter_read("MATCH (n:Entity) RETURN n.i ORDER BY n.i", page=1000))
    assert [r[0] for r in rows] == list(range(1, 2501))
