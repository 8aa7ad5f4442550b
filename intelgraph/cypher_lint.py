"""Every statement intelgraph sends to Neo4j, checked by Neo4j's own Cypher analyser.

The analyser is the npm package ``@neo4j-cypher/language-support`` (the one behind Neo4j's
editors), run offline by ``tools/cypher-lint/lint.mjs`` under Node — no server needed. It
catches syntax errors, removed syntax (``exists(n.p)``), unknown functions and procedures,
wrong argument counts, type errors and undefined variables, and warns on deprecations and
on labels, types or property keys the schema does not declare.

Checked: each saved query as Neo4j gets it (``text_for("neo4j")``: its Neo4j variant when
it has one), the Neo4j schema statements, the node and relationship load statements
(MERGE and CREATE) for every kind and type, and the entity lookups the Browser guide shows.

Set up once, then run::

    npm ci --prefix tools/cypher-lint
    python -m intelgraph.cypher_lint            # exit 1 if the analyser reports an error
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from intelgraph.graph.schema import COMMON_REL_PROPERTIES, GRADING, PROVENANCE, Schema, load_schema
from intelgraph.queries.registry import SavedQuery, load_queries

__all__ = [
    "Statement", "Diagnostic", "LintUnavailable", "LINT_DIR", "collect_statements", "vocabulary",
    "lint_statements", "lint_all",
]

REPO = Path(__file__).resolve().parents[1]
LINT_DIR = REPO / "tools" / "cypher-lint"
ENGINE = "neo4j"
#: Keys of the loaders' row maps. The analyser takes ``row.s`` inside a node pattern
#: (``MATCH (a:Entity {id: row.s})``) for a property of ``a`` and would warn about it.
ROW_KEYS = ("s", "t")
#: Modules whose literal Cypher is for FalkorDB only, so not checked against Neo4j (the engine
#: procedures answer on FalkorDB only; their statements are templates of the saved query's
#: fragments, and Neo4j runs the saved query's own text, which is checked).
FALKORDB_ONLY_MODULES = ("cypher/falkordb/", "loaders/early.py", "queries/procedures.py")
#: Where the package's source lives (package → folder, as in pyproject.toml).
SOURCE_PACKAGES = ("intelgraph", "intelgraph.graph", "intelgraph.cypher", "intelgraph.loaders",
                   "intelgraph.queries", "intelgraph.reports")
_CYPHER_START = re.compile(r"^\s*(MATCH|OPTIONAL\s+MATCH|UNWIND|CALL|CREATE|MERGE|RETURN|WITH|SHOW|DROP)\b")


class LintUnavailable(RuntimeError):
    """Node or the analyser's npm packages are missing."""


@dataclass(frozen=True)
class Statement:
    """One statement to check. ``file``/``line`` say where its first line lives, if anywhere."""

    name: str
    text: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Diagnostic:
    name: str
    severity: int  # 1 error, 2 warning (LSP numbering)
    message: str
    line: int  # within the statement, 1-based
    column: int
    file: str | None = None
    file_line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == 1

    @property
    def level(self) -> str:
        return {1: "error", 2: "warning", 3: "info"}.get(self.severity, "hint")

    def __str__(self) -> str:
        where = f"{self.file}:{self.file_line}" if self.file and self.file_line else f"{self.name}:{self.line}"
        label = f" [{self.name}]" if self.file and self.file_line else ""
        return f"{where}:{self.column}: {self.level}: {self.message}{label}"


