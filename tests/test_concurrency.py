"""Concurrency: four loader processes writing overlapping data at once end with the same graph
as one sequential load of the same files.

The four datasets (tests/helpers_synthetic.py) describe the same shared entities and share
facts, each from its own source document with its own claims and gradings, and each adds
entities and facts of its own: every shared node and relationship is MERGEd by all four
loaders, and its provenance lists are merged four times. The loaders are real ``intelgraph
load`` processes started together with small batches. On the embedded engine each load holds
the graph's write lock from its check of the nodes it refers to until its last write (a delete
in between must not drop facts: issue 14 item 8), so the four read and validate at once and
then write one after another.

Uniqueness rests on the engine's own constraint (FalkorDB: ``GRAPH.CONSTRAINT`` UNIQUE on
``Entity.id``, which the test checks refuses a duplicate); FalkorDB runs one write query per
graph at a time, so a MERGE never races another. Neo4j runs transactions concurrently: a MERGE
that loses a race to another transaction's node fails on the unique constraint, and the store
runs such idempotent load statements again — the decision is tested here as a pure function
(no Neo4j server is needed to check which codes are retried and how long the back-off is).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers_synthetic import write_overlapping
from intelgraph.api import load_paths
from intelgraph.cypher.falkordb.server import EmbeddedServer
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import StoreError

pytestmark = pytest.mark.slow  # concurrent loads of real processes: over a minute

CLI = str(Path(sys.executable).with_name("intelgraph"))
LOADERS = 4


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    return write_overlapping(tmp_path_factory.mktemp("overlap"), n_files=LOADERS, n_shared_entities=200,
                             n_own_entities=60, n_shared_facts=250, n_own_facts=200, n_claims=15, seed=7)


@pytest.fixture(scope="module")
def sequential(server, files):
    """One sequential load of the four files: counts, checksum, and provenance as sets."""
    st = FalkorStore(server, graph=f"seq_{os.getpid()}")
    st.clear()
    load_paths(st, files, batch_size=1000)
    ref = {"counts": st.counts(), "checksum": st.checksum(provenance_as_sets=True),
           "provenance": provenance_sets(st)}
    st.clear()
    st.close()
    return ref


def provenance_sets(st) -> dict[str, tuple]:
    out = {}
    for nid, s, e, c in st.iter_read("MATCH (n:Entity) RETURN n.id, n.sources, n.evidence, n.claims ORDER BY n.id"):
        out[nid] = (frozenset(s or ()), frozenset(e or ()), frozenset(c or ()))
    for rid, s, e, c, rel, cred in st.iter_read("MATCH ()-[r]->() RETURN r.id, r.sources, r.evidence, r.claims, "
                                                "r.reliability, r.credibility ORDER BY r.id"):
        out[rid] = (frozenset(s or ()), frozenset(e or ()), frozenset(c or ()), rel, cred)
    return out


def start_loaders(db: Path, graph: str, files: list[Path], batch: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([CLI, "--db", str(db), "--graph", graph, "load", "-q", "--batch-size", str(batch),
                              str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for f in files]


def finish(procs: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    out = []
    for p in procs:
        o, e = p.communicate(timeout=300)
        out.append((p.returncode, o, e))
    return out


def first_sources(st) -> set[str]:
    """The first entry of each shared node's and relationship's sources list: the loader whose
    write reached it first. One value means the loads did not interleave."""
    rows = (st.read("MATCH (n:Entity) WHERE size(n.sources) > 1 RETURN n.sources").rows
            + st.read("MATCH ()-[r]->() WHERE size(r.sources) > 1 RETURN r.sources").rows)
    return {r[0][0] for r in rows}


def has_open(pid: int, path: str) -> bool:
    try:
        return any(os.readlink(fd) == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@pytest.mark.parametrize("batch", [7, 50])
def test_four_loaders_at_once_equal_one_sequential_load(server, files, sequential, batch):
    graph = f"conc{batch}_{os.getpid()}"
    st = FalkorStore(server, graph=graph)
    st.clear()  # a fresh graph: the four loaders also race to create its indexes and constraint
    try:
        t0 = time.monotonic()
        # a starting gun: hold the graph's write lock until all four loaders wait on it at their
        # first write (they have read and validated their files by then), so they really write
        # at once instead of one finishing before another has started up
        with st._writing():
            lock = os.readlink(f"/proc/self/fd/{st._write_fd}")
            procs = start_loaders(server.dir, graph, files, batch)
            deadline = time.monotonic() + 120
            while not all(has_open(p.pid, lock) for p in procs) and time.monotonic() < deadline:
                assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
                time.sleep(0.02)
        results = finish(procs)
        elapsed = time.monotonic() - t0
        for code, _, err in results:
            assert code == 0, err
        assert st.counts() == sequential["counts"]
        assert provenance_sets(st) == sequential["provenance"]
        assert st.checksum(provenance_as_sets=True) == sequential["checksum"]
        # the loads really interleaved: different loaders reached different shared nodes first
        firsts = first_sources(st)
        print(f"\n{LOADERS} loaders at batch {batch}: {elapsed:.1f}s, first writers of shared nodes: {len(firsts)}")
        assert len(firsts) == 1  # one load wrote all its batches before the next began (see above)
        # uniqueness is the engine's: the constraint is in place and refuses a duplicate id
        constraints = st.graph.list_constraints()
        assert {"type": "UNIQUE", "label": "Entity", "properties": ["id"], "entitytype": "NODE",
                "status": "OPERATIONAL"} in constraints
        some_id = st.read("MATCH (n:Entity) RETURN n.id LIMIT 1").scalar()
        with pytest.raises(StoreError):
            st.write("CREATE (:Entity {id: $id})", {"id": some_id})
    finally:
        st.clear()
        st.close()


def test_four_loaders_auto_starting_one_server(tmp_path, files, sequential):
    """No server is running: the four commands race to start the embedded server. Exactly one
    server must come up, none may stop it while another still writes, and the last one out
    stops it (it was started on demand)."""
    db = tmp_path / "db"
    results = finish(start_loaders(db, "g", files, 10))
    for code, _, err in results:
        assert code == 0, err
    srv = EmbeddedServer(db)
    try:
        assert not srv.is_running(), "the server started on demand outlived its last user"
        st = FalkorStore(srv, graph="g")
        assert st.counts() == sequential["counts"]
        assert st.checksum(provenance_as_sets=True) == sequential["checksum"]
        st.close()
    finally:
        srv.stop()
    log = (db / "server.log").read_text(errors="replace")
    # one server process per start: four racing starts must not have started four
    assert log.count("Server initialized") == 2, log[-3000:]


def test_provenance_lists_hold_each_source_once(server, files):
    """Running the same file twice at once (the worst overlap) adds nothing twice."""
    graph = f"twice_{os.getpid()}"
    st = FalkorStore(server, graph=graph)
    st.clear()
    try:
        results = finish(start_loaders(server.dir, graph, [files[0]] * LOADERS, 5))
        for code, _, err in results:
            assert code == 0, err
        for (lst,) in st.read("MATCH (n:Entity) RETURN n.evidence").rows + st.read("MATCH ()-[r]->() RETURN r.evidence").rows:
            assert len(lst) == len(set(lst))
        once = FalkorStore(server, graph=graph + "_once")
        once.clear()
        load_paths(once, [files[0]])
        assert st.checksum() == once.checksum()  # one file: even the stored order is the same
        once.clear()
        once.close()
    finally:
        st.clear()
        st.close()


# -- Neo4j: which failures are retried ------------------------------------------------------
def test_neo4j_retry_decision():
    from intelgraph.cypher.neo4j_store import retry_delay

    rng = random.Random(1)
    conflict = "Neo.ClientError.Schema.ConstraintValidationFailed"
    # a MERGE that lost a race on the unique constraint: retried with growing, bounded delays
    delays = [retry_delay(conflict, attempt, idempotent=True, rng=rng) for attempt in range(1, 6)]
    assert all(d is not None and 0 < d <= 2.0 for d in delays), delays
    assert delays[0] < delays[3]
    # ... a bounded number of times
    assert retry_delay(conflict, 6, idempotent=True, rng=rng) is None
    # never for a statement that is not idempotent (a CREATE would fail the same way again)
    assert retry_delay(conflict, 1, idempotent=False, rng=rng) is None
    # deadlocks and other transient errors are retried too (when they outlast the driver's own
    # retries); syntax, type, auth and read-only errors never are
    assert retry_delay("Neo.TransientError.Transaction.DeadlockDetected", 1, idempotent=True, rng=rng)
    for code in ("Neo.ClientError.Statement.SyntaxError", "Neo.ClientError.Statement.TypeError",
                 "Neo.ClientError.Security.Unauthorized", "Neo.ClientError.Schema.ConstraintViolation",
                 "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", "", None):
        assert retry_delay(code, 1, idempotent=True, rng=rng) is None, code


def test_neo4j_schema_statement_already_done_by_another_loader():
    from intelgraph.cypher.neo4j_store import schema_already_exists

    assert schema_already_exists("Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists")
    assert schema_already_exists("Neo.ClientError.Schema.ConstraintAlreadyExists")
    assert schema_already_exists("Neo.ClientError.Schema.IndexAlreadyExists")
    assert not schema_already_exists("Neo.ClientError.Schema.ConstraintValidationFailed")
    assert not schema_already_exists(None)


def test_load_statements_run_as_idempotent_writes(server, files):
    """The loader marks its MERGE batches idempotent (so an engine may run them again after a
    lost race), and nothing else: a fresh-graph CREATE load is not."""
    from intelgraph.loaders.api import read_any
    from intelgraph.loaders.plan import write_plan

    calls: list[bool] = []

    class Recording(FalkorStore):
        def write_idempotent(self, cypher, params=None, timeout=None):
            calls.append(True)
            return super().write_idempotent(cypher, params, timeout)

        def write(self, cypher, params=None, timeout=None):
            calls.append(False)
            return super().write(cypher, params, timeout)

    st = Recording(server, graph=f"idem_{os.getpid()}")
    st.clear()
    try:
        plan = read_any(files[0])
        write_plan(st, plan, batch_size=100)
        merges = list(calls)
        assert merges.count(True) >= 2
        calls.clear()
        st.clear()
        write_plan(st, plan, batch_size=100, fresh=True)
        assert calls.count(False) >= 2 and True not in calls  # CREATE batches were written, none as idempotent
    finally:
        st.clear()
        st.close()


@pytest.mark.parametrize("batch", [7, 50])
def test_four_loaders_at_once_on_neo4j_equal_one_sequential_load(request, files, sequential, batch, tmp_path):
    """The same race on a live Neo4j, whose transactions do run at once: MERGEs of one node in
    two transactions deadlock or lose on the unique constraint, and the store's managed
    transactions (execute_write) and idempotent re-runs must end with the sequential graph —
    the one the embedded engine builds from the same files."""
    from conftest import open_neo4j

    st = open_neo4j(request)  # wiped: the loaders also race to create the constraint and indexes
    uri, user, password = request.getfixturevalue("neo4j_settings")
    env = {**os.environ, "INTELGRAPH_ENGINE": "neo4j", "NEO4J_URI": uri, "NEO4J_USER": user,
           "NEO4J_PASSWORD": password}
    try:
        t0 = time.monotonic()
        procs = [subprocess.Popen([CLI, "load", "-q", "--batch-size", str(batch), str(f)], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
        results = finish(procs)
        elapsed = time.monotonic() - t0
        for code, _, err in results:
            assert code == 0, err
        assert st.counts() == sequential["counts"]
        assert provenance_sets(st) == sequential["provenance"]
        assert st.checksum(provenance_as_sets=True) == sequential["checksum"]
        firsts = first_sources(st)
        print(f"\n{LOADERS} loaders on Neo4j at batch {batch}: {elapsed:.1f}s, first writers of shared nodes: "
              f"{len(firsts)}")
        assert len(firsts) > 1  # the loads interleaved
        some_id = st.read("MATCH (n:Entity) RETURN n.id LIMIT 1").scalar()
        with pytest.raises(StoreError):
            st.write("CREATE (:Entity {id: $id})", {"id": some_id})
    finally:
        from conftest import wipe_neo4j

        wipe_neo4j(st)
        st.close()


def write_differing(tmp: Path, n_files: int = LOADERS, n_shared: int = 120) -> list[Path]:
    """``n_files`` datasets, each from its own report, that describe the same ports and the same
    consignments' cargo differently: every shared node and relationship ends with explicit
    statements, one per source and property."""
    files = []
    for i in range(n_files):
        quotes = [f"Port {k} lies at {40 + i + k / 1000:.3f} N" for k in range(n_shared)]
        quotes += [f"Consignment {k} carried {i + 1} drones" for k in range(n_shared)]
        (tmp / f"report{i}.txt").write_text("\n".join(quotes), encoding="utf-8")
        lines = [f"dataset: differing{i}", "sources:",
                 f"  - {{ref: doc, kind: Document, name: Report {i}, date: 2022-0{i + 1}-01, reliability: C, "
                 f"file: report{i}.txt}}", "entities:",
                 "  - {ref: drone, kind: Materiel, name: Drone, materiel_type: drone, "
                 "evidence: [{source: doc, quote: drones}]}"]
        for k in range(n_shared):
            lines.append(f"  - {{ref: p{k}, kind: Port, name: Port {k}, lat: {40 + i + k / 1000:.3f}, "
                         f"evidence: [{{source: doc, quote: \"Port {k} lies\"}}]}}")
            lines.append(f"  - {{ref: s{k}, kind: Shipment, name: Consignment {k}, "
                         f"evidence: [{{source: doc, quote: \"Consignment {k} carried\"}}]}}")
        lines.append("facts:")
        for k in range(n_shared):
            lines.append(f"  - {{type: CONTAINS, from: s{k}, to: drone, props: {{quantity: {i + 1}}}, "
                         f"evidence: [{{source: doc, quote: \"Consignment {k} carried {i + 1} drones\"}}]}}")
        path = tmp / f"differing{i}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    return files


def test_concurrent_loads_on_neo4j_lose_no_statement(request, tmp_path):
    """Issue 12 point 1, concurrency: four loads that give the same ports and cargo different
    values, run at once on Neo4j with small batches, end with every source's statements — the
    graph the same four loads give one after another. (Each merge reads a record's statements
    and writes them back merged; the write takes the record's lock and checks that nothing
    changed since the read, else the batch is read and merged again.)"""
    from conftest import open_neo4j, wipe_neo4j

    files = write_differing(tmp_path)
    st = open_neo4j(request)
    uri, user, password = request.getfixturevalue("neo4j_settings")
    env = {**os.environ, "INTELGRAPH_ENGINE": "neo4j", "NEO4J_URI": uri, "NEO4J_USER": user,
           "NEO4J_PASSWORD": password}
    try:
        for f in files:
            load_paths(st, [f], batch_size=5)
        expected = st.checksum(provenance_as_sets=True)
        ports = "MATCH (n:Port) RETURN n.name, size(n.statements) ORDER BY n.name"
        # name, lat: one statement per report for each; the best (latest) report's lat chosen
        assert {r[1] for r in st.read(ports).rows} == {2 * LOADERS}
        assert st.read("MATCH (n:Port {name: 'Port 7'}) RETURN n.lat").scalar() == float(f"{40 + LOADERS - 1 + 0.007:.3f}")
        assert st.read("MATCH ()-[r:CONTAINS]->() RETURN collect(DISTINCT size(r.statements)), "
                       "collect(DISTINCT r.quantity)").rows == [[[LOADERS], [LOADERS]]]
        wipe_neo4j(st)
        procs = [subprocess.Popen([CLI, "load", "-q", "--batch-size", "5", str(f)], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
        for code, _, err in finish(procs):
            assert code == 0, err
        assert {r[1] for r in st.read(ports).rows} == {2 * LOADERS}
        assert st.checksum(provenance_as_sets=True) == expected
    finally:
        wipe_neo4j(st)
        st.close()
