"""Every statement intelgraph sends to Neo4j passes Neo4j's own Cypher analyser.

No Neo4j server runs here: the analyser is the npm package @neo4j-cypher/language-support,
pinned in tools/cypher-lint/package.json and run under Node by tools/cypher-lint/lint.mjs.
Skipped only when `node` is not on PATH or its packages are not installed
(`npm ci --prefix tools/cypher-lint`; CI installs them). Warnings (deprecations, names the
schema does not declare) do not fail the test; they are reported in pytest's warnings summary.
"""

from __future__ import annotations

import shutil
import warnings

import pytest

from intelgraph.cypher_lint import (
    LINT_DIR, Statement, collect_statements, lint_statements, literal_statements, vocabulary)
from intelgraph.graph.schema import load_schema
from intelgraph.queries.registry import load_queries

pytestmark = pytest.mark.slow  # Neo4j's analyser under Node over every statement: minutes

@pytest.fixture(autouse=True)
def _analyser_installed():
    """Neo4j's analyser is part of the test setup (tools/test.sh installs it): without it these
    tests fail, saying how to install it, rather than pass by being skipped."""
    if shutil.which("node") is None:
        pytest.fail("`node` is not on PATH: Neo4j's Cypher analyser needs Node 20+")
    if not (LINT_DIR / "node_modules").is_dir():
        pytest.fail("tools/cypher-lint/node_modules is missing: run `npm ci --prefix tools/cypher-lint`")


class CypherLintWarning(UserWarning):
    """A warning from Neo4j's analyser about one of our statements."""


@pytest.fixture(scope="module")
def checked():
    schema = load_schema()
    statements = collect_statements(schema)
    return statements, lint_statements(statements, vocabulary(schema))


def test_every_statement_sent_to_neo4j_is_collected():
    schema, queries = load_schema(), load_queries()
    names = [s.name for s in collect_statements(schema, queries)]
    for q in queries.values():
        assert (f"query {q.name} (neo4j variant)" if "neo4j" in q.variants else f"query {q.name}") in names
    for kind in schema.node_kinds:
        assert f"node merge {kind}" in names and f"node create {kind}" in names
    for rel in schema.relationship_types:
        assert f"relationship merge {rel}" in names and f"relationship create {rel}" in names
    assert sum(n.startswith("schema statement") for n in names) >= 2
    texts = {s.text for s in collect_statements(schema, queries)}
    for q in queries.values():
        assert q.text_for("neo4j") in texts


def test_literal_statements_in_the_code_are_collected():
    found = {(s.file, s.text) for s in literal_statements()}
    assert ("cypher/neo4j_store.py", "CALL db.awaitIndexes(300)") in found
    assert not any(f and f.startswith("cypher/falkordb/") for f, _ in found), "FalkorDB-only modules are not Neo4j's"


def test_engine_procedures_are_falkordb_only():
    """queries/procedures.py is left out of the analyser's literals as FalkorDB-only code: that
    holds while no procedure answers on Neo4j (there, the saved query's checked text runs)."""
    from intelgraph.queries.procedures import procedure_for

    queries = load_queries()
    assert procedure_for("falkordb", "connections") is not None
    assert [n for n in queries if procedure_for("neo4j", n) is not None] == []


def test_no_analyser_errors(checked):
    statements, diagnostics = checked
    errors = [d for d in diagnostics if d.is_error]
    for d in diagnostics:
        if not d.is_error:
            warnings.warn(str(d), CypherLintWarning, stacklevel=1)
    print(f"\n{len(statements)} statements checked by Neo4j's analyser: {len(errors)} error(s), "
          f"{len(diagnostics) - len(errors)} warning(s)")
    assert not errors, "Neo4j's analyser rejects:\n" + "\n".join(map(str, errors))


def test_the_analyser_catches_broken_cypher():
    broken = [
        Statement("removed syntax", "MATCH (n) RETURN exists(n.name)"),
        Statement("syntax error", "MATCH (n:Entity RETURN n"),
        Statement("unknown function", "MATCH (n:Entity) RETURN distance(n.a, n.b)"),
        Statement("undefined variable", "MATCH (n:Entity) RETURN m.name"),
        Statement("plugin not installed", "RETURN apoc.text.join(['a', 'b'], ',') AS s"),
        Statement("fine", "MATCH (n:Entity {id: $id}) RETURN n.name", "queries/x.cypher", 7),
    ]
    diagnostics = lint_statements(broken, vocabulary())
    failed = {d.name for d in diagnostics if d.is_error}
    assert failed == {"removed syntax", "syntax error", "unknown function", "undefined variable",
                      "plugin not installed"}
    # parameters are supplied at run time: "not defined" is not an error here
    assert not [d for d in diagnostics if d.name == "fine"]


def test_warnings_and_locations():
    diagnostics = lint_statements([
        Statement("deprecated", "MATCH (n:Entity)\nRETURN id(n)", "queries/y.cypher", 10),
        Statement("unknown label", "MATCH (n:Entitty) RETURN n.name"),
    ], vocabulary())
    dep = [d for d in diagnostics if d.name == "deprecated"]
    assert dep and all(not d.is_error for d in dep)
    assert dep[0].line == 2 and dep[0].file_line == 11 and str(dep[0]).startswith("queries/y.cypher:11:")
    assert any(d.name == "unknown label" and "Entitty" in d.message and not d.is_error for d in diagnostics)


def test_plugins_only_when_allowed():
    stmt = [Statement("apoc", "RETURN apoc.text.join(['a', 'b'], ',') AS s")]
    assert any(d.is_error for d in lint_statements(stmt, vocabulary()))
    assert not any(d.is_error for d in lint_statements(stmt, vocabulary(), allow=["apoc"]))
