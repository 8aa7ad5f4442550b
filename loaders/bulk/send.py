"""What both writers (:mod:`intelgraph.loaders.bulk.write`, :mod:`intelgraph.loaders.bulk.append`)
send with: staged rows as the load statements take them, and the thread that sends them."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from intelgraph.cypher.store import BulkAppend
from intelgraph.loaders.bulk.common import _JSON, _cypher_text
from intelgraph.loaders.bulk.staged import StagedLoad


# -- writing (FalkorDB) ---------------------------------------------------------------------------
def lookup_query(st: StagedLoad, dense: Sequence[int], lookup: str) -> str:
    """``lookup`` (:func:`node_lookup_statement`) for the nodes numbered ``dense``."""
    return "CYPHER rows=" + _JSON([[st.node_ids[i], i] for i in dense]) + lookup


def known_row(x: int, row: str) -> str:
    """A staged node row as the update statements take it: internal id ``x`` first."""
    return f"[{x},{_cypher_text(row)[1:]}"


class _Sender:
    """Runs load queries and bulk appends on the store's connection in a second thread, so the
    next batch is prepared while the server works on this one. At most ``depth`` wait."""

    def __init__(self, store: BulkAppend, depth: int = 2):
        self.store = store
        self.q: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name="intelgraph-load-sender", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            item = self.q.get()
            if item is None:
                return
            work, done = item
            if self.error is not None:
                continue
            try:
                done(work())
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self.error = exc

    def submit_bulk(self, token: bytes, nodes: int, edges: int, done: Callable[[Any], None]) -> None:
        """Append ``token`` (:meth:`BulkAppend.bulk_append`), then call ``done(None)``."""
        self._put(lambda: self.store.bulk_append(token, nodes, edges), done)

    def submit(self, text: str, done: Callable[[Any], None], read_only: bool = False) -> None:
        """Run the load query ``text``, then call ``done`` with its value (:meth:`BulkAppend.load_query`)."""
        self._put(lambda: self.store.load_query(text, read_only=read_only), done)

    def _put(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self.error is not None:
            self.close()
        self.q.put((work, done))

    def close(self) -> None:
        if self.thread.is_alive():
            self.q.put(None)
            self.thread.join()
        if self.error is not None:
            err, self.error = self.error, None
            raise err


def _close_quietly(sender: _Sender) -> None:
    """Close a sender on the way out of a failed write: the first error is already on its way."""
    try:
        sender.close()
    except BaseException:  # noqa: BLE001
        pass
