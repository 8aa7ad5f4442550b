"""Work done on the graph while a CSV load is still being read.

The fast reader (:func:`~intelgraph.loaders.bulk.stage_csv`) validates every file before the
graph changes. Reading is client work and writing mostly server work, so on two cores they
overlap here instead of following each other: a second thread works on the graph while the main
thread reads the files.

* **An empty graph** (:class:`EarlyWrite`): each block of a node file (4 MB) is appended in
  bulk while the next block is read — the server's work on them (five indexes, the
  full-text index, the unique constraint: most of a big load's server time) runs during the
  reading — and once the node files are all read their internal ids are read back. Their
  bulk-append records are made column-wise as the files are read (``StagedLoad.node_bins``);
  a node that a later file names again is merged as usual, then set to its merged row once its
  id is known (``BulkNodes``). They go into a private *staging graph*
  (:meth:`~intelgraph.cypher.store.BulkAppend.open_staging`, made with the schema's indexes and
  constraint); when every file has been read and checked the relationships follow and the
  staging graph replaces the empty graph in one step. A problem in a later file, a fallback to the thorough reader
  or a crash leaves the graph as it was, empty; a staging graph left by a killed load is deleted
  by the next server start, the next load of that graph or ``db reset``.
* **A graph that holds something** (:class:`EarlyCheck`): the thread looks the load's nodes up
  and asks, read-only, which node and relationship rows would change nothing; the write then
  sends only the others (for a reload of the same files: nothing).

The graph's write lock is held from :func:`begin` (which looks at the graph) to the end, so no
other intelgraph writer changes the graph in between: they queue, as for any load. Used for CSV
inputs loaded alone (no datasets beside them) into a store that can append in bulk, unless ``fresh=True`` meets
a graph that is not empty (refused later) or an empty graph has indexes or constraints the schema
does not make (kept: the usual path).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from intelgraph.cypher.store import BulkAppend
from intelgraph.loaders import columnar
from intelgraph.loaders.plan import COMPACT_AFTER_ROWS, LoadStats

if TYPE_CHECKING:
    from intelgraph.loaders.bulk import StagedLoad

# Measured, the early ways are never slower, even for a 136 KB input (0.053 s either way) and
# faster from 1 MB on (10k relationships: 0.18 s instead of 0.29 s; a reload 0.18 s instead of
# 0.32 s), so every CSV load takes them. The environment variable sets a size below which a load
# is staged whole first, then written (the tests run loads both ways).
EARLY_MIN_BYTES = 0
EARLY_MIN_BYTES_ENV = "INTELGRAPH_EARLY_MIN_BYTES"


def early_min_bytes() -> int:
    try:
        return int(os.environ.get(EARLY_MIN_BYTES_ENV, EARLY_MIN_BYTES))
    except ValueError:
        return EARLY_MIN_BYTES


def begin(store: BulkAppend, inputs: Sequence[Any], fresh: bool | None) -> EarlyWrite | EarlyCheck | None:
    """Work to do while the CSV ``inputs`` (as :func:`~intelgraph.loaders.bulk.stage_csv` takes
    them) are read: an :class:`EarlyWrite` into an empty graph, an :class:`EarlyCheck` of a graph
    that holds something; None (the usual path) for little input, with ``fresh=True`` on a graph
    that is not empty (refused later), or on an empty graph that has indexes or constraints of its
    own. Either holds the graph's write lock until it finishes or is aborted. Only for a store with
    the :class:`~intelgraph.cypher.store.BulkAppend` capability (:func:`intelgraph.api.load_paths`
    chooses)."""
    from intelgraph.loaders.bulk import graph_is_empty
    from intelgraph.loaders.csv_header import group_inputs

    try:
        size = sum(Path(f).stat().st_size for inp in group_inputs(list(inputs)) for f in inp.files)
    except OSError:
        return None  # the reader says which file is missing
    if size < early_min_bytes():
        return None
    hold = contextlib.ExitStack()
    staging: BulkAppend | None = None
    try:
        hold.enter_context(store.writing())
        if not graph_is_empty(store):
            if fresh:
                hold.close()
                return None
            store.apply_schema()  # and wait for its indexes: the checks look nodes up by id
            return EarlyCheck(store, fresh, hold)
        staging = store.open_staging()
        if staging is None:  # indexes or constraints the user made on the empty graph: keep them (usual path)
            hold.close()
            return None
        hold.enter_context(store.big_write())  # compacted once at the end
        return EarlyWrite(store, staging, fresh, hold)
    except BaseException:
        store.discard_staging(staging)
        hold.close()
        raise


class _Early:
    """What both ways share: the write lock (held in ``hold`` from :func:`begin`), the second
    thread, and the end — :meth:`finish` (in the subclasses), or :meth:`abort`."""

    #: whether the reader should keep blocks of node rows as bulk-append records too
    #: (:attr:`~intelgraph.loaders.bulk.staged.StagedLoad.node_bins`)
    bulk_bins = False

    def __init__(self, store: BulkAppend, fresh: bool | None, hold: contextlib.ExitStack):
        self.store = store
        self.fresh = fresh
        self._hold = hold
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._cancel = False
        self.done = False
        self._closed = False

    @property
    def started(self) -> bool:
        return self._thread is not None

    def _start(self, work: Callable[[], None], name: str) -> None:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - handed to finish()
                self._error = exc

        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def _join(self) -> None:
        """Wait for the second thread; its error is ours."""
        assert self._thread is not None
        self._stopping()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Abandon the load: stop the second thread, undo what it did, release the lock."""
        self._cancel = True
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cancel = self._cancel or not self.done
        self._stopping()
        try:
            if self._thread is not None:
                self._thread.join()
            self._closing()
        finally:
            self._hold.close()

    def node_rows_read(self, st: StagedLoad) -> None:
        """The reader has staged more node rows (of ``st``): a block, or a file."""

    def unchanged_rel_rows(self) -> dict[int, np.ndarray]:
        """Once the reading is over: the rows of each relationship block (by position in
        ``st.rel_blocks``) found to change nothing, which will not be written."""
        return {}

    def _stopping(self) -> None:
        """Tell the second thread that no more is coming (the reading is over)."""

    def _closing(self) -> None:
        """Undo what the second thread did, unless :attr:`done`."""


