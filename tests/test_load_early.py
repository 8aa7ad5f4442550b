"""Work done while CSV files are read (intelgraph.loaders.early), on the real engine.

Into an empty graph the nodes go into a staging graph as soon as the node files are read; the
staging graph replaces the empty graph only once every file is valid and written. Into a graph
that holds something, the nodes are looked up and every row is checked read-only while the files
are read, and only what would change is written. Either way the result must be the graph the
usual path gives; a problem found in a later file or a fast-reader fallback must leave the graph
as it was, with no staging graph behind and the write lock free. (A SIGKILL in the middle of an
early write: test_crash_safety.py.)
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from intelgraph.api import Graph, load_paths
from intelgraph.cypher.falkordb.staging import staging_name
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import InputErrors
from intelgraph.loaders import early as early_mod
from intelgraph.loaders.bulk import NotEmpty
from intelgraph.loaders.generate import generate, iter_files


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("early")
    generate(out, 3000, seed=11)
    return list(iter_files(out))


def usual_path(server, files: list[Path], graph: str) -> tuple:
    """Counts and checksum of ``files`` loaded the usual way (staged whole, then written)."""
    old = os.environ.get(early_mod.EARLY_MIN_BYTES_ENV)
    os.environ[early_mod.EARLY_MIN_BYTES_ENV] = str(1 << 40)
    st = FalkorStore(server, graph=f"{graph}_{os.getpid()}")
    try:
        st.clear()
        load_paths(st, files)
        return st.counts(), st.checksum()
    finally:
        st.clear()
        st.close()
        if old is None:
            del os.environ[early_mod.EARLY_MIN_BYTES_ENV]
        else:
            os.environ[early_mod.EARLY_MIN_BYTES_ENV] = old


@pytest.fixture(scope="module")
def expected(server, generated):
    """Counts and checksum of the usual path."""
    return usual_path(server, generated, "early_ref")


@pytest.fixture
def spy(monkeypatch):
    """Every CSV load into an empty graph goes the early way; records which loads started
    writing nodes before the relationships were read, and which finished."""
    monkeypatch.setenv(early_mod.EARLY_MIN_BYTES_ENV, "0")
    seen = {"started": 0, "finished": 0, "checked": []}
    staged, finish = early_mod.EarlyWrite.nodes_staged, early_mod.EarlyWrite.finish

    def nodes_staged(self, st):
        seen["started"] += 1
        return staged(self, st)

    def finished(self, st, progress=None):
        out = finish(self, st, progress)
        seen["finished"] += 1
        return out

    monkeypatch.setattr(early_mod.EarlyWrite, "nodes_staged", nodes_staged)
    monkeypatch.setattr(early_mod.EarlyWrite, "finish", finished)
    check_finish = early_mod.EarlyCheck.finish

    def checked(self, st, progress=None):
        out = check_finish(self, st, progress)
        rels = sum(len(m) for m in self.unchanged_rels.values())
        seen["checked"].append({"nodes": sum(self.unchanged_nodes), "rels": rels,
                                "unchanged rels": sum(int(m.sum()) for m in self.unchanged_rels.values())})
        return out

    monkeypatch.setattr(early_mod.EarlyCheck, "finish", checked)
    return seen


def graphs(store) -> list[str]:
    return [g.decode() if isinstance(g, bytes) else g for g in store.db.connection.execute_command("GRAPH.LIST")]


def index_set(store) -> set[tuple[str, str, str]]:
    rows = store.read("CALL db.indexes() YIELD label, properties, types RETURN label, properties, types").rows
    return {(label, p, str(sorted(types[p]))) for label, props, types in rows for p in props}


def assert_left_alone(store, before) -> None:
    assert (store.counts(), store.checksum()) == before
    assert staging_name(store.name) not in graphs(store)
    # the write lock is free: another store (another process would be the same) can write
    other = FalkorStore(store.server, graph=store.name)
    try:
        other.write("CREATE (:Scratch) WITH 1 AS x MATCH (s:Scratch) DELETE s")
    finally:
        other.close()


@pytest.mark.parametrize("fresh", [None, True, False], ids=["auto", "fresh", "merge"])
@pytest.mark.slow
def test_same_graph_as_the_usual_path(store, generated, expected, spy, fresh):
    stats = load_paths(store, generated, fresh=fresh)
    assert (spy["started"], spy["finished"]) == (1, 1)
    assert (store.counts(), store.checksum()) == expected
    assert (stats.nodes, stats.relationships) == expected[0]
    assert staging_name(store.name) not in graphs(store)
    # its indexes and unique constraint are the schema's, as on the usual path
    plain = FalkorStore(store.server, graph=f"{store.name}_schema")
    try:
        plain.apply_schema()
        assert index_set(store) == index_set(plain) and len(index_set(plain)) >= 10
    finally:
        plain.clear()
        plain.close()
    assert [(c["label"], c["properties"], c["status"]) for c in store.graph.list_constraints()] == \
        [("Entity", ["id"], "OPERATIONAL")]
    # a reload changes nothing: checked while read, every row found unchanged, nothing sent
    stats = load_paths(store, generated)
    assert spy["started"] == 1
    nodes, rels = expected[0]
    assert spy["checked"] == [{"nodes": nodes, "rels": spy["checked"][0]["rels"],
                               "unchanged rels": spy["checked"][0]["rels"]}]
    assert spy["checked"][0]["rels"] > rels // 2  # most relationship files are read column-wise
    assert (stats.nodes, stats.relationships) == expected[0]
    assert (store.counts(), store.checksum()) == expected


@pytest.mark.slow
def test_merge_takes_it_too_and_says_which_path(store, generated, expected, spy):
    result = load_paths(store, generated, fresh=False)
    assert result.path == "merge" and spy["finished"] == 1
    assert (store.counts(), store.checksum()) == expected


@pytest.mark.slow
def test_the_graph_survives_a_server_restart(tmp_path, generated, expected, spy):
    """The rename is in the append-only file with the bulk writes before it."""
    from intelgraph.cypher.falkordb.server import EmbeddedServer

    srv = EmbeddedServer(tmp_path / "db")
    srv.start()
    try:
        st = FalkorStore(srv, graph="g")
        load_paths(st, generated)
        assert spy["finished"] == 1
        st.close()
        srv.stop()
        srv.start()
        st = FalkorStore(srv, graph="g")
        assert (st.counts(), st.checksum()) == expected
        assert graphs(st) == ["g"]
        st.close()
    finally:
        srv.stop()


def _copy(generated: list[Path], into: Path) -> list[Path]:
    into.mkdir()
    return [Path(shutil.copy(p, into / p.name)) for p in generated]


def test_a_problem_in_a_relationship_file_leaves_the_graph_empty(store, generated, tmp_path, spy):
    files = _copy(generated, tmp_path / "bad")
    rels = next(p for p in files if p.name == "rels_SUPPORTS.csv")
    lines = rels.read_text().splitlines(keepends=True)
    lines[-1] = lines[-1].rstrip("\n").rsplit(",", 1)[0] + ",very\n"  # credibility:int
    rels.write_text("".join(lines))
    before = (store.counts(), store.checksum())
    with pytest.raises(InputErrors) as err:
        load_paths(store, files)
    assert (spy["started"], spy["finished"]) == (1, 0)  # the nodes were being written when it was found
    assert "rels_SUPPORTS.csv" in str(err.value) and f"row {len(lines)}" in str(err.value)
    assert_left_alone(store, before)


@pytest.mark.slow
def test_a_fallback_to_the_thorough_reader_leaves_no_staging_graph(store, generated, tmp_path, spy, expected):
    """A source named by its name instead of its id in a relationship file: the fast reader hands
    the whole load to the thorough one after the nodes went out; the classic path then loads the
    same graph."""
    files = _copy(generated, tmp_path / "named")
    docs = next(p for p in files if p.name == "nodes_Document.csv").read_text().splitlines()[1:]
    names = {line.split(",")[0]: line.split(",")[2] for line in docs}
    rels = next(p for p in files if p.name == "rels_SUPPORTS.csv")
    head, first, *rest = rels.read_text().splitlines(keepends=True)
    cols = first.split(",")
    doc = cols[4]
    cols[4] = names[doc]  # sources:string[]
    rels.write_text(head + ",".join(cols) + "".join(rest))
    load_paths(store, files)
    assert spy["started"] == 1 and spy["finished"] == 0
    assert (store.counts(), store.checksum()) == expected
    assert staging_name(store.name) not in graphs(store)


def _changed_copy(generated: list[Path], into: Path) -> list[Path]:
    """The files with some rows changed: a person renamed, relationships with more evidence."""
    files = _copy(generated, into)
    people = next(p for p in files if p.name == "nodes_Person.csv")
    lines = people.read_text().splitlines(keepends=True)
    cols = lines[3].split(",")
    cols[2] += " Jr"
    lines[3] = ",".join(cols)
    people.write_text("".join(lines))
    rels = next(p for p in files if p.name == "rels_SUPPORTS.csv")
    lines = rels.read_text().splitlines(keepends=True)
    for k in (1, 5, 9):
        cols = lines[k].split(",")
        cols[5] += f";{cols[4]} | seen again"  # evidence:string[]
        lines[k] = ",".join(cols)
    rels.write_text("".join(lines))
    return files


def _load_changes(store, generated, changed) -> tuple:
    load_paths(store, generated)
    store.write("MATCH ()-[e:SUPPORTS]->() WITH e ORDER BY e.id LIMIT 3 DELETE e")
    load_paths(store, changed)
    return store.counts(), store.checksum()


@pytest.mark.slow
def test_checked_while_read_writes_what_changed_as_the_usual_path_does(store, server, generated, tmp_path,
                                                                      spy, monkeypatch):
    changed = _changed_copy(generated, tmp_path / "changed")
    got = _load_changes(store, generated, changed)
    assert spy["finished"] == 1 and len(spy["checked"]) == 1
    seen = spy["checked"][0]
    assert 0 < seen["rels"] - seen["unchanged rels"] <= 3 + 3  # the changed rows and the deleted ones
    assert seen["nodes"] == got[0][0] - 1  # all but the renamed person
    monkeypatch.setenv(early_mod.EARLY_MIN_BYTES_ENV, str(1 << 40))
    usual = FalkorStore(server, graph=f"{store.name}_usual")
    try:
        usual.clear()
        assert _load_changes(usual, generated, changed) == got
    finally:
        usual.clear()
        usual.close()
    assert len(spy["checked"]) == 1


@pytest.mark.slow
def test_a_file_of_relationships_alone_is_checked_and_merged(store, generated, expected, spy):
    """Only relationships, between nodes the graph holds: none is known when the checks start
    (their ends are found at the end of the reading), so all are merged as usual."""
    rels = next(p for p in generated if p.name == "rels_SUPPORTS.csv")
    load_paths(store, [p for p in generated if p != rels])
    assert store.counts() != expected[0]
    load_paths(store, [rels])
    assert len(spy["checked"]) == 1 and spy["checked"][0]["unchanged rels"] == 0
    assert (store.counts(), store.checksum()) == expected


@pytest.mark.slow
def test_a_problem_found_while_checking_leaves_the_graph_as_it_was(store, generated, tmp_path, spy):
    load_paths(store, generated)
    changed = _changed_copy(generated, tmp_path / "changed")
    rels = next(p for p in changed if p.name == "rels_SUPPORTS.csv")
    rels.write_text(rels.read_text() + "person:0,person:1,SUPPORTS\n")  # a row of the wrong width
    before = (store.counts(), store.checksum())
    with pytest.raises(InputErrors):
        load_paths(store, changed)
    assert spy["checked"] == []
    assert_left_alone(store, before)


def test_fresh_refuses_a_graph_that_is_not_empty(store, generated, spy):
    # written as a user's `cypher --write` is: the store is stamped with this format version first
    Graph(store).cypher("CREATE (:Entity:Document:Source {id: 'document:00000000000000000000', name: 'Notes'})",
                        write=True)
    before = (store.counts(), store.checksum())
    with pytest.raises(NotEmpty):
        load_paths(store, generated, fresh=True)
    assert spy["started"] == 0 and spy["checked"] == []
    assert_left_alone(store, before)


@pytest.mark.slow
def test_indexes_the_user_made_on_the_empty_graph_are_kept(store, generated, spy, expected):
    store.write("CREATE INDEX FOR (n:Person) ON (n.nickname)")
    load_paths(store, generated)
    assert spy["started"] == 0
    assert (store.counts(), store.checksum()) == expected
    props = {(r[0], p) for r in store.read("CALL db.indexes() YIELD label, properties RETURN label, properties").rows
             for p in r[1]}
    assert ("Person", "nickname") in props


def test_constraints_the_user_made_on_the_empty_graph_are_kept(store, generated, spy, expected):
    """A rename would replace the empty graph, and its constraints with it: the usual path."""
    store.db.connection.execute_command("GRAPH.CONSTRAINT", "CREATE", store.name, "MANDATORY", "NODE", "Person",
                                        "PROPERTIES", 1, "name")
    load_paths(store, generated)
    assert spy["started"] == 0
    assert (store.counts(), store.checksum()) == expected
    assert ("MANDATORY", "Person", ["name"]) in [(c["type"], c["label"], c["properties"])
                                                for c in store.graph.list_constraints()]


def test_a_staging_graph_left_by_a_killed_load_is_dropped(store, generated, spy, expected):
    conn = store.db.connection
    conn.execute_command("GRAPH.QUERY", staging_name(store.name), "CREATE (:Leftover)")
    load_paths(store, generated)
    assert spy["finished"] == 1
    assert (store.counts(), store.checksum()) == expected
    assert staging_name(store.name) not in graphs(store)
    # and `db reset` (store.clear) drops one too
    conn.execute_command("GRAPH.QUERY", staging_name(store.name), "CREATE (:Leftover)")
    store.clear()
    assert staging_name(store.name) not in graphs(store)


@pytest.mark.slow
def test_the_environment_can_turn_it_off(store, generated, spy, monkeypatch, expected):
    monkeypatch.setenv(early_mod.EARLY_MIN_BYTES_ENV, str(1 + sum(p.stat().st_size for p in generated)))
    load_paths(store, generated)
    load_paths(store, generated)
    assert spy["started"] == 0 and spy["checked"] == []
    assert (store.counts(), store.checksum()) == expected


def test_server_start_drops_staging_graphs_no_load_holds(tmp_path):
    """A staging graph a killed load left is deleted when the server next starts, unless a
    load of its graph holds the graph's write lock (then the staging graph is that load's)."""
    from intelgraph.cypher.falkordb.server import EmbeddedServer

    srv = EmbeddedServer(tmp_path / "db")
    srv.start()
    try:
        st = FalkorStore(srv, graph="g")
        st.write("CREATE (:Entity {id: 'kept'})")
        other = FalkorStore(srv, graph="busy")
        conn = st.db.connection
        for name in ("g", "busy"):
            conn.execute_command("GRAPH.QUERY", staging_name(name), "CREATE (:Leftover)")
        with other._writing():  # a load of "busy" is running in another process
            srv.stop()
            srv.start()
            st2 = FalkorStore(srv, graph="g")
            left = graphs(st2)
            assert staging_name("g") not in left
            assert staging_name("busy") in left
            assert st2.read("MATCH (n:Entity) RETURN n.id").rows == [["kept"]]
            st2.close()
        st.close()
        other.close()
    finally:
        srv.stop()


def _more_about_people(generated: list[Path], into: Path) -> list[Path]:
    """The generated files and, read last, a node file that names 40 people again with another
    source: their nodes merge (provenance adds up) after their first file was read."""
    people = next(p for p in generated if p.name == "nodes_Person.csv").read_text().splitlines()
    doc = next(p for p in generated if p.name == "nodes_Document.csv").read_text().splitlines()[1].split(",")[0]
    rows = [people[0]]
    for line in people[1:41]:
        pid, labels, name = line.split(",")[:3]
        rows.append(f"{pid},{labels},{name},{doc},{doc} | named again in a later file")
    into.mkdir()
    more = into / "nodes_Person_again.csv"
    more.write_text("\n".join(rows) + "\n")
    return [*generated, more]


@pytest.fixture(scope="module")
def merged_later(server, generated, tmp_path_factory):
    """The files with the later node file, and the usual path's counts and checksum for them."""
    files = _more_about_people(generated, tmp_path_factory.mktemp("again") / "more")
    return files, usual_path(server, files, "again_ref")


