"""The neo4j-admin import header format and CSV inputs: a header's columns parsed and checked
against the schema (:func:`parse_header`), inputs grouped with their header files
(:func:`group_inputs`, :func:`parse_input_spec`), and the pieces both CSV readers share — the
thorough one (:mod:`intelgraph.loaders.csv_admin`) and the embedded engine's fast one
(:mod:`intelgraph.loaders.bulk`): limits, types, id forms, line reading.

The header of each input says what the file holds (as for ``neo4j-admin database import``):

* a **node file** has one ``:ID`` column — ``name:ID(Person)``, ``personId:ID(People)``,
  ``:ID`` — optionally a ``:LABEL`` column (labels ``;``-separated), typed property columns
  ``prop:type`` and ``:IGNORE`` columns;
* a **relationship file** has ``:START_ID(Space)`` and ``:END_ID(Space)``, a ``:TYPE`` column
  (or a type given for the whole input), and typed property columns.

Types: ``string`` (the default), ``int``, ``long``, ``float``, ``double``, ``boolean``, ``date``
and their arrays (``string[]``, ...; elements split on the array delimiter, ``;``). Each
property must be declared by the schema for the row's kind, with a compatible type
(``weight:float`` or ``weight:double`` for a float; ``order:int`` or ``order:long`` for an int)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intelgraph.errors import InputErrors, Problem
from intelgraph.graph.schema import COMMON_REL_PROPERTIES, IDENT_RE, Schema, load_schema

__all__ = [
    "parse_header", "parse_input_spec", "group_inputs", "Header", "Column", "CsvInput",
    "ARRAY_DELIMITER", "MAX_FIELD_CHARS", "CSV_TYPES", "EXPORT_TYPES", "CONTENT_ID_RE", "HEADER_SUFFIX",
]

ARRAY_DELIMITER = ";"
MAX_FIELD_CHARS = 100_000
MAX_PROBLEMS = 500
MAX_LINE_BYTES = 64 * 1024 * 1024  # one physical line; fields are limited to MAX_FIELD_CHARS anyway
#: The value types a property column may declare (arrays add ``[]``).
CSV_TYPES = ("string", "int", "long", "float", "double", "boolean", "date")
#: Types neo4j-admin knows that no schema property can hold.
_NEO4J_ONLY_TYPES = ("byte", "short", "char", "point", "time", "localtime", "datetime", "localdatetime",
                     "duration")
_KEYWORDS = ("ID", "START_ID", "END_ID", "LABEL", "TYPE", "IGNORE")
_SPACED = ("ID", "START_ID", "END_ID")

#: Which column types carry each schema property type.
_COMPATIBLE = {
    "string": ("string",), "text": ("string",), "enum": ("string",),
    "int": ("int", "long"), "float": ("float", "double"), "bool": ("boolean",),
    "date": ("string", "date"), "string[]": ("string[]",),
}
#: The column type the exporter writes for each schema property type.
EXPORT_TYPES = {"string": "string", "text": "string", "enum": "string", "int": "long", "float": "double",
                "bool": "boolean", "date": "string", "string[]": "string[]"}

#: An intelgraph node id: ``<kind in lower case>:<20 hex digits>``.
CONTENT_ID_RE = re.compile(r"^([a-z][a-z0-9_]*):([0-9a-f]{20})$")
_REL_ID_RE = re.compile(r"^rel:[0-9a-f]{20}$")
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_COL_RE = re.compile(
    r"^(?P<name>[^:]*)(?::(?P<type>[A-Za-z_]+)(?P<array>\[\])?(?:\((?P<space>[^()]*)\))?(?P<opts>\{.*\})?)?$")

# provenance and bookkeeping columns, by name (not schema properties)
_PROVENANCE_COLS = {**load_schema().provenance_properties, "source": "string", "quote": "string"}
_REL_EXTRA_COLS = {"id": ("string",), "reliability": ("string",), "credibility": ("int", "long")}
#: Lookup properties the node statements derive (see plan.node_row); accepted when they agree.
#: The native date bounds derived beside each date property (schema ``date_bounds``), as an export
#: writes them: accepted when they agree.
_BOUNDS = frozenset(load_schema().bound_properties())
_DERIVED_COLS = {**{name: d.type for name, d in load_schema().derived_properties.items()},
                 **{name: "date" for name in _BOUNDS}}
#: A node's statements where its sources differ (graph/provenance.py), as an export writes them.
_STATEMENT_COL = load_schema().statement_property
#: String properties that hold the id of another node (resolved by id or by name).
_REFERENCE_PROPS = load_schema().reference_properties()


# -- the header --------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One header field. ``role`` is ``id``, ``start_id``, ``end_id``, ``label``, ``type``,
    ``ignore`` or ``property``; ``type`` is the element type of a property (``string`` when the
    header gives none) and ``array`` says whether it is an array."""

    index: int
    text: str
    name: str
    role: str
    type: str = "string"
    array: bool = False
    space: str | None = None

    @property
    def csv_type(self) -> str:
        return self.type + ("[]" if self.array else "")


