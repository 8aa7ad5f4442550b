"""The fresh path: nodes and relationships appended in bulk (``GRAPH.BULK`` records, sent
through the store's :class:`~intelgraph.cypher.store.BulkAppend` capability)."""

from __future__ import annotations

import bisect
import itertools
import json
import struct
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from intelgraph.cypher.statements import node_replace_statement, quote_name
from intelgraph.cypher.store import BulkAppend
from intelgraph.errors import NotEmpty, StoreError
from intelgraph.graph.schema import GRADING, PROVENANCE
from intelgraph.loaders import columnar
from intelgraph.loaders.bulk.common import NODE_BATCH
from intelgraph.loaders.bulk.send import _close_quietly, _Sender, known_row
from intelgraph.loaders.bulk.staged import StagedLoad
from intelgraph.loaders.plan import LoadStats

# -- the fresh path: bulk append ------------------------------------------------------------------
# The tokens of the store's bulk append (:meth:`BulkAppend.bulk_append`; on FalkorDB the protocol
# of the falkordb-bulk-loader package, appending to the graph): a token per label or type — its
# name(s), property keys, then per entity its property values as typed binary (null: not set);
# edges carry their ends as internal node ids. The engine keeps the graph's indexes and unique
# constraint up to date.
_QQ = struct.Struct("=QQ").pack
BULK_TOKEN_BYTES = 32 << 20
NODE_PAYLOAD = 20_000  # nodes per bulk-append token (fewer if their bytes reach BULK_TOKEN_BYTES)
READBACK_PAGE = 50_000  # internal ids read back per query after appending nodes


_bin = columnar.bulk_value


class _BinCache:
    """_bin with the lists remembered: provenance lists repeat (a source, its evidence)."""

    def __init__(self) -> None:
        self.lists: dict[tuple[Any, ...], bytes] = {}

    def __call__(self, v: Any) -> bytes:
        if type(v) is list:
            key = tuple(v)
            b = self.lists.get(key)
            if b is None:
                if len(self.lists) > 100_000:
                    self.lists.clear()
                b = self.lists[key] = _bin(v)
            return b
        return _bin(v)


def _node_payloads(rows: Iterable[str], binc: _BinCache, most: int = NODE_PAYLOAD) -> Iterable[tuple[bytes, int, list[int]]]:
    """Staged node rows (JSON ``[id, *values, sources, evidence, claims, dense]``) as bulk-append
    node records, in payloads of at most ``most`` nodes (or BULK_TOKEN_BYTES): (payload, count,
    dense numbers)."""
    parts: list[bytes] = []
    tags: list[int] = []
    size = 0
    for row in rows:
        values = json.loads(row)
        tags.append(values.pop())
        b = b"".join(map(binc, values))
        parts.append(b)
        size += len(b)
        if size >= BULK_TOKEN_BYTES or len(parts) >= most:
            yield b"".join(parts), len(parts), tags
            parts, tags, size = [], [], 0
    if parts:
        yield b"".join(parts), len(parts), tags


def _node_segments(st: StagedLoad, code: int, first: int, total: int) -> Iterable[tuple[int, int, Any]]:
    """The staged node rows ``first``..``total`` of layout ``code`` in runs of at most
    NODE_PAYLOAD: (first, end, the block of :attr:`StagedLoad.node_bins` that holds their
    bulk-append records, or None where only the JSON rows hold them — rows staged row by row, or
    merged into after their block's records were made)."""
    stale = sorted(loc & 0xFFFFFF for loc in st.rows_merged if loc >> 24 == code)
    pos = first
    for block in [*sorted(st.node_bins.get(code, ()), key=lambda b: b[0]), (total, None)]:
        start, records = block
        # the reader may have kept the records of blocks past ``total`` already (their rows not
        # yet counted in): never beyond it, or the next call sends those rows a second time
        start = min(start, total)
        end = total if records is None else min(total, start + len(records))
        if end <= pos:
            continue
        for a in range(pos, max(pos, start), NODE_PAYLOAD):
            yield a, min(start, a + NODE_PAYLOAD), None
        if records is None:
            return
        for a in range(max(pos, start), end, NODE_PAYLOAD):
            b = min(end, a + NODE_PAYLOAD)
            changed = bisect.bisect_left(stale, a) < bisect.bisect_left(stale, b)
            yield a, b, None if changed else block
        pos = end


