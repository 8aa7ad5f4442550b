"""A graph changed between a load's checks and its writes (issue 14 item 8): a load whose input
refers to nodes of the graph checks them when it reads the input; a ``db reset`` (or a delete)
before it writes must end the load with an error and nothing written — not a load that reports
"2 relationship records" and writes one.

The interleaving is made deterministic with the graph's write lock itself: the test holds it
(through a second store), starts the load in a thread, waits until the kernel lists that thread
as blocked on the lock (``/proc/locks``), deletes a node, and lets go."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from intelgraph.api import load_paths, read_plans
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import StoreError
from intelgraph.graph.ids import node_id
from intelgraph.loaders.bulk import stage_csv, write_staged
from intelgraph.loaders.plan import write_plan

TEXT = "Alice Example works for Bob Corp in Springfield since 2020. Carol Example works there too.\n"


def _base(folder: Path) -> Path:
    (folder / "doc.txt").write_text(TEXT, encoding="utf-8")
    path = folder / "base.yaml"
    path.write_text("""dataset: base
sources:
- {ref: doc, kind: Document, name: Base document, file: doc.txt}
entities:
- {ref: a, kind: Person, name: Alice Example, evidence: [{source: doc, quote: Alice Example}]}
- {ref: c, kind: Person, name: Carol Example, evidence: [{source: doc, quote: Carol Example}]}
- {ref: b, kind: Organisation, name: Bob Corp, evidence: [{source: doc, quote: Bob Corp}]}
""", encoding="utf-8")
    return path


def _facts(folder: Path) -> tuple[Path, str]:
    """A dataset of two facts between nodes of the graph (named by id); and Carol's id."""
    alice, carol = node_id("Person", ["Alice Example"]), node_id("Person", ["Carol Example"])
    bob = node_id("Organisation", ["Bob Corp"])
    (folder / "doc2.txt").write_text(TEXT, encoding="utf-8")
    path = folder / "facts.yaml"
    path.write_text(f"""dataset: facts
sources:
- {{ref: doc2, kind: Document, name: Second document, file: doc2.txt}}
facts:
- {{type: MEMBER_OF, from: "{alice}", to: "{bob}", evidence: [{{source: doc2, quote: works for Bob Corp}}]}}
- {{type: MEMBER_OF, from: "{carol}", to: "{bob}", evidence: [{{source: doc2, quote: works there too}}]}}
""", encoding="utf-8")
    return path, carol


def _delete(store, nid: str) -> None:
    store.write("MATCH (n:Entity {id: $id}) DETACH DELETE n", {"id": nid})


def test_plan_rechecks_its_references_under_the_lock(store, tmp_path):
    load_paths(store, [_base(tmp_path)])
    facts, carol = _facts(tmp_path)
    [plan] = read_plans(store, [facts])  # the references are checked here: all in the graph
    _delete(store, carol)  # a delete between the check and the write
    before = store.checksum()
    with pytest.raises(StoreError, match=f"no longer in.*{carol}.*nothing was written"):
        write_plan(store, plan)
    assert store.checksum() == before


def _blocked_on(lock_path: Path, timeout: float = 60.0) -> None:
    """Wait until some process's thread is listed by the kernel as waiting for ``lock_path``."""
    inode = os.stat(lock_path).st_ino
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open("/proc/locks", encoding="ascii") as fh:
            for line in fh:
                fields = line.split()
                if "->" in fields and any(f.endswith(f":{inode}") for f in fields):
                    return
        time.sleep(0.01)
    raise AssertionError("the load never waited for the write lock")


def _lock_file(store: FalkorStore) -> Path:
    [path] = [p for p in (store.server.dir / "locks").iterdir()
              if os.stat(p).st_ino == os.fstat(store._write_fd).st_ino]
    return path


def _interleaved(server, graph: str, load, delete) -> tuple[object, list]:
    """Run ``load()`` in a thread while holding ``graph``'s write lock; once the load waits for
    the lock, ``delete(holder)`` runs under it; then the lock is let go."""
    holder = FalkorStore(server, graph=graph)
    outcome: list = []

    def work() -> None:
        try:
            outcome.append(load())
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    try:
        with holder.writing():
            t = threading.Thread(target=work)
            t.start()
            _blocked_on(_lock_file(holder))
            delete(holder)
        t.join(120)
        assert not t.is_alive()
    finally:
        holder.close()
    return holder, outcome


def test_a_delete_while_a_dataset_load_waits_for_the_lock(store, server, tmp_path):
    load_paths(store, [_base(tmp_path)])
    facts, carol = _facts(tmp_path)
    _, [outcome] = _interleaved(server, store.name, lambda: load_paths(store, [facts]),
                                lambda holder: _delete(holder, carol))
    assert isinstance(outcome, StoreError), f"the load reported {outcome!r}"
    assert carol in str(outcome)
    assert store.read("MATCH ()-[r:MEMBER_OF]->() RETURN count(r)").scalar() == 0  # nothing written


@pytest.mark.parametrize("change", ["reset", "delete"])
def test_a_change_while_a_csv_load_waits_for_the_lock(store, server, tmp_path, change):
    load_paths(store, [_base(tmp_path)])
    alice, carol = node_id("Person", ["Alice Example"]), node_id("Person", ["Carol Example"])
    bob = node_id("Organisation", ["Bob Corp"])
    rels = tmp_path / "rels.csv"
    rels.write_text(f":START_ID,:END_ID,:TYPE\n{alice},{bob},MEMBER_OF\n{carol},{bob},MEMBER_OF\n", encoding="utf-8")
    staged = stage_csv([rels], "Second document", store=store)
    assert staged is not None  # the fast path: its ends were looked up, as internal ids
    try:
        _, [outcome] = _interleaved(server, store.name, lambda: write_staged(store, staged),
                                    (lambda holder: holder.clear()) if change == "reset"
                                    else (lambda holder: _delete(holder, carol)))
    finally:
        staged.close()
    assert isinstance(outcome, StoreError), f"the load reported {outcome!r}"
    assert "no longer in" in str(outcome) and "nothing was written" in str(outcome), outcome
    assert store.counts() == ((0, 0) if change == "reset" else (3, 0))  # nothing written


def test_a_batch_that_writes_fewer_rows_than_it_was_given_is_an_error(engine_store):
    """The last guard, on every engine: a relationship batch whose end node is gone (deleted by a
    writer that does not queue on the lock, or on Neo4j, which has none) ends the load."""
    from intelgraph.cypher.statements import relationship_merge_statement
    from intelgraph.graph.schema import load_schema

    schema = load_schema()
    engine_store.write("CREATE (:Entity:Actor:Person {id: 'person:a'}), (:Entity:Actor:Person {id: 'person:b'})")
    rows = [{"id": f"rel:{n}", "s": "person:a", "t": t, "props": {}, "dates": {}, "sources": ["doc:x"],
             "evidence": [], "claims": [], "reliability": None, "credibility": None}
            for n, t in enumerate(["person:b", "person:gone"])]
    stmt = relationship_merge_statement(schema, schema.rel("MEMBER_OF"))
    with pytest.raises(StoreError, match="only 1 of 2 rows"):
        engine_store.write_batches(stmt, rows, counted=True)
    assert engine_store.write_batches(stmt, rows[:1], counted=True) == 1