@dataclass(frozen=True)
class Header:
    """A parsed header: ``entity`` is ``node`` or ``relationship``."""

    file: str
    entity: str
    columns: tuple[Column, ...]

    def role(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)

    @property
    def properties(self) -> list[Column]:
        return [c for c in self.columns if c.role == "property"]

    def __len__(self) -> int:
        return len(self.columns)


_FORMS = ("write each column as name:type (born:date, aliases:string[]) or one of :ID(Space), "
          ":START_ID(Space), :END_ID(Space), :LABEL, :TYPE, :IGNORE")


def parse_header(fields: Sequence[str], file: str = "<header>", record: str = "header") -> Header:
    """Parse the header fields of a neo4j-admin CSV file.

    Pure syntax: it does not consult the schema (the row's kind decides which properties are
    allowed). Raises :class:`InputErrors` listing every problem, each naming ``file``,
    ``record`` and the column as written.

    >>> h = parse_header(["name:ID(Person)", ":LABEL", "born:date", "aliases:string[]"])
    >>> h.entity, [c.role for c in h.columns], h.columns[0].space, h.columns[3].array
    ('node', ['id', 'label', 'property', 'property'], 'Person', True)
    """
    problems: list[Problem] = []

    def bad(text: str, reason: str, fix: str = "") -> None:
        problems.append(Problem(file, record, text, reason, fix))

    if not fields or (len(fields) == 1 and fields[0] == ""):
        bad("(header)", "the header is empty", "put the header on the first line: " + _FORMS)
        raise InputErrors(problems)

    columns: list[Column] = []
    for i, text in enumerate(fields):
        shown = text if text else f"(column {i + 1})"
        if text == "":
            bad(shown, "empty column name", "name the column, or mark it :IGNORE")
            continue
        if text != text.strip():
            bad(shown, "spaces around the column name", "remove the spaces around the comma")
            continue
        m = _COL_RE.fullmatch(text)
        if not m:
            bad(shown, "malformed header field", _FORMS)
            continue
        name, typ, array, space, opts = m.group("name", "type", "array", "space", "opts")
        if typ is None:  # a plain name: a string property
            if not IDENT_RE.fullmatch(name):
                bad(shown, f"{name!r} is not a property name (letters, digits, _)", _FORMS)
                continue
            columns.append(Column(i, text, name, "property"))
            continue
        if opts:
            bad(shown, f"type options {opts} are not supported", "drop the {...} part")
            continue
        if typ.upper() in _KEYWORDS:
            kw = typ.upper()
            if array:
                bad(shown, f":{kw} cannot be an array", _FORMS)
                continue
            if space is not None and kw not in _SPACED:
                bad(shown, f":{kw} takes no ID space", _FORMS)
                continue
            if space is not None and not space.strip():
                bad(shown, "empty ID space in ()", f"name the ID space, e.g. :{kw}(Person), or drop the ()")
                continue
            if name and kw == "ID" and not IDENT_RE.fullmatch(name):
                bad(shown, f"{name!r} is not a property name (letters, digits, _)", "e.g. name:ID(Person)")
                continue
            columns.append(Column(i, text, name, kw.lower(), "string", False, space))
            continue
        t = typ.lower()
        if space is not None:
            bad(shown, f"a {t} column takes no (...) ID space", _FORMS)
            continue
        if t in _NEO4J_ONLY_TYPES:
            bad(shown, f"type {typ!r} is not supported: no schema property has it",
                f"use one of: {', '.join(CSV_TYPES)} (or an array of them)")
            continue
        if t not in CSV_TYPES:
            bad(shown, f"unknown type {typ!r}", f"use one of: {', '.join(CSV_TYPES)} (or an array of them)")
            continue
        if not name:
            bad(shown, "a property column needs a name", f"e.g. weight:{t}{array or ''}")
            continue
        if not IDENT_RE.fullmatch(name):
            bad(shown, f"{name!r} is not a property name (letters, digits, _)", _FORMS)
            continue
        columns.append(Column(i, text, name, "property", t, bool(array)))

    by_role: dict[str, list[Column]] = {}
    for c in columns:
        by_role.setdefault(c.role, []).append(c)
    for role, label in (("id", ":ID"), ("start_id", ":START_ID"), ("end_id", ":END_ID"), ("label", ":LABEL"),
                        ("type", ":TYPE")):
        for extra in by_role.get(role, [])[1:]:
            bad(extra.text, f"duplicate {label} column (the first is column {by_role[role][0].index + 1})",
                f"keep one {label} column; mark the others :IGNORE")
    seen: dict[str, Column] = {}
    for c in columns:
        if c.role == "property" or (c.role == "id" and c.name):
            if c.name in seen:
                bad(c.text, f"property {c.name!r} is already given by column {seen[c.name].index + 1} "
                    f"({seen[c.name].text})", "keep one column per property")
            else:
                seen[c.name] = c

    has_id = "id" in by_role
    has_rel = "start_id" in by_role or "end_id" in by_role
    entity = "relationship" if has_rel else "node"
    if has_id and has_rel:
        bad(by_role["id"][0].text, "a header cannot have both :ID (a node file) and :START_ID/:END_ID "
            "(a relationship file)", "put nodes and relationships in separate files")
    elif has_rel:
        for role, label in (("start_id", ":START_ID"), (("end_id", ":END_ID"))):
            if role not in by_role:
                bad(label, f"missing {label} column: a relationship file needs :START_ID and :END_ID",
                    f"add a {label}(Space) column")
        if "label" in by_role:
            bad(by_role["label"][0].text, ":LABEL belongs in a node file, not a relationship file",
                "drop the column or mark it :IGNORE")
    elif not has_id and not problems:
        bad("(header)", "missing :ID column: the header has neither :ID (a node file) nor "
            ":START_ID/:END_ID (a relationship file)",
            "add an :ID column, e.g. name:ID(Person); or is the header line missing?")
    if has_id and not has_rel and "type" in by_role:
        bad(by_role["type"][0].text, ":TYPE belongs in a relationship file, not a node file",
            "drop the column or mark it :IGNORE")
    if problems:
        raise InputErrors(problems)
    return Header(file, entity, tuple(columns))


