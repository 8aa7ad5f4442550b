"""The Neo4j Browser files: style, guide and favorites, derived from the schema and the saved
queries — and the committed copies in browser/ cannot drift from them."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from intelgraph.browser import (
    GRASS_FILE, GUIDE_FILE, browser_favorites_zip, browser_files, browser_guide, grass_stylesheet,
    kind_family, params_command)
from intelgraph.graph.schema import load_schema
from intelgraph.queries.registry import load_queries, load_queries_from

REPO = Path(__file__).resolve().parents[1]
REGENERATE = "python -m intelgraph.browser browser/"


@pytest.fixture(scope="module")
def schema():
    return load_schema()


@pytest.fixture(scope="module")
def queries():
    return load_queries()


@pytest.fixture
def sample_queries(tmp_path):
    """A small query set with every parameter type, a Neo4j variant and a query without
    parameters, independent of the shipped queries."""
    (tmp_path / "variants" / "neo4j").mkdir(parents=True)
    (tmp_path / "ties.cypher").write_text(
        "// name: ties\n"
        "// title: Ties between two actors\n"
        "// description: >\n"
        "//   Direct ties, with their sources.\n"
        "// params:\n"
        "//   from: {type: entity, kinds: [Actor], required: true, example: PMF}\n"
        "//   to: {type: entity, required: true, example: \"O'Brien & Co\"}\n"
        "//   hops: {type: int, default: 3, min: 1, max: 6}\n"
        "//   since: {type: date, example: 2024-01-31}\n"
        "//   status: {type: enum, values: [reported, alleged], example: alleged}\n"
        "//   names: {type: 'string[]', example: [a, b]}\n"
        "//   strict: {type: bool, example: false}\n"
        "//   weight: {type: float}\n"
        "// tags: [network]\n"
        "MATCH (a:Entity {id: $from})-[r]-(b:Entity {id: $to})\n"
        "WHERE $hops > 0 AND $since IS NOT NULL AND $status IS NOT NULL AND $names IS NOT NULL\n"
        "  AND $strict IS NOT NULL AND ($weight IS NULL OR r.weight >= $weight)\n"
        "RETURN type(r) AS type, r.sources AS sources\n", encoding="utf-8")
    (tmp_path / "variants" / "neo4j" / "ties.cypher").write_text(
        "MATCH (a:Entity {id: $from})-[r]-(b:Entity {id: $to})\n"
        "WHERE $hops > 0 AND $since IS NOT NULL AND $status IS NOT NULL AND $names IS NOT NULL\n"
        "  AND $strict IS NOT NULL AND ($weight IS NULL OR r.weight >= $weight)\n"
        "RETURN type(r) AS type, r.sources AS sources, elementId(r) AS neo4j_only\n", encoding="utf-8")
    (tmp_path / "everything.cypher").write_text(
        "// name: everything\n// title: Count everything\n// description: How big the graph is.\n"
        "MATCH (n) RETURN count(n) AS nodes\n", encoding="utf-8")
    return load_queries_from(tmp_path)


# -- committed files ---------------------------------------------------------------------------

@pytest.mark.parametrize("fname", [GRASS_FILE, GUIDE_FILE])
def test_committed_browser_files_are_up_to_date(fname):
    committed = REPO / "browser" / fname
    assert committed.is_file(), f"browser/{fname} is missing: run `{REGENERATE}` and commit it"
    fresh = browser_files()[fname]
    assert committed.read_text(encoding="utf-8") == fresh, (
        f"browser/{fname} is out of date with the schema or the saved queries: "
        f"run `{REGENERATE}` and commit the result")


# -- style ------------------------------------------------------------------------------------

def _rules(grass: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^([\w.]+) \{\n(.*?)^\}", grass, re.M | re.S)}


def test_grass_has_a_rule_per_kind_and_a_caption_per_relationship_type(schema):
    rules = _rules(grass_stylesheet(schema))
    for kind in schema.concrete_kinds:
        body = rules.get(f"node.{kind}")
        assert body is not None, f"no style rule for node kind {kind}"
        assert re.search(r"color: #[0-9A-F]{6};", body)
        assert re.search(r"diameter: \d+px;", body)
        assert "caption: '{name}';" in body
    for rel in schema.relationship_types:
        body = rules.get(f"relationship.{rel}")
        assert body is not None, f"no style rule for relationship type {rel}"
        assert "caption: '<type>';" in body


def test_grass_is_deterministic_with_colours_by_family(schema):
    grass = grass_stylesheet(schema)
    assert grass == grass_stylesheet(schema)
    rules = _rules(grass)
    colour = {k: re.search(r"\n  color: (#\w+);", "\n" + rules[f"node.{k}"]).group(1) for k in schema.node_kinds}
    families = {kind_family(schema, k) for k in schema.node_kinds}
    # each family its own hue: the families' own colours are all different
    assert len({colour[f] for f in families}) == len(families)
    assert kind_family(schema, "Country") == "Actor"
    # a node matches every rule of its labels; the most specific kind must come last
    order = list(rules)
    for kind in schema.node_kinds:
        for ancestor in schema.kind(kind).ancestors:
            assert order.index(f"node.{ancestor}") < order.index(f"node.{kind}")


def test_stances_stand_out(schema):
    rules = _rules(grass_stylesheet(schema))
    stance = {re.search(r"color: (#\w+)", rules[f"relationship.{t}"]).group(1) for t in schema.stance_types()}
    plain = {re.search(r"color: (#\w+)", rules[f"relationship.{t}"]).group(1)
             for t, r in schema.relationship_types.items() if not r.stance}
    assert len(stance) == 1 and not stance & plain


# -- guide ------------------------------------------------------------------------------------

def _slides(guide: str) -> list[str]:
    # how Neo4j Browser splits a Markdown guide
    return re.split(r"\r?\n---\r?\n", guide)


def _check_guide(guide: str, queries) -> None:
    slides = _slides(guide)
    assert len(slides) == len(queries) + 1, "an intro slide, then one slide per saved query"
    assert slides[0].lstrip().startswith("# ")
    for slide, name in zip(slides[1:], sorted(queries)):
        q = queries[name]
        assert f"## {q.title}" in slide
        assert f"`{q.name}`" in slide
        assert f"```cypher\n{q.text_for('neo4j').strip()}\n```" in slide, f"{name}: no cypher block with its Neo4j text"
        params_lines = [line for line in slide.splitlines() if line.startswith(":param")]
        assert params_lines == [params_command(q)], f"{name}: expected one :params line"
        for p in q.params:
            assert re.search(rf" AS {re.escape(p.name)}[ ,]", params_lines[0]), f"{name}: {p.name} not set"


def test_guide_has_a_slide_per_saved_query(schema, queries):
    _check_guide(browser_guide(queries, schema), queries)


def test_guide_params_are_browser_literals(schema, sample_queries):
    guide = browser_guide(sample_queries, schema)
    _check_guide(guide, sample_queries)
    ties = _slides(guide)[2]
    assert ties.splitlines().count(params_command(sample_queries["ties"])) == 1
    assert params_command(sample_queries["ties"]) == (
        ":param [{from, to, hops, since, status, names, strict, weight}] => { RETURN '<id of PMF>' AS from, "
        "'<id of O\\'Brien & Co>' AS to, 3 AS hops, '2024-01-31' AS since, 'alleged' AS status, ['a', 'b'] AS names, "
        "false AS strict, null AS weight }")
    # entity parameters: a placeholder, and how to find the id
    assert "MATCH (n:Entity) WHERE n.name_lc = toLower('PMF') OR toLower('PMF') IN n.aliases_lc RETURN n.id" in ties
    assert "toLower('O\\'Brien & Co')" in ties
    # the Neo4j variant, not the shared text
    assert "elementId(r) AS neo4j_only" in ties
    assert ":params {}" in _slides(guide)[1]
    assert "MATCH (n:Entity) WHERE n.name_lc = toLower('PMF') OR toLower('PMF') IN n.aliases_lc RETURN n.id" in _slides(guide)[0]


def test_guide_without_queries(schema):
    slides = _slides(browser_guide({}, schema))
    assert len(slides) == 1 and "0 saved queries" in slides[0]


# -- favorites --------------------------------------------------------------------------------

def _check_zip(path: Path, queries) -> None:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert sorted(names) == sorted(f"intelgraph/{n}.cypher" for n in queries)
        for name, q in queries.items():
            text = zf.read(f"intelgraph/{name}.cypher").decode("utf-8")
            assert text.splitlines()[0] == f"// {q.title}"
            assert q.text_for("neo4j").strip() in text
            if q.params:
                assert params_command(q) in text


def test_favorites_zip_has_a_script_per_saved_query(tmp_path, queries):
    out = browser_favorites_zip(queries, tmp_path / "favorites.zip")
    _check_zip(out, queries)


def test_favorites_zip_is_reproducible(tmp_path, sample_queries):
    a = browser_favorites_zip(sample_queries, tmp_path / "a.zip")
    b = browser_favorites_zip(sample_queries, tmp_path / "b.zip")
    _check_zip(a, sample_queries)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert "elementId(r) AS neo4j_only" in zf.read("intelgraph/ties.cypher").decode()


def test_command_line_writes_the_files(tmp_path):
    from intelgraph.browser import main

    assert main([str(tmp_path / "out"), "--favorites", str(tmp_path / "fav.zip")]) == 0
    assert (tmp_path / "out" / GRASS_FILE).read_text(encoding="utf-8") == browser_files()[GRASS_FILE]
    assert (tmp_path / "out" / GUIDE_FILE).is_file()
    assert zipfile.is_zipfile(tmp_path / "fav.zip")


def test_entity_lookup_in_the_guide_finds_names_and_aliases(sample_store):
    """The lookup the guide tells Browser users to run resolves like intelgraph does."""
    from intelgraph.browser import entity_lookup_statement
    from intelgraph.queries.runner import resolve_entity

    for text in ("PMF", "popular mobilization forces", "Iranian embassy in London"):
        rows = sample_store.read(entity_lookup_statement(text)).rows
        assert [r[0] for r in rows] == [resolve_entity(sample_store, text)]
