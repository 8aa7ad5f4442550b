"""The fast reader's node files: row by row, a batch at a time, and column-wise through Arrow
(a mixin of :class:`~intelgraph.loaders.bulk.reader._FastReader`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from intelgraph.graph.ids import node_id
from intelgraph.graph.provenance import expand, settle
from intelgraph.graph.schema import PROVENANCE
from intelgraph.graph.text import refused_re2
from intelgraph.loaders import columnar
from intelgraph.loaders.bulk.common import _DERIVED, _JSON, _STR, _Fallback, _j, _jlist
from intelgraph.loaders.csv_header import CONTENT_ID_RE, MAX_FIELD_CHARS, _Group
from intelgraph.loaders.rules import (
    date_bound_columns, derived_column, derived_mismatch, derived_values, key_properties, node_key_problems,
    node_key_problems_columns, own_node_id, union)

NODE_BLOCK_BYTES = 4 << 20  # node files read in blocks of this size while the graph is worked on


class _NodeRows:
    """Node files, for :class:`~intelgraph.loaders.bulk.reader._FastReader` (a mixin: the state is the reader's)."""

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
        try:
            got = self.by_role(cols, fields)
            props = got.get("prop", {})
            prov = got.get("prov", {})
            derived = got.get("derived")
            own = None
            handle = None
            if idc is not None:
                handle = fields[idc.index]
                own = own_node_id(schema, kind, idc.name, idc.text, handle)
                if id_prop is not None:
                    props[idc.name] = id_prop(handle)
        except ValueError:
            raise _Fallback from None
        if node_key_problems(schema, kind, props):
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
        # derived lookup properties and date bounds, provenance sets: loaders/rules.py
        got = derived_values(schema, kind, props)
        plain_vals = [got.get(p) if p in _DERIVED else props.get(p) for p in props_l]
        if derived and derived_mismatch(schema, kind, props, derived):
            raise _Fallback
        bounds = schema.split_dates(spec, props)[1] if dates_l else {}
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
        values = [nid, *plain_vals, *(bounds.get(d) for d in dates_l),
                  *(union(p, ()) for p in (sources, evidence, claims)), i]
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
        """The same node again (as Plan.add_node): provenance adds up; a merge whose sources give
        every value alike (:func:`~intelgraph.graph.provenance.settle`: implicit) is made here,
        any other (two sources that differ, one that contradicts itself) by the thorough reader."""
        st = self.st
        loc = st.node_loc[i]
        ocode, pos = loc >> 24, loc & 0xFFFFFF
        if ocode != code:
            raise _Fallback
        old = json.loads(st.node_rows[code][pos])
        kind, lprops, ldates = st.node_layouts[code]
        names = [*lprops, *ldates]
        n = len(names)
        held = set()
        for row in (old, values):
            given = {name: row[j] for j, name in enumerate(names, 1) if name not in _DERIVED}
            held |= expand(self.schema, kind, given, row[n + 1])
        if settle(self.schema, kind, held, {*old[n + 1], *values[n + 1]}, {})[1] is not None:
            raise _Fallback
        for j in range(1, len(names) + 1):
            if old[j] is None and values[j] is not None:
                old[j] = values[j]
        for j in range(len(names) + 1, len(names) + 4):
            old[j] = union(old[j], values[j])
        st.node_rows[code][pos] = _JSON(old)
        st.rows_merged.add(loc)
        if pos < st.node_sent.get(code, 0):  # (checked after the row changed: see BulkNodes.send)
            st.node_resend.add(loc)


    # -- node rows, a batch at a time -----------------------------------------------------------
    def node_batch(self, group: _Group, path: Path, rownums: Sequence[int], rows: list[list[str]]) -> bool:
        """Node rows of one kind that carry their own intelgraph ids, column by column. False
        (nothing recorded) for a batch with anything the row-by-row path must see."""
        return "batch" in self.shapes and self.node_columns(group, path, rownums, list(zip(*rows)), len(rows))

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
        if node_key_problems_columns(schema, kind, values):
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
            row_prov: dict[str, Any] = {"sources": src_lists[k]}
            for name, column in (("evidence", ev_col), ("claims", cl_col)):
                raw = column[k] if column is not None else ""
                row_prov[name] = raw.split(delim) if raw else []
                if "" in row_prov[name]:
                    raise _Fallback
            row_prov["quote"] = quotes[k] if quotes is not None else ""
            row_prov["source"] = one_src[k] if one_src is not None else ""
            sources, evidence, claims = self.provenance(fname, rownums[k], row_prov)
            if kind == "Claim" and ids[k] not in claims:
                claims.append(ids[k])
            out_src.append(sources if len(sources) == 1 else sorted(set(sources)))
            out_ev.append(evidence if len(evidence) < 2 else sorted(set(evidence)))
            out_cl.append(claims if len(claims) < 2 else sorted(set(claims)))
        # the layout's values, derived ones computed
        try:
            bounds = date_bound_columns(schema, spec, values) if dates_l else {}
        except ValueError:
            raise _Fallback from None
        columns: list[list[str]] = [list(map(_STR, ids))]
        for p in (*props_l, *dates_l):
            if p in bounds:
                columns.append(list(map(_j, bounds[p])))
            elif p in schema.derived_properties:  # loaders/rules.py, once per distinct value
                source = schema.derived_properties[p].source
                try:
                    columns.append(list(map(_j, derived_column(schema, kind, p, values.get(source, [None] * n)))))
                except ValueError:
                    raise _Fallback from None
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
        """Whether Arrow may read file number ``k`` of a group (see :func:`columnar.plain_csv`);
        whether its text needs checking column by column is kept for :meth:`arrow_file`."""
        if not (columnar.available() and (k > 0 or group.header_row == 1)):
            return False
        scan = columnar.scan_csv(path)
        group.checked[("clean", str(path))] = scan.clean
        return scan.plain

    def node_file_columnar(self, group: _Group, k: int, path: Path) -> bool:
        """File number ``k`` of a node input, parsed by Arrow (see :meth:`rel_file_columnar`);
        its columns go to :meth:`node_columns`, or its rows to :meth:`node_rows`. False
        (nothing read) for a file that is not plain CSV."""
        if "arrow" not in self.shapes or not self.plain(group, k, path):
            return False
        # in smaller blocks when the graph is worked on as the load is read: each block's rows go
        # to the graph while the next is read
        block = NODE_BLOCK_BYTES if self.early is not None else columnar.BLOCK_BYTES
        for rownums, cols, n in self.arrow_file(group, k, path, block):
            if not self.node_arrow_batch(group, path, rownums, cols, n):
                cols = [c.to_pylist() for c in cols]
                if "batch" not in self.shapes or not self.node_columns(group, path, rownums, cols, n):
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
        # each needed column as its one value that matters: an empty one if it holds one
        worst = {k: ["" if not pc.all(pc.not_equal(by[k][0], "")).as_py() else by[k][0][0].as_py()]
                 for k in key_properties(schema, kind) if k in by}
        if node_key_problems_columns(schema, kind, worst):
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
            if p in schema.derived_properties:  # loaders/rules.py, once per distinct value
                source = schema.derived_properties[p].source
                if not source:
                    value = derived_column(schema, kind, p, [None])[0]
                    add(pa.array([_j(value)] * n, pa.string()), as_value(value))
                    continue
                texts, pos = columnar.distinct(by[source][0])
                derived = pa.array(derived_column(schema, kind, p, texts), pa.string()).take(pa.array(pos))
                col = json_text(derived)
                if col is None:
                    return False
                add(col, as_text(derived))
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
        clean = group.checked.get(("clean", str(path)), False)  # no byte of a refused character (plain())
        try:
            for batch in columnar.arrow_batches(path, width, skip_header=(k == 0), block_size=block):
                cols = batch.columns
                n = batch.num_rows
                if k > 0 and first_row == 1 and [c[0].as_py() for c in cols] == header_texts:
                    raise _Fallback  # a header repeated in a data file: the thorough reader says so
                if any(columnar.too_long(c, MAX_FIELD_CHARS) for c in cols):
                    raise _Fallback
                if not clean and any(columnar.holds(c, refused_re2(lines), self.delim if h.array else None)
                       for h, c, lines in zip(group.header.columns, cols, self.probe.line_breaks(group.header))
                       if lines is not None):
                    raise _Fallback  # the text rule, as data_batches checks it
                yield range(first_row, first_row + n), cols, n
                first_row += n
        except columnar.ArrowError:
            raise _Fallback from None  # a record of another width, text that is not UTF-8...