# -- inputs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CsvInput:
    """One neo4j-admin input: ``files[0]`` starts with the header line (and may hold data rows
    too); ``files[1:]`` hold data only — as in ``--nodes=h.csv,part1.csv,part2.csv``.
    ``labels`` are added to every node row (``--nodes=Person=...``); ``rel_type`` is the type
    of rows with no ``:TYPE`` value (``--relationships=KNOWS=...``)."""

    files: tuple[Path, ...]
    labels: tuple[str, ...] = ()
    rel_type: str | None = None

    @classmethod
    def of(cls, item: "str | Path | Sequence[str | Path] | CsvInput") -> "CsvInput":
        if isinstance(item, CsvInput):
            return item
        if isinstance(item, (str, Path)):
            return cls((Path(item),))
        return cls(tuple(Path(p) for p in item))


HEADER_SUFFIX = "_header.csv"


def group_inputs(items: Iterable[str | Path | Sequence[str | Path] | CsvInput]) -> list[CsvInput]:
    """Inputs from paths as a shell glob gives them: a file named ``X_header.csv`` is the header of
    the files ``X.csv`` and ``X_part<N>.csv`` given beside it (the layout
    :func:`intelgraph.loaders.export_admin.export_neo4j_admin` writes); any other file has its
    header on its first line. Sequences and :class:`CsvInput` items are taken as they are."""
    plain = [Path(i) for i in items if isinstance(i, (str, Path))]
    headers = {p.parent / p.name[: -len(HEADER_SUFFIX)]: p for p in plain if p.name.endswith(HEADER_SUFFIX)}
    parts: dict[Path, list[Path]] = {stem: [] for stem in headers}
    claimed: set[Path] = set()
    for p in plain:
        if p.name.endswith(HEADER_SUFFIX):
            continue
        for stem in headers:
            if p.parent == stem.parent and (p.name == f"{stem.name}.csv" or re.fullmatch(
                    re.escape(stem.name) + r"_part[0-9]+\.csv", p.name)):
                parts[stem].append(p)
                claimed.add(p)
    out: list[CsvInput] = []
    for item in items:
        if isinstance(item, (str, Path)):
            p = Path(item)
            if p.name.endswith(HEADER_SUFFIX):
                stem = p.parent / p.name[: -len(HEADER_SUFFIX)]
                out.append(CsvInput((p, *sorted(parts[stem], key=lambda q: (len(q.name), q.name)))))
            elif p not in claimed:
                out.append(CsvInput((p,)))
        else:
            out.append(CsvInput.of(item))
    return out


