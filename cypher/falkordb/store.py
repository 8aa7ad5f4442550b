"""A graph in the embedded FalkorDB server: :class:`FalkorStore`, the :class:`~intelgraph.cypher.store.Store`
on FalkorDB (the server itself: :mod:`intelgraph.cypher.falkordb.server`). Writes to one graph
are queued on a per-graph lock file (:meth:`FalkorStore._writing`); every command is watched
(:mod:`intelgraph.cypher.falkordb.watchdog`); the fast load path is
:mod:`intelgraph.cypher.falkordb.bulk`."""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from intelgraph.cypher.falkordb.bulk import BulkProtocol
from intelgraph.cypher.falkordb.files import _int, _open_graph_lock
from intelgraph.cypher.falkordb.server import EmbeddedServer
from intelgraph.cypher.falkordb.staging import STAGING_SUFFIX, is_staging_name
from intelgraph.cypher.falkordb.watchdog import Watchdog
from intelgraph.cypher.statements import falkordb_index_statements
from intelgraph.cypher.store import DEFAULT_TIMEOUT_S, Result
from intelgraph.errors import (CommandRefused, QueryMemoryExceeded, QueryTimeout, ReadOnlyViolation, ServerError,
                               StoreError)
from intelgraph.graph.schema import Schema, load_schema

log = logging.getLogger(__name__)

__all__ = ["FalkorStore"]


