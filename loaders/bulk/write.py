"""Writing a staged load into FalkorDB (:func:`write_staged`): under the graph's write lock,
merged (idempotent) or appended into an empty graph (see :mod:`intelgraph.loaders.bulk`)."""

from __future__ import annotations

import contextlib
import json
from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from intelgraph.cypher.statements import (
    node_lookup_statement,
    node_merge_statement,
    node_rows_statement,
    relationship_rows_statement,
)
from intelgraph.cypher.store import BulkAppend, Store
from intelgraph.errors import NotEmpty, StoreError
from intelgraph.graph.schema import GRADING, PROVENANCE
from intelgraph.loaders.bulk.append import _QQ, _bin_header, _BinCache, _node_payloads, _write_bulk
from intelgraph.loaders.bulk.common import _DERIVED, NODE_BATCH, REL_BATCH, _cypher_text
from intelgraph.loaders.bulk.reader import _check_external_again
from intelgraph.loaders.bulk.send import _close_quietly, _Sender, lookup_query
from intelgraph.loaders.bulk.staged import StagedLoad
from intelgraph.loaders.plan import COMPACT_AFTER_ROWS, LoadStats, Plan, merge_with_graph, node_row

if TYPE_CHECKING:
    from intelgraph.loaders.early import EarlyCheck


# -- writing (FalkorDB) ---------------------------------------------------------------------------
def graph_is_empty(store: Store) -> bool:
    """Whether the analysed graph is empty (the store's metadata nodes aside: :meth:`Store.counts`)."""
    return store.counts() == (0, 0)



def write_staged(store: BulkAppend, st: StagedLoad, fresh: bool | None = None, node_batch: int = NODE_BATCH,
                 rel_batch: int = REL_BATCH, progress: Callable[[int], None] | None = None) -> LoadStats:
    """Write a staged load into a FalkorDB store. ``fresh``: ``True`` CREATE (refused with
    :class:`NotEmpty` unless the graph is empty), ``False`` MERGE, ``None`` CREATE when empty.
    A load whose graph work began while it was read (:attr:`StagedLoad.early`) is finished by
    that work, which took ``fresh`` when it began."""
    early = st.early
    if early is not None:
        if early.started:
            return early.finish(st, progress)
        early.abort()  # it had no nodes to work on: the usual way
    return _write_staged(store, st, fresh, node_batch, rel_batch, progress)


def _write_staged(store: BulkAppend, st: StagedLoad, fresh: bool | None, node_batch: int = NODE_BATCH,
                  rel_batch: int = REL_BATCH, progress: Callable[[int], None] | None = None,
                  pre: EarlyCheck | None = None) -> LoadStats:
    """:func:`write_staged`'s own way. ``pre``: what an
    :class:`~intelgraph.loaders.early.EarlyCheck` found while the load was read (under the write
    lock, held since, after it applied the schema): the nodes' internal ids, and which node and
    relationship rows would change nothing — those are not sent (the node rows are ``None``
    already)."""
    if pre is None:
        store.apply_schema()
    # Hold the graph's write lock (concurrent intelgraph writers queue on it) for the whole
    # write, so that "the graph is empty" still holds while we CREATE.
    big = sum(st.counts()) >= COMPACT_AFTER_ROWS
    with store.writing(), (store.big_write() if big else contextlib.nullcontext()):
        stats = _write_locked(store, st, fresh, node_batch, rel_batch, progress, pre)
    if stats.nodes + stats.relationships >= COMPACT_AFTER_ROWS:
        store.compact()
    return stats


