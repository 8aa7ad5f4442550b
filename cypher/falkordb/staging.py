"""Staging graphs: the private graph a load into an empty graph writes while its files are
read, which then replaces the graph in one step (:mod:`intelgraph.loaders.early`). Their
names are reserved; a staging graph left by a killed load is deleted at the next server
start (:func:`drop_leftover_staging`), the next load of its graph or ``db reset``."""

from __future__ import annotations

import fcntl
import logging
import os
from typing import TYPE_CHECKING, Any

from intelgraph.cypher.falkordb.files import _open_graph_lock

if TYPE_CHECKING:
    from intelgraph.cypher.falkordb.server import EmbeddedServer
    from intelgraph.cypher.falkordb.bulk import BulkProtocol

log = logging.getLogger(__name__)

#: The end of a staging graph's name (:mod:`intelgraph.loaders.early`).
STAGING_SUFFIX = ".intelgraph-staging"


def staging_name(graph: str) -> str:
    return graph + STAGING_SUFFIX  # a reserved name (see is_staging_name)


def is_staging_name(name: str) -> bool:
    """Whether ``name`` is a staging graph's. Such names are reserved: a staging graph is deleted
    unasked (at the next server start, by ``db reset`` or a load of its graph), so no graph of the
    user's may be named so (:class:`FalkorStore` refuses it)."""
    return name.endswith(STAGING_SUFFIX)


def drop_leftover_staging(server: EmbeddedServer) -> None:
    """Delete the staging graphs (:meth:`FalkorStore.open_staging <intelgraph.cypher.falkordb.store.FalkorStore.open_staging>`) that loads killed before
    their rename left in the data, each under its graph's write lock, taken without waiting:
    a load that holds it owns its staging graph."""
    import redis

    client = redis.Redis(**server.connection_kwargs(), socket_timeout=30)
    try:
        for raw in client.execute_command("GRAPH.LIST"):
            name = raw.decode() if isinstance(raw, bytes) else str(raw)
            if not is_staging_name(name):
                continue
            fd = _open_graph_lock(server.dir, name[:-len(STAGING_SUFFIX)])
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a load of that graph is running
            else:
                client.execute_command("GRAPH.DELETE", name)
                log.warning("deleted %s, left by a load that was interrupted before it finished "
                            "(its graph was not changed)", name)
            finally:
                os.close(fd)  # and with it the lock
    except redis.exceptions.RedisError as exc:  # never keep the server from starting
        log.warning("could not look for graphs left by interrupted loads: %s", exc)
    finally:
        client.close()


def _index_set(store: BulkProtocol, graph: str) -> set[tuple[str, str, str]]:
    res = store.command("GRAPH.RO_QUERY", graph, "CALL db.indexes() YIELD label, properties, types, entitytype "
                        "RETURN label, properties, types, entitytype")
    out = set()
    for label, props, types, entity in res[1]:
        for p in props:
            kinds = types.get(p, []) if isinstance(types, dict) else []
            out.add((str(entity), str(label), f"{p}:{sorted(map(str, kinds))}"))
    return out


def _constraint_set(store: BulkProtocol, graph: str) -> set[tuple[str, str, str, tuple[str, ...]]]:
    res = store.command("GRAPH.RO_QUERY", graph, "CALL db.constraints() YIELD type, label, properties, "
                        "entitytype RETURN type, label, properties, entitytype")
    return {(str(t), str(label), str(entity), tuple(map(str, props))) for t, label, props, entity in res[1]}


def schema_objects(store: BulkProtocol, graph: str) -> set[tuple[Any, ...]]:
    """The indexes and constraints of ``graph``, asked through ``store``'s connection."""
    return {("index", *i) for i in _index_set(store, graph)} | {("constraint", *c) for c in _constraint_set(store, graph)}