class FalkorStore(Watchdog, BulkProtocol):
    """A graph in the embedded FalkorDB server (or any FalkorDB reachable by its client)."""

    engine = "falkordb"

    def __init__(self, server: EmbeddedServer, graph: str = "intelgraph", schema: Schema | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, autostart: bool = True, staging: bool = False):
        super().__init__(timeout)
        from falkordb import FalkorDB

        if is_staging_name(graph) and not staging:  # only a load makes one (loaders/early.py)
            raise StoreError(f"the graph name {graph!r} is reserved: names ending in {STAGING_SUFFIX!r} are "
                             "intelgraph's staging graphs, which are deleted without asking",
                             hint="choose another graph name (--graph NAME or INTELGRAPH_GRAPH)")

        self.server = server
        self.schema = schema or load_schema()
        self.name = graph
        self._user_fd: int | None = None
        self._write_fd: int | None = None
        self._thread_lock = threading.RLock()
        self._write_depth = 0
        if autostart:
            # start (or find) the server and register as its user under one lock, so a store
            # closing in another process cannot stop it in between
            with server._locked():
                self.started_here = server._start(600.0, on_demand=True)
                self._user_fd = server._hold()
        else:
            self.started_here = False
            with contextlib.suppress(OSError):
                self._user_fd = server._hold()
        self._init_watch()
        self._server_state = server.state() or {}  # where to look if server.json goes missing
        # no retries (the client's default): a write re-sent after a dropped connection could
        # be applied twice
        kwargs = server.connection_kwargs()
        kwargs["connect_func"] = kwargs.pop("redis_connect_func")  # the client's name for it
        self.db = FalkorDB(**kwargs)
        self.graph = self.db.select_graph(graph)
        self._ensure_graph()
        restored = False
        with contextlib.suppress(CommandRefused):  # CONFIG refused: nothing to put back
            restored = server.restore_aof_rewrite(self.command)
        if restored:
            log.warning("turned the automatic rewrite of the append-only file in %s back on: a big load that was "
                        "interrupted had left it off", server.dir)

    def command(self, *args: Any, limit_s: float | None = None) -> Any:
        """A raw command on the store's connection (``GRAPH.BULK``, ``RENAME``, ``CONFIG SET``, a
        query with a reply left undecoded), guarded like every query (:meth:`_guard`; ``limit_s``
        defaults to :attr:`load_limit_s` or the store's timeout if longer). The server's refusals
        come as :class:`CommandRefused` (the server's reply in ``reply``); a hung server as
        :class:`ServerError`."""
        import redis

        with self._guard(limit_s if limit_s is not None else max(self.timeout, self.load_limit_s)):
            try:
                return self.db.connection.execute_command(*args)
            except redis.exceptions.ResponseError as exc:
                raise CommandRefused(str(args[0]) if args else "a command", str(exc)) from None

    def _ensure_graph(self) -> None:
        """Create the graph key if it does not exist: FalkorDB refuses read-only queries on a
        missing key ("empty key"), and a fresh graph should simply read as empty."""
        self._run("RETURN 1", None, None, read_only=False, queued=False)  # writes nothing: needs no lock

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold this graph's write lock (a file lock in the data directory, shared by every
        intelgraph process using the server). FalkorDB 4.16 documents one write at a time per
        graph, yet a relationship MERGE that runs while another client's query adds labels to
        nodes can create the relationship twice (seen with four concurrent loaders); queueing
        our writes here makes concurrent loads behave as sequential ones. Re-entrant: a caller
        holding it for a whole load may still call :meth:`write`."""
        with self._thread_lock:
            if self._write_fd is None:
                self._write_fd = _open_graph_lock(self.server.dir, self.name)
            if self._write_depth == 0:
                fcntl.flock(self._write_fd, fcntl.LOCK_EX)
            self._write_depth += 1
            try:
                yield
            finally:
                self._write_depth -= 1
                if self._write_depth == 0:
                    fcntl.flock(self._write_fd, fcntl.LOCK_UN)

    def writing(self) -> "contextlib.AbstractContextManager[None]":
        """The graph's write lock (:meth:`_writing`), for a load's whole check-then-write."""
        return self._writing()

    # -- protocol ---------------------------------------------------------------------
    def _run(self, cypher: str, params: dict[str, Any] | None, timeout: float | None, read_only: bool,
             queued: bool = True) -> Result:
        import redis

        ms = int(1000 * (timeout if timeout is not None else self.timeout))
        try:
            if read_only:
                with self._guard(ms / 1000):
                    res = self.graph.ro_query(cypher, params or None, timeout=ms)
            else:
                with self._writing() if queued else contextlib.nullcontext(), self._guard(ms / 1000):
                    res = self.graph.query(cypher, params or None, timeout=ms)
        except (redis.exceptions.ResponseError, redis.exceptions.ConnectionError) as exc:
            raise self._refusal(exc, ms) from None
        columns = [h[1] if isinstance(h, (list, tuple)) else str(h) for h in (res.header or [])]
        columns = [c.decode() if isinstance(c, bytes) else c for c in columns]
        rows = [[_plain(v) for v in row] for row in (res.result_set or [])]
        stats = {k: getattr(res, k) for k in ("nodes_created", "relationships_created", "properties_set",
                                               "nodes_deleted", "relationships_deleted")}
        return Result(columns, rows, stats)

    def lost_connection(self, exc: Exception,
                        hint: str = "run `intelgraph db status`; a stale server is recovered on the next start",
                        ) -> ServerError:
        """The error for a connection that broke under a command: why the server went away when
        its log says (a full disk), else the broken connection with ``hint``."""
        return self.server.exit_cause(_int(self._server_state.get("pid"))) or ServerError(
            f"lost the connection to the embedded server: {exc}", hint=hint)

    def _refusal(self, exc: Exception, ms: int) -> StoreError:
        """The project's error for the client's ``ResponseError`` or ``ConnectionError``."""
        import redis

        if isinstance(exc, redis.exceptions.ConnectionError):
            return self.lost_connection(exc)
        text = str(exc)
        if "timed out" in text.lower():
            return QueryTimeout(f"the query ran past its time limit of {ms / 1000:g}s")
        if "read-only" in text.lower() or "RO_QUERY" in text:
            return ReadOnlyViolation("this query writes to the graph, but it was run read-only")
        if "mem consumption exceeded capacity" in text:
            return QueryMemoryExceeded(f"the query needed more memory than one query may use on the embedded "
                                       f"server ({self._query_memory_cap()}); it was stopped")
        return StoreError(f"FalkorDB refused the query: {text}")

    def _query_memory_cap(self) -> str:
        """The server's per-query memory limit, as words (for the error that reports it)."""
        try:
            value = int(self.command("GRAPH.CONFIG", "GET", "QUERY_MEM_CAPACITY", limit_s=5)[1])
        except Exception:  # noqa: BLE001 - only for the message
            return "its QUERY_MEM_CAPACITY"
        return f"{value / (1024 * 1024):g} MiB" if value else "no limit"

    def read(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=True)

    def write(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=False)

    def scan(self, pattern: str, where: str, anchor: str, returns: str, page: int = 50_000) -> Iterator[list[Any]]:
        """As :meth:`Store.scan`: ranges of ``page`` internal ids of ``anchor`` (a seek by id, no
        sort), each read under the store's time limit. A page's reply is decoded here from the
        server's compact form (:func:`_decoded`), several times faster than the client's parser;
        a page holding a value of a kind :func:`_decoded` does not know is read again through the
        client (:meth:`read`), which gives the same values."""
        top = self.read("MATCH (n) RETURN max(id(n))").scalar()
        text = (f"MATCH {pattern} WHERE id({anchor}) >= $lo AND id({anchor}) < $hi"
                f"{f' AND ({where})' if where else ''} RETURN {returns}")
        for lo in range(0, -1 if top is None else int(top) + 1, page):
            params = {"lo": lo, "hi": lo + page}
            try:
                rows = [[_decoded(v) for v in row] for row in self._compact(text, params)]
            except _Unknown:
                rows = self.read(text, params).rows
            yield from rows

    def _compact(self, cypher: str, params: dict[str, Any]) -> list[list[Any]]:
        """The rows of a read-only query as the server sends them (``--compact``: each value a
        ``[type, value]`` pair), parsed by the Redis client only."""
        import redis

        ms = int(1000 * self.timeout)
        text = self.graph._build_params_header(params) + cypher
        try:
            with self._guard(ms / 1000):
                reply = self.db.connection.execute_command("GRAPH.RO_QUERY", self.name, text, "--compact",
                                                           "timeout", ms)
            if reply and isinstance(reply[-1], redis.exceptions.ResponseError):  # an error while it ran
                raise reply[-1]
        except (redis.exceptions.ResponseError, redis.exceptions.ConnectionError) as exc:
            raise self._refusal(exc, ms) from None
        return reply[1] if len(reply) == 3 else []

    #: ``GRAPH.EXPLAIN`` operations that reach outside the graph. FalkorDB's procedures all stay
    #: inside it (``CALL dbms.procedures()``: ``algo.*``, ``db.*``, ``dbms.*``), and its plan does
    #: not name them, so only ``LOAD CSV`` (files under the import folder, http and https URLs) is here.
    outside_operations = {"Load CSV": "LOAD CSV"}

    def reaches_outside(self, cypher: str, params: dict[str, Any] | None = None) -> list[str]:
        """From the server's ``GRAPH.EXPLAIN`` of ``cypher`` (planned, not run)."""
        import redis

        ms = int(1000 * self.timeout)
        try:
            with self._guard(self.timeout):
                plan = self.graph.explain(cypher, params or None)
        except (redis.exceptions.ResponseError, redis.exceptions.ConnectionError) as exc:
            raise self._refusal(exc, ms) from None
        found: set[str] = set()
        stack = [plan.structured_plan]
        while stack:
            op = stack.pop()
            stack.extend(op.children)
            if op.name.strip() in self.outside_operations:
                found.add(self.outside_operations[op.name.strip()])
        return sorted(found)

    def run_query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False,
                  allow_external: bool = False, timeout: float | None = None) -> Result:
        """As :meth:`Store.run_query`; and an allowed ``LOAD CSV`` that read nothing is an error:
        FalkorDB answers a URL it could not fetch (refused, TLS or HTTP error) with no rows and no
        error, as it would an empty file, so "no rows" cannot be trusted to mean "nothing there"."""
        res = super().run_query(cypher, params, write=write, allow_external=allow_external, timeout=timeout)
        if allow_external and not res.rows and not any(res.stats.values()) \
                and "LOAD CSV" in self.reaches_outside(cypher, params):
            raise StoreError("LOAD CSV gave no rows and changed nothing: FalkorDB reports a file or URL it could "
                             "not read exactly as an empty one",
                             hint="check that the URL answers (e.g. with curl) and that the file has rows; a file "
                                  "must be in the server's import folder")
        return res

    def _create_schema_object(self, stmt: str) -> bool:
        """Run an index statement; False if the index is already there. Several loaders may
        apply the schema to a new graph at once: between one's look at ``db.indexes()`` and its
        ``CREATE INDEX`` another may have made the index, which is what was wanted."""
        try:
            self.write(stmt)
        except StoreError as exc:
            if "already indexed" in str(exc):
                return False
            raise
        return True

    def apply_schema(self) -> list[str]:
        import redis

        created = []
        existing = set()
        try:
            for row in self.read("CALL db.indexes() YIELD label, properties RETURN label, properties").rows:
                for prop in row[1]:
                    existing.add((row[0], prop))
        except StoreError:
            pass
        for label, prop, stmt in falkordb_index_statements(self.schema):
            if (label, prop) in existing:
                continue
            if self._create_schema_object(stmt):
                created.append(stmt)
        fulltext = set()
        try:
            for row in self.read("CALL db.indexes() YIELD label, types RETURN label, types").rows:
                fulltext |= {(row[0], p) for p, kinds in (row[1] or {}).items() if "FULLTEXT" in kinds}
        except StoreError:
            pass
        if not {(self.schema.root_label, "name"), (self.schema.root_label, "aliases_text")} <= fulltext:
            # names and aliases, for the `search` query (Neo4j: the entity_names index)
            if self._create_schema_object(f"CALL db.idx.fulltext.createNodeIndex({{label: '{self.schema.root_label}', "
                                          "stopwords: []}, 'name', 'aliases_text')"):
                created.append("full-text index on Entity(name, aliases_text)")
        root, key = self.schema.root_label, self.schema.id_property
        with self._guard(self.timeout):
            have = {(c["label"], tuple(c["properties"])) for c in self.graph.list_constraints()}
        if (root, (key,)) not in have:
            try:
                with self._writing(), self._guard(self.timeout):
                    self.graph.create_node_unique_constraint(root, key)
                created.append(f"GRAPH.CONSTRAINT CREATE {self.name} UNIQUE NODE {root} PROPERTIES 1 {key}")
            except redis.exceptions.ResponseError as exc:
                if "already exists" not in str(exc).lower():  # else: a concurrent loader made it
                    raise StoreError(f"FalkorDB refused the unique constraint on {root}.{key}: {exc}") from None
        # the constraint and the indexes are built asynchronously (indexes also after every
        # server start: until then a lookup by id scans every node); wait so the caller can rely
        # on them
        deadline = time.monotonic() + max(self.timeout, 30.0)
        while True:
            with self._guard(self.timeout):
                status = {c["status"] for c in self.graph.list_constraints()}
            if "FAILED" in status:  # the graph already holds two nodes with one id
                raise StoreError(f"FalkorDB could not build the unique constraint on {root}.{key} in graph "
                                 f"{self.name!r}: it holds duplicate ids",
                                 hint="find them with `intelgraph cypher \"MATCH (n:Entity) WITH n.id AS id, "
                                      "count(*) AS c WHERE c > 1 RETURN id, c\"`")
            status |= {r[0] for r in self.read("CALL db.indexes() YIELD status RETURN status").rows}
            if status <= {"OPERATIONAL"} or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return created

    def compact(self) -> None:
        """Ask the server to rewrite its append-only file as a snapshot (in the background), so
        the next start loads the snapshot instead of replaying the load query by query."""
        try:
            self.command("BGREWRITEAOF")
        except CommandRefused:
            pass  # a rewrite is already running or scheduled

    def clear(self) -> None:
        import redis

        with self._writing():
            try:
                with self._guard(self.timeout):
                    self.graph.delete()
            except redis.exceptions.ResponseError:
                pass  # no such graph yet
            self.graph = self.db.select_graph(self.name)
            self._ensure_graph()
            self.drop_staging()  # what a killed load into the empty graph left

    def close(self) -> None:
        """Close the connection. A server started on demand (by a store, not by ``intelgraph db
        start``) is stopped when its last store, in any process, closes."""
        with self._watch:
            self._closed = True
            self._watch.notify()
        try:
            self.db.connection.close()
        except Exception:  # noqa: BLE001
            pass
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None
        fd, self._user_fd = self._user_fd, None
        if fd is not None:
            with self.server._locked():
                os.close(fd)  # no longer a user
                if (self.server.state() or {}).get("on_demand") and self.server._unused():
                    self.server._stop(60.0)
        self.started_here = False


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """A result value as plain Python: nodes and edges as dicts, paths as lists of them."""
    if isinstance(value, _SCALARS):  # the common case first: no imports, no isinstance chain
        return value
    from falkordb.edge import Edge
    from falkordb.node import Node
    from falkordb.path import Path as FPath

    if isinstance(value, Node):
        return {"_labels": list(value.labels or []), **(value.properties or {})}
    if isinstance(value, Edge):
        return {"_type": value.relation, **(value.properties or {})}
    if isinstance(value, FPath):
        return {"nodes": [_plain(n) for n in value.nodes()], "relationships": [_plain(e) for e in value.edges()]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Unknown(Exception):
    """A compact reply's value of a kind :func:`_decoded` leaves to the client."""


def _decoded(value: list[Any]) -> Any:
    """A value of a compact reply (``[type, value]``, the types of FalkorDB's result-set
    protocol) as the client's parser and :func:`_plain` give it: null, string, integer, boolean,
    double, array, map, datetime, date. Any other kind (node, edge, path, point, vector, time,
    duration) raises :class:`_Unknown`."""
    kind, v = value
    if kind == 2 and isinstance(v, str):
        return v
    if kind == 3:
        return int(v)
    if kind == 6:
        return [x[1] if x[0] == 2 and isinstance(x[1], str) else _decoded(x) for x in v]
    if kind == 10:
        out = {}
        for i in range(0, len(v), 2):
            t, x = v[i + 1]
            out[v[i]] = x if t == 2 and isinstance(x, str) else _decoded(v[i + 1])
        return out
    if kind == 1:
        return None
    if kind == 5:
        return float(v)
    if kind == 4:
        return (v.decode() if isinstance(v, bytes) else v) == "true"
    if kind == 14:
        return _dt.datetime.fromtimestamp(v, tz=_dt.timezone.utc).date()
    if kind == 13:
        return _dt.datetime.fromtimestamp(v, tz=_dt.timezone.utc)
    raise _Unknown(kind)
