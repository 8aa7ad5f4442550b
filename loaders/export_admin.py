"""The graph as neo4j-admin import CSVs, with the command that bulk-loads them.

For each node kind present, ``<Kind>_header.csv`` (the header line) and ``<Kind>.csv`` (the
rows); for each relationship type, ``<TYPE>_header.csv`` and ``<TYPE>.csv``. Nodes carry
``id:ID(Entity)`` (our content id), ``:LABEL`` (all labels, ``;``-joined), the kind's schema
properties as typed columns (lists ``:string[]``; a date's text as a string, with its bounds
``<date>_start:date`` and ``<date>_end:date``: graph/dates.py), the derived lookup
properties (``kind``, ``name_lc``, ...: so a Neo4j loaded by neo4j-admin alone answers the same
queries), provenance (``sources:string[]``, ``evidence:string[]``, ``claims:string[]``) and,
where sources differ, every source's values (``statements:string[]``, graph/provenance.py).
Relationships carry ``:START_ID(Entity)``, ``:END_ID(Entity)``, ``:TYPE``, ``id``, their
properties, provenance, ``reliability`` and ``credibility:int``.

``import.sh`` holds the exact ``neo4j-admin database import full`` command for files under
``/import`` of the compose service, and ``README.md`` how to run it. The loader
(:func:`intelgraph.loaders.csv_admin.read_csv_files`) reads these files back to the same
graph: it pairs ``X_header.csv`` with ``X.csv`` and keeps the exported ids.

Rows are read from the store in pages ordered by id, and streamed to the files.
"""

from __future__ import annotations

import csv
import datetime as _dt
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from intelgraph.cypher.statements import quote_name
from intelgraph.cypher.store import Store
from intelgraph.errors import StoreError
from intelgraph.graph.schema import COMMON_REL_PROPERTIES, PROVENANCE, NodeKind, PropertySpec, Schema, load_schema
from intelgraph.loaders.csv_header import ARRAY_DELIMITER, EXPORT_TYPES, HEADER_SUFFIX

__all__ = ["export_neo4j_admin", "finish_import", "DELIMITER_CANDIDATES"]

#: Array delimiters tried in turn: the first that no exported list element contains is used
#: (``;`` unless a quote or alias holds one; then the ASCII unit separator, and so on).
DELIMITER_CANDIDATES = (ARRAY_DELIMITER, "\x1f", "\x1e", "\x1d")


class _Clash(Exception):
    """A list element contains the array delimiter: try the next one."""


@dataclass(frozen=True)
class _Col:
    header: str  # as written in the header line
    prop: str  # the graph property it holds ("" for id/labels/ends/type)
    type: str  # csv type: string, long, int, double, boolean, date, string[]


def _csv_type(spec: PropertySpec) -> str:
    if spec.type == "int" and spec.values:
        return "int"  # a small enumerated int (credibility 1-6)
    return EXPORT_TYPES[spec.type]


def _typed(name: str, t: str) -> str:
    return name if t == "string" else f"{name}:{t}"


def _node_columns(schema: Schema, kind: NodeKind, statements: bool) -> list[_Col]:
    cols = [_Col(f"{schema.id_property}:ID({schema.root_label})", schema.id_property, "id"),
            _Col(":LABEL", "", "labels")]
    for name, spec in kind.properties.items():
        t = _csv_type(spec)
        cols.append(_Col(_typed(name, t), name, t))
    cols += _bound_columns(schema, kind.properties)
    for name in schema.derived_for(kind.properties):
        t = EXPORT_TYPES[schema.derived_properties[name].type]
        cols.append(_Col(_typed(name, t), name, t))
    cols += [_Col(f"{p}:string[]", p, "string[]") for p in PROVENANCE]
    return cols + [_statement_column(schema)] * statements


def _bound_columns(schema: Schema, props: dict[str, PropertySpec]) -> list[_Col]:
    """The native date bounds beside each date property (its text is a string column): so a
    Neo4j loaded by neo4j-admin alone compares dates as intelgraph's loaders store them."""
    return [_Col(f"{b}:date", b, "date") for p, spec in props.items() if spec.type == "date"
            for b in schema.date_bounds(p)]