def _bin_header(name: str, keys: Sequence[str]) -> bytes:
    return name.encode() + b"\x00" + struct.pack("=I", len(keys)) + b"".join(k.encode() + b"\x00" for k in keys)


def _write_bulk(store: BulkAppend, st: StagedLoad, stats: LoadStats, progress: Callable[[int], None] | None) -> LoadStats:
    """CREATE a whole load into an empty graph in bulk, appended to the graph as it is
    (its indexes and unique constraint, made before, are kept up to date by the server): nodes,
    then their internal ids read back, then relationships between them. Called under the graph's
    write lock, with the graph seen empty."""
    iid = _bulk_nodes(store, st, stats, progress)
    _bulk_rels(store, st, iid, stats, progress)
    return stats


def _bulk_sender(store: BulkAppend, progress: Callable[[int], None] | None) -> tuple[_Sender, Callable[..., None]]:
    """A sender for bulk-append tokens into ``store``'s graph, and its send(token, nodes, edges)
    (the store checks what the engine says it made)."""
    sender = _Sender(store)

    def send(token: bytes, nodes: int, edges: int) -> None:
        def done(_: Any, n: int = nodes + edges) -> None:
            if progress is not None:
                progress(n)

        sender.submit_bulk(token, nodes, edges, done)

    return sender, send


def _bulk_nodes(store: BulkAppend, st: StagedLoad, stats: LoadStats, progress: Callable[[int], None] | None) -> array:
    """The nodes of :func:`_write_bulk`, all staged: appended, their internal ids read back."""
    nodes = BulkNodes(store, st, stats, progress)
    nodes.send()
    return nodes.finish()


