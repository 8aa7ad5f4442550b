"""The embedded store's fast load path (:class:`~intelgraph.cypher.store.BulkAppend`): load
statements as ``GRAPH.QUERY`` with compact replies, bulk appends as ``GRAPH.BULK`` (the protocol
of the falkordb-bulk-loader package, appending to the graph), and the staging graph
(:mod:`intelgraph.cypher.falkordb.staging`). A mixin of
:class:`~intelgraph.cypher.falkordb.store.FalkorStore`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intelgraph.cypher.falkordb.staging import schema_objects, staging_name
from intelgraph.cypher.store import BulkAppend
from intelgraph.errors import CommandRefused, StoreError

if TYPE_CHECKING:
    from intelgraph.cypher.falkordb.server import EmbeddedServer
    from intelgraph.errors import ServerError
    from intelgraph.graph.schema import Schema


class BulkProtocol(BulkAppend):
    """:class:`~intelgraph.cypher.store.BulkAppend` on FalkorDB."""

    # what the store (FalkorStore) provides
    server: EmbeddedServer
    schema: Schema
    command: Callable[..., Any]
    lost_connection: Callable[..., ServerError]

    #: The time limit of a load's commands (``GRAPH.BULK`` and batch queries).
    load_limit_s = 300.0

    def big_write(self) -> "contextlib.AbstractContextManager[None]":
        """The append-only file's automatic rewrite off (:meth:`EmbeddedServer.no_aof_rewrite`)."""
        return self.server.no_aof_rewrite(self.command)

    def load_query(self, text: str, *, read_only: bool = False, limited: bool = True) -> Any:
        """As :meth:`BulkAppend.load_query`: one ``GRAPH.QUERY`` (``GRAPH.RO_QUERY``) with a
        compact reply."""
        args = ["GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY", self.name, text, "--compact"]
        if limited:
            ms = int(1000 * max(self.timeout, self.load_limit_s))
            res = self._load_command([*args, "timeout", ms], "the load query")
        else:
            res = self.command(*args)
        # compact reply: [header, [[ [type, value], ... ], ...], stats]; a statement that returns
        # nothing: [stats]
        return res[1][0][0][1] if len(res) > 2 and res[1] else None

    def bulk_append(self, token: bytes, nodes: int, edges: int) -> None:
        """As :meth:`BulkAppend.bulk_append`: one ``GRAPH.BULK`` (the protocol of the
        falkordb-bulk-loader package, appending to the graph; the fault point ``bulk-append``
        before it is sent)."""
        self.fault_point("bulk-append", nodes=nodes, edges=edges)
        args = ["GRAPH.BULK", self.name, nodes, edges, 1 if nodes else 0, 0 if nodes else 1, token]
        res = self._load_command(args, "GRAPH.BULK")
        text = res.decode() if isinstance(res, bytes) else str(res)
        if [int(x.split()[0]) for x in text.split(",")] != [nodes, edges]:
            raise StoreError(f"GRAPH.BULK made {text}; expected {nodes} nodes and {edges} relationships")

    def _load_command(self, args: list[Any], what: str) -> Any:
        """A command of a load, under its time limit; the server's refusal and a lost connection
        as the load's errors."""
        import redis

        try:
            return self.command(*args, limit_s=max(self.timeout, self.load_limit_s))
        except CommandRefused as exc:
            raise StoreError(f"FalkorDB refused {what}: {exc.reply}") from None
        except redis.exceptions.ConnectionError as exc:
            raise self.lost_connection(
                exc, hint="run `intelgraph db status`; loading the same files again completes the load") from None

    def drop_staging(self) -> None:
        """Delete the staging graph a killed load of this graph left behind, if any."""
        with contextlib.suppress(CommandRefused):
            self.command("GRAPH.DELETE", staging_name(self.name))

    def open_staging(self) -> "BulkProtocol | None":
        """As :meth:`BulkAppend.open_staging`: ``<graph>.intelgraph-staging`` (a reserved name)."""
        self.drop_staging()
        store_class: Any = type(self)  # the store (FalkorStore)
        staging: BulkProtocol = store_class(self.server, graph=staging_name(self.name), schema=self.schema,
                                            timeout=self.timeout, autostart=False, staging=True)
        staging.faults = self.faults
        try:
            staging.apply_schema()
            if schema_objects(self, self.name) <= schema_objects(self, staging.name):
                return staging
        except BaseException:
            self.discard_staging(staging)
            raise
        self.discard_staging(staging)  # indexes or constraints the user made on the empty graph: kept
        return None

    def replace_with(self, staging: BulkAppend) -> None:
        """As :meth:`BulkAppend.replace_with`; the store's metadata nodes (its version stamp and
        load history, :mod:`intelgraph.cypher.meta`), the one thing an empty graph may hold, are
        copied into the staging graph first."""
        from intelgraph.cypher.meta import copy_metadata

        copy_metadata(self, staging)
        self.command("RENAME", staging.name, self.name)

    def discard_staging(self, staging: BulkAppend | None) -> None:
        if staging is None:
            return
        with contextlib.suppress(Exception):
            self.drop_staging()
        with contextlib.suppress(Exception):
            staging.close()
