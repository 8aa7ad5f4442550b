"""Loading an empty FalkorDB graph while its files are still being read.

A load into an empty graph needs nothing from the graph, so its nodes need not wait for the
relationship files to be read: as soon as the node files are staged (validated, in
:class:`~intelgraph.loaders.bulk.StagedLoad` form), a second thread appends them by
``GRAPH.BULK`` and reads their internal ids back, while the main thread reads the relationship
files. The server's work on the nodes (keeping five indexes, the full-text index and the unique
constraint: most of a big load's server time) then runs on the second core instead of after the
reading. Relationships follow when every file has been read and checked.

Nothing is written into the graph itself before the whole input has been validated: the load
goes into a private *staging graph* (``<graph>.intelgraph-staging``, made with the schema's
indexes and constraint) and replaces the empty graph with one ``RENAME`` at the end. A problem
in a later file, a fast-reader fallback or a crash leaves the graph as it was, empty; a staging
graph left by a killed load is deleted by the next load of that graph (or by ``db reset``).

The graph's write lock is held from the moment it is seen empty until the rename, so no other
intelgraph writer can add to it in between (they queue, as for any load). Used for CSV inputs of
at least :data:`EARLY_MIN_BYTES` into an empty graph that has no indexes beyond the schema's;
otherwise the load stages everything first and writes after (:func:`~intelgraph.loaders.bulk.write_staged`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from intelgraph.loaders.plan import COMPACT_AFTER_ROWS, LoadStats

# Below this much CSV the gain (server work overlapping the reading) is smaller than making a
# staging graph with its indexes (~50 ms). The environment variable sets another size (0: every
# CSV load into an empty graph; the tests run loads both ways).
EARLY_MIN_BYTES = 16 << 20
EARLY_MIN_BYTES_ENV = "INTELGRAPH_EARLY_MIN_BYTES"


def early_min_bytes() -> int:
    try:
        return int(os.environ.get(EARLY_MIN_BYTES_ENV, EARLY_MIN_BYTES))
    except ValueError:
        return EARLY_MIN_BYTES

STAGING_SUFFIX = ".intelgraph-staging"


def staging_name(graph: str) -> str:
    return graph + STAGING_SUFFIX


def drop_staging(store: Any) -> None:
    """Delete the staging graph a killed load of ``store``'s graph left behind, if any."""
    import redis

    with contextlib.suppress(redis.exceptions.ResponseError):
        store.db.connection.execute_command("GRAPH.DELETE", staging_name(store.name))


def _index_set(conn: Any, graph: str) -> set[tuple[str, str, str]]:
    res = conn.execute_command("GRAPH.RO_QUERY", graph, "CALL db.indexes() YIELD label, properties, types, entitytype "
                               "RETURN label, properties, types, entitytype")
    out = set()
    for label, props, types, entity in res[1]:
        for p in props:
            kinds = types.get(p, []) if isinstance(types, dict) else []
            out.add((str(entity), str(label), f"{p}:{sorted(map(str, kinds))}"))
    return out