class EarlyWrite(_Early):
    """One load into an empty graph through a staging graph; see the module's docstring.

    ``begin`` takes the write lock and checks the graph; the reader calls :meth:`node_rows_read`
    after each block of node rows (they are sent while the next is read) and :meth:`nodes_staged`
    when they are all read; the caller then :meth:`finish`es (relationships, rename) or
    :meth:`abort`s (nothing of the load remains)."""

    bulk_bins = True

    def __init__(self, store: BulkAppend, staging: BulkAppend, fresh: bool | None, hold: contextlib.ExitStack):
        super().__init__(store, fresh, hold)
        self.staging = staging
        self._iid: array | None = None
        self.stats = LoadStats()
        self.nodes_written = 0
        self._upto: tuple[list[int] | None, bool] = ([], False)  # rows per layout read so far; the last?
        self._wake = threading.Event()

    def node_rows_read(self, st: StagedLoad) -> None:
        """More node rows are staged (a block or a file): the second thread appends them to the
        staging graph (started with the first rows)."""
        self._post((([len(rows) for rows in st.node_rows]), False), st)

    def nodes_staged(self, st: StagedLoad) -> None:
        """Every node file is read: the second thread appends what is left, then reads the
        nodes' internal ids back."""
        self._post((None, True), st)

    def _post(self, what: tuple[list[int] | None, bool], st: StagedLoad) -> None:
        self._upto = what
        if self._thread is None:
            if not any(st.node_rows):
                return  # only relationships so far (or at all: they need the graph's nodes, the usual path)
            self._start(lambda: self._nodes(st), "intelgraph-early-nodes")
        self._wake.set()
        # the reader goes on once this returns: a test may hold it until the rows posted are sent
        self.store.fault_point("early-nodes-posted", early=self, load=st, upto=what[0])

    def _nodes(self, st: StagedLoad) -> None:
        from intelgraph.loaders.bulk.append import BulkNodes

        def count(n: int) -> None:
            self.nodes_written += n

        nodes = BulkNodes(self.staging, st, self.stats, count, cancelled=lambda: self._cancel, release=True)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                upto, last = self._upto
                if self._cancel or not nodes.send(upto):
                    return
                if last:
                    break
            self._iid = nodes.finish()
        finally:
            nodes.close()

    def _stopping(self) -> None:
        self._wake.set()

    def finish(self, st: StagedLoad, progress: Callable[[int], None] | None = None) -> LoadStats:
        """Relationships, then the staging graph becomes the graph. ``st`` must be the load whose
        nodes :meth:`nodes_staged` saw, validated whole."""
        from intelgraph.loaders.bulk import NotEmpty, graph_is_empty
        from intelgraph.loaders.bulk.append import _bulk_rels

        try:
            self._join()
            st.mode = "merge" if self.fresh is False else "fresh"  # as write_staged names it
            if progress is not None:
                progress(self.nodes_written)
            assert self._iid is not None
            _bulk_rels(self.staging, st, self._iid, self.stats, progress)
            if not graph_is_empty(self.store):  # cannot happen under our lock; but never clobber
                raise NotEmpty(f"graph {self.store.name!r} changed while it was being loaded")
            self.store.replace_with(self.staging)
            self.done = True
        finally:
            self.close()
        stats = self.stats
        if stats.nodes + stats.relationships >= COMPACT_AFTER_ROWS:
            self.store.compact()
        return stats

    def _closing(self) -> None:
        if self.done:
            self.staging.close()
        else:
            self.store.discard_staging(self.staging)


