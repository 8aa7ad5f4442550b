"""Bad datasets are rejected whole, with file, record, field and reason, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from intelgraph.errors import InputErrors
from intelgraph.api import load_paths

GOOD = """dataset: t
sources:
  - ref: doc
    kind: Document
    name: A document
    file: doc.txt
    reliability: B
entities:
  - ref: a
    kind: Person
    name: Alice Example
    evidence: [{source: doc, quote: "Alice Example"}]
  - ref: b
    kind: Organisation
    name: Bob Corp
    evidence: [{source: doc, quote: "Bob Corp"}]
facts:
  - {type: MEMBER_OF, from: a, to: b, evidence: [{source: doc, quote: "works for"}]}
"""


def write(tmp_path: Path, text: str, name: str = "d.yaml", doc: str = "Alice Example works for Bob Corp.") -> Path:
    (tmp_path / "doc.txt").write_text(doc, encoding="utf-8")
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file_loads(store, tmp_path):
    stats = load_paths(store, [write(tmp_path, GOOD)])
    assert (stats.nodes, stats.relationships) == (3, 1)
    assert store.counts() == (3, 1)


CASES = [
    # (description, replace-from, replace-to, expected record fragment, expected field)
    ("unknown kind", "kind: Person", "kind: Wizard", "line 9 (entities[0])", "kind"),
    ("wrong type", "reliability: B", "reliability: Z", "line 3", "reliability"),
    ("unknown property", "name: Bob Corp", "name: Bob Corp\n    colour: red", "line 13 (entities[1])", "colour"),
    ("dangling reference", "to: b,", "to: nobody,", "facts[0]", "to"),
    ("quote not in source", 'quote: "works for"', 'quote: "sold weapons to"', "facts[0]", "evidence[0].quote"),
    ("missing evidence", '    evidence: [{source: doc, quote: "Bob Corp"}]\n', "", "line 13 (entities[1])", "evidence"),
    ("unknown relationship type", "type: MEMBER_OF", "type: LOVES", "facts[0]", "type"),
    ("wrong endpoint kind", "type: MEMBER_OF, from: a, to: b", "type: SPEAKS_FOR, from: b, to: a", "facts[0]", "from"),
    ("impossible date", "reliability: B", "reliability: B\n    date: 2022-02-30", "line 3", "date"),
    ("duplicate ref", "ref: b", "ref: a", "line 13 (entities[1])", "ref"),
    ("source file outside the folder", "file: doc.txt", "file: /etc/hostname", "line 3", "file"),
    ("cypher in a kind", "kind: Person", "kind: \"Person`) DETACH DELETE n //\"", "line 9 (entities[0])", "kind"),
]


@pytest.mark.slow
@pytest.mark.parametrize("desc,old,new,record,field", CASES, ids=[c[0] for c in CASES])
def test_bad_record_is_named_and_nothing_is_written(store, tmp_path, desc, old, new, record, field):
    load_paths(store, [], sample=True)
    before = store.counts()
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(InputErrors) as err:
        load_paths(store, [path])
    problems = err.value.problems
    assert any(p.file == str(path) and record in p.record and p.field == field for p in problems), \
        f"{desc}: {[str(p) for p in problems]}"
    assert store.counts() == before


@pytest.mark.parametrize("text,reason", [
    ("dataset: t\nentities: [\n", "not valid YAML"),
    ("a: &x [1]\nb: *x\n", "anchors"),
    ("dataset: t\ndataset: u\n", "duplicate key"),
    ("- just\n- a list\n", "a dataset is a mapping"),
])
def test_broken_files(store, tmp_path, text, reason):
    with pytest.raises(InputErrors, match=reason):
        load_paths(store, [write(tmp_path, text)])
    assert store.counts() == (0, 0)


def test_all_problems_are_reported_at_once(store, tmp_path):
    bad = GOOD.replace("kind: Person", "kind: Wizard").replace("reliability: B", "reliability: Z")
    with pytest.raises(InputErrors) as err:
        load_paths(store, [write(tmp_path, bad)])
    assert {p.field for p in err.value.problems} >= {"kind", "reliability"}


def test_json_records_are_named_by_path(store, tmp_path):
    import json

    import yaml

    data = yaml.safe_load(GOOD)
    data["entities"][1]["kind"] = "Wizard"
    with pytest.raises(InputErrors) as err:
        load_paths(store, [write(tmp_path, json.dumps(data), name="d.json")])
    assert any(p.record == "entities[1]" and p.field == "kind" for p in err.value.problems)


def test_utf16_and_bad_bytes(store, tmp_path):
    p = tmp_path / "u.yaml"
    p.write_bytes(GOOD.encode("utf-16"))
    with pytest.raises(InputErrors, match="UTF-16"):
        load_paths(store, [p])
    p.write_bytes(GOOD.encode("utf-8").replace(b"Alice", b"Al\xffce", 1))
    with pytest.raises(InputErrors, match="not UTF-8"):
        load_paths(store, [p])


def test_utf8_bom_is_accepted(store, tmp_path):
    write(tmp_path, GOOD)
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert load_paths(store, [p]).nodes == 3


def test_huge_field_is_refused(store, tmp_path):
    bad = GOOD.replace("name: Bob Corp", "name: Bob Corp\n    description: " + "x" * 200_000)
    with pytest.raises(InputErrors, match="over the 100000 limit"):
        load_paths(store, [write(tmp_path, bad)])
    assert store.counts() == (0, 0)
