"""The store protocol: the few operations intelgraph needs from a graph database.

Two implementations live beside this module — :mod:`intelgraph.cypher.falkordb` (the
embedded default) and :mod:`intelgraph.cypher.neo4j_store`. Results come back as
:class:`Result` holding plain Python values (nodes and relationships become dicts,
dates ``datetime.date``), so callers never see a driver's types.

What an engine can do beyond :class:`Store` it declares as a capability, a second base class
a loader asks for with ``isinstance``: :class:`BulkAppend` (the fast CSV path's appends and
staging graph; the embedded FalkorDB has it, Neo4j has not). Loaders speak only to these
interfaces, never to an engine's wire protocol or its private state; the import-linter
contracts in ``pyproject.toml`` hold that layering.

Faults are injected at named points through one hook, :attr:`Store.faults`
(docs/reliability.md#fault-injection).
"""

from __future__ import annotations

import abc
import contextlib
import datetime as _dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from intelgraph.graph.schema import META_LABEL, PROVENANCE

__all__ = ["Store", "BulkAppend", "Result", "to_jsonable", "FaultHook"]

#: A fault hook: called with a fault point's name and what the code there has at hand
#: (docs/reliability.md#fault-injection).
FaultHook = Callable[..., None]

DEFAULT_TIMEOUT_S = 30.0

#: What :meth:`Store.checksum` reads of each kind of element, for :meth:`Store.scan`: pattern,
#: filter, the node to page by, and the values — a node's labels and properties (the store's
#: metadata nodes left out); a relationship's type, its ends' ids and its properties.
CHECKSUM_READS = {
    "n": ("(n)", f"NOT n:`{META_LABEL}`", "n", "labels(n), properties(n)"),
    "r": ("(a)-[r]->(b)", "", "a", "type(r), a.id, b.id, properties(r)"),
}


@dataclass
class Result:
    columns: list[str]
    rows: list[list[Any]]
    stats: dict[str, Any] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def __len__(self) -> int:
        return len(self.rows)


