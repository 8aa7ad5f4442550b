"""The staged form of a load (:class:`StagedLoad`): what the fast reader
(:mod:`intelgraph.loaders.bulk.reader`) produces and the writers (:mod:`intelgraph.loaders.bulk.write`,
:mod:`intelgraph.loaders.bulk.append`) send."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intelgraph.graph.schema import Schema
from intelgraph.loaders import columnar
from intelgraph.loaders.bulk.common import _cypher_text

if TYPE_CHECKING:
    from intelgraph.loaders.early import EarlyCheck, EarlyWrite


# -- the staged load ----------------------------------------------------------------------------
@dataclass
class StagedLoad:
    """A validated load, compact. Nodes: one dense number per id (in this load or only named by
    it), rows per layout ``(kind, props, dates)`` as JSON list texts ``[id, *props, *dates,
    sources, evidence, claims, dense]`` (``None`` once a row is sent, or found unchanged, while
    the load was still being read: :mod:`intelgraph.loaders.early`). Relationships: lines
    ``layout<TAB>start<TAB>end<TAB>[id, *props, *dates, sources, evidence, claims, reliability,
    credibility]`` in a spill file, and column-wise blocks. For a load written in bulk
    while it is read (``early.bulk_bins``), blocks of node rows read column-wise are also kept as
    their bulk-append records (:attr:`node_bins`), unless merged into later (:attr:`rows_merged`)."""

    schema: Schema
    node_ids: list[str] = field(default_factory=list)
    node_index: dict[str, int] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    in_load: bytearray = field(default_factory=bytearray)
    node_layouts: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    node_rows: list[list[str]] = field(default_factory=list)
    node_loc: array = field(default_factory=lambda: array("q"))  # dense -> layout * 2**24 + position, or -1
    node_bins: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)  # layout -> (first position, records)
    rows_merged: set[int] = field(default_factory=set)  # node_loc values of rows a later row was merged into
    node_sent: dict[int, int] = field(default_factory=dict)  # layout -> rows appended to the graph while read
    node_resend: set[int] = field(default_factory=set)  # node_loc values of rows changed after that
    rel_layouts: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    spill: Any = None
    rel_count: int = 0
    rel_hashes: array = field(default_factory=lambda: array("q"))
    skip_rels: set[str] = field(default_factory=set)  # ids whose merged row is in extra_rels
    extra_rels: list[tuple[int, int, int, str]] = field(default_factory=list)
    external_iids: dict[int, int] = field(default_factory=dict)  # dense -> internal id (nodes already in the graph)
    rel_blocks: list[columnar.RelBlock] = field(default_factory=list)  # relationships read column-wise
    values: columnar.ValueTable = field(default_factory=lambda: columnar.ValueTable(_cypher_text))
    mode: str = ""  # how it was written: "fresh" (CREATE into an empty graph) or "merge"
    early: EarlyWrite | EarlyCheck | None = None  # (loaders.early): graph work begun while it was read

    def counts(self) -> tuple[int, int]:
        return sum(len(r) for r in self.node_rows), self.rel_count

    def close(self) -> None:
        if self.early is not None:
            self.early.abort()  # nothing, once it has finished
        if self.spill is not None:
            self.spill.close()
            self.spill = None

    def dense(self, nid: str, kind: str) -> int:
        i = self.node_index.get(nid)
        if i is None:
            # node_ids grows last: a thread checking the graph meanwhile (loaders/early.py) reads
            # len(node_ids) and then each number's kind, in_load and node_loc below it
            i = len(self.node_ids)
            self.kinds.append(kind)
            self.in_load.append(0)
            self.node_loc.append(-1)
            self.node_ids.append(nid)
            self.node_index[nid] = i
        return i

    def dense_many(self, ids: list[str], kind: str) -> int:
        """Dense numbers for ``ids`` (none of them numbered yet), consecutive: the first one."""
        first = len(self.node_ids)
        self.kinds.extend([kind] * len(ids))
        self.in_load.extend(bytes(len(ids)))
        self.node_loc.extend(array("q", [-1]) * len(ids))
        self.node_ids.extend(ids)  # last, as in dense()
        self.node_index.update(zip(ids, range(first, first + len(ids))))
        return first

    def rel_lines(self) -> Iterable[tuple[int, int, int, str]]:
        """(layout, start, end, row JSON) of every relationship read row by row, merged duplicates
        last (those read column-wise are in :attr:`rel_blocks`)."""
        skip = self.skip_rels
        if self.spill is not None:
            self.spill.flush()
            self.spill.seek(0)
            for line in self.spill:
                lay, s, t, row = line.rstrip("\n").split("\t", 3)
                if skip and row[2:26] in skip:
                    continue
                yield int(lay), int(s), int(t), row
        yield from self.extra_rels