def _rel_path(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return path


def _query_statements(queries: Mapping[str, SavedQuery]) -> list[Statement]:
    out = []
    for name in sorted(queries):
        q = queries[name]
        variant = q.variants.get(ENGINE)
        if variant is not None:
            vpath = Path(q.path).parent / "variants" / ENGINE / Path(q.path).name
            out.append(Statement(f"query {name} (neo4j variant)", variant, _rel_path(str(vpath)), 1))
        else:
            out.append(Statement(f"query {name}", q.text_for(ENGINE), _rel_path(q.path), q.body_line))
    return out


def literal_statements() -> list[Statement]:
    """Cypher written as plain string literals in the package's own code (``store.read("MATCH
    ...")``, the runner's entity lookups ...), found by parsing the source. Literals inside
    f-strings or concatenations are parts, not statements, and are skipped, as are modules
    for FalkorDB only (:data:`FALKORDB_ONLY_MODULES`)."""
    from importlib import resources

    files: dict[Path, None] = {}
    for pkg in SOURCE_PACKAGES:
        try:
            root = Path(str(resources.files(pkg)))
        except ModuleNotFoundError:  # pragma: no cover - a subpackage not there yet
            continue
        for f in sorted(root.rglob("*.py")):
            files.setdefault(f.resolve(), None)
    out = []
    for path in files:
        rel = _rel_path(str(path))
        if rel.startswith(FALKORDB_ONLY_MODULES):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:  # someone's half-written module; pytest reports it elsewhere
            continue
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and _CYPHER_START.match(node.value)):
                continue
            if isinstance(parents.get(node), (ast.JoinedStr, ast.BinOp, ast.Expr)):
                continue  # a piece of a larger string, or a docstring
            out.append(Statement(f"literal in {rel}", node.value, rel, node.lineno))
    return out


def collect_statements(schema: Schema | None = None,
                       queries: Mapping[str, SavedQuery] | None = None) -> list[Statement]:
    """Every statement intelgraph sends to Neo4j (and the guide's lookups), named."""
    from intelgraph.browser import entity_lookup_statement
    from intelgraph.cypher.statements import (
        neo4j_schema_statements, node_create_statement, node_merge_statement,
        relationship_create_statement, relationship_merge_statement)

    schema = schema or load_schema()
    queries = load_queries() if queries is None else queries
    out = _query_statements(queries)
    out += [Statement(f"schema statement {i + 1}", s) for i, s in enumerate(neo4j_schema_statements(schema))]
    for name, kind in schema.node_kinds.items():
        out.append(Statement(f"node merge {name}", node_merge_statement(schema, kind)))
        out.append(Statement(f"node create {name}", node_create_statement(schema, kind)))
    for name, rel in schema.relationship_types.items():
        out.append(Statement(f"relationship merge {name}", relationship_merge_statement(schema, rel)))
        out.append(Statement(f"relationship create {name}", relationship_create_statement(schema, rel)))
    out.append(Statement("guide entity lookup", entity_lookup_statement("PMF", schema.root_label)))
    out += literal_statements()
    return out


def vocabulary(schema: Schema | None = None) -> dict[str, list]:
    """Labels, relationship types, property keys and allowed (from, type, to) label triples
    the schema declares — what the analyser compares queries against (warnings only)."""
    schema = schema or load_schema()
    labels = schema.all_labels()
    props: set[str] = {schema.id_property, *PROVENANCE, *GRADING, *schema.derived_properties, *ROW_KEYS,
                       *COMMON_REL_PROPERTIES, schema.statement_property, *schema.bound_properties()}
    for kind in schema.node_kinds.values():
        props.update(kind.properties)
    for rel in schema.relationship_types.values():
        props.update(rel.properties)

    def labels_of(kinds: Iterable[str]) -> set[str]:
        # every label a node of an allowed kind carries (its own, its ancestors', the root)
        found: set[str] = set()
        for concrete in schema.concrete_kinds:
            if any(schema.kind(concrete).is_a(k) for k in kinds):
                found.update(schema.kind(concrete).labels)
        return found

    graph = []
    for name, rel in schema.relationship_types.items():
        froms, tos = labels_of(rel.from_kinds), labels_of(rel.to_kinds)
        if rel.symmetric:  # stored one way, matched either way
            froms = tos = froms | tos
        graph += [{"from": f, "to": t, "relType": name} for f in sorted(froms) for t in sorted(tos)]
    return {"labels": labels, "relationshipTypes": list(schema.relationship_types),
            "propertyKeys": sorted(props), "graphSchema": graph}


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise LintUnavailable("`node` is not on PATH (Node 20 or later is needed)")
    return node


