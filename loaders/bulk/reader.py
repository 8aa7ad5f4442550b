"""The fast reader: :func:`stage_csv` reads and validates CSV inputs into a
:class:`~intelgraph.loaders.bulk.staged.StagedLoad`, or leaves them to the thorough reader
(see :mod:`intelgraph.loaders.bulk`)."""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from intelgraph.cypher.store import Store
from intelgraph.errors import InputErrors
from intelgraph.cypher.statements import quote_name
from intelgraph.graph.ids import node_id
from intelgraph.graph.provenance import held_properties
from intelgraph.graph.schema import PROVENANCE, Schema, load_schema
from intelgraph.graph.text import text_problem
from intelgraph.loaders import columnar, progress
from intelgraph.loaders.bulk.common import _JSON, _Fallback
from intelgraph.loaders.bulk.read_nodes import _NodeRows
from intelgraph.loaders.bulk.read_rels import _RelRows
from intelgraph.loaders.bulk.staged import StagedLoad
from intelgraph.loaders.csv_admin import _Reader
from intelgraph.loaders.csv_header import (
    _DERIVED_COLS, _PROVENANCE_COLS, _REFERENCE_PROPS, ARRAY_DELIMITER, CONTENT_ID_RE, MAX_FIELD_CHARS,
    CsvInput, _Group, group_inputs, parse_header)
from intelgraph.loaders.plan import changed_under_load, node_row
from intelgraph.loaders.rules import better_grade, row_provenance, union

if TYPE_CHECKING:
    from intelgraph.loaders.early import EarlyCheck, EarlyWrite


# -- reading ----------------------------------------------------------------------------------
#: The fast reader's shapes: row by row, a batch of rows column by column, and Arrow blocks.
SHAPES = frozenset({"row", "batch", "arrow"})


#: From this many relationship rows to write, :meth:`_FastReader.check_rel_values` reads the graph's
#: valued relationship types in one pass before comparing rows (a pass costs ~3.5 s at 1M ties).
SCAN_MIN_RELS = 100_000