def parse_input_spec(spec: str) -> CsvInput:
    """Parse a neo4j-admin style input, ``[Label[:Label]...=]header.csv[,part.csv...]``.

    >>> parse_input_spec("Person=h.csv,p.csv").labels
    ('Person',)
    """
    prefix, sep, files = spec.partition("=")
    if not sep:
        prefix, files = "", spec
    names = tuple(p for p in prefix.split(":") if p) if prefix else ()
    return CsvInput(tuple(Path(f) for f in files.split(",") if f), labels=names)


# -- reading -----------------------------------------------------------------------------
class _TooMany(Exception):
    pass


class _Lines:
    """The lines of a binary file, decoded one by one (so a bad byte is placed on its line),
    line ends kept, as the csv module wants them."""

    def __init__(self, fh: Any):
        self.fh = fh
        self.number = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        raw = self.fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise csv.Error(f"line {self.number} is longer than {MAX_LINE_BYTES} bytes")
        return raw.decode("utf-8")


@dataclass
class _NodeRec:
    file: str
    fname: str
    row: int
    where: str
    kind: str
    props: dict[str, Any]
    handle: tuple[str | None, str] | None
    id_col: str
    own_id: str | None
    prov: dict[str, Any]
    nid: str | None = None
    ok: bool = True


@dataclass
class _Group:
    inp: CsvInput
    header: Header
    header_row: int
    first_file: Path
    reported: set[tuple[Any, ...]] = field(default_factory=set)
    checked: dict[tuple[Any, ...], Any] = field(default_factory=dict)


def _text_column(col: Column) -> bool:
    """Whether a column's values are kept as text (and so meet the text rule). Labels and types
    must be names the schema declares, and are checked against it instead."""
    return col.role not in ("ignore", "label", "type") and col.type == "string"


def _spans_lines(schema: Schema, prop: str) -> bool:
    """Whether a property column may hold line breaks and tabs: a quote, evidence, or a property
    the schema types ``text`` (descriptions, statements, notes)."""
    if prop in ("quote", "evidence"):
        return True
    specs = [k.properties.get(prop) for k in schema.node_kinds.values()] + [COMMON_REL_PROPERTIES.get(prop)]
    return any(s is not None and s.type == "text" for s in specs)


def _short(value: str, limit: int = 80) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")