def lint_statements(statements: Iterable[Statement], vocab: Mapping[str, list] | None = None,
                    lint_dir: Path = LINT_DIR, allow: Iterable[str] = (), jobs: int | None = None,
                    timeout: float = 900) -> list[Diagnostic]:
    """Run the analyser over ``statements``; return every diagnostic (errors and warnings).

    The analyser takes up to a second or so per statement, so the statements are shared
    out over ``jobs`` Node processes (default: one per CPU, at most 4).
    Raises :class:`LintUnavailable` when Node or ``tools/cypher-lint/node_modules`` is
    missing (``npm ci --prefix tools/cypher-lint`` installs it)."""
    node = _node()
    if not (lint_dir / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        raise LintUnavailable(f"{lint_dir / 'node_modules'} is missing: "
                              f"run `npm ci --prefix {_rel_path(str(lint_dir))}`")
    stmts = list(statements)
    if not stmts:
        return []
    jobs = max(1, min(jobs or min(os.cpu_count() or 1, 4), len(stmts)))
    cmd = [node, str(lint_dir / "lint.mjs"), "--json"]
    for plugin in allow:
        cmd += ["--allow", plugin]
    chunks = [stmts[i::jobs] for i in range(jobs)]
    reports = []
    with tempfile.TemporaryDirectory(prefix="intelgraph-lint-") as tmp:
        procs = []
        try:
            for i, chunk in enumerate(chunks):
                infile = Path(tmp) / f"statements-{i}.json"
                infile.write_text(json.dumps({
                    "statements": [{"name": s.name, "text": s.text, "file": s.file, "line": s.line} for s in chunk],
                    "vocabulary": dict(vocab) if vocab is not None else None}), encoding="utf-8")
                procs.append((subprocess.Popen([*cmd, str(infile)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                               text=True, cwd=lint_dir), len(chunk)))
            for proc, count in procs:
                out, err = proc.communicate(timeout=timeout)
                if proc.returncode not in (0, 1):
                    raise RuntimeError(f"lint.mjs failed (exit {proc.returncode}): {err.strip() or out.strip()}")
                try:
                    report = json.loads(out)
                except json.JSONDecodeError:
                    raise RuntimeError(f"lint.mjs printed no JSON report: {out[:500]!r} {err[:500]!r}") from None
                if report.get("statements") != count:
                    raise RuntimeError(f"lint.mjs checked {report.get('statements')} statements, {count} were sent")
                reports.append(report)
        finally:
            for proc, _ in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    order = {s.name: i for i, s in enumerate(stmts)}
    diagnostics = [Diagnostic(name=d["name"], severity=int(d["severity"]), message=d["message"],
                              line=int(d["line"]), column=int(d["column"]), file=d.get("file"),
                              file_line=d.get("fileLine"))
                   for report in reports for d in report["diagnostics"]]
    return sorted(diagnostics, key=lambda d: (order.get(d.name, len(order)), d.line, d.column, d.message))


def lint_all(schema: Schema | None = None, queries: Mapping[str, SavedQuery] | None = None,
             allow: Iterable[str] = ()) -> tuple[list[Statement], list[Diagnostic]]:
    """Collect every statement and check it: ``(statements, diagnostics)``."""
    schema = schema or load_schema()
    statements = collect_statements(schema, queries)
    return statements, lint_statements(statements, vocabulary(schema), allow=allow)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m intelgraph.cypher_lint",
        description="Check every statement intelgraph sends to Neo4j with Neo4j's own Cypher analyser.")
    parser.add_argument("--allow", action="append", default=[], choices=["apoc", "gds"],
                        help="accept this plugin's functions and procedures")
    parser.add_argument("--errors-only", action="store_true", help="do not print warnings")
    args = parser.parse_args(argv)
    try:
        statements, diagnostics = lint_all(allow=args.allow)
    except LintUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for d in diagnostics:
        if d.is_error or not args.errors_only:
            print(d)
    errors = sum(d.is_error for d in diagnostics)
    print(f"{len(statements)} statements checked: {errors} error(s), {len(diagnostics) - errors} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