def _write_locked(store: BulkAppend, st: StagedLoad, fresh: bool | None, node_batch: int, rel_batch: int,
                  progress: Callable[[int], None] | None, pre: EarlyCheck | None = None) -> LoadStats:
    schema = st.schema
    if st.external_iids and pre is None:  # (an EarlyCheck looked them up under the lock, held since)
        _check_external_again(store, st)
    empty = graph_is_empty(store)
    if fresh and not empty:
        raise NotEmpty(f"--fresh loads only into an empty graph; {store.engine} graph {store.name!r} is not empty",
                       hint="load without --fresh (an idempotent merge), or `intelgraph db reset` first")
    create = empty if fresh is None else fresh
    st.mode = "fresh" if create else "merge"
    stats = LoadStats()
    if empty and not st.external_iids and any(st.node_rows):
        # an empty graph (and nothing of it named): appending everything gives what merging
        # would, without looking anything up — on either path
        return _write_bulk(store, st, stats, progress)
    iid = array("q", [-1]) * len(st.node_ids)
    if pre is not None and not create:
        iid[:len(pre.iid)] = pre.iid
    else:
        pre = None
    for i, x in st.external_iids.items():
        iid[i] = x
    created = bytearray(len(st.node_ids))  # nodes this load created: no relationship can be there yet
    appended: list[int] = []  # nodes this load appends in bulk (their internal ids: looked up after)
    binc = _BinCache()

    def bulk_made(n: int) -> None:
        if progress is not None:
            progress(n)

    sender = _Sender(store)
    try:
        known: dict[int, list[str]] = {}  # layout -> rows of nodes the graph holds, that would change them
        in_load = [i for i in range(len(st.node_ids)) if st.in_load[i]]
        if not create and pre is None:
            # which nodes the graph holds already (read-only: an id-index seek each)
            lookup = " " + node_lookup_statement(schema)

            def found(res: Any) -> None:
                for d, x in json.loads(res):
                    iid[d] = x

            for a in range(0, len(in_load), node_batch):
                sender.submit(lookup_query(st, in_load[a:a + node_batch], lookup), found, read_only=True)
            sender.close()
            sender = _Sender(store)
        # nodes, layout by layout: new ones created (answering their internal ids), known ones
        # merged where something changes
        for code, rows in enumerate(st.node_rows):
            if not rows:
                continue
            kind, props, dates = st.node_layouts[code]
            kspec = schema.kind(kind)
            make = " " + node_rows_statement(schema, kspec, props, dates)

            def made(res: Any, n: int) -> None:
                pairs = json.loads(res)
                for d, x in pairs:
                    iid[d] = x
                    created[d] = 1
                if len(pairs) != n:
                    raise StoreError(f"{n - len(pairs)} node(s) of a batch were not created")
                if progress is not None:
                    progress(n)

            new: list[str] = []
            for row in rows:
                if row is None:  # found unchanged while the load was read (and released)
                    continue
                d = int(row[row.rindex(",") + 1:-1])
                x = iid[d]
                if x < 0:
                    new.append(_cypher_text(row) if dates else row)
                elif pre is None or not pre.unchanged_nodes[d]:
                    known.setdefault(code, []).append(row)
            if progress is not None and len(rows) > len(new) + len(known.get(code, ())):
                progress(len(rows) - len(new) - len(known.get(code, ())))  # found unchanged, read-only
            if not dates:
                # new nodes are appended in bulk (no other intelgraph writer can make them
                # meanwhile: they wait on our lock); their internal ids are looked up after
                head = _bin_header(":".join(kspec.labels), ["id", *props, *PROVENANCE])
                for payload, n, tags in _node_payloads(new, binc):
                    sender.submit_bulk(head + payload, n, 0, lambda _, n=n: bulk_made(n))
                    appended.extend(tags)
                new = []
            for a in range(0, len(new), node_batch):
                chunk = new[a:a + node_batch]
                sender.submit("CYPHER rows=[" + ",".join(chunk) + "]" + make,
                              lambda res, n=len(chunk), done=made: done(res, n))
            stats.by_kind[kind] = stats.by_kind.get(kind, 0) + len(rows)
            stats.nodes += len(rows)
        sender.close()  # every node id known before relationships need them
        if known:  # nodes of the graph this load would change: merged by the one rule, as datasets are
            _merge_known(store, st, known, node_batch, progress)
        if appended:
            sender = _Sender(store)
            lookup = " " + node_lookup_statement(schema)

            def appended_ids(res: Any) -> None:
                for d, x in json.loads(res):
                    iid[d] = x
                    created[d] = 1

            for a in range(0, len(appended), node_batch):
                sender.submit(lookup_query(st, appended[a:a + node_batch], lookup), appended_ids, read_only=True)
            sender.close()
        missing = [st.node_ids[i] for i in range(len(iid)) if iid[i] < 0 and (st.in_load[i] or i in st.external_iids)]
        if missing:
            raise StoreError(f"{len(missing)} node(s) were not written (e.g. {missing[0]})")
        sender = _Sender(store)
        stmts: dict[int, str] = {}
        pending: dict[int, list[str]] = {}

        def flush(code: int) -> None:
            rows = pending.pop(code)
            rtype = st.rel_layouts[code][0]
            n = len(rows)

            def done(res: Any, n: int = n) -> None:
                if create and res != n:
                    raise StoreError(f"{n - res} relationship(s) of a batch found no end node: was the "
                                     "graph changed while loading?")
                if progress is not None:
                    progress(n)

            sender.submit("CYPHER rows=[" + ",".join(rows) + "]" + stmts[code], done)
            stats.by_type[rtype] = stats.by_type.get(rtype, 0) + n
            stats.relationships += n

        # A relationship between two nodes this load created cannot be in the graph yet (other
        # intelgraph writers wait on our lock): it is appended in bulk, as on the fresh
        # path, instead of merged. (Not for dates, which that protocol cannot carry.)
        bulk: dict[int, list[bytes]] = {}

        def send_bulk(code: int, payload: bytes, n: int) -> None:
            rtype, props, dates = st.rel_layouts[code]
            head = _bin_header(rtype, ["id", *props, *PROVENANCE, *GRADING])

            def done(_: Any, n: int = n) -> None:
                if progress is not None:
                    progress(n)

            sender.submit_bulk(head + payload, 0, n, done)
            stats.by_type[rtype] = stats.by_type.get(rtype, 0) + n
            stats.relationships += n

        def flush_bulk(code: int) -> None:
            parts = bulk.pop(code)
            send_bulk(code, b"".join(parts), len(parts))

        def statement(code: int) -> str:
            if code not in stmts:
                rtype, props, dates = st.rel_layouts[code]
                stmts[code] = " " + relationship_rows_statement(schema, schema.rel(rtype), props, dates, create=create)
            return stmts[code]

        for code, s, t, row in st.rel_lines():
            statement(code)
            a, b = iid[s], iid[t]
            if a < 0 or b < 0:
                raise StoreError(f"no internal id for {st.node_ids[s if a < 0 else t]}")
            if created[s] and created[t] and not st.rel_layouts[code][2]:
                parts = bulk.get(code)
                if parts is None:
                    parts = bulk[code] = []
                parts.append(_QQ(a, b) + b"".join(map(binc, json.loads(row))))
                if len(parts) >= 50_000:
                    flush_bulk(code)
                continue
            buf = pending.get(code)
            if buf is None:
                buf = pending[code] = []
            buf.append(f"[{a},{b},{_cypher_text(row)[1:]}")
            if len(buf) >= rel_batch:
                flush(code)
        for code in list(pending):
            flush(code)
        for code in list(bulk):
            flush_bulk(code)
        # relationships read column-wise: the same, a block of rows at a time
        iids = np.frombuffer(iid, dtype=np.int64)
        made = np.frombuffer(created, dtype=np.uint8).astype(bool)
        for k, blk in enumerate(st.rel_blocks):
            rows = blk.keep(st.skip_rels)
            same = pre.unchanged_rels.get(k) if pre is not None else None
            if same is not None:  # found unchanged, read-only: nothing to send
                kept = rows[~same[rows]]
                rtype = st.rel_layouts[blk.code][0]
                stats.by_type[rtype] = stats.by_type.get(rtype, 0) + len(rows) - len(kept)
                stats.relationships += len(rows) - len(kept)
                if progress is not None:
                    progress(len(rows) - len(kept))
                rows = kept
            a, b = iids[blk.start[rows]], iids[blk.end[rows]]
            lost = np.flatnonzero((a < 0) | (b < 0))
            if len(lost):
                k = rows[lost[0]]
                raise StoreError(f"no internal id for {st.node_ids[blk.start[k] if a[lost[0]] < 0 else blk.end[k]]}")
            new = made[blk.start[rows]] & made[blk.end[rows]]
            for part in (new, ~new):
                sel = np.flatnonzero(part)
                step = 50_000 if part is new else rel_batch
                for c in range(0, len(sel), step):
                    w = sel[c:c + step]
                    if part is new:
                        send_bulk(blk.code, blk.bulk_payload(rows[w], a[w], b[w], st.values), len(w))
                    else:
                        statement(blk.code)
                        pending[blk.code] = blk.cypher_rows(rows[w], a[w], b[w], st.values)
                        flush(blk.code)
        sender.close()
    finally:
        _close_quietly(sender)
    return stats


def _merge_known(store: BulkAppend, st: StagedLoad, known: dict[int, list[str]], batch: int,
                 progress: Callable[[int], None] | None) -> None:
    """Merge staged rows (per layout) into the nodes of the graph they name, as a dataset's are:
    :func:`~intelgraph.loaders.plan.merge_with_graph` adds the graph's statements and chooses
    the values, :func:`node_merge_statement` writes them (on ids; the internal ids stay)."""
    schema = st.schema
    plan = Plan(schema)
    for code, rows in known.items():
        kind, props, dates = st.node_layouts[code]
        names = [*props, *dates]
        n = len(names)
        for text in rows:
            r = json.loads(text)
            given = {k: r[j] for j, k in enumerate(names, 1) if k not in _DERIVED and r[j] is not None}
            plan.add_node(kind, node_row(schema, kind, r[0], given, *r[n + 1:n + 4]))
    for kind, by_id in plan.nodes.items():
        merge_with_graph(store, plan, kind, by_id.values())
        store.write_batches(node_merge_statement(schema, schema.kind(kind)), list(by_id.values()), batch, progress,
                            idempotent=True)
