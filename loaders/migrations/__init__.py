"""Migrating a store to this intelgraph's format version (``intelgraph db migrate``).

:data:`MIGRATIONS` lists the steps, ``(from_version, to_version, step)``; registering one is one
line. A step takes the store, changes it in place and returns a line saying what it did (or
None). Every step is idempotent — run twice, it changes nothing the second time — so a step cut
short (a crash, a lost connection) is simply run again: the store's stamp
(:func:`intelgraph.cypher.meta.stamp`) moves to ``to_version`` only once the step is done, so
the next ``db migrate`` starts again at the step that did not finish. A step is all-or-nothing
only as far as its own writes are (one statement is one transaction on both engines);
docs/history.md#versions says so. Each change of representation has its module here
(``dates``: reduced-precision dates held as text with native bounds).
"""

from __future__ import annotations

from collections.abc import Callable

from intelgraph.cypher.meta import FORMAT_VERSION, check_version, stamp, store_version
from intelgraph.cypher.store import Store
from intelgraph.errors import StoreError

__all__ = ["MIGRATIONS", "migrate"]

Step = Callable[[Store], "str | None"]


def _to_version_2(store: Store) -> str:
    """1 -> 2: store metadata beside the graph and dates held as text with native bounds.

    A version-1 store kept no history: its graph is recorded as one load whose files are unknown
    (``unrecorded``), so that an unload knows it cannot rebuild the graph without it. Its dates are
    native dates: each gets its canonical text and bounds (:mod:`.dates`)."""
    from intelgraph.loaders.history import UNRECORDED, history, record_load
    from intelgraph.loaders.migrations import dates

    if history(store):
        said = "the load history is there already"
    else:
        counts = store.counts()
        record_load(store, [UNRECORDED], [], [], (0, 0), counts)
        said = (f"recorded the graph it held ({counts[0]} nodes, {counts[1]} relationships) as one load of "
                "unrecorded files; store metadata (version stamp, load history) kept beside the graph")
    rewritten = sum(dates.migrate(store).values())
    return f"{said}; {rewritten} date values rewritten as text with their native bounds"


#: (from_version, to_version, step), applied in turn from the store's version up to FORMAT_VERSION.
MIGRATIONS: list[tuple[int, int, Step]] = [
    (1, 2, _to_version_2),
]


def migrate(store: Store) -> list[str]:
    """Apply the steps from the store's format version up to this intelgraph's; what each did.
    An empty store is only stamped; a store of a newer version is refused."""
    version, _ = store_version(store)
    if version is None:
        stamp(store)
        return [f"an empty store: stamped format version {FORMAT_VERSION}"]
    if version > FORMAT_VERSION:
        check_version(store)  # refuses, naming the release that wrote it
    done: list[str] = []
    with store.writing():
        while version < FORMAT_VERSION:
            step = next(((to, fn) for frm, to, fn in MIGRATIONS if frm == version), None)
            if step is None:
                raise StoreError(f"no migration of {store.engine} graph {store.name!r} from store format version "
                                 f"{version}", hint="use the intelgraph release that wrote it to export the graph")
            to, fn = step
            said = fn(store)
            stamp(store, to)
            done.append(f"format version {version} -> {to}: {said or 'done'}")
            version = to
    if not done:
        done.append(f"already at format version {FORMAT_VERSION}: nothing to do")
    return done
