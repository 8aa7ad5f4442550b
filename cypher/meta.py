"""The store's metadata: nodes that are not part of the analysed graph.

``graph/schema.yaml`` (``store_metadata``) names their labels; every one carries
``store_metadata.label`` and never the root label, and none has a relationship, so counts,
checksums, the emptiness check (:meth:`~intelgraph.cypher.store.Store.counts`), exports,
projections and the Browser (which all read the root label) leave them out. Two kinds:

* the **stamp** (``store_metadata.store``, one node): the store format's version (the schema's
  ``version``) and the intelgraph release that wrote it. A store records it on its first write
  (:func:`stamp`); :func:`check_version` refuses a store of another version on open.
* a **load record** (``store_metadata.load``, one node per load): see
  :mod:`intelgraph.loaders.history`.

Plain Cypher, the same on FalkorDB and Neo4j (docs/history.md).
"""

from __future__ import annotations

from typing import Any

from intelgraph.cypher.store import Store
from intelgraph.errors import StoreError
from intelgraph.graph.schema import Schema, load_schema

__all__ = ["release", "FORMAT_VERSION", "UNSTAMPED_VERSION", "StoreVersionError", "store_version", "stamp",
           "check_version", "copy_metadata", "create_metadata", "metadata_nodes"]

#: The format version this intelgraph writes and reads (``schema.yaml`` ``version``).
FORMAT_VERSION: int = int(load_schema().version)
#: The version of a store that holds a graph but no stamp: written before stores were stamped.
UNSTAMPED_VERSION = 1


class StoreVersionError(StoreError):
    """The store was written in another format version than this intelgraph's."""


def release() -> str:
    """This intelgraph's release (the installed distribution's version)."""
    from importlib import metadata

    try:
        return metadata.version("intelgraph")
    except metadata.PackageNotFoundError:
        return "unknown"


def _labels(*labels: str) -> str:
    return "".join(f":`{x}`" for x in labels)


def store_version(store: Store, schema: Schema | None = None) -> tuple[int | None, str | None]:
    """(format version, intelgraph release that stamped it) as the store records them;
    (:data:`UNSTAMPED_VERSION`, None) for a graph with no stamp, (None, None) for an empty store."""
    schema = schema or load_schema()
    query = (f"MATCH (s{_labels(schema.meta_label, schema.meta_store_label)}) "
             "RETURN s.version, s.intelgraph_version")
    rows = store.read(query).rows
    if not rows:
        if store.counts() == (0, 0):
            return None, None
        # A load beside this one stamps an empty store before it writes its first node, so
        # nodes found after an empty read of the stamp may be that load's: read the stamp again.
        rows = store.read(query).rows
    if rows:
        version, release = rows[0]
        return int(version), release
    return UNSTAMPED_VERSION, None


def stamp(store: Store, version: int = FORMAT_VERSION, schema: Schema | None = None) -> None:
    """Record the store's format version (one node; idempotent; replaces an older stamp)."""
    schema = schema or load_schema()
    store.write(f"MERGE (s{_labels(schema.meta_label, schema.meta_store_label)} {{id: 'store'}}) "
                "SET s.version = $v, s.intelgraph_version = $iv", {"v": version, "iv": release()})


def check_version(store: Store, schema: Schema | None = None) -> int | None:
    """Refuse (:class:`StoreVersionError`) a store of another format version than this
    intelgraph's: an older one naming ``intelgraph db migrate``, a newer one naming the release
    that wrote it. Returns the store's version (None: an empty store, stamped on its first write)."""
    version, release = store_version(store, schema)
    where = f"{store.engine} graph {store.name!r}"
    if version is not None and version < FORMAT_VERSION:
        raise StoreVersionError(f"{where} is in store format version {version}; this intelgraph reads version "
                                f"{FORMAT_VERSION}",
                                hint="run `intelgraph db migrate` (with the same --engine/--db/--graph options) "
                                     "to bring it up to date")
    if version is not None and version > FORMAT_VERSION:
        raise StoreVersionError(f"{where} was written by intelgraph {release or '(unknown release)'} in store format "
                                f"version {version}; this intelgraph reads only version {FORMAT_VERSION}",
                                hint=f"use intelgraph {release or 'of that release'} or newer with it")
    return version


def metadata_nodes(store: Store, schema: Schema | None = None) -> list[tuple[list[str], dict[str, Any]]]:
    """(labels, properties) of every metadata node."""
    schema = schema or load_schema()
    return [(labels, props) for labels, props in store.read(
        f"MATCH (m{_labels(schema.meta_label)}) RETURN labels(m), properties(m)").rows]


def create_metadata(store: Store, nodes: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Create the metadata nodes ``nodes`` (as :func:`metadata_nodes` gives them) in ``store``."""
    for labels, props in nodes:
        store.write(f"CREATE (m{_labels(*sorted(labels))}) SET m = $p", {"p": props})


def copy_metadata(source: Store, target: Store, schema: Schema | None = None) -> int:
    """Create in ``target`` every metadata node of ``source`` (a staging graph about to replace
    ``source`` takes its stamp and history with it); returns how many."""
    nodes = metadata_nodes(source, schema)
    create_metadata(target, nodes)
    return len(nodes)