class _FastReader(_NodeRows, _RelRows):
    def __init__(self, schema: Schema, source: str | None, store: Store | None, delim: str,
                 shapes: frozenset[str] = SHAPES):
        self.schema = schema
        self.shapes = shapes
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

    def claim_id(self, cid: str) -> str:
        """A claim named by id (checked once; anything else: the thorough reader's)."""
        if cid not in self.claim_ok:
            if self.id_kind(cid) != "Claim":
                raise _Fallback
            self.st.dense(cid, "Claim")
            self.claim_ok.add(cid)
        return cid

    def provenance(self, fname: str, row: int, prov: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
        """A row's provenance by :func:`~intelgraph.loaders.rules.row_provenance` (sources and
        claims by id only; a problem: the thorough reader's)."""
        got = row_provenance(prov, fname, row, self.file_source_id, lambda _f, v: self.source_id(v), self.claim_id)
        if isinstance(got, list):
            raise _Fallback
        return got

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
                    progress.read_to(path, text.buffer.tell())
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

    @staticmethod
    def by_role(cols: Sequence[tuple[int, str, str, Any]], fields: list[str]) -> dict[str, dict[str, Any]]:
        """A row's non-empty fields converted, by the role its plan gives each column (``prop``,
        ``prov``, ``derived``, a relationship's ``id`` and grades): ``{role: {column: value}}``. A
        claim's ``source`` and ``quote`` (``both``) are its provenance, as text, and its properties."""
        out: dict[str, dict[str, Any]] = {}
        for i, name, role, conv in cols:
            text = fields[i]
            if text == "":
                continue
            if role == "bad":
                raise _Fallback
            if role == "both":
                out.setdefault("prov", {})[name] = text
                role = "prop"
            out.setdefault(role, {})[name] = conv(text)
        return out

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
            elif col.name not in spec:  # the statements an export writes: the thorough reader's
                raise _Fallback
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
        given, dates = schema.date_layout(spec, names)
        plain = [*given, *schema.derived_for(names)]
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
        self.check_rel_values()
        return st

    def duplicate_rels(self) -> None:
        """The same relationship on several rows (as Plan.add_rel): values must agree, each row
        giving the same ones (else each source's are statements: the thorough reader's), provenance adds up, the best grading wins; the merged row is written once."""
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
                if held_properties(self.schema, rtype).keys() & (seen.keys() ^ vals.keys()):
                    raise _Fallback  # a value one row gives and another not: statements (the thorough reader's)
                for k, v in vals.items():
                    if k in seen and seen[k] != v:
                        raise _Fallback
                    seen.setdefault(k, v)
                for j in range(3):
                    first[n + 1 + j] = union(first[n + 1 + j], other[n2 + 1 + j])
                for j in range(2):
                    first[n + 4 + j] = better_grade(first[n + 4 + j], other[n2 + 4 + j])
            st.skip_rels.add(rid)
            st.extra_rels.append((lay, s, t, _JSON(first)))
            st.rel_count -= len(rows) - 1

    def check_rel_values(self) -> None:
        """The fast path merges a relationship the graph holds by replacing its values, which is
        the one rule's answer only when the graph's relationship holds no statements and has the
        values this load's row gives (then every source gives them alike). Any other row — a
        value the graph's relationship lacks or gives otherwise — hands the load to the thorough
        reader, whose path merges statements (:func:`~intelgraph.loaders.plan.merge_with_graph`).
        Rows of one load that differ already went there (:meth:`duplicate_rels`). Rows that an
        early check found unchanged (the same provenance and grading, no values) are not written,
        so there is nothing of theirs to compare: a reload of the same files asks nothing here."""
        st, schema = self.st, self.schema
        if self.store is None or not st.rel_count:
            return
        same = self.early.unchanged_rel_rows() if self.early is not None else {}
        blocks = []  # (block, the positions of its rows that will be written)
        unchanged = 0
        for k, blk in enumerate(st.rel_blocks):
            kept = blk.keep(st.skip_rels)
            if k in same:
                n = len(kept)
                kept = kept[~same[k][kept]]
                unchanged += n - len(kept)
            if len(kept):
                blocks.append((blk, kept))
        to_write = st.rel_count - unchanged  # the kept block rows and the row-wise ones (st.rel_lines())
        if not to_write:
            return
        # count(r) of one type is the engines' count store (FalkorDB: a LIMIT 1 scan took ~0.5 s)
        types = {rtype for rtype, _, _ in st.rel_layouts}
        types = {t for t in types if self.store.read(f"MATCH ()-[r:{quote_name(t)}]->() RETURN count(r)").scalar()}
        if not types:
            return
        held = {t: tuple(held_properties(schema, t)) for t in types}
        # A big load first reads, in one pass over the graph's relationships, the types whose ties
        # hold statements or a value: of any other type only a row giving a value can differ (from
        # the graph's tie without one). At 1M relationships the pass took ~3.5 s, where the
        # queries of 5,000 rows each took ~75 s of a first load into a graph that held them.
        bare: set[str] = set()
        if to_write >= SCAN_MIN_RELS:
            bare = types - _valued_types(self.store, schema, sorted({p for t in types for p in held[t]}))
        rows: dict[str, list[dict[str, Any]]] = {t: [] for t in types}
        for lay, s, _, text in st.rel_lines():
            rtype, props, dates = st.rel_layouts[lay]
            if rtype in rows:
                row = json.loads(text)
                values = dict(zip([*props, *dates], row[1:]))
                mine = {p: values.get(p) for p in held[rtype]}
                if rtype not in bare or any(v is not None for v in mine.values()):
                    rows[rtype].append({"id": row[0], "s": st.node_ids[s], **mine})
        for blk, kept in blocks:  # rows read column-wise give no values
            rtype = st.rel_layouts[blk.code][0]
            if rtype in rows and rtype not in bare:
                rows[rtype] += [{"id": rid, "s": st.node_ids[int(s)]}
                                for rid, s in zip(blk.ids.take(kept).to_pylist(), blk.start[kept])]
        for rtype, found in rows.items():
            for a in range(0, len(found), 5000):
                if _rel_values_in_graph(self.store, schema, rtype, held[rtype], rows=found[a:a + 5000]):
                    raise _Fallback

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


def _valued_types(store: Store, schema: Schema, values: Sequence[str]) -> set[str]:
    """The types of the graph's relationships that hold statements or one of ``values``."""
    held = " OR ".join(f"r.{quote_name(p)} IS NOT NULL" for p in (schema.statement_property, *values))
    return {r[0] for r in store.read(f"MATCH ()-[r]->() WHERE {held} RETURN DISTINCT type(r)").rows}


def _rel_values_in_graph(store: Store, schema: Schema, rtype: str, values: Sequence[str],
                         rows: list[dict[str, Any]]) -> bool:
    """Whether, of the graph's relationships of ``rtype`` with the ids of ``rows`` (maps of
    ``id``, start node ``s`` and ``values``), one holds statements or a value other than the
    row's (a date property is its text: the native bounds derive from it)."""
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    differs = [f"r.{quote_name(schema.statement_property)} IS NOT NULL"]
    for p in values:
        q = quote_name(p)
        differs.append(f"coalesce(r.{q} <> x.{q}, r.{q} IS NOT NULL OR x.{q} IS NOT NULL)")
    # count(), not LIMIT 1: FalkorDB plans a LIMIT without its batched traversal (~3x slower here)
    return bool(store.read(f"UNWIND $rows AS x MATCH (:{root} {{{key}: x.s}})-[r:{quote_name(rtype)} {{{key}: x.id}}]-() "
                           "WHERE " + " OR ".join(differs) + " RETURN count(r)", {"rows": rows}).scalar())


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
              spill_dir: str | None = None, early: EarlyWrite | EarlyCheck | None = None,
              shapes: frozenset[str] = SHAPES) -> StagedLoad | None:
    """Read and validate CSV inputs into a :class:`StagedLoad`; ``None`` if the fast reader leaves
    them to the thorough one (:func:`read_csv_files`, which then reports any problem).
    ``early``: the :func:`~intelgraph.loaders.early.begin` work to tell as the node files are
    read (aborted here if the reading fails or falls back). ``shapes``: the reader shapes it may
    use (:data:`SHAPES`; rows a shape declines go to the next: Arrow, then batch, then row by
    row), so that a test can compare them on the same files."""
    schema = schema or load_schema()
    reader = _FastReader(schema, source, store, array_delimiter, frozenset(shapes) | {"row"})
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