class EarlyCheck(_Early):
    """A load into a graph that holds something. While the files are read, a second thread
    looks up the ids of each block of node rows as soon as it is read, then asks, read-only, which node
    rows and which relationship rows (those read column-wise, a block at a time as the reader
    makes them) would change nothing; :meth:`finish` then writes the rest
    (:func:`~intelgraph.loaders.bulk.write_staged` with ``pre``) — for a reload of the same
    files, nothing. What it found stays true: the write lock is held from :func:`begin` on, so no
    other intelgraph writer changes the graph in between. Rows it could not place (a node this
    load creates, one only named) are simply written as usual."""

    BATCH = 5000

    def __init__(self, store: BulkAppend, fresh: bool | None, hold: contextlib.ExitStack):
        super().__init__(store, fresh, hold)
        self._nodes_read = False
        self._reading = True
        self._wake = threading.Event()
        self.iid = array("q")  # dense node number -> internal id (-1: not in the graph)
        self.unchanged_nodes = bytearray()  # by dense number
        self.unchanged_rels: dict[int, np.ndarray] = {}  # by position in st.rel_blocks: a mask of rows

    def node_rows_read(self, st: StagedLoad) -> None:
        if self._thread is None:
            self._start(lambda: self._check(st), "intelgraph-early-check")
        self._wake.set()

    def nodes_staged(self, st: StagedLoad) -> None:
        self._nodes_read = True
        self.node_rows_read(st)

    def _stopping(self) -> None:
        self._reading = False
        self._wake.set()

    def unchanged_rel_rows(self) -> dict[int, np.ndarray]:
        """Waits for the check (the reading is over): it has then seen every block."""
        if self._thread is None:
            return {}
        self._join()
        return self.unchanged_rels

    def _ro(self, text: str) -> Any:
        return json.loads(self.store.load_query(text, read_only=True, limited=False))

    def _check(self, st: StagedLoad) -> None:
        """The read-only queries go out on two connections at once (FalkorDB runs read queries
        on THREAD_COUNT threads, two here), at most four batches in flight."""
        from concurrent.futures import ThreadPoolExecutor

        from intelgraph.cypher.statements import (
            node_check_statement, node_lookup_statement, relationship_unchanged_statement)
        from intelgraph.loaders.bulk.common import _cypher_text
        from intelgraph.loaders.bulk.send import known_row, lookup_query

        schema, batch = st.schema, self.BATCH
        iid = array("q")
        slots = threading.BoundedSemaphore(4)
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="intelgraph-early-check")
        pending: list[Any] = []

        def submit(make_text: Callable[[], str], use: Callable[[Any], None]) -> None:
            slots.acquire()

            def task() -> None:
                try:
                    if not self._cancel:
                        use(self._ro(make_text()))
                finally:
                    slots.release()

            pending.append(pool.submit(task))

        def settle() -> None:  # wait for what is in flight; its first error is ours
            for f in pending:
                f.result()
            pending.clear()

        try:
            # each block of node rows as it is read (while the next one is read): looked up by
            # id, and whether each would change nothing, in one query; ids without a row (only
            # named) looked up alone. A later file may add to a node (never change its id): such a
            # row is written as usual (StagedLoad.rows_merged)
            lookup = " " + node_lookup_statement(schema)
            unchanged = bytearray()

            def found(pairs: Any) -> None:
                for d, x in pairs:
                    iid[d] = x

            def checked_rows(triples: Any) -> None:
                for d, x, same in triples:
                    iid[d] = x
                    if same:
                        unchanged[d] = 1

            checked: dict[int, int] = {}
            while not self._cancel:
                done = self._nodes_read
                staged = [len(rows) for rows in st.node_rows]  # before the ids: every row's id is numbered
                have = len(st.node_ids)
                if len(iid) < have:
                    first = len(iid)
                    iid.extend(array("q", [-1]) * (have - first))
                    unchanged.extend(bytes(have - first))
                    named = [d for d in range(first, have) if not st.in_load[d]]
                    for a in range(0, len(named), batch):
                        submit(lambda chunk=named[a:a + batch]: lookup_query(st, chunk, lookup), found)
                for code, end in enumerate(staged):
                    rows, start = st.node_rows[code], checked.get(code, 0)
                    if end <= start:
                        continue
                    checked[code] = end
                    kind, props, dates = st.node_layouts[code]
                    stmt = " " + node_check_statement(schema, schema.kind(kind), props, dates)
                    for a in range(start, end, batch):
                        chunk = rows[a:min(a + batch, end)]
                        submit(lambda chunk=chunk, stmt=stmt: "CYPHER rows=[" + ",".join(
                            known_row(0, row) for row in chunk) + "]" + stmt, checked_rows)
                if done and len(iid) == len(st.node_ids):
                    break
                if not done:
                    self._wake.wait(0.05)
                    self._wake.clear()
            settle()
            rows_of, loc = st.node_rows, st.node_loc
            for at in st.rows_merged:  # merged into after it was checked (or before): written as usual
                row = rows_of[at >> 24][at & 0xFFFFFF]
                unchanged[int(row[row.rindex(",") + 1:-1])] = 0
            for d in np.flatnonzero(np.frombuffer(unchanged, dtype=np.uint8)).tolist():
                at = loc[d]
                rows_of[at >> 24][at & 0xFFFFFF] = None  # not to be written: its memory back now
            self.iid, self.unchanged_nodes = iid, unchanged
            # relationship blocks, as the reader adds them
            iids = np.frombuffer(iid, dtype=np.int64)
            texts = _ValueTexts(st.values, _cypher_text)
            stmts: dict[int, str] = {}
            k = 0
            while not self._cancel:
                if k >= len(st.rel_blocks):
                    if not self._reading and k >= len(st.rel_blocks):
                        break
                    self._wake.wait(0.05)
                    self._wake.clear()
                    continue
                blk = st.rel_blocks[k]
                if blk.code not in stmts:
                    rtype = st.rel_layouts[blk.code][0]
                    stmts[blk.code] = " " + relationship_unchanged_statement(schema, schema.rel(rtype), (), ())
                a, b = _known_ends(iids, blk.start), _known_ends(iids, blk.end)
                same = self.unchanged_rels[k] = np.zeros(len(blk), dtype=bool)
                rows = np.flatnonzero((a >= 0) & (b >= 0))
                texts.column(np.zeros(0, dtype=np.int64), refresh=True)  # this block's values, converted here

                def mark(tags: Any, same: np.ndarray = same) -> None:
                    same[np.asarray(tags, dtype=np.int64)] = True

                for c in range(0, len(rows), batch):
                    w = rows[c:c + batch]
                    submit(lambda blk=blk, w=w, a=a, b=b, stmt=stmts[blk.code]: "CYPHER rows=[" + ",".join(
                        texts.rows(blk, w, a[w], b[w])) + "]" + stmt, mark)
                k += 1
            settle()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def finish(self, st: StagedLoad, progress: Callable[[int], None] | None = None) -> LoadStats:
        """Write what would change (see the class), then release the lock."""
        from intelgraph.loaders.bulk.write import _write_staged

        try:
            self._join()
            stats = _write_staged(self.store, st, self.fresh, progress=progress, pre=self)
            self.done = True
            return stats
        finally:
            self.close()