class BulkNodes:
    """The nodes of a staged load appended to an empty graph in bulk, as they are staged:
    :meth:`send` appends what has been staged since it was last called (it may be called after
    each node file is read, from a second thread); :meth:`finish`, once everything is staged and
    sent, reads the nodes' internal ids back (by dense number; -1 for nodes only named), converts
    dates (which the protocol cannot carry) and rewrites the nodes that a later row merged into
    after they were sent (:attr:`StagedLoad.node_resend`). ``cancelled`` is asked between
    payloads (a load abandoned while it was still being read). With ``release``, staged rows are
    dropped (``None``) once their nodes are sent and no later row can merge into them (the last
    :meth:`send`), their memory given back while the relationship files are still being read."""

    def __init__(self, store: BulkAppend, st: StagedLoad, stats: LoadStats, progress: Callable[[int], None] | None,
                 cancelled: Callable[[], bool] = lambda: False, release: bool = False):
        self.store, self.st, self.stats = store, st, stats
        self.cancelled = cancelled
        self.release = release
        self.binc = _BinCache()
        self.sender, self._send = _bulk_sender(store, progress)
        self.heads: dict[int, bytes] = {}
        self.date_fixes: list[str] = []

    def _head(self, code: int) -> bytes:
        head = self.heads.get(code)
        if head is None:
            schema = self.st.schema
            kind, props, dates = self.st.node_layouts[code]
            head = self.heads[code] = _bin_header(":".join(schema.kind(kind).labels),
                                                  ["id", *props, *dates, *PROVENANCE])
            for d in dates:
                self.date_fixes.append(f"MATCH (n:{quote_name(kind)}) WHERE n.{quote_name(d)} IS NOT NULL "
                                       f"SET n.{quote_name(d)} = date(n.{quote_name(d)})")
        return head

    def send(self, upto: Sequence[int] | None = None) -> bool:
        """Append the staged rows not yet sent, up to ``upto[code]`` of each layout (all, and
        nothing more will be staged: None). False if cancelled."""
        st = self.st
        free = upto is None and self.release  # nothing can merge into a row any more
        plan = []
        for code, rows in enumerate(st.node_rows):
            first = st.node_sent.get(code, 0)
            end = len(rows) if upto is None or code >= len(upto) else upto[code]
            if free:
                self._release(code, 0, first)
            if end <= first:
                continue
            self._head(code)
            # marked sent before the rows are read: a row merged into from now on is sent again
            st.node_sent[code] = end
            segments = list(_node_segments(st, code, first, end))
            if free:  # rows whose records are made: the records are all that is needed now
                for a, b, block in segments:
                    if block is not None:
                        self._release(code, a, b)
            plan.append((code, first, end, segments))
        for code, first, end, segments in plan:
            rows, head, blocks = st.node_rows[code], self.heads[code], st.node_bins.get(code, [])
            for k, (a, b, block) in enumerate(segments):
                segments[k] = None  # type: ignore[call-overload] # (so a block sent is freed)
                if block is None:
                    payloads: Iterable[tuple[bytes, int]] = ((p, n) for p, n, _ in _node_payloads(rows[a:b], self.binc))
                else:
                    payloads = columnar.contiguous_slices(block[1].slice(a - block[0], b - a), NODE_PAYLOAD,
                                                          BULK_TOKEN_BYTES)
                del block
                for payload, n in payloads:
                    if self.cancelled():
                        return False
                    self._send(head + payload, n, 0)
                if free:
                    self._release(code, a, b)
                for done in [x for x in blocks if x[0] + len(x[1]) <= b]:  # records wholly sent
                    blocks.remove(done)
            kind = st.node_layouts[code][0]
            self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + end - first
            self.stats.nodes += end - first
        return True

    def finish(self) -> array:
        """Once every node row is staged and sent: internal ids, dates, rows merged late."""
        st = self.st
        try:
            self.sender.close()
        finally:
            _close_quietly(self.sender)
        schema = st.schema
        name = self.store.name
        load_query = self.store.load_query
        root, key = quote_name(schema.root_label), quote_name(schema.id_property)
        iid = array("q", [-1]) * len(st.node_ids)
        # the new nodes' internal ids (the graph held nothing else), a range of ids at a time:
        # one reply for all of them held ~60 MB of Python lists at 350k nodes
        index = st.node_index
        seen = 0
        top = load_query(f"MATCH (n:{root}) RETURN max(id(n))", read_only=True, limited=False)
        for lo in range(0, (top if top is not None else -1) + 1, READBACK_PAGE):
            if self.cancelled():
                return iid
            res = load_query(f"CYPHER lo={lo} hi={lo + READBACK_PAGE} MATCH (n:{root}) "
                             f"WHERE id(n) >= $lo AND id(n) < $hi RETURN toJSON(collect([n.{key}, id(n)]))",
                             read_only=True, limited=False)
            for nid, x in json.loads(res):
                d = index.get(nid)
                if d is None:
                    raise NotEmpty(f"graph {name!r} holds a node this load did not make ({nid}): it was not empty")
                iid[d] = x
                seen += 1
        if seen != self.stats.nodes:
            raise StoreError(f"the bulk append made {seen} of {self.stats.nodes} nodes")
        for q in self.date_fixes:
            load_query(q, limited=False)
        self.store.fault_point("nodes-resend", load=st)
        self._resend(iid)
        if self.release:
            st.node_resend.clear()
            for code, rows in enumerate(st.node_rows):
                self._release(code, 0, len(rows))
        return iid

    def _release(self, code: int, a: int, b: int) -> None:
        """Drop staged rows ``a``..``b`` of layout ``code``, but those :meth:`finish` sends again."""
        rows = self.st.node_rows[code]
        kept = [(p, rows[p]) for p in range(a, b) if (code << 24 | p) in self.st.node_resend] \
            if self.st.node_resend else []
        rows[a:b] = itertools.repeat(None, b - a)
        for p, row in kept:
            rows[p] = row

    def close(self) -> None:
        """Stop sending (after :meth:`finish`: nothing left to stop)."""
        _close_quietly(self.sender)

    def _resend(self, iid: array) -> None:
        """Nodes a later row merged into after they were sent: set to their merged rows."""
        st = self.st
        by_code: dict[int, list[str]] = {}
        for loc in sorted(st.node_resend):
            code, pos = loc >> 24, loc & 0xFFFFFF
            row = st.node_rows[code][pos]
            by_code.setdefault(code, []).append(known_row(iid[int(row[row.rindex(",") + 1:-1])], row))
        for code, rows in by_code.items():
            kind, props, dates = st.node_layouts[code]
            stmt = " " + node_replace_statement(st.schema, st.schema.kind(kind), props, dates)
            for a in range(0, len(rows), NODE_BATCH):
                chunk = rows[a:a + NODE_BATCH]
                res = self.store.load_query("CYPHER rows=[" + ",".join(chunk) + "]" + stmt, limited=False)
                if res != len(chunk):
                    raise StoreError(f"{len(chunk) - res} node(s) merged into late were not rewritten")