def to_jsonable(value: Any) -> Any:
    """Plain JSON-ready form of a result value (dates as ISO text)."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def _iso(value: Any) -> str:
    """A value JSON has no form for, as text: a date or time as ISO text, anything else as ``str``."""
    return value.isoformat() if isinstance(value, (_dt.date, _dt.datetime, _dt.time)) else str(value)


class Store(abc.ABC):
    """A graph database intelgraph can load into and query.

    ``read`` must refuse to write (the engine enforces it, not a keyword check);
    ``write`` runs one statement in its own transaction. ``timeout`` is in seconds.
    """

    engine: str = "?"
    name: str = "?"
    #: The fault-injection hook (docs/reliability.md#fault-injection): None in use; a test sets
    #: it to a callable that :meth:`fault_point` calls with each named point reached (it may
    #: raise, wait, stop the server or record what it is shown).
    faults: FaultHook | None = None

    def __init__(self, timeout: float = DEFAULT_TIMEOUT_S):
        self.timeout = timeout

    def fault_point(self, point: str, **at: Any) -> None:
        """A named point where a test may inject a fault through :attr:`faults`; nothing else."""
        if self.faults is not None:
            self.faults(point, **at)

    @abc.abstractmethod
    def read(self, cypher: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> Result: ...

    @abc.abstractmethod
    def write(self, cypher: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> Result: ...

    @abc.abstractmethod
    def apply_schema(self) -> list[str]:
        """Create the schema's constraints and indexes if missing; return what was created."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (and this graph's indexes where the engine ties them)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def compact(self) -> None:
        """Let the engine tidy its storage after a big load (a no-op where there is nothing to do)."""

    def writing(self) -> "contextlib.AbstractContextManager[None]":
        """Hold this graph's write lock, where the engine has one intelgraph writers queue on (the
        embedded FalkorDB: a file lock), for a load's whole check-then-write; re-entrant. Neo4j has
        none (its transactions isolate each batch): a no-op."""
        return contextlib.nullcontext()

    def big_write(self) -> "contextlib.AbstractContextManager[None]":
        """Held around a big load's write: the engine may hold off its storage housekeeping
        meanwhile (the embedded FalkorDB: the append-only file's automatic rewrite), to do it
        once at the end (:meth:`compact`). A no-op by default."""
        return contextlib.nullcontext()

    # -- statements intelgraph did not write ------------------------------------------------
    def reaches_outside(self, cypher: str, params: dict[str, Any] | None = None) -> list[str]:
        """What in the engine's plan of ``cypher`` would reach past the graph — read or write a
        file or URL, talk to another server, or run Cypher given as text (which could do any of
        these) — as the plan names it; empty if nothing. Decided from the plan (``EXPLAIN``),
        never from the text, which comments or a query built from strings would disguise. An
        engine that cannot tell says so by refusing."""
        from intelgraph.errors import ExternalAccess

        raise ExternalAccess(f"{self.engine} cannot show what a query would reach, so it is refused")

    def run_query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False,
                  allow_external: bool = False, timeout: float | None = None) -> Result:
        """Run a statement intelgraph did not write (ad-hoc Cypher, a saved query): read-only
        unless ``write`` (the engine enforces it, see :meth:`read`), and refused before it runs if
        its plan reaches outside the graph (:meth:`reaches_outside`) unless ``allow_external``."""
        from intelgraph.errors import ExternalAccess

        inside = self.__dict__.setdefault("_inside", set())  # texts whose plan stays inside: asked once
        if not allow_external and cypher not in inside:
            found = self.reaches_outside(cypher, params)
            if found:
                raise ExternalAccess(f"this query would reach outside the graph ({', '.join(found)}); "
                                     "it was not run")
            if len(inside) >= 1024:
                inside.clear()
            inside.add(cypher)
        return self.write(cypher, params, timeout) if write else self.read(cypher, params, timeout)

    # -- shared helpers built on read/write ----------------------------------------------
    def counts(self) -> tuple[int, int]:
        """(nodes, relationships) of the analysed graph: the store's metadata nodes (the schema's
        ``store_metadata.label``: the version stamp, the load history; they have no
        relationships) are not counted. Two counts each engine answers from its label counts."""
        nodes = self.read("MATCH (n) RETURN count(n)").scalar() or 0
        meta = self.read(f"MATCH (n:`{META_LABEL}`) RETURN count(n)").scalar() or 0
        rels = self.read("MATCH ()-[r]->() RETURN count(r)").scalar() or 0
        return int(nodes) - int(meta), int(rels)

    def checksum(self, page: int = 50_000, provenance_as_sets: bool = False) -> str:
        """A SHA-256 digest of every node and relationship with its labels, type, ends and
        properties: equal checksums mean equal graphs (for "nothing changed" checks), whatever
        the internal ids or the order the elements were written in. The store's metadata nodes
        (version stamp, load history) are not part of it.

        Each element has a digest of its own (its canonical JSON, :meth:`_element_digest`); the
        digests are added modulo 2**256 (a multiset hash: the order they are read in does not
        count, an element read twice counts twice), so the graph is read once, in pages the
        engine reads cheaply (:meth:`scan`), and nothing is sorted or held but the sums.

        The provenance lists (``sources``, ``evidence``, ``claims``) hold each entry once, in
        the order the loads that added them arrived: loads of overlapping files in another order,
        or at once, store the same sets in another order. ``provenance_as_sets=True`` sorts them
        first, to compare graphs built by such loads."""
        import hashlib
        import json

        totals = []
        for kind, (pattern, where, anchor, returns) in CHECKSUM_READS.items():
            total = count = 0
            for row in self.scan(pattern, where, anchor, returns, page=page):
                total += self._element_digest(kind, row, provenance_as_sets)
                count += 1
            totals.append([kind, count, f"{total % 2 ** 256:064x}"])
        return hashlib.sha256(json.dumps(totals).encode()).hexdigest()

    @staticmethod
    def _element_digest(kind: str, row: list[Any], provenance_as_sets: bool) -> int:
        """The digest of one element read by :data:`CHECKSUM_READS`, as an integer: SHA-256 of
        ``["n", id, sorted labels, properties]`` or ``["r", id, type, start id, end id,
        properties]`` as JSON with sorted keys (dates as ISO text, :func:`_iso`)."""
        import hashlib
        import json

        *head, props = row
        if provenance_as_sets:
            props = {k: sorted(v) if k in PROVENANCE and isinstance(v, list) else v for k, v in props.items()}
        if kind == "n":
            head = [props.get("id"), sorted(head[0])]
        else:
            head = [props.get("id"), *head]
        text = json.dumps([kind, *head, props], sort_keys=True, default=_iso)
        return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")

    @abc.abstractmethod
    def scan(self, pattern: str, where: str, anchor: str, returns: str, page: int = 50_000) -> Iterator[list[Any]]:
        """Every row of ``MATCH pattern WHERE where RETURN returns`` (``where`` may be empty), in
        no particular order, read as the engine reads a whole graph cheaply — never pages that
        each run and sort the whole match again (``SKIP``/``LIMIT``, whose cost grows with the
        square of the graph). ``anchor`` names a node of ``pattern`` by which an engine may page
        (FalkorDB: ranges of its internal ids, ``page`` ids at a time); each row is read once."""

    def write_idempotent(self, cypher: str, params: dict[str, Any] | None = None,
                         timeout: float | None = None) -> Result:
        """Run a write that may safely run twice — the loader's ``MERGE`` on content-derived ids.
        An engine whose concurrent transactions can lose a race on a constraint (Neo4j) runs it
        again; by default it is a plain :meth:`write` (FalkorDB runs one write per graph at a
        time, so its writes never race)."""
        return self.write(cypher, params, timeout)

    def write_batches(self, cypher: str, rows: Sequence[Any], batch_size: int = 1000,
                      progress: Any = None, extra: dict[str, Any] | None = None, idempotent: bool = False,
                      counted: bool = False) -> int:
        """Run ``cypher`` (which reads ``$rows``) once per batch of rows; return rows written.
        ``idempotent=True`` says a batch may run twice (see :meth:`write_idempotent`).
        ``counted=True`` says the statement returns how many rows it wrote: a batch that wrote
        fewer than it was given (a row's node was deleted meanwhile) is an error, not a load that
        reports facts it did not write."""
        from intelgraph.errors import StoreError

        done = 0
        run = self.write_idempotent if idempotent else self.write
        for start in range(0, len(rows), batch_size):
            chunk = list(rows[start:start + batch_size])
            res = run(cypher, {"rows": chunk, **(extra or {})})
            if counted and res.scalar() != len(chunk):
                raise StoreError(f"only {res.scalar() or 0} of {len(chunk)} rows of a batch were written: a node "
                                 f"they refer to is not in {self.engine} graph {self.name!r} (was it deleted while "
                                 "loading?)",
                                 hint="load the nodes they refer to and run the load again (it merges: what was "
                                      "written is not written twice)")
            done += len(chunk)
            if progress is not None:
                progress(len(chunk))
        return done

    def iter_read(self, cypher: str, params: dict[str, Any] | None = None, page: int = 50_000,
                  order_key: str | None = None) -> Iterator[list[Any]]:
        """Rows of a read query fetched in pages with ``SKIP``/``LIMIT`` (the query must be ordered
        or its order stable). Keeps client memory bounded on big graphs."""
        skip = 0
        while True:
            res = self.read(f"{cypher} SKIP $_skip LIMIT $_limit", {**(params or {}), "_skip": skip, "_limit": page})
            yield from res.rows
            if len(res.rows) < page:
                return
            skip += page

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BulkAppend(Store):
    """A store's capability: what the fast CSV load path (:mod:`intelgraph.loaders.bulk`,
    :mod:`intelgraph.loaders.early`) needs beyond :class:`Store`. A store that has it derives
    from this class instead of :class:`Store`; the load path is chosen by ``isinstance(store, BulkAppend)``, in one
    place (:func:`intelgraph.api.load_paths`), and every other store gets the ``MERGE`` path.

    Texts and payloads are the engine's own: load statements are Cypher (from
    :mod:`intelgraph.cypher.statements`, a ``CYPHER name=value`` prefix for parameters) whose
    one value comes back as JSON text or a number; ``bulk_append`` takes one token of the
    engine's bulk-insert format (:mod:`intelgraph.loaders.columnar` makes its records). Every
    refusal is a :class:`~intelgraph.errors.StoreError`."""

    #: The time limit of a load's commands, in seconds.
    load_limit_s: float

    @abc.abstractmethod
    def load_query(self, text: str, *, read_only: bool = False, limited: bool = True) -> Any:
        """Run one load statement on this graph and return the first value of its first row
        (None if it returns none). ``limited``: under the load's time limit, a refusal or a lost
        connection raised as the load's error (it says that loading the same files again
        completes the load); otherwise with no limit of its own (a query that finishes a load,
        whose length grows with the graph), a refusal as
        :class:`~intelgraph.errors.CommandRefused`."""

    @abc.abstractmethod
    def bulk_append(self, token: bytes, nodes: int, edges: int) -> None:
        """Append ``nodes`` nodes (of one label set) or ``edges`` relationships (of one type,
        their ends given as internal node ids) given as one token of the bulk-insert format;
        an error unless the engine made exactly that many. The graph's indexes and constraints
        are kept up to date by the engine."""

    @abc.abstractmethod
    def open_staging(self) -> "BulkAppend | None":
        """A private, empty staging graph beside this one, with the schema's indexes and
        constraint, to load into while the inputs are read (:meth:`replace_with` then makes it
        this graph); a staging graph a killed load left is deleted first. None (and nothing made)
        when this graph has indexes or constraints the schema does not make, which a load through
        a staging graph would lose."""

    @abc.abstractmethod
    def replace_with(self, staging: "BulkAppend") -> None:
        """Make the staging graph this graph, in one step (this graph must be empty)."""

    @abc.abstractmethod
    def discard_staging(self, staging: "BulkAppend | None") -> None:
        """Delete the staging graph (if any) and close its store; never raises."""
