"""CSV files in the neo4j-admin import header format, read into a load :class:`Plan`.

The header format is neo4j-admin's (:mod:`intelgraph.loaders.csv_header` reads it). Ids are
ours, not the file's: a node's id is derived from its kind and key properties
(:func:`intelgraph.graph.ids.node_id`). The ``:ID`` value is a handle that relationship files
of the same load use to point at the node (per ID space, as in neo4j-admin); if the ``:ID``
column is named after a property of the kind (``name:ID(Person)``), its value is also that
property. An ``id:ID(...)`` value that already is an intelgraph id of the row's kind
(``person:0123...``, as :mod:`intelgraph.loaders.export_admin` writes) is used as the id.
Relationship ends resolve against the node files of the same call, else against intelgraph
ids (checked against the graph when a ``store`` is given).

Provenance, per row: columns ``source`` (a Source node's id, or its name, in this load) and
``quote``; or ``sources:string[]`` / ``evidence:string[]`` / ``claims:string[]`` as exported;
or one source for the whole load (``source="..."``: a Document of that name is created, and a
row's evidence is ``"<file name> row <n>"``). A row with no provenance is an error.

Reading streams each file once through the :mod:`csv` module. Every problem — file, row,
column, reason — is collected and raised together as :class:`InputErrors`; the plan is
returned only when every input is valid, so nothing is written from a bad load.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from intelgraph.cypher.store import Store
from intelgraph.errors import InputError, InputErrors, Problem
from intelgraph.graph.ids import node_id, normalise
from intelgraph.graph.provenance import Contradictions
from intelgraph.graph.schema import COMMON_REL_PROPERTIES, DISCRIMINATORS, GRADING, PropertySpec, Schema, load_schema
from intelgraph.graph.text import TEXT_FIX, text_problem
from intelgraph.loaders.plan import Plan, node_row
from intelgraph.loaders.rules import (
    RuleError, derived_mismatch, node_key_problems, own_node_id, rel_extra, rel_identity, row_provenance)
from intelgraph.loaders.csv_header import (
    ARRAY_DELIMITER, Column, CONTENT_ID_RE, CsvInput, group_inputs, Header, MAX_FIELD_CHARS, MAX_PROBLEMS,
    parse_header, _BOUNDS, _COMPATIBLE, _DERIVED_COLS, _FLOAT_RE, _Group, _INT_RE, _Lines, _NodeRec, _PROVENANCE_COLS,
    _REFERENCE_PROPS, _REL_EXTRA_COLS, _short, _spans_lines, _STATEMENT_COL, _text_column, _TooMany)

__all__ = ["read_csv_files"]


class _Reader:
    def __init__(self, schema: Schema, source: str | None, store: Store | None, delimiter: str):
        self.schema = schema
        self.store = store
        self.delim = delimiter
        self.problems: list[Problem] = []
        self.plan = Plan(schema)
        self.prefix_kind = {k.lower(): k for k in schema.node_kinds}
        self.file_source = source
        self.file_source_id: str | None = None
        self.nodes: list[_NodeRec] = []
        self.idmap: dict[tuple[str | None, str], tuple[str, str]] = {}  # handle -> (node id, where)
        self.said = Contradictions(schema)  # what each source gave each node (a source contradicting itself is refused)
        self.rel_seen: dict[str, tuple[str, dict[str, Any]]] = {}
        self.by_name: dict[str, dict[str, set[str]]] = {}  # family -> normalised name -> node ids
        self.external: list[tuple[str, str, str, str]] = []  # (file, where, field, id) not in this load
        self.allowed: dict[tuple[str, str | None, str], bool] = {}
        self.lines_of: dict[tuple[Column, ...], list[bool | None]] = {}

    # -- problems --------------------------------------------------------------------------
    def bad(self, file: str, where: str, fld: str, reason: str, fix: str = "") -> None:
        self.problems.append(Problem(file, where, fld, reason, fix))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooMany

    def once(self, group: _Group, key: tuple[Any, ...], file: str, where: str, fld: str, reason: str,
             fix: str = "") -> None:
        """Report a problem that every row of an input would repeat, for its first row only
        (the other rows are skipped quietly: the load fails anyway)."""
        if key not in group.reported:
            group.reported.add(key)
            self.bad(file, where, fld, reason, fix)

    # -- files ---------------------------------------------------------------------------
    def records(self, path: Path) -> Iterator[tuple[int, list[str]]]:
        """(row number, fields) of each non-blank record, streamed. Rows are numbered from 1,
        blank lines included; reading stops at the first undecodable byte or broken quoting."""
        name = str(path)
        try:
            fh = open(path, "rb")
        except OSError as exc:
            self.bad(name, "(file)", "(file)", f"cannot read the file: {exc.strerror or exc}", "check the path")
            return
        with fh:
            head = fh.read(4)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self.bad(name, "row 1", "(file)", "file is UTF-16 (it starts with a UTF-16 byte-order mark), "
                         "not UTF-8", "save it as UTF-8")
                return
            fh.seek(3 if head.startswith(codecs.BOM_UTF8) else 0)  # a UTF-8 BOM means nothing: skip it
            lines = _Lines(fh)
            reader = csv.reader(lines, strict=True)
            n = 0
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    byte = exc.object[exc.start:exc.start + 1].hex()
                    self.bad(name, f"row {n + 1}", "(row)", f"not UTF-8: byte 0x{byte} on line {lines.number} "
                             "cannot be decoded", "save the file as UTF-8")
                    return
                except csv.Error as exc:
                    self.bad(name, f"row {n + 1}", "(row)", f"not valid CSV: {exc}",
                             "a field holding a comma, a quote or a line break must be in double quotes, "
                             "with inner quotes doubled")
                    return
                n += 1
                if fields:
                    yield n, fields

    def check_fields(self, name: str, where: str, header: Header, fields: list[str]) -> bool:
        if len(fields) != len(header):
            self.bad(name, where, "(row)", f"the row has {len(fields)} field(s), the header has {len(header)}",
                     "quote fields that contain commas; give every row one field per header column")
            return False
        ok = True
        for col, value, lines in zip(header.columns, fields, self.line_breaks(header)):
            if len(value) > MAX_FIELD_CHARS:
                self.bad(name, where, col.text, f"{len(value)} characters, over the {MAX_FIELD_CHARS} limit",
                         "shorten the field (keep long documents as source files)")
                ok = False
            elif "\x00" in value:
                self.bad(name, where, col.text, "contains a NUL character (is the file UTF-16?)",
                         "remove control characters; save the file as UTF-8")
                ok = False
            elif lines is not None:
                problem = text_problem(value.replace(self.delim, "") if col.array else value, lines)
                if problem is not None:
                    self.bad(name, where, col.text, problem, TEXT_FIX)
                    ok = False
        return ok

    def line_breaks(self, header: Header) -> list[bool | None]:
        """Per column: whether its values may span lines (the schema's ``text`` properties, quotes
        and evidence), or None for a column that holds no text (numbers, dates and booleans are
        checked by their parsers; ``:IGNORE`` values are not kept)."""
        got = self.lines_of.get(header.columns)
        if got is None:
            got = self.lines_of[header.columns] = [
                None if not _text_column(c) else c.role == "property" and _spans_lines(self.schema, c.name)
                for c in header.columns]
        return got

    def open_input(self, inp: CsvInput) -> _Group | None:
        if not inp.files:
            self.bad("(input)", "(input)", "(files)", "an input with no files", "give at least one CSV file")
            return None
        first = inp.files[0]
        rows = self.records(first)
        try:
            for row, fields in rows:
                try:
                    header = parse_header(fields, str(first), f"row {row} (header)")
                except InputErrors as exc:
                    for p in exc.problems:
                        self.bad(p.file, p.record, p.field, p.reason, p.fix)
                    return None
                if header.entity == "node" and inp.rel_type:
                    self.bad(str(first), f"row {row} (header)", ":ID",
                             f"a relationship type ({inp.rel_type}) was given for a node file")
                    return None
                if header.entity == "relationship" and inp.labels:
                    self.bad(str(first), f"row {row} (header)", ":START_ID",
                             f"labels ({', '.join(inp.labels)}) were given for a relationship file")
                    return None
                return _Group(inp, header, row, first)
        finally:
            rows.close()
        if not any(p.file == str(first) for p in self.problems):
            self.bad(str(first), "row 1", "(header)", "the file is empty: no header line",
                     "put the header on the first line, e.g. name:ID(Person),:LABEL")
        return None

    def data_rows(self, group: _Group) -> Iterator[tuple[Path, int, list[str]]]:
        for i, path in enumerate(group.inp.files):
            for row, fields in self.records(path):
                if i == 0 and row <= group.header_row:
                    continue
                if i > 0 and row == 1 and fields == [c.text for c in group.header.columns]:
                    self.bad(str(path), "row 1", "(row)", "this data file repeats the header",
                             f"only the first file ({group.first_file.name}) holds the header; "
                             "remove the line here")
                    continue
                yield path, row, fields

    # -- values ----------------------------------------------------------------------------
    def parse_value(self, col: Column, text: str) -> Any:
        """The typed value of one field; ``None`` for an empty field. Raises ValueError."""
        if text == "":
            return None
        if col.array:
            items = text.split(self.delim)
            if any(item == "" for item in items):
                raise ValueError(f"an empty element in the {col.csv_type} value "
                                 f"(elements are separated by {self.delim!r})")
            return [self.scalar(col.type, item) for item in items]
        return self.scalar(col.type, text)

    @staticmethod
    def scalar(t: str, text: str) -> Any:
        if t == "string":
            return text
        if t in ("int", "long"):
            if not _INT_RE.fullmatch(text):
                raise ValueError(f"not a whole number ({t})")
            value = int(text)
            bits = 31 if t == "int" else 63
            if not -(2**bits) <= value < 2**bits:
                raise ValueError(f"does not fit a {bits + 1}-bit {t}" + (" (declare the column :long)"
                                                                        if t == "int" else ""))
            return value
        if t in ("float", "double"):
            if not _FLOAT_RE.fullmatch(text):
                raise ValueError(f"not a number ({t}); write e.g. 1.5 or 2e-3")
            value = float(text)
            if value in (float("inf"), float("-inf")):
                raise ValueError("out of range")
            return value
        if t == "boolean":
            low = text.lower()
            if low not in ("true", "false"):
                raise ValueError("not a boolean: write true or false")
            return low == "true"
        if t == "date":
            return PropertySpec("_", "date").coerce(text)
        raise ValueError(f"unknown type {t}")  # pragma: no cover - the header parser refuses it

    # -- node files: pass 1 ----------------------------------------------------------------
    def kind_of(self, group: _Group, name: str, where: str, labels: list[str]) -> str | None:
        key = ("kind", tuple(labels))
        if key in group.checked:
            return group.checked[key]  # type: ignore[return-value]
        kind = self._kind_of(group, name, where, labels)
        if kind is not None:
            group.checked[key] = kind  # type: ignore[assignment]
        return kind

    def _kind_of(self, group: _Group, name: str, where: str, labels: list[str]) -> str | None:
        schema = self.schema
        lcol = group.header.role("label")
        fld = lcol.text if lcol else ":LABEL"
        unknown = [x for x in labels if x != schema.root_label and x not in schema.node_kinds]
        if unknown:
            other = next((c for c in ";|\x1f\x1e\x1d" if c != self.delim and c in unknown[0]), None)
            fix = (f"labels are separated by {self.delim!r}; this looks like a file written with array "
                   f"delimiter U+{ord(other):04X}: pass that delimiter (array_delimiter={other!r})"
                   if other else f"use the schema's kinds: {', '.join(schema.concrete_kinds)}")
            self.once(group, ("label", unknown[0]), name, where, fld, f"unknown label {unknown[0]!r}", fix)
            return None
        kinds = sorted({x for x in labels if x in schema.node_kinds})
        if not kinds:
            idc = group.header.role("id")
            space = idc.space if idc else None
            if space in schema.node_kinds:
                kinds = [space]
            else:
                self.once(group, ("nokind",), name, where, fld, "no kind: the row has no label naming a kind, "
                          f"and the ID space {space!r} is not a kind", "add a :LABEL column (e.g. Person), or "
                          "name the ID space after the kind, e.g. name:ID(Person)")
                return None
        nodes = schema.node_kinds
        most = [k for k in kinds if all(nodes[k].is_a(o) for o in kinds)]
        if len(most) != 1:
            self.bad(name, where, fld, f"the labels {';'.join(labels)} name more than one kind "
                     f"({', '.join(kinds)})", "give each row the labels of one kind")
            return None
        kind = most[0]
        if nodes[kind].abstract:
            self.bad(name, where, fld, f"{kind} is abstract",
                     f"use one of: {', '.join(schema.kinds_of(kind))}")
            return None
        return kind

    def column_ok(self, group: _Group, kind: str, col: Column, name: str, where: str) -> bool:
        """Whether a column may give a value to a node of ``kind``: checked (and reported) once per
        input, kind and column, at the first row that fills it. In a file of mixed kinds a column
        left empty on a row of a kind that lacks the property is fine."""
        key = ("column", kind, col.index)
        if key in group.checked:
            return group.checked[key]
        spec = self.schema.kind(kind).properties
        ok = True
        if col.role == "id":  # the :ID column named after a property also sets it
            if col.name in spec and spec[col.name].type not in ("string", "text", "enum"):
                self.bad(name, where, col.text, f"{col.name} is {spec[col.name].type} for a {kind}, but :ID "
                         "values are text", f"make {col.name} its own typed column and use a plain :ID")
                ok = False
            group.checked[key] = ok
            return ok
        expected: tuple[str, ...] = ()
        if col.name in _PROVENANCE_COLS and not (kind == "Claim" and col.name in ("source", "quote")):
            expected = (_PROVENANCE_COLS[col.name],)
        elif col.name in _DERIVED_COLS:
            expected = (_DERIVED_COLS[col.name],)
        elif col.name == _STATEMENT_COL:
            expected = ("string[]",)
        elif col.name == self.schema.id_property:
            self.bad(name, where, col.text, f"{col.name!r} is the intelgraph id, derived from content",
                     f"make it the :ID column ({col.name}:ID(...)) or drop it")
            ok = False
        elif col.name not in spec:
            self.bad(name, where, col.text, f"{kind} has no property {col.name!r}",
                     f"use one of: {', '.join(sorted(spec))}; or mark the column :IGNORE")
            ok = False
        else:
            expected = _COMPATIBLE[spec[col.name].type]
        if ok and col.csv_type not in expected:
            self.bad(name, where, col.text, f"{col.name} is {expected[0]} for a {kind}, the column says "
                     f"{col.csv_type}", f"declare it {col.name}:{expected[0]}")
            ok = False
        group.checked[key] = ok
        return ok

    def unsourced(self, group: _Group, name: str, where: str) -> bool:
        """An input with no source column, loaded without a source for the whole load: said once."""
        if self.file_source_id is None and not any(c.name in ("source", "sources") for c in group.header.properties):
            self.once(group, ("unsourced",), name, where, "source",
                      "no provenance: the file has no `source` (or `sources`) column and no source was given "
                      "for the whole load", "add a `source` column (a Source's id or name in this load), or pass "
                      "--source (one source for the whole file)")
            return True
        return False

    def node_row(self, group: _Group, path: Path, row: int, fields: list[str]) -> None:
        name, where = str(path), f"row {row}"
        header = group.header
        if self.unsourced(group, name, where):
            return
        if not self.check_fields(name, where, header, fields):
            return
        labels = list(group.inp.labels)
        lcol = header.role("label")
        if lcol is not None and fields[lcol.index] != "":
            parts = fields[lcol.index].split(self.delim)
            if any(p == "" for p in parts):
                self.bad(name, where, lcol.text, f"an empty label in {_short(fields[lcol.index])}",
                         f"separate labels with {self.delim!r}, with nothing empty between")
                return
            labels += parts
        kind = self.kind_of(group, name, where, labels)
        if kind is None:
            return
        spec = self.schema.kind(kind).properties
        props: dict[str, Any] = {}
        prov: dict[str, Any] = {}
        derived: dict[str, Any] = {}
        ok = True
        for col in header.properties:
            text = fields[col.index]
            if text == "":
                continue
            if not self.column_ok(group, kind, col, name, where):
                ok = False
                continue
            try:
                value = self.parse_value(col, text)
            except ValueError as exc:
                self.bad(name, where, col.text, f"{_short(text)}: {exc}")
                ok = False
                continue
            if col.name in _PROVENANCE_COLS or col.name == _STATEMENT_COL:
                prov[col.name] = value
                if kind == "Claim" and col.name in ("source", "quote"):
                    props[col.name] = value
                continue
            if col.name in _DERIVED_COLS:
                derived[col.name] = value
                continue
            try:
                props[col.name] = spec[col.name].coerce(value)
            except ValueError as exc:
                self.bad(name, where, col.text, f"{_short(text)}: {exc}")
                ok = False
        idc = header.role("id")
        handle, own_id = None, None
        if idc is not None:
            value = fields[idc.index]
            try:
                own_id = own_node_id(self.schema, kind, idc.name, idc.text, value)
            except RuleError as exc:
                self.bad(name, where, exc.field, exc.reason, exc.fix)
                return
            handle = (idc.space, value)
            if idc.name != self.schema.id_property and idc.name in spec:
                if not self.column_ok(group, kind, idc, name, where):
                    return
                try:
                    props[idc.name] = spec[idc.name].coerce(value)
                except ValueError as exc:
                    self.bad(name, where, idc.text, f"{_short(value)}: {exc}")
                    ok = False
        if not ok:
            return
        kspec = self.schema.kind(kind)
        missing = node_key_problems(self.schema, kind, props,
                                    " (or name the :ID column {}:ID(...))" if idc is not None and not idc.name else "")
        for p in missing:
            self.bad(name, where, p.field, p.reason, p.fix)
        if missing:
            return
        wrong = derived and derived_mismatch(self.schema, kind, props, derived)
        if wrong:
            k, v, expected = wrong
            col = next(c for c in header.properties if c.name == k)
            self.bad(name, where, col.text, f"{_short(str(v))} does not match what is derived from the "
                     f"row ({_short(str(expected))})", f"drop the {k} column: it is recomputed")
            return
        rec = _NodeRec(name, path.name, row, where, kind, props, handle, idc.text if idc else ":ID", own_id,
                       prov)
        if own_id is not None:
            rec.nid = own_id
        elif not any((kind, k) in _REFERENCE_PROPS for k in kspec.key):
            rec.nid = node_id(kind, [props[k] for k in kspec.key])
        self.nodes.append(rec)
        if rec.nid and "name" in props:
            for family in {f for f in _REFERENCE_PROPS.values() if self.schema.kind(kind).is_a(f)}:
                self.by_name.setdefault(family, {}).setdefault(normalise(props["name"]), set()).add(rec.nid)
        if rec.nid:
            self.plan.node_kind.setdefault(rec.nid, kind)

    # -- references ------------------------------------------------------------------------
    def id_kind(self, value: str) -> str | None:
        m = CONTENT_ID_RE.fullmatch(value)
        return self.prefix_kind.get(m.group(1)) if m else None

    def resolve_ref(self, file: str, where: str, fld: str, value: str, family: str, what: str) -> str | None:
        """A node of ``family`` named by intelgraph id, or by name among this load's nodes (None:
        reported)."""
        try:
            return self.reference(file, where, fld, value, family, what)
        except RuleError as exc:
            self.bad(file, where, exc.field, exc.reason, exc.fix)
            return None

    def reference(self, file: str, where: str, fld: str, value: str, family: str, what: str) -> str:
        """:meth:`resolve_ref`, raising :class:`RuleError`."""
        kind = self.id_kind(value)
        if kind is not None:
            if not self.schema.kind(kind).is_a(family):
                raise RuleError(fld, f"{_short(value)} is a {kind}, not a {family}",
                                f"name a {family} ({', '.join(self.schema.kinds_of(family))})")
            if value not in self.plan.node_kind:
                self.external.append((file, where, fld, value))
            return value
        found = self.by_name.get(family, {}).get(normalise(value), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise RuleError(fld, f"{_short(value)} names {len(found)} different {family} nodes "
                            f"({', '.join(sorted(found))})", "give the id instead of the name")
        raise RuleError(fld, f"unknown {what} {_short(value)}",
                        f"name a {family} node of this load (a node file row), or give its intelgraph id"
                        + ("; or pass --source" if family == "Source" else ""))

    def provenance(self, file: str, fname: str, row: int, where: str, prov: dict[str, Any],
                   ) -> tuple[list[str], list[str], list[str]] | None:
        """The row's provenance by :func:`~intelgraph.loaders.rules.row_provenance` (sources by id
        or by name among this load's nodes; ids outside the load checked against the graph later)."""
        def source(fld: str, value: str) -> str:
            return self.reference(file, where, fld, value, "Source", "source id" if fld == "sources" else "source")

        def claim(cid: str) -> str:
            if self.id_kind(cid) != "Claim":
                raise RuleError("claims", f"{_short(cid)} is not a claim id", "give claim:... ids")
            if cid not in self.plan.node_kind:
                self.external.append((file, where, "claims", cid))
            return cid

        got = row_provenance(prov, fname, row, self.file_source_id, source, claim)
        if isinstance(got, list):
            for p in got:
                self.bad(file, where, p.field, p.reason, p.fix)
            return None
        return got

    def conflict(self, seen: dict[str, tuple[str, dict[str, Any]]], rid: str, file: str, where: str,
                 values: dict[str, Any], what: str, same_when_normalised: tuple[str, ...] = ()) -> bool:
        here = f"{file} {where}"
        if rid not in seen:
            seen[rid] = (here, values)
            return False
        first, before = seen[rid]
        for k in sorted(set(values) & set(before)):
            if k in same_when_normalised and normalise(values[k]) == normalise(before[k]):
                continue  # key values the id treats as equal ("Ada" and "ada")
            if values[k] != before[k]:
                self.bad(file, where, k, f"the same {what} as {first}, where {k} is {_short(str(before[k]))}; "
                         f"here it is {_short(str(values[k]))}", "make the rows agree, or drop one")
                return True
        before.update({k: v for k, v in values.items() if k not in before})
        return False

    # -- node files: pass 2 ----------------------------------------------------------------
    def finish_nodes(self) -> None:
        for rec in self.nodes:
            kspec = self.schema.kind(rec.kind)
            for (kind, prop), family in _REFERENCE_PROPS.items():
                if kind == rec.kind and isinstance(rec.props.get(prop), str):
                    rid = self.resolve_ref(rec.file, rec.where, prop, rec.props[prop], family, family.lower())
                    if rid is None:
                        rec.ok = False
                    else:
                        rec.props[prop] = rid
                        if prop in rec.prov:  # a claim's source is also its provenance: resolved once
                            rec.prov[prop] = rid
            if not rec.ok:
                continue
            if rec.nid is None:
                rec.nid = node_id(rec.kind, [rec.props[k] for k in kspec.key])
                self.plan.node_kind.setdefault(rec.nid, rec.kind)
            if rec.handle is not None:
                prior = self.idmap.get(rec.handle)
                if prior is not None and prior[0] != rec.nid:
                    space = f" in ID space {rec.handle[0]!r}" if rec.handle[0] else ""
                    self.bad(rec.file, rec.where, rec.id_col, f"duplicate id {_short(rec.handle[1])}{space}: "
                             f"{prior[1]} has it for a different node", "give each node its own id value")
                    rec.ok = False
                    continue
                self.idmap[rec.handle] = (rec.nid, f"{rec.file} {rec.where}")
        for rec in self.nodes:
            if not rec.ok or rec.nid is None:
                continue
            prov = self.provenance(rec.file, rec.fname, rec.row, rec.where, rec.prov)
            if prov is None:
                continue
            sources, evidence, claims = prov
            if rec.kind == "Claim" and rec.nid not in claims:
                claims.append(rec.nid)
            stmts = rec.prov.get(_STATEMENT_COL) or None
            hit = self.said.refusal(rec.kind, rec.nid, rec.props, sources, f"{rec.file} {rec.where}", stmts)
            if hit is not None:
                self.bad(rec.file, rec.where, *hit)
                continue
            row = node_row(self.schema, rec.kind, rec.nid, rec.props, sources, evidence, claims)
            row["statements"] = stmts  # the rule chooses the values from them (plan.merge_with_graph)
            self.plan.add_node(rec.kind, row)
        self.nodes = []

    # -- relationship files ------------------------------------------------------------------
    def endpoint(self, group: _Group, col: Column, name: str, where: str, value: str) -> str | None:
        label = ":START_ID" if col.role == "start_id" else ":END_ID"
        if value == "":
            self.bad(name, where, col.text, f"empty {label} value", "give both ends of every relationship")
            return None
        hit = self.idmap.get((col.space, value))
        if hit is not None:
            return hit[0]
        kind = self.id_kind(value)
        if kind is not None:
            if value not in self.plan.node_kind:
                self.external.append((name, where, col.text, value))
            return value
        space = f"ID space {col.space!r}" if col.space else "the global ID space"
        self.bad(name, where, col.text, f"dangling {label} {_short(value)}: no node of this load has that id "
                 f"in {space}, and it is not an intelgraph id",
                 f"add the node to a node file of the same load (with :ID({col.space or ''})), "
                 "or check the ID space")
        return None

    def rel_columns(self, group: _Group, name: str, where: str) -> bool:
        key = ("rel-columns",)
        if key in group.reported:
            return ("rel-columns-ok",) in group.reported
        group.reported.add(key)
        ok = True
        common = COMMON_REL_PROPERTIES
        for col in group.header.properties:
            if col.name in _PROVENANCE_COLS:
                expected: tuple[str, ...] = (_PROVENANCE_COLS[col.name],)
            elif col.name == _STATEMENT_COL:
                expected = ("string[]",)
            elif col.name in _REL_EXTRA_COLS:
                expected = _REL_EXTRA_COLS[col.name]
            elif col.name in _BOUNDS:
                expected = (_DERIVED_COLS[col.name],)
            elif col.name in common:
                expected = _COMPATIBLE[common[col.name].type]
            else:
                self.bad(name, where, col.text, f"relationships have no property {col.name!r}",
                         f"use one of: {', '.join(sorted(common))}; or mark the column :IGNORE")
                ok = False
                continue
            if col.csv_type not in expected:
                self.bad(name, where, col.text, f"{col.name} is {expected[0]} on a relationship, the column says "
                         f"{col.csv_type}", f"declare it {col.name}:{expected[0]}")
                ok = False
        if ok:
            group.reported.add(("rel-columns-ok",))
        return ok

    def rel_row(self, group: _Group, path: Path, row: int, fields: list[str]) -> None:
        name, where = str(path), f"row {row}"
        header = group.header
        if self.unsourced(group, name, where):
            return
        if not self.check_fields(name, where, header, fields) or not self.rel_columns(group, name, where):
            return
        schema = self.schema
        tcol = header.role("type")
        rtype = (fields[tcol.index] if tcol is not None else "") or group.inp.rel_type
        if not rtype:
            self.bad(name, where, tcol.text if tcol else ":TYPE", "no relationship type",
                     "add a :TYPE column, or give the type for the whole file")
            return
        if rtype not in schema.relationship_types:
            self.bad(name, where, tcol.text if tcol else ":TYPE", f"unknown relationship type {_short(rtype)}",
                     f"use one of: {', '.join(schema.relationship_types)}")
            return
        rt = schema.rel(rtype)
        scol, ecol = header.role("start_id"), header.role("end_id")
        assert scol is not None and ecol is not None
        start = self.endpoint(group, scol, name, where, fields[scol.index])
        end = self.endpoint(group, ecol, name, where, fields[ecol.index])
        plain: dict[str, Any] = {}
        given: dict[str, Any] = {}
        prov: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        ok = start is not None and end is not None
        for col in header.properties:
            text = fields[col.index]
            try:
                value = self.parse_value(col, text)
                if value is None:
                    continue
                if col.name in _PROVENANCE_COLS or col.name == _STATEMENT_COL:
                    prov[col.name] = value
                elif col.name in _REL_EXTRA_COLS:  # id, reliability, credibility
                    extra[col.name] = rel_extra(schema, col.name, value)
                elif col.name in _BOUNDS:
                    given[col.name] = value
                else:
                    plain[col.name] = rt.properties[col.name].coerce(value)
            except ValueError as exc:
                self.bad(name, where, col.text, f"{_short(text)}: {exc}")
                ok = False
        plain, dates = schema.split_dates(rt.properties, plain)
        for k, v in given.items():
            if dates.get(k) != v:
                col = next(c for c in header.properties if c.name == k)
                self.bad(name, where, col.text, f"{_short(str(v))} does not match what is derived from the "
                         f"row ({_short(str(dates.get(k)))})", f"drop the {k} column: it is recomputed")
                ok = False
        if not ok:
            return
        assert start is not None and end is not None
        for side, nid, col in (("from", start, scol), ("to", end, ecol)):
            kind = self.plan.node_kind.get(nid) or self.id_kind(nid)
            allowed_key = (rtype, kind, side)
            if allowed_key not in self.allowed:
                self.allowed[allowed_key] = bool(kind) and schema.allowed_endpoint(rt, kind, side)
            if kind and not self.allowed[allowed_key]:
                allowed = rt.from_kinds if side == "from" else rt.to_kinds
                self.bad(name, where, col.text, f"{rtype} cannot {'start at' if side == 'from' else 'end at'} "
                         f"a {kind} ({_short(fields[col.index])})", f"it joins {', '.join(rt.from_kinds)} to "
                         f"{', '.join(rt.to_kinds)}" if allowed else "")
                ok = False
        if not ok:
            return
        got = self.provenance(name, path.name, row, where, prov)
        if got is None:
            return
        sources, evidence, claims = got
        values = {**plain, **dates}
        rid, swap = rel_identity(schema, rtype, start, end, values, extra.get("id"))
        if swap:
            start, end = end, start
        if self.conflict(self.rel_seen, rid, name, where,
                         {**{k: values[k] for k in DISCRIMINATORS if k in values}, "type": rtype, "ends": (start, end),
                          **{g: extra[g] for g in GRADING if g in extra}}, "relationship"):
            return
        stmts = prov.get(_STATEMENT_COL) or None
        hit = self.said.refusal(rtype, rid, values, sources, f"{name} {where}", stmts)
        if hit is not None:
            self.bad(name, where, *hit)
            return
        self.plan.add_rel(rtype, {"id": rid, "s": start, "t": end, "props": plain, "dates": dates,
                                  "sources": sources, "evidence": evidence, "claims": claims,
                                  "reliability": extra.get("reliability"),
                                  "credibility": extra.get("credibility"), "statements": stmts})

    # -- the graph -------------------------------------------------------------------------
    def check_external(self) -> None:
        """Ids named but not loaded here must be in the graph (when there is one to ask)."""
        if self.store is None or not self.external:
            return
        wanted = sorted({e[3] for e in self.external})
        found: dict[str, list[str]] = {}
        for i in range(0, len(wanted), 5000):
            res = self.store.read(
                f"UNWIND $ids AS i MATCH (n:{self.schema.root_label} {{{self.schema.id_property}: i}}) "
                "RETURN n.id, labels(n)", {"ids": wanted[i:i + 5000]})
            found.update({r[0]: list(r[1]) for r in res.rows})
        for file, where, fld, nid in self.external:
            kind = self.id_kind(nid)
            if nid not in found:
                self.bad(file, where, fld, f"{nid} is neither in this load nor in the graph",
                         "load the node first, or add it to a node file of this load")
            elif kind not in found[nid]:
                self.bad(file, where, fld, f"{nid} is in the graph, but not as a {kind}")