def _has_statements(store: Store, schema: Schema, name: str) -> bool:
    """Whether a node of kind ``name`` (or of a kind below it), or a relationship of type ``name``,
    holds statements: only then does its file get the column, so the files of a graph whose
    sources never differ stay ones the embedded engine's fast path reads (a statements column is
    the thorough reader's)."""
    pattern = f"(n:{quote_name(name)})" if name in schema.node_kinds else f"()-[n:{quote_name(name)}]->()"
    q = (f"MATCH {pattern} WHERE n.{quote_name(schema.statement_property)} IS NOT NULL "
         f"RETURN n.{quote_name(schema.id_property)} LIMIT 1")
    return bool(store.read(q).rows)


def _statement_column(schema: Schema) -> _Col:
    """Every source's values where they differ (graph/provenance.py): kept, so the rule can choose again."""
    return _Col(f"{schema.statement_property}:string[]", schema.statement_property, "string[]")


def _rel_columns(schema: Schema, statements: bool) -> list[_Col]:
    root = schema.root_label
    cols = [_Col(f":START_ID({root})", "", "start"), _Col(f":END_ID({root})", "", "end"), _Col(":TYPE", "", "type"),
            _Col(schema.id_property, schema.id_property, "string")]
    for name, spec in COMMON_REL_PROPERTIES.items():
        t = _csv_type(spec)
        cols.append(_Col(_typed(name, t), name, t))
    cols += _bound_columns(schema, COMMON_REL_PROPERTIES)
    cols += [_Col(f"{p}:string[]", p, "string[]") for p in PROVENANCE]
    cols += [_Col("reliability", "reliability", "string"), _Col("credibility:int", "credibility", "int")]
    return cols + [_statement_column(schema)] * statements


class _Writer:
    def __init__(self, out_dir: Path, delim: str):
        self.out_dir = out_dir
        self.delim = delim
        self.multiline = False
        self.skipped: dict[str, set[str]] = {}

    def fmt(self, value: Any, t: str) -> str:
        if value is None:
            return ""
        if t == "string[]":
            items = [str(v) for v in value]
            if any(self.delim in v for v in items):
                raise _Clash
            text = self.delim.join(items)
        elif t == "boolean":
            text = "true" if value else "false"
        elif t == "date":
            text = value.isoformat() if isinstance(value, (_dt.date, _dt.datetime)) else str(value)
            text = text[:10]
        elif t == "double":
            text = repr(float(value))
        elif t in ("int", "long"):
            text = str(int(value))
        else:
            text = str(value)
        if "\n" in text or "\r" in text:
            self.multiline = True
        return text

    def write(self, name: str, cols: list[_Col], rows, what: str) -> int:
        """Write ``<name>_header.csv`` and ``<name>.csv`` from rows of (start, end, type, labels,
        props); nothing when there are no rows. Returns the row count."""
        header_path = self.out_dir / f"{name}{HEADER_SUFFIX}"
        data_path = self.out_dir / f"{name}.csv"
        known = {c.prop for c in cols if c.prop}
        count = 0
        fh = None
        try:
            for start, end, rtype, labels, props in rows:
                if fh is None:
                    with open(header_path, "w", encoding="utf-8", newline="") as hh:
                        csv.writer(hh, lineterminator="\n").writerow([c.header for c in cols])
                    fh = open(data_path, "w", encoding="utf-8", newline="")
                    out = csv.writer(fh, lineterminator="\n")
                extra = set(props) - known
                if extra:
                    self.skipped.setdefault(what, set()).update(extra)
                row = []
                for c in cols:
                    if c.type == "id":
                        row.append(str(props[c.prop]))
                    elif c.type == "labels":
                        row.append(self.delim.join(labels))
                    elif c.type == "start":
                        row.append(start)
                    elif c.type == "end":
                        row.append(end)
                    elif c.type == "type":
                        row.append(rtype)
                    else:
                        row.append(self.fmt(props.get(c.prop), c.type))
                out.writerow(row)
                count += 1
        finally:
            if fh is not None:
                fh.close()
        return count