def _known_ends(iids: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """Internal ids of relationship ends by dense number; -1 for ends numbered after the lookups
    (nodes only named, found at the end of the reading) — none at all in a load of only
    relationships."""
    out = np.full(len(dense), -1, dtype=np.int64)
    ok = dense < len(iids)
    out[ok] = iids[dense[ok]]
    return out


class _ValueTexts:
    """Cypher literals of a :class:`~intelgraph.loaders.columnar.ValueTable`'s values, extended
    as the reader adds values (read from another thread: only what was there is converted)."""

    def __init__(self, table: columnar.ValueTable, cypher_text: Callable[[str], str]):
        self.table = table
        self.cypher_text = cypher_text
        self.array = columnar.pa.array([], columnar.pa.string())

    def column(self, idx: np.ndarray, refresh: bool = False) -> Any:
        """The literals of values ``idx``; ``refresh``: first convert the values added since
        (the workers only read :attr:`array`, which is replaced whole)."""
        pa = columnar.pa
        have = len(self.array)
        if refresh and len(self.table.json) > have:
            new = pa.array([self.cypher_text(j) for j in self.table.json[have:]], pa.string())
            self.array = pa.concat_arrays([self.array, new])
        return self.array.take(pa.array(idx))

    def rows(self, blk: columnar.RelBlock, rows: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[str]:
        """``[a, b, "id", sources, evidence, claims, reliability, credibility, row]`` texts."""
        pa, pc = columnar.pa, columnar.pc
        parts: list[Any] = ["[", pa.array(a).cast(pa.string()), ",", pa.array(b).cast(pa.string()), ',"',
                            blk.ids.take(pa.array(rows)), '"']
        for v in blk.values:
            parts += [",", self.column(v[rows])]
        parts += [",", pa.array(rows).cast(pa.string()), "]"]
        return pc.binary_join_element_wise(*parts, "").to_pylist()
