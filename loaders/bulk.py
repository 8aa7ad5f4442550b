"""Fast loading of neo4j-admin CSV into the embedded engine: a streaming reader into a compact
staged form, and a FalkorDB writer that resolves relationship ends to internal node ids.

**Reading.** :func:`stage_csv` reads the same inputs as
:func:`intelgraph.loaders.csv_admin.read_csv_files` and accepts exactly what it accepts, but it
does not build a :class:`~intelgraph.loaders.plan.Plan` of dicts: each input column gets one
converter, chosen once per file (and kind), and each row becomes a list that is serialised at
once as a Cypher list literal. Nodes stay in memory in that form (with an index from id to a
dense number); relationships go to a temporary spill file, their ends as dense numbers. Memory
grows with the number of nodes, not of relationships (1M relationships and 350k nodes: 300-370 MB).

It is optimistic: anything it does not handle itself — a problem in the input, a reference given
by name instead of id, a quoted field it cannot place — makes it hand the whole load to the
thorough reader, which reports every problem by file, row and field (and loads the rare valid
input the fast reader declined, through the classic path). So the fast path never accepts what
the thorough reader refuses, and a bad input never writes anything.

**Writing (FalkorDB).** Everything is written under the graph's write lock (concurrent intelgraph
writers queue on it). Queries are sent by a second thread while the next batch is prepared.

* ``fresh=False`` — idempotent. Into an empty graph, everything is appended as on the fresh path
  (the result is the same). Otherwise node ids are looked up read-only; new nodes are appended
  in bulk (with dates: created in ``UNWIND`` batches) and their internal ids looked up;
  known ones are merged only where something would change. Relationships are ``MERGE``d
  between nodes sought by internal id (an id seek, not the id index) — except those between two
  nodes this load created, which cannot exist yet and are appended in bulk. Loading the same
  files again changes nothing, and FalkorDB does not even log a query that changed nothing.
* ``fresh=True`` — only into a graph that is empty when the write starts (checked under the lock;
  refused with :class:`NotEmpty` otherwise): nodes and relationships appended in bulk
  (the server keeps the indexes and unique constraint), node ids read back in one scan, dates
  converted after. ``fresh=None`` chooses it when the graph is empty.

A crash at any point leaves a graph that the next (merge) load completes.

:func:`intelgraph.api.load_paths` (the one function that chooses a load path) does not wait for
the whole reading before touching the graph: once the node files are read, :mod:`intelgraph.loaders.early` writes the
nodes of a load into an empty graph (through a staging graph that replaces it at the end, so a
bad later file or a crash still leaves it empty), or checks read-only which rows of a load into a
graph that holds something would change anything — while the relationship files are read.

Neo4j has no internal-id lookup worth using, so on Neo4j the classic reader and ``MERGE``-on-id
statements are used (:func:`intelgraph.api.load_paths` picks).
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import csv
import itertools
import json
import queue
import re
import struct
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from intelgraph.cypher.store import BulkAppend, Store
from intelgraph.cypher.statements import (
    quote_name, node_lookup_statement, node_replace_statement, node_rows_statement, node_update_statement,
    relationship_rows_statement)
from intelgraph.errors import InputErrors, NotEmpty, StoreError
from intelgraph.graph.ids import node_id, normalise, relationship_id
from intelgraph.graph.schema import GRADING, PROVENANCE, Schema, load_schema
from intelgraph.graph.text import refused_re2, text_problem
from intelgraph.loaders.csv_admin import (
    _DERIVED_COLS, _PROVENANCE_COLS, _REFERENCE_PROPS, _REL_EXTRA_COLS, _REL_ID_RE,
    ARRAY_DELIMITER, CONTENT_ID_RE, MAX_FIELD_CHARS, CsvInput, _Group, _Reader, group_inputs, parse_header)
from intelgraph.loaders import columnar
from intelgraph.loaders.plan import COMPACT_AFTER_ROWS, LoadStats, changed_under_load, evidence_text, node_row

if TYPE_CHECKING:
    from intelgraph.loaders.early import EarlyCheck, EarlyWrite

__all__ = ["StagedLoad", "stage_csv", "write_staged", "graph_is_empty", "NotEmpty"]

NODE_BATCH = 5000
READBACK_PAGE = 50_000  # internal ids read back per query after appending nodes
NODE_BLOCK_BYTES = 4 << 20  # node files read in blocks of this size while the graph is worked on
NODE_PAYLOAD = 20_000  # nodes per bulk-append token (fewer if their bytes reach BULK_TOKEN_BYTES)
REL_BATCH = 5000
_DERIVED = frozenset(_DERIVED_COLS)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False).encode
_STR = json.encoder.encode_basestring  # one string as JSON text (the C function, without the encoder's checks)


def _j(v: Any) -> str:
    return _STR(v) if type(v) is str else _JSON(v)


def _jlist(items: Sequence[str]) -> str:
    """A list of strings as JSON text."""
    return "[" + ",".join(map(_STR, items)) + "]"


class _Fallback(Exception):
    """The fast reader leaves this load to the thorough reader (a problem, or a form it does not handle)."""


class _NotColumnar(Exception):
    """A block the column-wise check leaves to the row-wise one."""


# -- values as Cypher literals ----------------------------------------------------------------
def _literal(v: Any) -> str:
    """A Cypher literal FalkorDB reads back as ``v`` (strings: only ``\\`` and ``"`` escaped, as the
    falkordb client writes them; FalkorDB does not read JSON's ``\\uXXXX`` escapes)."""
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(map(_literal, v)) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _cypher_text(json_text: str) -> str:
    """A row serialised as JSON, as FalkorDB should read it. JSON and Cypher list literals agree
    except for JSON's ``\\uXXXX`` escapes of control characters (``\\n``, ``\\t``... FalkorDB reads)."""
    if "\\u" in json_text:
        return _literal(json.loads(json_text))
    return json_text


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
            i = len(self.node_ids)
            self.node_index[nid] = i
            self.node_ids.append(nid)
            self.kinds.append(kind)
            self.in_load.append(0)
            self.node_loc.append(-1)
        return i

    def dense_many(self, ids: list[str], kind: str) -> int:
        """Dense numbers for ``ids`` (none of them numbered yet), consecutive: the first one."""
        first = len(self.node_ids)
        self.node_index.update(zip(ids, range(first, first + len(ids))))
        self.node_ids.extend(ids)
        self.kinds.extend([kind] * len(ids))
        self.in_load.extend(bytes(len(ids)))
        self.node_loc.extend(array("q", [-1]) * len(ids))
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


# -- reading ----------------------------------------------------------------------------------
class _FastReader:
    def __init__(self, schema: Schema, source: str | None, store: Store | None, delim: str):
        self.schema = schema
        self.store = store
        self.delim = delim
        self.probe = _Reader(schema, source, None, delim)  # the thorough reader's once-per-column checks
        self.st = StagedLoad(schema)
        self.prefix_kind = {k.lower(): k for k in schema.node_kinds}
        self.file_source_id: str | None = None
        self.idmaps: dict[str | None, dict[str, int]] = {}
        self.node_layout_code: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}
        self.rel_layout_code: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}
        self.source_ok: dict[str, str] = {}  # a `sources` value already checked -> the id
        self.claim_ok: set[str] = set()
        self.allowed: dict[tuple[str, str, str], bool] = {}
        self.prov_cache: dict[Any, str] = {}
        self._numbered: dict[tuple[str, str], int] = {}  # (column, text) -> number in st.values
        self._kind_names: list[str] = []
        self._kind_code_list: list[int] = []
        self._kind_code_arr = np.zeros(0, dtype=np.int64)
        self._node_id_arr: Any = None
        self.early: EarlyWrite | EarlyCheck | None = None  # told when every node file is read (loaders.early)

    # -- helpers ------------------------------------------------------------------------
    def id_kind(self, value: str) -> str | None:
        m = CONTENT_ID_RE.fullmatch(value)
        return self.prefix_kind.get(m.group(1)) if m else None

    def ref(self, value: str, family: str) -> int:
        """A node of ``family`` given by intelgraph id (by name: left to the thorough reader)."""
        kind = self.id_kind(value)
        if kind is None or not self.schema.kind(kind).is_a(family):
            raise _Fallback
        return self.st.dense(value, kind)

    def source_id(self, value: str) -> str:
        sid = self.source_ok.get(value)
        if sid is None:
            self.ref(value, "Source")
            self.source_ok[value] = sid = value
        return sid

    def provenance(self, fname: str, row: int, prov: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
        sources: list[str] = []
        for sid in prov.get("sources", ()):
            sid = self.source_id(sid)
            if sid not in sources:
                sources.append(sid)
        evidence = list(prov.get("evidence", ()))
        claims: list[str] = []
        for cid in prov.get("claims", ()):
            if cid not in self.claim_ok:
                if self.id_kind(cid) != "Claim":
                    raise _Fallback
                self.st.dense(cid, "Claim")
                self.claim_ok.add(cid)
            claims.append(cid)
        quote = prov.get("quote")
        if prov.get("source"):
            sid = self.source_id(prov["source"])
            sources.append(sid)
            evidence.append(evidence_text(sid, quote or f"{fname} row {row}"))
        elif self.file_source_id and not sources:
            sources.append(self.file_source_id)
            evidence.append(evidence_text(self.file_source_id, quote or f"{fname} row {row}"))
        elif quote:
            raise _Fallback
        if not sources:
            raise _Fallback
        return sources, evidence, claims

    # -- files ----------------------------------------------------------------------------
    def records(self, path: Path) -> Iterable[tuple[int, list[str]]]:
        """The records of a file from its start, checked (NUL, lone CR) only as far as the first
        few megabytes: enough for its header, and the data is checked when it is read."""
        for nums, rows in self.record_batches(path, 16, scan=1 << 22):
            yield from zip(nums, rows)

    def open_input(self, inp: CsvInput) -> _Group:
        if not inp.files:
            raise _Fallback
        first = inp.files[0]
        rows = iter(self.records(first))
        for row, fields in rows:
            try:
                header = parse_header(fields, str(first), f"row {row} (header)")
            except InputErrors:
                raise _Fallback from None
            if (header.entity == "node" and inp.rel_type) or (header.entity == "relationship" and inp.labels):
                raise _Fallback
            return _Group(inp, header, row, first)
        raise _Fallback

    def data_rows(self, group: _Group) -> Iterable[tuple[Path, int, list[str]]]:
        for path, rownums, rows in self.data_batches(group):
            yield from zip([path] * len(rows), rownums, rows)

    def data_batches(self, group: _Group, size: int = 4096,
                     only: int | None = None) -> Iterable[tuple[Path, Sequence[int], list[list[str]]]]:
        """(file, row numbers, rows) in batches, rows checked for width and field length (of the
        group's files, or of its file number ``only``)."""
        width = len(group.header)
        header_texts = [c.text for c in group.header.columns]
        for i, path in enumerate(group.inp.files):
            if only is not None and i != only:
                continue
            for rownums, rows in self.record_batches(path, size):
                if i == 0 and rownums[0] <= group.header_row:
                    keep = [k for k, n in enumerate(rownums) if n > group.header_row]
                    rownums, rows = [rownums[k] for k in keep], [rows[k] for k in keep]
                    if not rows:
                        continue
                if i > 0 and rownums[0] == 1 and rows[0] == header_texts:
                    raise _Fallback
                if set(map(len, rows)) != {width}:
                    raise _Fallback
                for c, lines, col in zip(group.header.columns, self.probe.line_breaks(group.header), zip(*rows)):
                    if max(map(len, col)) > MAX_FIELD_CHARS:
                        raise _Fallback
                    if lines is not None:  # the text rule (intelgraph.graph.text), on the column at once
                        text = "".join(col)
                        if text_problem(text.replace(self.delim, "") if c.array else text, lines) is not None:
                            raise _Fallback  # the thorough reader says where
                yield path, rownums, rows

    def record_batches(self, path: Path, size: int,
                       scan: int | None = None) -> Iterable[tuple[Sequence[int], list[list[str]]]]:
        """(row numbers, rows) of the non-blank records, numbered as the thorough reader does
        (the file checked for NUL and lone CR first: all of it, or its first ``scan`` bytes)."""
        try:
            fh = open(path, "rb")
        except OSError:
            raise _Fallback from None
        with fh:
            head = fh.read(4)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise _Fallback
            fh.seek(0)
            left = scan
            # a NUL, or a line break that is a lone CR: the thorough reader says where
            while left is None or left > 0:
                chunk = fh.read(1 << 24 if left is None else min(left, 1 << 24))
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                    if left <= 0 and chunk.endswith(b"\r"):
                        chunk = chunk[:-1]  # its "\n" may be next; the full check comes with the data
                if b"\x00" in chunk or (b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n")):
                    raise _Fallback
        with open(path, encoding="utf-8-sig", errors="strict", newline="") as text:
            reader = csv.reader(text, strict=True)
            n = 0
            try:
                while True:
                    rows = list(itertools.islice(reader, size))
                    if not rows:
                        return
                    if [] in rows:  # blank lines count in the numbering, but hold no record
                        nums = [n + k + 1 for k, r in enumerate(rows) if r]
                        n += len(rows)
                        rows = [r for r in rows if r]
                        if rows:
                            yield nums, rows
                        continue
                    yield range(n + 1, n + 1 + len(rows)), rows
                    n += len(rows)
            except (csv.Error, UnicodeDecodeError):
                raise _Fallback from None

    # -- converters -----------------------------------------------------------------------
    def converter(self, col: Any, spec: Any) -> Callable[[str], Any]:
        """text -> typed value (never called with ""); raises ValueError or _Fallback."""
        delim = self.delim
        scalar = _Reader.scalar
        t = col.type

        def parse(text: str) -> Any:
            if col.array:
                items = text.split(delim)
                if "" in items:
                    raise ValueError
                if t == "string":
                    return items
                return [scalar(t, x) for x in items]
            return text if t == "string" else scalar(t, text)

        if spec is None:
            return parse
        if spec.type in ("string", "text") and t == "string" and not col.array and spec.format != "name":
            return lambda text: text
        coerce = spec.coerce
        return lambda text: coerce(parse(text))

    def node_plan(self, group: _Group, kind: str, fname: str, where: str) -> Any:
        key = ("fast-node", kind)
        got = group.checked.get(key)
        if got is not None:
            return got
        schema = self.schema
        spec = schema.kind(kind).properties
        cols = []
        for col in group.header.properties:
            if not self.probe.column_ok(group, kind, col, fname, where):
                # fine while empty (a file of mixed kinds); a value there is the thorough reader's to report
                self.probe.problems.clear()
                cols.append((col.index, col.name, "bad", None))
                continue
            if col.name in _PROVENANCE_COLS:
                role = "both" if kind == "Claim" and col.name in ("source", "quote") else "prov"
                cols.append((col.index, col.name, role, self.converter(col, None)))
            elif col.name in _DERIVED_COLS:
                cols.append((col.index, col.name, "derived", self.converter(col, None)))
            else:
                cols.append((col.index, col.name, "prop", self.converter(col, spec[col.name])))
        idc = group.header.role("id")
        id_prop = None
        if idc is not None and idc.name != schema.id_property and idc.name in spec:
            if not self.probe.column_ok(group, kind, idc, fname, where):
                raise _Fallback
            id_prop = spec[idc.name].coerce
        kspec = schema.kind(kind)
        refs = tuple((p, fam) for (k, p), fam in _REFERENCE_PROPS.items() if k == kind)
        # the layout: every property a row of this plan can hold, derived ones included
        names = {c[1] for c in cols if c[2] in ("prop", "both")}
        if idc is not None and idc.name in spec and idc.name != schema.id_property:
            names.add(idc.name)
        dates = tuple(sorted(n for n in names if spec[n].type == "date"))
        plain = sorted(n for n in names if spec[n].type != "date")
        plain += schema.derived_for(names)
        props = tuple(plain)
        lkey = (kind, props, dates)
        code = self.node_layout_code.get(lkey)
        if code is None:
            code = self.node_layout_code[lkey] = len(self.st.node_layouts)
            self.st.node_layouts.append(lkey)
            self.st.node_rows.append([])
        got = (cols, idc, id_prop, kspec, refs, props, dates, code, spec)
        group.checked[key] = got
        return got

    # -- node rows ------------------------------------------------------------------------
    def node_row(self, group: _Group, path: Path, row: int, fields: list[str]) -> None:
        schema = self.schema
        labels = list(group.inp.labels)
        lcol = group.header.role("label")
        if lcol is not None and fields[lcol.index] != "":
            parts = fields[lcol.index].split(self.delim)
            if "" in parts:
                raise _Fallback
            labels += parts
        kind = self.kind_of(group, path, row, labels)
        cols, idc, id_prop, kspec, refs, props_l, dates_l, code, spec = self.node_plan(group, kind, str(path), f"row {row}")
        props: dict[str, Any] = {}
        prov: dict[str, Any] = {}
        derived: dict[str, Any] | None = None
        try:
            for i, name, role, conv in cols:
                text = fields[i]
                if text == "":
                    continue
                if role == "bad":
                    raise _Fallback
                value = conv(text)
                if role == "prop":
                    props[name] = value
                elif role == "prov":
                    prov[name] = value
                elif role == "both":
                    prov[name] = text
                    props[name] = value
                else:
                    if derived is None:
                        derived = {}
                    derived[name] = value
            own = None
            handle = None
            if idc is not None:
                value = fields[idc.index]
                if value == "":
                    raise _Fallback
                handle = value
                if idc.name == schema.id_property:
                    m = CONTENT_ID_RE.fullmatch(value)
                    if m:
                        if m.group(1) != kind.lower():
                            raise _Fallback
                        own = value
                elif id_prop is not None:
                    props[idc.name] = id_prop(value)
        except ValueError:
            raise _Fallback from None
        for k in kspec.key:
            if props.get(k) in (None, ""):
                raise _Fallback
        for k, s in spec.items():
            if s.required and k not in kspec.key and props.get(k) in (None, "", []):
                raise _Fallback
        for prop, family in refs:  # a claim's source, a leg's shipment: by id here
            value = props.get(prop)
            if isinstance(value, str):
                self.ref(value, family)
        if own is not None:
            nid = own
        else:
            try:
                nid = node_id(kind, [props[k] for k in kspec.key])
            except ValueError:
                raise _Fallback from None
        # node_row(): derived lookup properties, provenance sets
        plain_vals = []
        for p in props_l:
            if p == "kind":
                plain_vals.append(kind)
            elif p == "name_lc":
                plain_vals.append(normalise(props["name"]) if "name" in props else None)
            elif p == "aliases_lc":
                al = props.get("aliases")
                plain_vals.append(sorted({normalise(a) for a in al}) if al else None)
            elif p == "aliases_text":
                al = props.get("aliases")
                plain_vals.append(" ; ".join(al) if al else None)
            else:
                plain_vals.append(props.get(p))
        if derived:
            have = dict(zip(props_l, plain_vals))
            for k, v in derived.items():
                if have.get(k) != v:
                    raise _Fallback
        sources, evidence, claims = self.provenance(path.name, row, prov)
        if kind == "Claim" and nid not in claims:
            claims.append(nid)
        st = self.st
        i = st.dense(nid, kind)
        if st.kinds[i] != kind:
            raise _Fallback
        if handle is not None:
            m = self.idmaps.setdefault(idc.space, {})
            prior = m.get(handle)
            if prior is None:
                m[handle] = i
            elif prior != i:
                raise _Fallback
        values = [nid, *plain_vals, *(props.get(d) for d in dates_l),
                  sorted(set(sources)), sorted(set(evidence)), sorted(set(claims)), i]
        if st.in_load[i]:
            self.merge_node(i, code, values, props, kspec.key)
            return
        st.in_load[i] = 1
        rows = st.node_rows[code]
        st.node_loc[i] = (code << 24) | len(rows)
        try:
            rows.append(_JSON(values))
        except ValueError:
            raise _Fallback from None

    def merge_node(self, i: int, code: int, values: list[Any], props: dict[str, Any], key: tuple[str, ...]) -> None:
        """The same node again (as Plan.add_node): values must agree, provenance adds up."""
        st = self.st
        loc = st.node_loc[i]
        ocode, pos = loc >> 24, loc & 0xFFFFFF
        if ocode != code:
            raise _Fallback
        old = json.loads(st.node_rows[code][pos])
        _, lprops, ldates = st.node_layouts[code]
        names = [*lprops, *ldates]
        for j, name in enumerate(names, 1):
            a, b = old[j], values[j]
            if name in _DERIVED or a is None or b is None or name not in props:
                continue
            if name in key and normalise(a) == normalise(b):
                continue
            if a != b:
                raise _Fallback
        for j in range(1, len(names) + 1):
            if old[j] is None and values[j] is not None:
                old[j] = values[j]
        for j in range(len(names) + 1, len(names) + 4):
            old[j] = sorted(set(old[j]) | set(values[j]))
        st.node_rows[code][pos] = _JSON(old)
        st.rows_merged.add(loc)
        if pos < st.node_sent.get(code, 0):  # (checked after the row changed: see BulkNodes.send)
            st.node_resend.add(loc)


    # -- node rows, a batch at a time -----------------------------------------------------------
    def node_batch(self, group: _Group, path: Path, rownums: Sequence[int], rows: list[list[str]]) -> bool:
        """Node rows of one kind that carry their own intelgraph ids, column by column. False
        (nothing recorded) for a batch with anything the row-by-row path must see."""
        return self.node_columns(group, path, rownums, list(zip(*rows)), len(rows))

    def block_kind(self, group: _Group, path: Path, row: int, label_text: str) -> str | None:
        """The kind of a block whose rows all have ``label_text`` as their labels (None: an empty
        label, for the row-wise path)."""
        labels = label_text.split(self.delim)
        return None if "" in labels else self.kind_of(group, path, row, labels)

    def kind_of(self, group: _Group, path: Path, row: int, labels: list[str]) -> str:
        """The kind these labels name (learnt once per group; a problem: the thorough reader's)."""
        kkey = ("fast-kind", tuple(labels))
        kind = group.checked.get(kkey)
        if kind is None:
            kind = self.probe.kind_of(group, str(path), f"row {row}", labels)
            if kind is None or self.probe.problems:
                raise _Fallback
            group.checked[kkey] = kind
        return kind

    def node_columns(self, group: _Group, path: Path, rownums: Sequence[int], cols: Sequence[Sequence[str]],
                     n: int) -> bool:
        """:meth:`node_batch` given the batch's columns."""
        schema = self.schema
        st = self.st
        header = group.header
        idc = header.role("id")
        if idc is None or idc.name != schema.id_property or group.inp.labels:
            return False
        lcol = header.role("label")
        if lcol is None or len(set(cols[lcol.index])) != 1:
            return False
        kind = self.block_kind(group, path, rownums[0], cols[lcol.index][0])
        if kind is None:
            return False
        plan = self.node_plan(group, kind, str(path), f"row {rownums[0]}")
        pcols, _, _, kspec, refs, props_l, dates_l, code, spec = plan
        ids = cols[idc.index]
        prefix = kind.lower() + ":"
        if not all(map(CONTENT_ID_RE.fullmatch, ids)) or not all(x.startswith(prefix) for x in ids):
            return False
        if len(set(ids)) != n or any(st.in_load[i] for i in map(st.node_index.get, ids) if i is not None):
            return False  # the same node twice: row by row, which merges
        values: dict[str, Sequence[Any]] = {}
        prov: dict[str, Sequence[str]] = {}
        for i, name, role, conv in pcols:
            col = cols[i]
            if role == "bad":
                if any(col):
                    raise _Fallback
                continue
            if role in ("derived",) or (role == "prov" and name in ("source", "quote")):
                return False
            if role == "prov":
                prov[name] = col
                continue
            if role == "both":
                prov[name] = col
            if spec[name].type == "string[]":
                return False
            try:
                if role == "both" or conv is None:
                    values[name] = [v if v != "" else None for v in col]
                else:
                    distinct = set(col)
                    if len(distinct) * 4 < n:
                        got = {v: (conv(v) if v != "" else None) for v in distinct}
                        values[name] = list(map(got.__getitem__, col))
                    else:
                        values[name] = [conv(v) if v != "" else None for v in col]
            except ValueError:
                raise _Fallback from None
        for k in kspec.key:
            if k not in values or not all(v not in (None, "") for v in values[k]):
                raise _Fallback
        for k, sp in spec.items():
            if sp.required and k not in kspec.key and (k not in values or any(v in (None, "", []) for v in values[k])):
                raise _Fallback
        for prop, family in refs:
            if prop in values:
                for value in set(values[prop]):
                    if isinstance(value, str):
                        self.ref(value, family)
        # provenance, as provenance(): sources by id, evidence as given, a claim's own source and quote
        delim = self.delim
        cache = self.prov_cache
        if "sources" in prov:
            src_lists = []
            for raw in prov["sources"]:
                got = cache.get(("s", raw))
                if got is None:
                    items = raw.split(delim) if raw else []
                    if "" in items:
                        raise _Fallback
                    ids_ = []
                    for x in items:
                        x = self.source_id(x)
                        if x not in ids_:
                            ids_.append(x)
                    got = cache[("s", raw)] = ids_
                src_lists.append(got)
        else:
            src_lists = [[] for _ in range(n)]
        ev_col = prov.get("evidence")
        cl_col = prov.get("claims")
        one_src = prov.get("source")
        quotes = prov.get("quote")
        fs = self.file_source_id
        fname = path.name
        out_src, out_ev, out_cl = [], [], []
        plain_prov = (one_src is None and quotes is None and cl_col is None and kind != "Claim"
                      and "sources" in prov and all(src_lists))
        if plain_prov:  # sources by id and evidence as given, on every row: no per-row decisions
            src_json = [cache.get(("sj", raw)) or cache.setdefault(("sj", raw), _jlist(sorted(set(ids_))))
                        for raw, ids_ in zip(prov["sources"], src_lists)]
            ev_json = self.list_json(ev_col, n, None)
            cl_json = ["[]"] * n
        for k in range(0 if plain_prov else n):
            sources = src_lists[k]
            raw = ev_col[k] if ev_col is not None else ""
            evidence = raw.split(delim) if raw else []
            if "" in evidence:
                raise _Fallback
            raw = cl_col[k] if cl_col is not None else ""
            claims = raw.split(delim) if raw else []
            for cid in claims:
                if cid not in self.claim_ok:
                    if self.id_kind(cid) != "Claim":
                        raise _Fallback
                    st.dense(cid, "Claim")
                    self.claim_ok.add(cid)
            quote = quotes[k] if quotes is not None else ""
            sid = one_src[k] if one_src is not None else ""
            if sid:
                sid = self.source_id(sid)
                sources = [*sources, sid]
                evidence.append(evidence_text(sid, quote or f"{fname} row {rownums[k]}"))
            elif fs and not sources:
                sources = [fs]
                evidence.append(evidence_text(fs, quote or f"{fname} row {rownums[k]}"))
            elif quote:
                raise _Fallback
            if not sources:
                raise _Fallback
            if kind == "Claim" and ids[k] not in claims:
                claims.append(ids[k])
            out_src.append(sources if len(sources) == 1 else sorted(set(sources)))
            out_ev.append(evidence if len(evidence) < 2 else sorted(set(evidence)))
            out_cl.append(claims if len(claims) < 2 else sorted(set(claims)))
        # the layout's values, derived ones computed
        columns: list[list[str]] = [list(map(_STR, ids))]
        for p in (*props_l, *dates_l):
            if p == "kind":
                columns.append([_STR(kind)] * n)
            elif p == "name_lc":
                columns.append([_STR(" ".join(v.lower().split()) if v.isascii() else normalise(v))
                                for v in values["name"]])
            elif p in schema.derived_properties:
                return False  # the aliases' lookup properties: row by row
            elif p in values:
                try:
                    columns.append(list(map(_j, values[p])))
                except ValueError:
                    raise _Fallback from None
            else:
                columns.append(["null"] * n)
        if plain_prov:
            columns += [src_json, ev_json, cl_json]
        else:
            columns += [list(map(_jlist, out_src)), list(map(_jlist, out_ev)), list(map(_jlist, out_cl))]
        # commit: dense numbers, handles, rows
        m = self.idmaps.setdefault(idc.space, {})
        dense = []
        for nid in ids:
            i = st.dense(nid, kind)
            if st.kinds[i] != kind:
                raise _Fallback
            prior = m.get(nid)
            if prior is None:
                m[nid] = i
            elif prior != i:
                raise _Fallback
            dense.append(i)
        target = st.node_rows[code]
        start = len(target)
        if self.wants_bins:
            self.keep_bins(code, start, columnar.bulk_rows(columns))
        columns.append(list(map(str, dense)))
        fmt = "[" + ",".join(["{}"] * len(columns)) + "]"
        target.extend(map(fmt.format, *columns))
        loc = st.node_loc
        for k, i in enumerate(dense):
            st.in_load[i] = 1
            loc[i] = (code << 24) | (start + k)
        if len(cache) > 200_000:
            cache.clear()
        return True

    @property
    def wants_bins(self) -> bool:
        """Whether the load is written by GRAPH.BULK as it is read (:meth:`keep_bins`)."""
        return self.early is not None and self.early.bulk_bins

    def keep_bins(self, code: int, start: int, records: Any) -> None:
        """Keep the GRAPH.BULK records (a binary array, made column-wise) of the block of node
        rows about to be staged at ``start`` of layout ``code``: sent as they are, not made row by
        row from the JSON rows when the nodes go out."""
        self.st.node_bins.setdefault(code, []).append((start, records))

    def node_rows(self, group: _Group, path: Path, rownums: Sequence[int], rows: list[list[str]]) -> None:
        if not self.node_batch(group, path, rownums, rows):
            for row, fields in zip(rownums, rows):
                self.node_row(group, path, row, fields)

    def plain(self, group: _Group, k: int, path: Path) -> bool:
        """Whether Arrow may read file number ``k`` of a group (see :func:`columnar.plain_csv`)."""
        return columnar.available() and (k > 0 or group.header_row == 1) and columnar.plain_csv(path)

    def node_file_columnar(self, group: _Group, k: int, path: Path) -> bool:
        """File number ``k`` of a node input, parsed by Arrow (see :meth:`rel_file_columnar`);
        its columns go to :meth:`node_columns`, or its rows to :meth:`node_rows`. False
        (nothing read) for a file that is not plain CSV."""
        if not self.plain(group, k, path):
            return False
        # in smaller blocks when the graph is worked on as the load is read: each block's rows go
        # to the graph while the next is read
        block = NODE_BLOCK_BYTES if self.early is not None else columnar.BLOCK_BYTES
        for rownums, cols, n in self.arrow_file(group, k, path, block):
            if not self.node_arrow_batch(group, path, rownums, cols, n):
                cols = [c.to_pylist() for c in cols]
                if not self.node_columns(group, path, rownums, cols, n):
                    self.node_rows(group, path, rownums, [list(r) for r in zip(*cols)])
            if self.early is not None:
                self.early.node_rows_read(self.st)
        return True

    def node_arrow_batch(self, group: _Group, path: Path, rownums: Sequence[int], cols: list[Any], n: int) -> bool:
        """The plainest node block, all in Arrow: rows of one non-claim kind with their own
        intelgraph ids, text and number properties, provenance as ``sources`` (and ``evidence``,
        ``claims``) lists. Every check of :meth:`node_columns` is made column-wise (distinct
        values converted once) and each row's JSON is joined from JSON columns. False (nothing
        recorded) for anything else, which :meth:`node_columns` sees instead."""
        pa, pc = columnar.pa, columnar.pc
        schema = self.schema
        st = self.st
        header = group.header
        idc, lcol = header.role("id"), header.role("label")
        if idc is None or idc.name != schema.id_property or group.inp.labels or lcol is None:
            return False
        labels_col = cols[lcol.index]
        if pc.count_distinct(labels_col).as_py() != 1:
            return False
        kind = self.block_kind(group, path, rownums[0], labels_col[0].as_py())
        if kind is None or kind == "Claim":
            return False  # a claim is its own provenance: node_columns
        pcols, _, _, kspec, refs, props_l, dates_l, code, spec = self.node_plan(group, kind, str(path), "")
        if dates_l:
            return False
        by: dict[str, Any] = {}
        for i, name, role, _conv in pcols:
            if role == "prop" and spec[name].type in ("string", "text", "enum", "int", "float", "bool"):
                by[name] = (cols[i], _conv)
            elif role == "prov" and name in PROVENANCE:
                by[name] = (cols[i], None)
            else:
                return False
        if "sources" not in by or "aliases" in by:
            return False
        ids = cols[idc.index]
        prefix = kind.lower() + ":"
        if not pc.all(pc.match_substring_regex(ids, "^" + re.escape(prefix) + "[0-9a-f]{20}$")).as_py() \
                or pc.count_distinct(ids).as_py() != n:
            return False
        id_list = ids.to_pylist()
        if any(i is not None and st.in_load[i] for i in map(st.node_index.get, id_list)):
            return False  # the same node again: node_columns (then row by row, which merges)
        for k in kspec.key:
            if k not in by or not pc.all(pc.not_equal(by[k][0], "")).as_py():
                return False
        for k, sp in spec.items():
            if sp.required and (k not in by or not pc.all(pc.not_equal(by[k][0], "")).as_py()):
                return False
        # what JSON would escape: a plain file holds no `"`, but NFKC makes one of U+FF02 in name_lc
        unsafe = r"[\"\\\x00-\x1f\x7f]"

        def json_text(column: Any) -> Any:
            """A text column as JSON strings (None: it holds something JSON escapes)."""
            if pc.any(pc.match_substring_regex(column, unsafe)).as_py():
                return None
            return pc.binary_join_element_wise('"', column, '"', "")

        # properties: each distinct text converted once; JSON columns, and for a load written by
        # GRAPH.BULK as it is read the same values as its binary (StagedLoad.node_bins)
        bin_cols: list[Any] | None = [] if self.wants_bins else None

        def add(col: Any, binary: Callable[[], Any]) -> None:
            json_cols.append(col)
            if bin_cols is not None:
                bin_cols.append(binary())

        def as_text(column: Any) -> Callable[[], Any]:
            return lambda: columnar.bulk_texts(column)

        def as_value(v: Any) -> Callable[[], Any]:
            return lambda: columnar.bulk_scalar(v)

        def taken(values: list[Any], pos: Any) -> Callable[[], Any]:
            return lambda: pa.array([columnar.bulk_value(v) for v in values], pa.binary()).take(pa.array(pos))

        json_cols: list[Any] = []
        add(pc.binary_join_element_wise('"', ids, '"', ""), as_text(ids))  # ids matched the id pattern
        values_of: dict[str, Any] = {}
        for p in props_l:
            if p == "kind":
                add(pa.array([_STR(kind)] * n, pa.string()), as_value(kind))
                continue
            if p == "name_lc":
                names = by["name"][0]
                ascii_ = pc.string_is_ascii(names)
                lowered = pc.utf8_trim(pc.replace_substring_regex(pc.utf8_lower(names), " +", " "), " ")
                if not pc.all(ascii_).as_py():
                    texts = names.to_pylist()
                    fixed = [None if a else normalise(t) for a, t in zip(ascii_.to_pylist(), texts)]
                    lowered = pc.if_else(ascii_, lowered, pa.array(fixed, pa.string()))
                col = json_text(lowered)
                if col is None:
                    return False
                add(col, as_text(lowered))
                continue
            if p not in by:
                add(pa.array(["null"] * n, pa.string()), as_value(None))
                continue
            column, conv = by[p]
            sp = spec[p]
            if sp.type in ("string", "text") and sp.format == "name":
                if pc.any(pc.match_substring_regex(column, r"[\x00-\x1f\x7f`{}]")).as_py() or \
                        pc.any(pc.or_(pc.equal(column, ""), pc.utf8_is_space(column))).as_py():
                    return False
                values_of[p] = column
                col, binary = json_text(column), as_text(column)
            elif sp.type in ("string", "text") and conv is not None and sp.format != "name" and \
                    pc.all(pc.not_equal(column, "")).as_py():
                values_of[p] = column
                col, binary = json_text(column), as_text(column)
            else:  # distinct values through the converter
                texts, pos = columnar.distinct(column)
                try:
                    conv_vals = [conv(t) if t != "" else None for t in texts]
                    conv_json = [_j(v) for v in conv_vals]
                except ValueError:
                    raise _Fallback from None
                values_of[p] = (conv_vals, pos)
                col, binary = pa.array(conv_json, pa.string()).take(pa.array(pos)), taken(conv_vals, pos)
            if col is None:
                return False
            add(col, binary)
        for prop, family in refs:
            if prop in values_of:
                got = values_of[prop]
                distinct = set(got[0]) if isinstance(got, tuple) else set(pc.unique(got).to_pylist())
                for value in distinct:
                    if isinstance(value, str):
                        self.ref(value, family)
        # provenance, each distinct list checked once
        delim = self.delim
        def lists(name: str, value_of: Callable[[str], list[str]]) -> None:
            texts, pos = columnar.distinct(by[name][0])
            values = [value_of(t) for t in texts]
            add(pa.array(list(map(_jlist, values)), pa.string()).take(pa.array(pos)), taken(values, pos))

        if not pc.all(pc.not_equal(by["sources"][0], "")).as_py():
            return False  # a row without sources: the whole load's source, or a problem
        lists("sources", self.source_list)
        if "evidence" in by:
            ev = by["evidence"][0]
            single = json_text(ev)
            if single is None or pc.any(pc.match_substring(ev, delim)).as_py():
                col = pa.array(self.list_json(ev.to_pylist(), n, None), pa.string())
                add(col, lambda: columnar.json_to_bulk(col))
            else:
                add(pc.if_else(pc.equal(ev, ""), "[]", pc.binary_join_element_wise("[", single, "]", "")),
                    lambda: pc.if_else(pc.equal(ev, ""), columnar.bulk_scalar([]),
                                       columnar.bulk_texts(ev, listed=True)))
        else:
            add(pa.array(["[]"] * n, pa.string()), as_value([]))
        if "claims" in by:
            lists("claims", self.claim_list)
        else:
            add(pa.array(["[]"] * n, pa.string()), as_value([]))
        # commit: dense numbers (read now: a row's sources may have numbered ids of this block), handles, rows
        known = [st.node_index.get(x) for x in id_list]
        m = self.idmaps.setdefault(idc.space, {})
        if None in known:
            for nid, i in zip(id_list, known):
                if i is not None and st.kinds[i] != kind:
                    raise _Fallback
            new = [nid for nid, i in zip(id_list, known) if i is None]
            first = st.dense_many(new, kind)
            numbered = iter(range(first, first + len(new)))
            dense = [i if i is not None else next(numbered) for i in known]
        else:
            if any(st.kinds[i] != kind for i in known):
                raise _Fallback
            dense = known
        if m:
            for nid, i in zip(id_list, dense):
                prior = m.get(nid)
                if prior is not None and prior != i:
                    raise _Fallback
        m.update(zip(id_list, dense))
        parts: list[Any] = ["["]
        for c in json_cols:
            parts += [c, ","]
        parts += [pa.array(dense, pa.int64()).cast(pa.string()), "]"]
        target = st.node_rows[code]
        start = len(target)
        if bin_cols is not None:
            self.keep_bins(code, start, pc.binary_join_element_wise(*bin_cols, b""))
        target.extend(pc.binary_join_element_wise(*parts, "").to_pylist())
        loc, in_load = st.node_loc, st.in_load
        for k, i in enumerate(dense):
            in_load[i] = 1
            loc[i] = (code << 24) | (start + k)
        return True

    def arrow_file(self, group: _Group, k: int, path: Path,
                   block: int = columnar.BLOCK_BYTES) -> Iterable[tuple[range, list[Any], int]]:
        """(row numbers, Arrow columns, row count) of file number ``k`` of a group (a
        :meth:`plain` one), a block (of about ``block`` bytes) at a time."""
        width = len(group.header)
        header_texts = [c.text for c in group.header.columns]
        first_row = 2 if k == 0 else 1
        try:
            for batch in columnar.arrow_batches(path, width, skip_header=(k == 0), block_size=block):
                cols = batch.columns
                n = batch.num_rows
                if k > 0 and first_row == 1 and [c[0].as_py() for c in cols] == header_texts:
                    raise _Fallback  # a header repeated in a data file: the thorough reader says so
                if any(columnar.too_long(c, MAX_FIELD_CHARS) for c in cols):
                    raise _Fallback
                if any(columnar.holds(c, refused_re2(lines), self.delim if h.array else None)
                       for h, c, lines in zip(group.header.columns, cols, self.probe.line_breaks(group.header))
                       if lines is not None):
                    raise _Fallback  # the text rule, as data_batches checks it
                yield range(first_row, first_row + n), cols, n
                first_row += n
        except columnar.ArrowError:
            raise _Fallback from None  # a record of another width, text that is not UTF-8...

    # -- relationship rows ----------------------------------------------------------------
    def rel_plan(self, group: _Group, rtype: str, fname: str, where: str) -> Any:
        key = ("fast-rel", rtype)
        got = group.checked.get(key)
        if got is not None:
            return got
        schema = self.schema
        rt = schema.rel(rtype)
        cols = []
        names = set()
        for col in group.header.properties:
            if col.name in _PROVENANCE_COLS:
                cols.append((col.index, col.name, "prov", self.converter(col, None)))
            elif col.name in _REL_EXTRA_COLS:
                cols.append((col.index, col.name, col.name, self.converter(col, None)))
            else:
                if col.name not in rt.properties:
                    raise _Fallback
                cols.append((col.index, col.name, "prop", self.converter(col, rt.properties[col.name])))
                names.add(col.name)
        dates = tuple(sorted(n for n in names if rt.properties[n].type == "date"))
        props = tuple(sorted(n for n in names if rt.properties[n].type != "date"))
        lkey = (rtype, props, dates)
        code = self.rel_layout_code.get(lkey)
        if code is None:
            code = self.rel_layout_code[lkey] = len(self.st.rel_layouts)
            self.st.rel_layouts.append(lkey)
        got = (rt, cols, props, dates, code)
        group.checked[key] = got
        return got

    def check_allowed(self, rtype: str, kind: str, side: str) -> None:
        """A ``kind`` node may be this end of ``rtype`` (else the thorough reader says why not)."""
        key = (rtype, kind, side)
        ok = self.allowed.get(key)
        if ok is None:
            ok = self.allowed[key] = self.schema.allowed_endpoint(self.schema.rel(rtype), kind, side)
        if not ok:
            raise _Fallback

    def endpoint(self, col: Any, value: str) -> int:
        if value == "":
            raise _Fallback
        m = self.idmaps.get(col.space)
        if m is not None:
            i = m.get(value)
            if i is not None:
                return i
        i = self.st.node_index.get(value)
        if i is not None:
            return i
        kind = self.id_kind(value)
        if kind is None:
            raise _Fallback
        return self.st.dense(value, kind)

    def rel_row(self, group: _Group, path: Path, row: int, fields: list[str], scol: Any, ecol: Any, tcol: Any,
                spill: Any) -> None:
        schema = self.schema
        rtype = (fields[tcol.index] if tcol is not None else "") or group.inp.rel_type
        if not rtype or rtype not in schema.relationship_types:
            raise _Fallback
        rt, cols, props_l, dates_l, code = self.rel_plan(group, rtype, str(path), f"row {row}")
        s = self.endpoint(scol, fields[scol.index])
        t = self.endpoint(ecol, fields[ecol.index])
        plain: dict[str, Any] = {}
        prov: dict[str, Any] = {}
        rid = reliability = credibility = None
        try:
            for i, name, role, conv in cols:
                text = fields[i]
                if text == "":
                    continue
                value = conv(text)
                if role == "prop":
                    plain[name] = value
                elif role == "prov":
                    prov[name] = value
                elif role == "id":
                    if not _REL_ID_RE.fullmatch(value):
                        raise _Fallback
                    rid = value
                elif role == "reliability":
                    if value not in schema.reliability_scale:
                        raise _Fallback
                    reliability = value
                else:
                    if str(value) not in schema.credibility_scale:
                        raise _Fallback
                    credibility = value
        except ValueError:
            raise _Fallback from None
        st = self.st
        kinds = st.kinds
        for side, i in (("from", s), ("to", t)):
            k = (rtype, kinds[i], side)
            ok = self.allowed.get(k)
            if ok is None:
                ok = self.allowed[k] = schema.allowed_endpoint(rt, kinds[i], side)
            if not ok:
                raise _Fallback
        sources, evidence, claims = self.provenance(path.name, row, prov)
        start, end = st.node_ids[s], st.node_ids[t]
        if rid is None:
            disc = (plain.get("role"), plain.get("date"), plain.get("date_from"))
            rid = relationship_id(rtype, start, end, disc, symmetric=rt.symmetric)
        if rt.symmetric and end < start:
            s, t = t, s
        values = [rid, *(plain.get(p) for p in props_l), *(plain.get(d) for d in dates_l),
                  sorted(set(sources)), sorted(set(evidence)), sorted(set(claims)), reliability, credibility]
        try:
            text = _JSON(values)
        except ValueError:
            raise _Fallback from None
        spill.write(f"{code}\t{s}\t{t}\t{text}\n")
        st.rel_hashes.append(hash(rid))
        st.rel_count += 1


    # -- relationship rows, a batch at a time --------------------------------------------------
    def batchable(self, group: _Group) -> bool:
        """Whether an input's rows can go through :meth:`rel_batch`: ids, provenance lists and
        gradings only (a typed property, a `source`/`quote` column: row by row)."""
        names = [c.name for c in group.header.properties]
        return all(n in PROVENANCE or n in GRADING or n == "id" for n in names)

    def rel_batch(self, group: _Group, path: Path, rownums: Sequence[int], rows: list[list[str]], scol: Any,
                  ecol: Any, tcol: Any, spill: Any) -> bool:
        """Rows of a batchable input, column by column (each distinct value checked once).
        False (nothing done) for a batch with anything the row-by-row path must see."""
        schema = self.schema
        st = self.st
        n = len(rows)
        cols = list(zip(*rows))
        types = cols[tcol.index] if tcol is not None else (group.inp.rel_type,) * n
        codes_by_type: dict[str, int] = {}
        for rtype in set(types):
            if not rtype or rtype not in schema.relationship_types:
                return False
            rt, pcols, props_l, dates_l, code = self.rel_plan(group, rtype, str(path), "row 1")
            if props_l or dates_l:
                return False
            codes_by_type[rtype] = code
        ends = []
        for col in (scol, ecol):
            m = self.idmaps.get(col.space) or {}
            values = cols[col.index]
            idx = list(map(m.get, values))
            if None in idx:
                idx = [i if i is not None else self.endpoint(col, v) for i, v in zip(idx, values)]
            ends.append(idx)
        s_idx, t_idx = ends
        kinds = st.kinds
        for side, idx in (("from", s_idx), ("to", t_idx)):
            for rtype, kind in set(zip(types, map(kinds.__getitem__, idx))):
                self.check_allowed(rtype, kind, side)
        props = {c.name: cols[c.index] for c in group.header.properties}
        delim = self.delim
        # provenance: each distinct text checked and serialised once
        cache = self.prov_cache
        if "sources" in props:
            srcs = props["sources"]
            for raw in set(srcs):
                if raw not in cache:
                    if raw == "":
                        return False  # no sources on a row: the whole-load source, or a problem
                    items = raw.split(delim)
                    if "" in items:
                        raise _Fallback
                    ids: list[str] = []
                    for x in items:
                        x = self.source_id(x)
                        if x not in ids:
                            ids.append(x)
                    cache[raw] = _jlist(sorted(set(ids)))
            src_json = list(map(cache.__getitem__, srcs))
            ev_json = self.list_json(props.get("evidence"), n, None)
        elif self.file_source_id is not None:
            fs = self.file_source_id
            src_json = [_jlist([fs])] * n
            extra = [evidence_text(fs, f"{path.name} row {r}") for r in rownums]
            ev_json = self.list_json(props.get("evidence"), n, extra)
        else:
            raise _Fallback
        if "claims" in props:
            cl_json = []
            for raw in props["claims"]:
                got = cache.get(("c", raw))
                if got is None:
                    got = cache[("c", raw)] = _jlist(self.claim_list(raw))
                cl_json.append(got)
        else:
            cl_json = ["[]"] * n
        grades = []
        for name, scale in (("reliability", schema.reliability_scale), ("credibility", schema.credibility_scale)):
            if name not in props:
                grades.append(["null"] * n)
                continue
            col = next(c for c in group.header.properties if c.name == name)
            conv = self.converter(col, None)
            out = {}
            for raw in set(props[name]):
                if raw == "":
                    out[raw] = "null"
                    continue
                try:
                    v = conv(raw)
                except ValueError:
                    raise _Fallback from None
                if (v if name == "reliability" else str(v)) not in scale:
                    raise _Fallback
                out[raw] = _JSON(v)
            grades.append(list(map(out.__getitem__, props[name])))
        if "id" in props:
            rids = props["id"]
            if not all(map(_REL_ID_RE.fullmatch, rids)):
                return False  # an empty id (derived from the row) or a bad one
        else:
            node_ids = st.node_ids
            rids = [relationship_id(rt, node_ids[a], node_ids[b], (None, None, None),
                                    symmetric=schema.rel(rt).symmetric) for rt, a, b in zip(types, s_idx, t_idx)]
        symmetric = {t for t in codes_by_type if schema.rel(t).symmetric}
        if symmetric:
            node_ids = st.node_ids
            s_idx, t_idx = list(s_idx), list(t_idx)
            for k, rt in enumerate(types):
                if rt in symmetric and node_ids[t_idx[k]] < node_ids[s_idx[k]]:
                    s_idx[k], t_idx[k] = t_idx[k], s_idx[k]
        codes = list(map(codes_by_type.__getitem__, types))
        spill.write("".join(map('{}\t{}\t{}\t["{}",{},{},{},{},{}]\n'.format, codes, s_idx, t_idx, rids, src_json,
                                ev_json, cl_json, grades[0], grades[1])))
        st.rel_hashes.extend(map(hash, rids))
        st.rel_count += n
        if len(cache) > 200_000:
            cache.clear()
        return True

    def list_json(self, column: Sequence[str] | None, n: int, extra: list[str] | None) -> list[str]:
        """A string[] column as JSON lists (sorted, without repeats), ``extra[i]`` added to row i."""
        delim = self.delim
        if column is None:
            return [_jlist([e]) for e in extra] if extra is not None else ["[]"] * n
        out = []
        seen: dict[str, str] = {}
        for k, raw in enumerate(column):
            if extra is None:
                got = seen.get(raw)
                if got is not None:
                    out.append(got)
                    continue
            items = raw.split(delim) if raw else []
            if "" in items:
                raise _Fallback
            if extra is not None:
                items.append(extra[k])
            got = _jlist(sorted(set(items)) if len(items) > 1 else items)
            if extra is None:
                seen[raw] = got
            out.append(got)
        return out

    def rel_rows(self, group: _Group, path: Path, rownums: Sequence[int], rows: list[list[str]], scol: Any,
                 ecol: Any, tcol: Any, spill: Any, simple: bool) -> None:
        """A batch of relationship rows, column-wise when it can be, else row by row."""
        if not (simple and self.rel_batch(group, path, rownums, rows, scol, ecol, tcol, spill)):
            for row, fields in zip(rownums, rows):
                self.rel_row(group, path, row, fields, scol, ecol, tcol, spill)

    # -- relationship files, through Arrow -------------------------------------------------------
    def rel_file_columnar(self, group: _Group, k: int, path: Path, scol: Any, ecol: Any, tcol: Any,
                          spill: Any) -> bool:
        """File number ``k`` of a batchable relationship input, read by Arrow a block at a time
        (see :mod:`intelgraph.loaders.columnar`); a block with anything the column-wise check
        does not decide goes through :meth:`rel_rows`. False (nothing read) for a file that is
        not plain CSV."""
        if not self.plain(group, k, path):
            return False
        for rownums, cols, n in self.arrow_file(group, k, path):
            if not self.rel_arrow_batch(group, cols, n, scol, ecol, tcol):
                rows = [list(r) for r in zip(*(c.to_pylist() for c in cols))]
                self.rel_rows(group, path, rownums, rows, scol, ecol, tcol, spill, True)
        return True

    # one distinct text of a list column, checked as the row-wise path checks it
    def source_list(self, raw: str) -> list[str]:
        if raw == "":
            raise _NotColumnar  # no sources on a row: the whole load's source, or a problem
        items = raw.split(self.delim)
        if "" in items:
            raise _Fallback
        return sorted({self.source_id(x) for x in items})

    def evidence_list(self, raw: str) -> list[str]:
        items = raw.split(self.delim) if raw else []
        if "" in items:
            raise _Fallback
        return sorted(set(items)) if len(items) > 1 else items

    def claim_list(self, raw: str) -> list[str]:
        items = raw.split(self.delim) if raw else []
        if "" in items:
            raise _Fallback
        for cid in items:
            if cid not in self.claim_ok:
                if self.id_kind(cid) != "Claim":
                    raise _Fallback
                self.st.dense(cid, "Claim")
                self.claim_ok.add(cid)
        return sorted(set(items))

    def _arrow_ends(self, col: Any, values: Any) -> np.ndarray:
        """Dense node numbers of a column of ends (as :meth:`endpoint` finds them), each distinct
        id looked up once."""
        texts, pos = columnar.distinct(values)
        m = self.idmaps.get(col.space) or {}
        dense = list(map(m.get, texts))
        if None in dense:
            dense = [i if i is not None else self.endpoint(col, v) for i, v in zip(dense, texts)]
        return np.asarray(dense, dtype=np.int32)[pos]

    def _kind_codes(self) -> tuple[np.ndarray, list[str]]:
        st = self.st
        have = len(self._kind_code_list)
        if have < len(st.kinds):
            names = self._kind_names
            index = {kname: i for i, kname in enumerate(names)}
            more = []
            for kname in itertools.islice(st.kinds, have, None):
                i = index.get(kname)
                if i is None:
                    i = index[kname] = len(names)
                    names.append(kname)
                more.append(i)
            self._kind_code_list.extend(more)
            self._kind_code_arr = np.asarray(self._kind_code_list, dtype=np.int64)
        return self._kind_code_arr, self._kind_names

    def _node_id_array(self) -> Any:
        st = self.st
        if self._node_id_arr is None or len(self._node_id_arr) != len(st.node_ids):
            self._node_id_arr = columnar.pa.array(st.node_ids, columnar.pa.string())
        return self._node_id_arr

    def rel_arrow_batch(self, group: _Group, cols: list[Any], n: int, scol: Any, ecol: Any, tcol: Any) -> bool:
        """One Arrow block of a batchable relationship file, every distinct value checked once
        (by :meth:`rel_batch`'s rules) and the rows kept as :class:`~columnar.RelBlock`\\ s.
        False (nothing recorded) for a block with anything the row-wise path must see."""
        schema = self.schema
        st = self.st
        pc = columnar.pc
        if tcol is not None:
            type_names, type_pos = columnar.distinct(cols[tcol.index])
        else:
            type_names, type_pos = [group.inp.rel_type], np.zeros(n, dtype=np.int64)
        type_codes = []
        for rtype in type_names:
            if not rtype or rtype not in schema.relationship_types:
                return False
            _rt, _pcols, props_l, dates_l, code = self.rel_plan(group, rtype, "", "row 1")
            if props_l or dates_l:
                return False
            type_codes.append(code)
        codes = np.asarray(type_codes, dtype=np.int64)[type_pos]
        by_name = {c.name: cols[c.index] for c in group.header.properties}
        if "id" not in by_name or "sources" not in by_name:
            return False  # ids derived from the row, or the whole load's source: row-wise
        rid = by_name["id"]
        if not pc.all(pc.match_substring_regex(rid, _REL_ID_RE.pattern)).as_py():
            return False
        s_idx = self._arrow_ends(scol, cols[scol.index])
        t_idx = self._arrow_ends(ecol, cols[ecol.index])
        kcode, knames = self._kind_codes()
        width = len(knames) + 1
        for side, idx in (("from", s_idx), ("to", t_idx)):
            for pair in np.unique(codes * width + kcode[idx]).tolist():
                self.check_allowed(st.rel_layouts[pair // width][0], knames[pair % width], side)
        # each distinct value of each column checked and numbered once
        table = st.values

        known = self._numbered

        def numbered(name: str, value_of: Callable[[str], Any]) -> np.ndarray:
            texts, pos = columnar.distinct(by_name[name])
            nums = [known.get((name, t)) for t in texts]
            if None in nums:
                try:
                    for j, t in enumerate(texts):
                        if nums[j] is None:
                            nums[j] = known[(name, t)] = table.add(value_of(t))
                except ValueError:
                    raise _Fallback from None
                if len(known) > 1_000_000:
                    known.clear()
            return np.asarray(nums, dtype=np.int32)[pos]

        def grade(name: str) -> Callable[[str], Any]:
            col = next(c for c in group.header.properties if c.name == name)
            conv = self.converter(col, None)
            scale = schema.reliability_scale if name == "reliability" else schema.credibility_scale

            def value_of(raw: str) -> Any:
                if raw == "":
                    return None
                v = conv(raw)
                if (v if name == "reliability" else str(v)) not in scale:
                    raise _Fallback
                return v
            return value_of

        empty, null = table.add([]), table.add(None)
        try:
            values = [numbered("sources", self.source_list)]
        except _NotColumnar:
            return False
        values.append(numbered("evidence", self.evidence_list) if "evidence" in by_name
                      else np.full(n, empty, dtype=np.int32))
        values.append(numbered("claims", self.claim_list) if "claims" in by_name else np.full(n, empty, dtype=np.int32))
        for name in GRADING:
            values.append(numbered(name, grade(name)) if name in by_name else np.full(n, null, dtype=np.int32))
        # a symmetric type's ends in id order, as rel_row() puts them
        symmetric = np.asarray([schema.rel(st.rel_layouts[c][0]).symmetric for c in type_codes], dtype=bool)[type_pos]
        if symmetric.any():
            ids = self._node_id_array()
            swap = symmetric & pc.less(ids.take(columnar.pa.array(t_idx)),
                                       ids.take(columnar.pa.array(s_idx))).to_numpy(zero_copy_only=False)
            s_idx, t_idx = np.where(swap, t_idx, s_idx), np.where(swap, s_idx, t_idx)
        # commit
        st.rel_hashes.extend(map(hash, rid.to_pylist()))
        st.rel_count += n
        for code in np.unique(codes).tolist():
            rows = np.flatnonzero(codes == code) if len(type_codes) > 1 else np.arange(n)
            st.rel_blocks.append(columnar.RelBlock(code, s_idx[rows], t_idx[rows], rid.take(columnar.pa.array(rows)),
                                                   [v[rows] for v in values]))
        return True

    # -- the whole load ---------------------------------------------------------------------
    def run(self, paths: Sequence[Any], source: str | None, spill_dir: str | None) -> StagedLoad:
        st = self.st
        if source is not None:
            text = source.strip() if isinstance(source, str) else ""
            if not text or len(text) > 1000 or text_problem(source) is not None:
                raise _Fallback
            doc = node_id("Document", [source])
            self.file_source_id = doc
            i = st.dense(doc, "Document")
            row = node_row(self.schema, "Document", doc, {"name": source}, sources=[doc])
            lkey = ("Document", tuple(row["props"]), ())
            self.node_layout_code[lkey] = 0
            st.node_layouts.append(lkey)
            st.node_rows.append([_JSON([doc, *row["props"].values(), *(row[p] for p in PROVENANCE), i])])
            st.in_load[i] = 1
            st.node_loc[i] = 0
        groups = [self.open_input(inp) for inp in group_inputs(list(paths))]
        for group in groups:
            if group.header.entity == "node":
                if self.file_source_id is None and not any(c.name in ("source", "sources") for c in group.header.properties):
                    raise _Fallback
                for k, path in enumerate(group.inp.files):
                    if not self.node_file_columnar(group, k, path):
                        for path_, rownums, rows in self.data_batches(group, only=k):
                            self.node_rows(group, path_, rownums, rows)
                    if self.early is not None:
                        self.early.node_rows_read(st)
        if self.early is not None:
            st.early = self.early
            self.early.nodes_staged(st)
        st.spill = spill = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=spill_dir,
                                                  prefix="intelgraph-load-")
        for group in groups:
            if group.header.entity != "relationship":
                continue
            if self.file_source_id is None and not any(c.name in ("source", "sources") for c in group.header.properties):
                raise _Fallback
            if not self.probe.rel_columns(group, str(group.first_file), "row 1"):
                raise _Fallback
            h = group.header
            scol, ecol, tcol = h.role("start_id"), h.role("end_id"), h.role("type")
            simple = self.batchable(group)
            for k, path in enumerate(group.inp.files):
                if simple and self.rel_file_columnar(group, k, path, scol, ecol, tcol, spill):
                    continue
                for path_, rownums, rows in self.data_batches(group, only=k):
                    self.rel_rows(group, path_, rownums, rows, scol, ecol, tcol, spill, simple)
        self.duplicate_rels()
        self.check_external()
        return st

    def duplicate_rels(self) -> None:
        """The same relationship on several rows (as Plan.add_rel): values must agree,
        provenance adds up, the best grading wins; the merged row is written once."""
        st = self.st
        if st.rel_count < 2:
            return
        import numpy as np

        h = np.frombuffer(st.rel_hashes, dtype=np.int64)
        srt = np.sort(h)
        dup = srt[1:][srt[1:] == srt[:-1]]
        if not len(dup):
            return
        wanted = set(int(x) for x in np.unique(dup))
        groups: dict[str, list[tuple[int, int, int, list[Any]]]] = {}
        for lay, s, t, text in st.rel_lines():
            rid = text[2:26]
            if hash(rid) in wanted:
                groups.setdefault(rid, []).append((lay, s, t, json.loads(text)))
        in_blocks: dict[str, list[int]] = {}
        for blk in st.rel_blocks:
            for k, rid in enumerate(blk.ids.to_pylist()):
                if hash(rid) in wanted:
                    groups.setdefault(rid, []).append((blk.code, int(blk.start[k]), int(blk.end[k]),
                                                       json.loads(blk.json_row(k, st.values))))
                    in_blocks.setdefault(rid, []).append(k)
        for rid, rows in groups.items():
            if len(rows) < 2:
                continue
            if len({r[0] for r in rows}) > 1 and rid in in_blocks and len(in_blocks[rid]) < len(rows):
                # rows read column-wise and row by row, of different layouts: which one comes first in
                # the files (its properties are kept) is known only to the thorough reader
                raise _Fallback
            lay, s, t, first = rows[0]
            rtype, props, dates = st.rel_layouts[lay]
            n = len(props) + len(dates)
            seen = dict(zip([*props, *dates], first[1:1 + n]))
            seen = {k: v for k, v in seen.items() if v is not None}
            g = {"reliability": first[n + 4], "credibility": first[n + 5]}
            seen.update({k: v for k, v in g.items() if v is not None})
            for lay2, s2, t2, other in rows[1:]:
                rtype2, props2, dates2 = st.rel_layouts[lay2]
                n2 = len(props2) + len(dates2)
                if rtype2 != rtype or (s2, t2) != (s, t):
                    raise _Fallback
                vals = {k: v for k, v in zip([*props2, *dates2], other[1:1 + n2]) if v is not None}
                vals.update({k: v for k, v in (("reliability", other[n2 + 4]), ("credibility", other[n2 + 5]))
                             if v is not None})
                for k, v in vals.items():
                    if k in seen and seen[k] != v:
                        raise _Fallback
                    seen.setdefault(k, v)
                for j in range(3):
                    first[n + 1 + j] = sorted(set(first[n + 1 + j]) | set(other[n2 + 1 + j]))
                for j, gname in ((n + 4, "reliability"), (n + 5, "credibility")):
                    v = other[n2 + 4 + (j - n - 4)]
                    if v is not None and (first[j] is None or v < first[j]):
                        first[j] = v
            st.skip_rels.add(rid)
            st.extra_rels.append((lay, s, t, _JSON(first)))
            st.rel_count -= len(rows) - 1

    def check_external(self) -> None:
        """Ids named here but not loaded here must be in the graph (when there is one to ask)."""
        st = self.st
        wanted = [i for i in range(len(st.node_ids)) if not st.in_load[i]]
        if not wanted or self.store is None:
            return
        found = _graph_nodes(self.store, self.schema, [st.node_ids[i] for i in wanted])
        for i in wanted:
            hit = found.get(st.node_ids[i])
            if hit is None or st.kinds[i] not in hit[0]:
                raise _Fallback
            st.external_iids[i] = hit[1]


def _graph_nodes(store: Store, schema: Schema, ids: Sequence[str]) -> dict[str, tuple[list[str], int]]:
    """Labels and internal id of each of ``ids`` the graph holds."""
    root, key = schema.root_label, schema.id_property
    found: dict[str, tuple[list[str], int]] = {}
    for a in range(0, len(ids), 5000):
        res = store.read(f"UNWIND $ids AS i MATCH (n:{root} {{{key}: i}}) RETURN n.{key}, labels(n), id(n)",
                         {"ids": list(ids[a:a + 5000])})
        found.update({r[0]: (list(r[1]), int(r[2])) for r in res.rows})
    return found


def _check_external_again(store: Store, st: StagedLoad) -> None:
    """Under the write lock: the graph's nodes this load's relationships end on (looked up when the
    input was read, without the lock) are still there, with the internal ids found then. A ``db
    reset`` or a delete in between would otherwise drop relationships silently, or — FalkorDB
    reuses a deleted node's internal id — attach them to whichever node took the id."""
    ids = [st.node_ids[i] for i in st.external_iids]
    found = _graph_nodes(store, st.schema, ids)
    gone = [nid for i, nid in zip(st.external_iids, ids)
            if found.get(nid, ([], -1))[1] != st.external_iids[i] or st.kinds[i] not in found[nid][0]]
    if gone:
        raise changed_under_load(store, gone)


def stage_csv(paths: Iterable[str | Path | Sequence[str | Path] | CsvInput], source: str | None = None, *,
              schema: Schema | None = None, store: Store | None = None, array_delimiter: str = ARRAY_DELIMITER,
              spill_dir: str | None = None, early: EarlyWrite | EarlyCheck | None = None) -> StagedLoad | None:
    """Read and validate CSV inputs into a :class:`StagedLoad`; ``None`` if the fast reader leaves
    them to the thorough one (:func:`read_csv_files`, which then reports any problem).
    ``early``: the :func:`~intelgraph.loaders.early.begin` work to tell as the node files are
    read (aborted here if the reading fails or falls back)."""
    schema = schema or load_schema()
    reader = _FastReader(schema, source, store, array_delimiter)
    reader.early = early
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 16 * MAX_FIELD_CHARS))
    try:
        if len(array_delimiter) != 1 or array_delimiter in ',"\r\n':
            raise _Fallback
        with columnar.compact_memory():
            return reader.run(list(paths), source, spill_dir)
    except BaseException as exc:
        reader.st.close()
        if early is not None:
            early.abort()
        if isinstance(exc, _Fallback):
            return None
        raise
    finally:
        csv.field_size_limit(old_limit)


# -- writing (FalkorDB) ---------------------------------------------------------------------------
def lookup_query(st: StagedLoad, dense: Sequence[int], lookup: str) -> str:
    """``lookup`` (:func:`node_lookup_statement`) for the nodes numbered ``dense``."""
    return "CYPHER rows=" + _JSON([[st.node_ids[i], i] for i in dense]) + lookup


def known_row(x: int, row: str) -> str:
    """A staged node row as the update statements take it: internal id ``x`` first."""
    return f"[{x},{_cypher_text(row)[1:]}"


def graph_is_empty(store: Store) -> bool:
    return store.read("MATCH (n) RETURN count(n)").scalar() == 0 and \
        store.read("MATCH ()-[r]->() RETURN count(r)").scalar() == 0


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
            update = " " + node_update_statement(schema, kspec, props, dates)

            def made(res: Any, n: int) -> None:
                pairs = json.loads(res)
                for d, x in pairs:
                    iid[d] = x
                    created[d] = 1
                if len(pairs) != n:
                    raise StoreError(f"{n - len(pairs)} node(s) of a batch were not created")
                if progress is not None:
                    progress(n)

            def updated(res: Any, n: int) -> None:
                if progress is not None:
                    progress(n)

            new: list[str] = []
            known: list[str] = []
            for row in rows:
                if row is None:  # found unchanged while the load was read (and released)
                    continue
                d = int(row[row.rindex(",") + 1:-1])
                x = iid[d]
                if x < 0:
                    new.append(_cypher_text(row) if dates else row)
                elif pre is None or not pre.unchanged_nodes[d]:
                    known.append(known_row(x, row))
            if progress is not None and len(rows) > len(new) + len(known):
                progress(len(rows) - len(new) - len(known))  # found unchanged, read-only
            if not dates:
                # new nodes are appended in bulk (no other intelgraph writer can make them
                # meanwhile: they wait on our lock); their internal ids are looked up after
                head = _bin_header(":".join(kspec.labels), ["id", *props, *PROVENANCE])
                for payload, n, tags in _node_payloads(new, binc):
                    sender.submit_bulk(head + payload, n, 0, lambda _, n=n: bulk_made(n))
                    appended.extend(tags)
                new = []
            for batch, stmt, done in ((new, make, made), (known, update, updated)):
                for a in range(0, len(batch), node_batch):
                    chunk = batch[a:a + node_batch]
                    sender.submit("CYPHER rows=[" + ",".join(chunk) + "]" + stmt,
                                  lambda res, n=len(chunk), done=done: done(res, n))
            stats.by_kind[kind] = stats.by_kind.get(kind, 0) + len(rows)
            stats.nodes += len(rows)
        sender.close()  # every node id known before relationships need them
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


# -- the fresh path: bulk append ------------------------------------------------------------------
# The tokens of the store's bulk append (:meth:`BulkAppend.bulk_append`; on FalkorDB the protocol
# of the falkordb-bulk-loader package, appending to the graph): a token per label or type — its
# name(s), property keys, then per entity its property values as typed binary (null: not set);
# edges carry their ends as internal node ids. The engine keeps the graph's indexes and unique
# constraint up to date.
_QQ = struct.Struct("=QQ").pack
BULK_TOKEN_BYTES = 32 << 20


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