def _bulk_rels(store: BulkAppend, st: StagedLoad, iid: array, stats: LoadStats,
               progress: Callable[[int], None] | None) -> None:
    """The relationships of :func:`_write_bulk`, between nodes whose internal ids ``iid`` holds."""
    if len(iid) < len(st.node_ids):  # ids only named by relationships: never written (checked before)
        iid.extend(array("q", [-1]) * (len(st.node_ids) - len(iid)))
    binc = _BinCache()
    sender, send = _bulk_sender(store, progress)
    try:
        rel_fixes: list[str] = []
        current = -1
        parts = []
        size = 0

        def flush_rels() -> None:
            rtype, props, dates = st.rel_layouts[current]
            head = _bin_header(rtype, ["id", *props, *dates, *PROVENANCE, *GRADING])
            send(head + b"".join(parts), 0, len(parts))
            stats.by_type[rtype] = stats.by_type.get(rtype, 0) + len(parts)
            stats.relationships += len(parts)

        for code, s, t, row in st.rel_lines():
            if code != current or size >= BULK_TOKEN_BYTES or len(parts) >= 20_000:
                if parts:
                    flush_rels()
                parts, size = [], 0
                if code != current:
                    current = code
                    rtype, _props, dates = st.rel_layouts[code]
                    for d in dates:
                        fix = (f"MATCH ()-[e:{quote_name(rtype)}]->() WHERE e.{quote_name(d)} IS NOT NULL "
                               f"SET e.{quote_name(d)} = date(e.{quote_name(d)})")
                        if fix not in rel_fixes:
                            rel_fixes.append(fix)
            b = _QQ(iid[s], iid[t]) + b"".join(map(binc, json.loads(row)))
            parts.append(b)
            size += len(b)
        if parts:
            flush_rels()
        # relationships read column-wise (no dates among them)
        iids = np.frombuffer(iid, dtype=np.int64)
        for blk in st.rel_blocks:
            rows = blk.keep(st.skip_rels)
            rtype = st.rel_layouts[blk.code][0]
            head = _bin_header(rtype, ["id", *PROVENANCE, *GRADING])
            for c in range(0, len(rows), 20_000):
                w = rows[c:c + 20_000]
                send(head + blk.bulk_payload(w, iids[blk.start[w]], iids[blk.end[w]], st.values), 0, len(w))
            stats.by_type[rtype] = stats.by_type.get(rtype, 0) + len(rows)
            stats.relationships += len(rows)
        sender.close()
        for q in rel_fixes:
            store.load_query(q, limited=False)
    finally:
        _close_quietly(sender)