class EarlyWrite:
    """One load into an empty graph through a staging graph; see the module's docstring.

    ``begin`` takes the write lock and checks the graph; the reader calls :meth:`nodes_staged`
    when the node files are read; the caller then :meth:`finish`es (relationships, rename) or
    :meth:`abort`s (nothing of the load remains)."""

    def __init__(self, store: Any, staging: Any, fresh: bool | None, hold: contextlib.ExitStack):
        self.store = store
        self.staging = staging
        self.fresh = fresh
        self._hold = hold
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._cancel = False
        self._iid: array | None = None
        self.stats = LoadStats()
        self.nodes_written = 0
        self.done = False
        self._closed = False

    @classmethod
    def begin(cls, store: Any, inputs: Sequence[Any], fresh: bool | None) -> EarlyWrite | None:
        """An early write of the CSV ``inputs`` (as :func:`~intelgraph.loaders.bulk.stage_csv`
        takes them) into ``store``'s graph, or None (the usual path then): not FalkorDB, too
        little input, a graph that is not empty or has indexes of its own."""
        from intelgraph.cypher.falkor import FalkorStore
        from intelgraph.loaders.bulk import _no_rewrite_while_loading, graph_is_empty
        from intelgraph.loaders.csv_admin import group_inputs

        if not isinstance(store, FalkorStore):
            return None
        try:
            size = sum(Path(f).stat().st_size for inp in group_inputs(list(inputs)) for f in inp.files)
        except OSError:
            return None  # the reader says which file is missing
        if size < early_min_bytes():
            return None
        hold = contextlib.ExitStack()
        staging = None
        try:
            hold.enter_context(store._writing())
            if not graph_is_empty(store):
                hold.close()
                return None
            drop_staging(store)
            staging = FalkorStore(store.server, graph=staging_name(store.name), schema=store.schema,
                                  timeout=store.timeout, autostart=False)
            staging.apply_schema()
            conn = store.db.connection
            if not _index_set(conn, store.name) <= _index_set(conn, staging.name):
                raise _NotEligible  # indexes the user made on the empty graph: keep them (usual path)
            hold.enter_context(_no_rewrite_while_loading(store))
            return cls(store, staging, fresh, hold)
        except _NotEligible:
            _discard(store, staging)
            hold.close()
            return None
        except BaseException:
            _discard(store, staging)
            hold.close()
            raise

    def nodes_staged(self, st: Any) -> None:
        """Every node file is read: append the nodes to the staging graph in a second thread."""
        from intelgraph.loaders.bulk import _bulk_nodes

        if not any(st.node_rows):
            return  # only relationships: they need the graph's nodes (the usual path handles it)

        def count(n: int) -> None:
            self.nodes_written += n

        def run() -> None:
            try:
                self._iid = _bulk_nodes(self.staging, st, self.stats, count, cancelled=lambda: self._cancel,
                                        release=True)
            except BaseException as exc:  # noqa: BLE001 - handed to finish()
                self._error = exc

        self._thread = threading.Thread(target=run, name="intelgraph-early-nodes", daemon=True)
        self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def finish(self, st: Any, progress: Callable[[int], None] | None = None) -> LoadStats:
        """Relationships, then the staging graph becomes the graph. ``st`` must be the load whose
        nodes :meth:`nodes_staged` saw, validated whole."""
        from intelgraph.loaders.bulk import NotEmpty, _bulk_rels

        assert self._thread is not None
        try:
            self._thread.join()
            if self._error is not None:
                raise self._error
            st.mode = "merge" if self.fresh is False else "fresh"  # as write_staged names it
            if progress is not None:
                progress(self.nodes_written)
            assert self._iid is not None
            _bulk_rels(self.staging, st, self._iid, self.stats, progress)
            conn = self.store.db.connection
            if not _graph_empty_raw(conn, self.store.name):  # cannot happen under our lock; but never clobber
                raise NotEmpty(f"graph {self.store.name!r} changed while it was being loaded")
            conn.execute_command("RENAME", self.staging.name, self.store.name)
            self.done = True
        finally:
            self.close()
        stats = self.stats
        if stats.nodes + stats.relationships >= COMPACT_AFTER_ROWS:
            self.store.compact()
        return stats

    def abort(self) -> None:
        """Abandon the load: stop the node thread, delete the staging graph, release the lock."""
        self._cancel = True
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._cancel = self._cancel or not self.done
            self._thread.join()
        try:
            if not self.done:
                _discard(self.store, self.staging)
            else:
                self.staging.close()
        finally:
            self._hold.close()


class _NotEligible(Exception):
    pass


def _graph_empty_raw(conn: Any, graph: str) -> bool:
    res = conn.execute_command("GRAPH.RO_QUERY", graph, "MATCH (n) RETURN count(n)")
    return res[1][0][0] == 0


def _discard(store: Any, staging: Any) -> None:
    if staging is None:
        return
    with contextlib.suppress(Exception):
        drop_staging(store)
    with contextlib.suppress(Exception):
        staging.close()