def sent_before_next(point: str, early=None, load=None, upto=None, **_) -> None:
    """A fault hook (docs/reliability.md#fault-injection): make the reader wait, after each block
    of node rows, until the second thread has sent it to the staging graph (otherwise a matter
    of timing)."""
    if point != "early-nodes-posted":
        return
    deadline = time.monotonic() + 60
    while upto and early.started and any(load.node_sent.get(c, 0) < n for c, n in enumerate(upto)):
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.mark.slow
def test_nodes_merged_into_after_they_were_sent_are_rewritten(store, merged_later, spy):
    """Each node file's nodes go to the staging graph while the next file is read; a later row
    of a node already sent is merged into it afterwards, giving the usual path's graph."""
    files, expected = merged_later
    resent = []

    def faults(point, **at):
        sent_before_next(point, **at)  # the case to test
        if point == "nodes-resend":  # (on the staging graph's store, which has the hook too)
            resent.append(len(at["load"].node_resend))

    store.faults = faults
    load_paths(store, files)
    assert spy["finished"] == 1 and resent == [40]
    assert (store.counts(), store.checksum()) == expected


def test_nodes_merged_into_before_they_were_sent_go_as_merged(store, merged_later, spy, monkeypatch):
    """The same, when nothing is sent before the last node file is read: the merged rows' records
    made while reading are stale, and their merged JSON rows are sent instead."""
    from intelgraph.loaders.bulk import append

    files, expected = merged_later
    send = append.BulkNodes.send
    stale = []

    def at_the_end(self, upto=None):
        if upto is not None:
            return True  # nothing before the last node file is read
        stale.append((len(self.st.rows_merged), len(self.st.node_resend)))
        return send(self, upto)

    monkeypatch.setattr(append.BulkNodes, "send", at_the_end)
    load_paths(store, files)
    assert spy["finished"] == 1 and stale == [(40, 0)]
    assert (store.counts(), store.checksum()) == expected


