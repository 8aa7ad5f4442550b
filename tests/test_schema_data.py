"""What the schema declares is read from ``graph/schema.yaml``, never listed again in code.

The provenance properties, the derived lookup properties and the properties that refer to
other nodes are declared once in the YAML and exposed by ``intelgraph.graph.schema``; a
literal list of them anywhere else in the source tree is a second copy of the contract that
drifts. The scan below parses every Python module of the package (the tests and docs
aside) and fails on any tuple, list, set or dict literal that spells them out again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from intelgraph.errors import SchemaError
from intelgraph.graph.schema import COMMON_REL_PROPERTIES, DISCRIMINATORS, GRADING, PROVENANCE, Schema, load_schema

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("intelgraph", "graph", "cypher", "loaders", "queries", "reports", "benchmarks", "tools")


def _source_files() -> list[Path]:
    files = []
    for d in SOURCE_DIRS:
        for p in sorted((REPO / d).rglob("*.py")):
            if "node_modules" not in p.parts:
                files.append(p)
    assert files
    return files


def _literal_strings(node: ast.AST) -> list[str]:
    elts = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", [])
    return [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def _named(node: ast.AST) -> list[str]:
    """The names a collection spells out: its literal strings, and the first literal argument
    of each call in it (``(row.get("role"), row.get("date"), ...)`` names them too)."""
    elts = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", [])
    calls = [e.args[0] for e in elts if isinstance(e, ast.Call) and e.args]
    return _literal_strings(node) + [a.value for a in calls if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _declaration(node: ast.AST) -> bool:
    """A literal that lists names (a tuple, list or set, or a dict of names to constants), as
    opposed to a record built from variables (``{"sources": sources, ...}``)."""
    if isinstance(node, ast.Dict):
        return all(isinstance(v, ast.Constant) for v in node.values)
    return True


def _copies(tree: ast.AST, schema: Schema) -> list[tuple[int, str]]:
    """(line, what) for every literal collection repeating what the schema declares: all the
    provenance or grading properties, two or more derived ones, a (kind, property) that refers to a node,
    the relationship discriminators, or a table of the relationship properties."""
    prov = set(schema.provenance_properties)
    grading = set(schema.grading_properties)
    derived = set(schema.derived_properties)
    refs = set(schema.reference_properties())
    discriminators = set(schema.discriminators)
    rel_props = set(schema.relationship_properties)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and discriminators <= set(_named(node)):
            found.append((node.lineno, f"relationship discriminators {sorted(discriminators)}"))
        if isinstance(node, ast.Dict) and rel_props <= set(_literal_strings(node)):
            found.append((node.lineno, f"relationship properties {sorted(rel_props)}"))
        if not isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)) or not _declaration(node):
            continue
        strings = _literal_strings(node)
        if prov <= set(strings):
            found.append((node.lineno, f"provenance properties {sorted(prov)}"))
        if grading <= set(strings):
            found.append((node.lineno, f"grading properties {sorted(grading)}"))
        if len(derived & set(strings)) >= 2:
            found.append((node.lineno, f"derived properties {sorted(derived & set(strings))}"))
        if isinstance(node, ast.Tuple) and len(strings) == 2 == len(node.elts) and tuple(strings) in refs:
            found.append((node.lineno, f"reference property {tuple(strings)}"))
    return found


def test_no_literal_copies_of_the_schema_in_the_source_tree():
    schema = load_schema()
    problems = []
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        problems += [f"{path.relative_to(REPO)}:{line}: {what}" for line, what in _copies(tree, schema)]
    assert not problems, "read these from intelgraph.graph.schema instead:\n" + "\n".join(problems)


def test_the_scan_finds_each_kind_of_copy():
    """The scan can fail: each way of re-listing the contract that the code used to hold is found."""
    schema = load_schema()
    old = '''
PROVENANCE = ("sources", "evidence", "claims")
head = _bin_header(rtype, ["id", *props, "sources", "evidence", "claims", "reliability", "credibility"])
_PROVENANCE_COLS = {"sources": "string[]", "evidence": "string[]", "claims": "string[]"}
DERIVED_PROPERTIES = ("kind", "name_lc", "aliases_lc", "aliases_text")
plain += ["aliases_lc", "aliases_text"]
for g in ("reliability", "credibility"):
    pass
_REFERENCE_PROPS = {("Claim", "source"): "Source", ("Leg", "shipment"): "Shipment"}
disc = tuple(props.get(k) for k in ("role", "date", "date_from"))
disc = (plain.get("role"), plain.get("date"), plain.get("date_from"))
COMMON_REL_PROPERTIES = {"role": PropertySpec("role", "string"), "date": S, "date_from": S, "date_to": S,
                         "quantity": S, "value": S, "note": S, "weight": S}
'''
    found = [what.split(" ")[0] for _, what in _copies(ast.parse(old), schema)]
    assert found.count("provenance") == 3
    assert found.count("grading") == 2
    assert found.count("derived") == 2
    assert found.count("reference") == 2
    assert found.count("relationship") == 3
    # records and other vocabularies that share a word are not copies
    other = '''
row = {"id": node_id, "sources": sorted(sources), "evidence": evidence, "claims": claims}
SECTIONS = ("sources", "entities", "claims", "facts", "stances")
'''
    assert _copies(ast.parse(other), schema) == []


def test_schema_exposes_what_the_yaml_declares():
    schema = load_schema()
    raw = yaml.safe_load((REPO / "graph" / "schema.yaml").read_text(encoding="utf-8"))
    assert schema.provenance_properties == raw["provenance_properties"]
    assert PROVENANCE == tuple(raw["provenance_properties"]) == ("sources", "evidence", "claims")
    assert GRADING == tuple(raw["grading"]) == ("reliability", "credibility")
    assert list(schema.derived_properties) == list(raw["derived_properties"])
    # what the loaders derived before the list moved to the YAML, in the same order
    assert schema.derived_for(["name", "aliases"]) == ("kind", "name_lc", "aliases_lc", "aliases_text")
    assert schema.derived_for(["name"]) == ("kind", "name_lc")
    assert schema.derived_for(["shipment", "order"]) == ("kind",)
    assert schema.reference_properties() == {("Claim", "source"): "Source", ("Leg", "shipment"): "Shipment"}
    rel_props = raw["relationship_properties"]
    assert {p: s.type for p, s in schema.relationship_properties.items()} == {p: v["type"] for p, v in rel_props.items()}
    assert schema.discriminators == DISCRIMINATORS == tuple(p for p, v in rel_props.items() if v.get("discriminator"))
    assert DISCRIMINATORS == ("role", "date", "date_from")  # what relationship ids were derived from before
    assert COMMON_REL_PROPERTIES["quantity"].type == "int" and COMMON_REL_PROPERTIES["note"].type == "text"
    assert all(r.properties == COMMON_REL_PROPERTIES for r in schema.relationship_types.values())


def test_a_reference_to_an_unknown_kind_is_a_schema_error():
    raw = yaml.safe_load((REPO / "graph" / "schema.yaml").read_text(encoding="utf-8"))
    raw["node_kinds"]["Leg"]["properties"]["shipment"]["refers_to"] = "Cargo"
    with pytest.raises(SchemaError, match="Cargo"):
        Schema(raw)
