"""The fast reader's relationship files: row by row, a batch at a time, and column-wise through
Arrow (a mixin of :class:`~intelgraph.loaders.bulk.reader._FastReader`)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from intelgraph.graph.ids import relationship_id
from intelgraph.graph.schema import DISCRIMINATORS, GRADING, PROVENANCE
from intelgraph.loaders import columnar
from intelgraph.loaders.bulk.common import _JSON, _Fallback, _jlist, _NotColumnar
from intelgraph.loaders.csv_header import _PROVENANCE_COLS, _REL_EXTRA_COLS, _REL_ID_RE, _Group
from intelgraph.loaders.plan import evidence_text


class _RelRows:
    """Relationship files, for :class:`~intelgraph.loaders.bulk.reader._FastReader` (a mixin: the state is the reader's)."""

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
            disc = tuple(plain.get(k) for k in DISCRIMINATORS)
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