@pytest.mark.slow
def test_node_files_in_many_small_blocks(store, merged_later, spy, monkeypatch):
    """Node files read in blocks of 8 KB (4 MB in use): each block is sent, or checked, while the
    next is read, and a node merged into across blocks comes out as the usual path makes it —
    loaded into the empty graph, then loaded again onto it (checked block by block)."""
    from intelgraph.loaders.bulk import read_nodes

    files, expected = merged_later
    monkeypatch.setattr(read_nodes, "NODE_BLOCK_BYTES", 8192)
    posts = []
    for cls in (early_mod.EarlyWrite, early_mod.EarlyCheck):
        read = cls.node_rows_read

        def counted(self, st, read=read):
            posts.append(type(self).__name__)
            return read(self, st)

        monkeypatch.setattr(cls, "node_rows_read", counted)
    load_paths(store, files)
    load_paths(store, files)
    node_files = [p for p in files if p.name.startswith("nodes_")]
    node_bytes = sum(p.stat().st_size for p in node_files)
    assert spy["finished"] == 1 and len(spy["checked"]) == 1
    for cls in ("EarlyWrite", "EarlyCheck"):  # a post per block and one per file
        assert posts.count(cls) >= node_bytes // 8192 + len(node_files)
    # every node row found unchanged but the 40 merged across files: those are sent as usual
    # (their update changes nothing either: the checksum below)
    assert store.counts()[0] - spy["checked"][0]["nodes"] == 40
    assert (store.counts(), store.checksum()) == expected