def read_csv_files(paths: Iterable[str | Path | Sequence[str | Path] | CsvInput], source: str | None = None,
                   *, schema: Schema | None = None, store: Store | None = None,
                   array_delimiter: str = ARRAY_DELIMITER) -> Plan:
    """Read neo4j-admin CSV inputs into one validated :class:`Plan`.

    Each item of ``paths`` is a CSV file whose first line is its header (a file named
    ``X_header.csv`` is instead the header of ``X.csv`` given beside it: :func:`group_inputs`), or a sequence
    ``(header_file, data_file, ...)`` whose first file starts with the header (neo4j-admin's
    ``h.csv,part1.csv``), or a :class:`CsvInput` (also carrying labels or a relationship type for
    the whole input; :func:`parse_input_spec` reads neo4j-admin's ``Label=h.csv,p.csv`` form).
    Node files are read before relationship files, whatever the order given.

    ``source``: the name of the one source of every row without its own provenance; a
    Document of that name is added. ``store``: if given, ids that point outside this load are
    checked against it. Raises :class:`InputErrors` listing every problem found.
    """
    schema = schema or load_schema()
    if len(array_delimiter) != 1 or array_delimiter in ',"\r\n':
        err = InputError("(the load's options)", "option --array-delimiter", "array_delimiter",
                         f"must be one character other than , \" and line breaks, not {array_delimiter!r}",
                         "e.g. ';' (the default) or $'\\x1f'")
        err.hint = "Give the array delimiter as one such character and load again; nothing was written."
        raise err
    reader = _Reader(schema, source, store, array_delimiter)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 16 * MAX_FIELD_CHARS))  # longer fields are reported, not fatal
    try:
        if source is not None:
            text = source.strip() if isinstance(source, str) else ""
            if not text or len(text) > 1000 or "\x00" in text:
                reader.bad("(--source)", "(option)", "source", "expected the name of a document (1-1000 "
                           "characters)", 'e.g. --source "Krebs 2002, Mapping Networks of Terrorist Cells"')
            elif text_problem(source) is not None:
                reader.bad("(--source)", "(option)", "source", str(text_problem(source)), TEXT_FIX)
            else:
                doc = node_id("Document", [source])
                reader.file_source_id = doc
                reader.plan.add_node("Document", node_row(schema, "Document", doc, {"name": source}, [doc]))
                reader.by_name.setdefault("Source", {}).setdefault(normalise(source), set()).add(doc)
        inputs = group_inputs(list(paths))
        groups = [g for g in (reader.open_input(i) for i in inputs) if g is not None]
        for group in groups:
            if group.header.entity == "node":
                for path, row, fields in reader.data_rows(group):
                    reader.node_row(group, path, row, fields)
        reader.finish_nodes()
        for group in groups:
            if group.header.entity == "relationship":
                for path, row, fields in reader.data_rows(group):
                    reader.rel_row(group, path, row, fields)
        if not reader.problems:
            reader.check_external()
    except _TooMany:
        reader.problems.append(Problem(reader.problems[-1].file, "(file)", "(file)",
                                       f"stopped after {MAX_PROBLEMS} problems", "fix these and load again"))
    finally:
        csv.field_size_limit(old_limit)
    if reader.problems:
        raise InputErrors(reader.problems)
    return reader.plan