def _node_rows(store: Store, schema: Schema, kind: NodeKind, page: int):
    """Nodes whose most specific kind is ``kind`` (a MediaOutlet is not exported as an Organisation)."""
    subs = [k for k, spec in schema.node_kinds.items() if k != kind.name and spec.is_a(kind.name)]
    where = f" WHERE NOT ({' OR '.join(f'n:{quote_name(s)}' for s in subs)})" if subs else ""
    key = quote_name(schema.id_property)
    q = (f"MATCH (n:{quote_name(kind.name)}){where} "
         f"RETURN n.{key} AS id, labels(n) AS labels, properties(n) AS props ORDER BY n.{key}")
    order = {label: i for i, label in enumerate(kind.labels)}
    for nid, labels, props in store.iter_read(q, page=page):
        if nid is None:
            continue
        yield None, None, None, sorted(labels, key=lambda x: (order.get(x, len(order)), x)), props


def _rel_rows(store: Store, schema: Schema, rtype: str, page: int):
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    q = (f"MATCH (a:{root})-[r:{quote_name(rtype)}]->(b:{root}) "
         f"RETURN a.{key} AS s, b.{key} AS t, properties(r) AS props ORDER BY r.{key}, a.{key}, b.{key}")
    for s, t, props in store.iter_read(q, page=page):
        if s is None or t is None:
            continue
        yield s, t, rtype, None, props


def _unicode_name(ch: str) -> str:
    return ch if ch == ARRAY_DELIMITER else f"U+{ord(ch):04X}"


def export_neo4j_admin(store: Store, out_dir: str | Path, *, schema: Schema | None = None,
                       import_dir: str = "/import", service: str = "neo4j", database: str = "neo4j",
                       page: int = 10_000) -> dict[str, Any]:
    """Write the graph in ``store`` as neo4j-admin import CSVs under ``out_dir``.

    Returns what was written: counts per kind and type, the files, the ``neo4j-admin``
    command (paths under ``import_dir``), the array delimiter used, whether
    ``--multiline-fields`` is needed, properties not exported (not in the schema) and how
    many nodes and relationships no schema kind or type covers (not exported).
    """
    schema = schema or load_schema()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = [*schema.concrete_kinds, *schema.relationship_types]
    for name in names:  # files of an earlier export into the same directory
        for p in (out / f"{name}{HEADER_SUFFIX}", out / f"{name}.csv"):
            p.unlink(missing_ok=True)

    for delim in DELIMITER_CANDIDATES:
        writer = _Writer(out, delim)
        nodes: dict[str, int] = {}
        rels: dict[str, int] = {}
        try:
            for kname in schema.concrete_kinds:
                kind = schema.kind(kname)
                cols = _node_columns(schema, kind, _has_statements(store, schema, kname))
                n = writer.write(kname, cols, _node_rows(store, schema, kind, page), kname)
                if n:
                    nodes[kname] = n
            for rtype in schema.relationship_types:
                rel_cols = _rel_columns(schema, _has_statements(store, schema, rtype))
                n = writer.write(rtype, rel_cols, _rel_rows(store, schema, rtype, page), rtype)
                if n:
                    rels[rtype] = n
            break
        except _Clash:
            for name in names:
                for p in (out / f"{name}{HEADER_SUFFIX}", out / f"{name}.csv"):
                    p.unlink(missing_ok=True)
    else:
        raise StoreError("every array delimiter tried occurs inside some list value; cannot export",
                         hint="remove control characters U+001D-U+001F from list properties")

    total_nodes, total_rels = store.counts()
    imp = PurePosixPath(import_dir)

    def arg(name: str) -> str:
        return f"{imp / (name + HEADER_SUFFIX)},{imp / (name + '.csv')}"

    # the database name comes first: after --nodes=/--relationships= (which take any number of
    # file lists) neo4j-admin would read it as one more file ("File 'neo4j' doesn't exist")
    args = ["neo4j-admin", "database", "import", "full", database, "--overwrite-destination"]
    args += [f"--nodes={arg(k)}" for k in nodes]
    args += [f"--relationships={arg(t)}" for t in rels]
    if writer.delim != ARRAY_DELIMITER:
        args.append(f"--array-delimiter={_unicode_name(writer.delim)}")
    if writer.multiline:
        args.append("--multiline-fields=true")
    command = " ".join(shlex.quote(a) for a in args)
    files = [f"{name}{suffix}" for name in [*nodes, *rels] for suffix in (HEADER_SUFFIX, ".csv")]

    script = out / "import.sh"
    lines = " \\\n  ".join(shlex.quote(a) for a in args)
    script.write_text(
        "#!/bin/sh\n"
        "# Written by intelgraph (export_neo4j_admin). Bulk-loads this export into the Neo4j database\n"
        f"# {database!r}, REPLACING it. Neo4j must be stopped; run inside the {service!r} container with\n"
        f"# these files under {import_dir} (see README.md). Once Neo4j is started again, run\n"
        "# `intelgraph --engine neo4j db finish-import` once.\n"
        "set -eu\n"
        f"{lines}\n", encoding="utf-8")
    script.chmod(0o755)
    (out / "README.md").write_text(
        "# neo4j-admin import of an intelgraph graph\n\n"
        f"Exported {sum(nodes.values())} nodes and {sum(rels.values())} relationships "
        f"({', '.join(f'{k} {v}' for k, v in {**nodes, **rels}.items()) or 'nothing'}).\n\n"
        f"Put these files in the directory mounted at `{import_dir}` of the `{service}` service, then\n"
        "load them into an empty database while the server is stopped (a one-off container on the\n"
        "same volumes):\n\n"
        "```sh\n"
        f"docker compose stop {service}\n"
        f"docker compose run --rm --no-deps {service} sh {imp / 'import.sh'}\n"
        f"docker compose start {service}\n"
        "```\n\n"
        "`import.sh` runs:\n\n"
        f"```sh\n{lines}\n```\n\n"
        "`--overwrite-destination` replaces the database. Then, with the server started again, run\n"
        "`intelgraph --engine neo4j db finish-import` once: neo4j-admin creates no constraints or\n"
        "indexes, and cannot write an empty list (a CSV field for an empty list is read as no\n"
        "value), so it adds intelgraph's constraints and indexes and the empty provenance lists\n"
        "(`claims: []`, ...) a load through intelgraph writes.\n\n"
        "To load the same files with intelgraph instead (into any graph, merging by id):\n"
        f"`intelgraph load {out.name}/*.csv`"
        + (f" — the array delimiter is {_unicode_name(writer.delim)}, not `;`: pass "
           "`array_delimiter` to `read_csv_files`" if writer.delim != ARRAY_DELIMITER else "")
        + ".\n", encoding="utf-8")
    return {
        "out_dir": str(out),
        "nodes": nodes,
        "relationships": rels,
        "files": files,
        "inputs": [[f"{name}{HEADER_SUFFIX}", f"{name}.csv"] for name in [*nodes, *rels]],
        "command": command,
        "script": str(script),
        "array_delimiter": writer.delim,
        "multiline_fields": writer.multiline,
        "skipped_properties": {k: sorted(v) for k, v in sorted(writer.skipped.items())},
        "not_exported": {"nodes": total_nodes - sum(nodes.values()),
                         "relationships": total_rels - sum(rels.values())},
    }