def test_a_problem_in_a_later_node_file_leaves_the_graph_empty(store, generated, tmp_path, spy, monkeypatch):
    """Nodes of the first files are in the staging graph when a bad row in the last node file
    is found: the graph stays empty, the staging graph goes, the lock is free."""
    files = _copy(generated, tmp_path / "bad_nodes")
    last = [p for p in files if p.name.startswith("nodes_")][-1]
    lines = last.read_text().splitlines(keepends=True)
    head, labels, rest = lines[-1].split(",", 2)
    lines[-1] = f"{head},Entity;Bogus,{rest}"
    last.write_text("".join(lines))
    staged_at_abort = []
    abort = early_mod.EarlyWrite.abort

    def counted(self):
        if self.started:
            staged_at_abort.append(self.staging.counts()[0])
        return abort(self)

    monkeypatch.setattr(early_mod.EarlyWrite, "abort", counted)
    store.faults = sent_before_next
    before = (store.counts(), store.checksum())
    with pytest.raises(InputErrors) as err:
        load_paths(store, files)
    assert staged_at_abort and staged_at_abort[0] > 0  # nodes had gone out
    assert last.name in str(err.value) and "Bogus" in str(err.value)
    assert (spy["started"], spy["finished"]) == (0, 0)
    assert_left_alone(store, before)


