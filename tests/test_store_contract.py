"""One contract, every configured store: the embedded FalkorDB always, Neo4j when
INTELGRAPH_TEST_NEO4J_URI (with NEO4J_USER / NEO4J_PASSWORD) is set."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from intelgraph.errors import QueryTimeout, ReadOnlyViolation, StoreError
from intelgraph.api import load_paths

def test_empty_store_counts_zero(engine_store):
    assert engine_store.counts() == (0, 0)


#: What apply_schema makes in FalkorDB, written out (not derived from the code under test):
#: range indexes on the id, the lookup properties and each declared name index, the full-text
#: index of the search query, the unique id constraint.
FALKORDB_INDEXES = {
    ("Entity", "id", "RANGE"), ("Entity", "name_lc", "RANGE"), ("Entity", "aliases_lc", "RANGE"),
    ("Entity", "name", "FULLTEXT"), ("Entity", "aliases_text", "FULLTEXT"),
    *((label, "name", "RANGE") for label in ("Actor", "Place", "Shipment", "Vessel", "Materiel", "Source", "Claim")),
}
FALKORDB_CONSTRAINTS = {("UNIQUE", "Entity", ("id",), "OPERATIONAL")}


def _falkordb_schema(store) -> tuple[set, set]:
    indexes = {(label, prop, kind)
               for label, props, types in store.read("CALL db.indexes() YIELD label, properties, types "
                                                     "RETURN label, properties, types").rows
               for prop in props for kind in types[prop]}
    constraints = {(kind, label, tuple(props), status)
                   for kind, label, props, status in store.read("CALL db.constraints() YIELD type, label, properties, "
                                                                "status RETURN type, label, properties, status").rows}
    return indexes, constraints


def test_schema_is_idempotent(engine_store):
    falkordb = engine_store.engine == "falkordb"
    if falkordb:
        assert _falkordb_schema(engine_store) == (set(), set())  # a fresh graph holds none
    first = engine_store.apply_schema()
    assert first  # an empty graph gets its constraint and indexes
    if falkordb:
        assert _falkordb_schema(engine_store) == (FALKORDB_INDEXES, FALKORDB_CONSTRAINTS)
    second = engine_store.apply_schema()
    assert second == []  # nothing left to create
    if falkordb:
        assert _falkordb_schema(engine_store) == (FALKORDB_INDEXES, FALKORDB_CONSTRAINTS)  # and nothing doubled
    engine_store.write("CREATE (:Entity {id: 'dup'})")
    with pytest.raises(StoreError):  # and the constraint holds
        engine_store.write("CREATE (:Entity {id: 'dup'})")


def test_write_then_read_plain_values(engine_store):
    engine_store.write("CREATE (:Entity {id: $id, d: date($d), xs: $xs, n: $n})",
                    {"id": "x:1", "d": "2022-03-26", "xs": ["a", "b"], "n": 3})
    res = engine_store.read("MATCH (n:Entity {id: $id}) RETURN n.d AS d, n.xs AS xs, n.n AS n, n AS node", {"id": "x:1"})
    assert res.columns == ["d", "xs", "n", "node"]
    d, xs, n, node = res.rows[0]
    assert d == dt.date(2022, 3, 26)
    assert xs == ["a", "b"] and n == 3
    assert node["id"] == "x:1" and "Entity" in node["_labels"]


def test_read_refuses_to_write(engine_store):
    with pytest.raises(ReadOnlyViolation):
        engine_store.read("CREATE (:Entity {id: 'nope'})")
    assert engine_store.counts() == (0, 0)


def test_uniqueness_is_enforced_by_the_engine(engine_store):
    engine_store.apply_schema()
    engine_store.write("CREATE (:Entity {id: 'dup'})")
    with pytest.raises(StoreError):
        engine_store.write("CREATE (:Entity {id: 'dup'})")
    assert engine_store.counts() == (1, 0)


def test_timeout_ends_a_long_query(engine_store):
    engine_store.write("UNWIND range(1, 2000) AS i CREATE (:Entity {id: 't' + toString(i)})")
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        # a sum over every row: neither engine can answer it from its counts (Neo4j would count(*))
        engine_store.read("MATCH (a:Entity), (b:Entity), (c:Entity) RETURN sum(size(a.id) + size(b.id) + size(c.id))",
                          timeout=0.2)
    assert time.monotonic() - started < 10  # ended by the limit, not by finishing 8e9 rows


def test_bad_cypher_is_a_store_error(engine_store):
    with pytest.raises(StoreError) as err:
        engine_store.read("MATCH (n RETURN n")
    assert not isinstance(err.value, ReadOnlyViolation)


@pytest.mark.slow
def test_sample_loads_idempotently(engine_store):
    first = load_paths(engine_store, [], sample=True)
    counts = engine_store.counts()
    assert counts == (first.nodes, first.relationships)
    digest = engine_store.checksum()
    load_paths(engine_store, [], sample=True)
    assert engine_store.counts() == counts
    assert engine_store.checksum() == digest


def test_clear_empties(engine_store):
    load_paths(engine_store, [], sample=True)
    engine_store.clear()
    assert engine_store.counts() == (0, 0)


def test_paged_reads_return_every_row(engine_store):
    engine_store.write("UNWIND range(1, 2500) AS i CREATE (:Entity {id: 'n' + toString(i), i: i})")
    rows = list(engine_store.iter_read("MATCH (n:Entity) RETURN n.i ORDER BY n.i", page=1000))
    assert [r[0] for r in rows] == list(range(1, 2501))


def test_a_type_the_graph_does_not_hold_yet_answers_quietly(engine_store, caplog):
    """Saved queries name every kind the schema declares; a graph holding only some of them is
    normal, not worth a warning (the Neo4j driver logged a notification dump for each)."""
    load_paths(engine_store, [], sample=True)  # no OPERATED_BY in the sample
    with caplog.at_level("DEBUG"):
        res = engine_store.read("MATCH ()-[r:OPERATED_BY|SUPPORTS]->() RETURN count(r)")
    assert res.scalar() > 0
    assert not [r for r in caplog.records if r.levelno >= 30], [r.getMessage()[:300] for r in caplog.records]


# -- the checksum: equal graphs, equal checksums; any change, another -------------------------
#: A small graph bigger than one page of the checksum's reads (page=40 below): 120 nodes of two
#: kinds, with a date and provenance lists, and 119 relationships of two types between them.
CHECKSUM_PAGE = 40
GRAPH_NODES = ("UNWIND $order AS i CREATE (:Entity {id: 'n' + toString(i), name: 'Node ' + toString(i), i: i, "
               "sources: ['s' + toString(i), 'a'], day: date('2022-04-13')})")
GRAPH_LABELS = "MATCH (n:Entity) WHERE n.i % 2 = 0 SET n:Actor"
GRAPH_RELS = ("UNWIND $order AS i WITH i WHERE i % 3 {} 0 "
              "MATCH (a:Entity {{id: 'n' + toString(i)}}), (b:Entity {{id: 'n' + toString(i + 1)}}) CREATE (a)-[:{}]->(b)")
GRAPH_REL_PROPS = {"SUPPORTS {id: 'r' + toString(i), w: i * 0.5}": "=", "DENIES {id: 'r' + toString(i), "
                   "sources: ['x', 'y']}": "<>"}


def _build(store, reverse: bool) -> str:
    store.clear()
    nodes = list(range(1, 121))
    store.write(GRAPH_NODES, {"order": nodes[::-1] if reverse else nodes})
    store.write(GRAPH_LABELS)
    for rel, test in (reversed(GRAPH_REL_PROPS.items()) if reverse else GRAPH_REL_PROPS.items()):
        store.write(GRAPH_RELS.format(test, rel), {"order": nodes[-2::-1] if reverse else nodes[:-1]})
    assert store.counts() == (120, 119)
    return store.checksum(page=CHECKSUM_PAGE)


def test_checksum_same_graph_written_in_another_order_is_equal(engine_store):
    forward = _build(engine_store, reverse=False)
    assert engine_store.checksum(page=7) == forward  # the page size is no part of it
    assert _build(engine_store, reverse=True) == forward


CHANGES = {
    "property value": "MATCH (n:Entity {id: 'n50'}) SET n.name = 'Node 50 '",
    "property type": "MATCH (n:Entity {id: 'n50'}) SET n.i = '50'",
    "property added": "MATCH (n:Entity {id: 'n117'}) SET n.extra = 1",
    "property removed": "MATCH (n:Entity {id: 'n3'}) REMOVE n.name",
    "date": "MATCH (n:Entity {id: 'n99'}) SET n.day = date('2022-04-14')",
    "label added": "MATCH (n:Entity {id: 'n7'}) SET n:Place",
    "label removed": "MATCH (n:Entity {id: 'n8'}) REMOVE n:Actor",
    "relationship property": "MATCH ()-[r {id: 'r90'}]->() SET r.w = 45.5",
    "relationship type": "MATCH (a)-[r {id: 'r90'}]->(b) DELETE r CREATE (a)-[:DENIES {id: 'r90', w: 45.0}]->(b)",
    "relationship end": "MATCH (a)-[r {id: 'r90'}]->(), (c:Entity {id: 'n5'}) DELETE r "
                        "CREATE (a)-[:SUPPORTS {id: 'r90', w: 45.0}]->(c)",
    "relationship reversed": "MATCH (a)-[r {id: 'r90'}]->(b) DELETE r CREATE (b)-[:SUPPORTS {id: 'r90', w: 45.0}]->(a)",
    "extra node": "CREATE (:Entity {id: 'n500'})",
    "missing node": "MATCH (n:Entity {id: 'n120'}) DETACH DELETE n CREATE (:Entity {id: 'n120'})",
    "extra relationship": "MATCH (a:Entity {id: 'n1'}), (b:Entity {id: 'n2'}) CREATE (a)-[:DENIES {id: 'r1', "
                          "sources: ['x', 'y']}]->(b)",
    "missing relationship": "MATCH ()-[r {id: 'r61'}]->() DELETE r",
    "provenance order": "MATCH (n:Entity {id: 'n40'}) SET n.sources = ['a', 's40']",
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_checksum_sees_each_kind_of_change(engine_store, change):
    before = _build(engine_store, reverse=False)
    sets = engine_store.checksum(page=CHECKSUM_PAGE, provenance_as_sets=True)
    assert sets != before  # the sources lists are in another order there
    counts = engine_store.counts()
    engine_store.write(CHANGES[change])
    assert engine_store.checksum(page=CHECKSUM_PAGE) != before
    if change == "provenance order":  # the same sets: only provenance_as_sets=True sees them equal
        assert engine_store.checksum(page=CHECKSUM_PAGE, provenance_as_sets=True) == sets
    else:
        assert engine_store.checksum(page=CHECKSUM_PAGE, provenance_as_sets=True) != sets
    if change == "missing node":  # same count, lost relationship
        assert engine_store.counts() == (counts[0], counts[1] - 1)


def test_checksum_counts_an_element_twice_when_it_is_there_twice(engine_store):
    before = _build(engine_store, reverse=False)
    engine_store.write("MATCH (a)-[r:SUPPORTS {id: 'r3'}]->(b) CREATE (a)-[:SUPPORTS {id: 'r3', w: r.w}]->(b)")
    twice = engine_store.checksum(page=CHECKSUM_PAGE)
    assert twice != before
    engine_store.write("MATCH (a)-[r:SUPPORTS {id: 'r3'}]->(b) WITH r LIMIT 1 DELETE r")
    assert engine_store.checksum(page=CHECKSUM_PAGE) == before