def finish_import(store: Store, *, schema: Schema | None = None, batch: int = 10_000) -> dict[str, int]:
    """Make a graph bulk-loaded by ``neo4j-admin database import`` from :func:`export_neo4j_admin`'s
    files the graph a load through intelgraph makes: create the schema's constraints and indexes
    (neo4j-admin creates none), and set the provenance lists (``sources``, ``evidence``,
    ``claims``) that a load always writes, empty or not, where neo4j-admin left them out (it
    reads a CSV field for an empty list, quoted or not, as no value). Idempotent; writes in
    batches of ``batch`` so a big graph needs no big transaction. Returns how many nodes and
    relationships got an empty list, per property."""
    schema = schema or load_schema()
    store.apply_schema()
    root = quote_name(schema.root_label)
    filled: dict[str, int] = {}
    for p in PROVENANCE:
        for what, match in (("nodes", f"MATCH (x:{root})"), ("relationships", f"MATCH (:{root})-[x]->(:{root})")):
            done = 0
            while True:
                n = store.write(f"{match} WHERE x.{quote_name(p)} IS NULL WITH x LIMIT $batch "
                                f"SET x.{quote_name(p)} = [] RETURN count(x)", {"batch": batch}).scalar() or 0
                done += int(n)
                if n < batch:
                    break
            filled[f"{what}.{p}"] = done
    return filled