def test_node_segments_never_reach_past_the_rows_counted_in():
    """The reader keeps a block's GRAPH.BULK records just before it stages the block's rows,
    while the node thread sends up to the rows counted at the last post. Segments reaching
    into such a block sent its rows then and again on the next call: a 1M load failed with
    "GRAPH.BULK made 369090 of 347311 nodes". Each row must go out exactly once."""
    from types import SimpleNamespace

    from intelgraph.loaders.bulk.append import _node_segments

    a, b, c = (0, list(range(10))), (10, list(range(10))), (25, list(range(5)))
    st = SimpleNamespace(rows_merged=set(), node_bins={0: [a, b, c]})
    sent = []
    for first, upto in ((0, 10), (10, 14), (14, 20), (20, 30)):  # the rows counted at each post
        segs = list(_node_segments(st, 0, first, upto))
        assert all(first <= lo < hi <= upto for lo, hi, _ in segs), (first, upto, segs)
        sent += [i for lo, hi, _ in segs for i in range(lo, hi)]
    assert sent == list(range(30))
    segs = list(_node_segments(st, 0, 0, 10))
    assert [(lo, hi, blk is a) for lo, hi, blk in segs] == [(0, 10, True)]
    assert [(lo, hi, blk) for lo, hi, blk in _node_segments(st, 0, 20, 30)] == [(20, 25, None), (25, 30, c)]
