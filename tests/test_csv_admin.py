"""neo4j-admin CSV in and out, on the real embedded engine.

Known answers on a real network nobody on the project wrote (Krebs 2002, the 9/11 hijackers:
62 people, 153 undirected ties), the header grammar column by column, malformed inputs that
must be refused whole (naming file, row and column, leaving the graph as it was), and the
export → re-load round trip.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.cypher.store import to_jsonable
from intelgraph.errors import InputErrors
from intelgraph.graph.ids import node_id, relationship_id
from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.csv_header import MAX_FIELD_CHARS, CsvInput, group_inputs, parse_header, parse_input_spec
from intelgraph.loaders.dataset import read_dataset
from intelgraph.loaders.export_admin import export_neo4j_admin
from intelgraph.loaders.plan import write_plan

KREBS = Path(__file__).resolve().parent / "data" / "krebs-2002-911"
PERSONS, TIES = KREBS / "admin" / "persons.csv", KREBS / "admin" / "ties.csv"
KREBS_SOURCE = "Krebs 2002, Mapping Networks of Terrorist Cells"
SHARED = Path("/work/shared/data/networks/krebs-2002-911/edges.csv")


def load(store, paths, source=None, **kw):
    plan = read_csv_files(paths, source=source, store=store, **kw)
    write_plan(store, plan)
    return plan


def load_krebs(store):
    return load(store, [PERSONS, TIES], source=KREBS_SOURCE)


def label_count(store, label: str) -> int:
    return store.read(f"MATCH (n:`{label}`) RETURN count(n)").scalar()


def type_count(store, rtype: str) -> int:
    return store.read(f"MATCH ()-[r:`{rtype}`]->() RETURN count(r)").scalar()


def checksum(store) -> str:
    """Every node's id, labels and properties and every relationship's id, type, ends and
    properties, in id order: equal checksums mean equal graphs."""
    nodes = store.read("MATCH (n:Entity) RETURN n.id, labels(n), properties(n) ORDER BY n.id").rows
    rels = store.read("MATCH (a)-[r]->(b) RETURN r.id, type(r), a.id, b.id, properties(r) ORDER BY r.id").rows
    data = to_jsonable([[[i, sorted(labels), props] for i, labels, props in nodes], rels])
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


# -- the Krebs network -----------------------------------------------------------------------
def test_krebs_loads_62_people_and_153_ties(engine_store):
    store = engine_store  # both engines
    load_krebs(store)
    assert label_count(store, "Person") == 62
    assert label_count(store, "Document") == 1
    assert store.counts() == (63, 153)
    assert type_count(store, "ASSOCIATED_WITH") == 153

    doc = node_id("Document", [KREBS_SOURCE])
    atta = node_id("Person", ["Mohamed Atta"])
    row = store.read("MATCH (n:Person {id: $id}) RETURN n.name, n.kind, n.sources, n.evidence",
                     {"id": atta}).rows[0]
    assert row[0] == "Mohamed Atta" and row[1] == "Person"
    assert row[2] == [doc]
    assert row[3] == [f"{doc} | persons.csv row {_persons_row('Mohamed Atta')}"]
    assert store.read("MATCH (d:Document {id: $id}) RETURN d.name", {"id": doc}).scalar() == KREBS_SOURCE

    # weights carry Krebs's coding: 5 strong, 3 medium, 1 weak
    weights = store.read("MATCH ()-[r:ASSOCIATED_WITH]->() RETURN r.weight, count(*) ORDER BY r.weight").rows
    assert [w for w, _ in weights] == [1.0, 3.0, 5.0] and sum(c for _, c in weights) == 153
    # degrees in the graph are those of the edge list: Atta 22, Al-Shehhi 18, Hanjour 13
    top = store.read("MATCH (p:Person)-[r:ASSOCIATED_WITH]-() RETURN p.name, count(r) AS d "
                     "ORDER BY d DESC, p.name LIMIT 3").rows
    assert top == [["Mohamed Atta", 22], ["Marwan Al-Shehhi", 18], ["Hani Hanjour", 13]]
    degree: dict[str, int] = {}
    for edge in csv.DictReader((KREBS / "edges.csv").open(encoding="utf-8")):
        for name in (edge["source"], edge["target"]):
            degree[name] = degree.get(name, 0) + 1
    got = dict(store.read("MATCH (p:Person) OPTIONAL MATCH (p)-[r:ASSOCIATED_WITH]-() "
                          "RETURN p.name, count(r)").rows)
    assert got == degree


def _persons_row(name: str) -> int:
    lines = PERSONS.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(name + ","))


def test_loading_twice_changes_nothing(engine_store):
    store = engine_store  # both engines
    load_krebs(store)
    before = (store.counts(), checksum(store))
    load_krebs(store)
    assert (store.counts(), checksum(store)) == before


def test_symmetric_ties_load_once_whichever_way_written(store, tmp_path):
    plan = load_krebs(store)
    lines = TIES.read_text(encoding="utf-8").splitlines()
    swapped = [lines[0]] + [",".join([b, a, *rest]) for a, b, *rest in (ln.split(",") for ln in lines[1:])]
    rev = write(tmp_path / "reversed.csv", "\n".join(swapped) + "\n")
    plan2 = load(store, [PERSONS, rev], source=KREBS_SOURCE)
    assert set(plan2.rels["ASSOCIATED_WITH"]) == set(plan.rels["ASSOCIATED_WITH"])
    assert store.counts() == (63, 153)
    a, b = node_id("Person", ["Mohamed Atta"]), node_id("Person", ["Marwan Al-Shehhi"])
    assert relationship_id("ASSOCIATED_WITH", a, b, (None, None, None), symmetric=True) in plan.rels["ASSOCIATED_WITH"]


def test_converter_is_deterministic_and_matches_the_committed_files(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("krebs_convert", KREBS / "convert.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    p1, t1 = mod.convert(KREBS / "edges.csv", tmp_path / "a")
    p2, t2 = mod.convert(KREBS / "edges.csv", tmp_path / "b")
    assert p1.read_bytes() == p2.read_bytes() == PERSONS.read_bytes()
    assert t1.read_bytes() == t2.read_bytes() == TIES.read_bytes()
    assert len(PERSONS.read_text().splitlines()) == 63 and len(TIES.read_text().splitlines()) == 154
    if SHARED.exists():
        assert (KREBS / "edges.csv").read_bytes() == SHARED.read_bytes()


def test_header_file_and_data_parts(store, tmp_path):
    lines = PERSONS.read_text(encoding="utf-8").splitlines(keepends=True)
    header = write(tmp_path / "people_header.csv", lines[0])
    part1 = write(tmp_path / "people_part1.csv", "".join(lines[1:30]))
    part2 = write(tmp_path / "people_part2.csv", "".join(lines[30:]))
    ties = write(tmp_path / "ties.csv", TIES.read_text(encoding="utf-8"))
    # as a neo4j-admin group (header first), and as a glob that pairs X_header.csv with its parts
    plan_a = read_csv_files([(header, part1, part2), ties], source=KREBS_SOURCE)
    plan_b = read_csv_files(sorted(tmp_path.glob("*.csv")), source=KREBS_SOURCE)
    assert plan_a.counts() == plan_b.counts() == (63, 153)
    assert [len(g.files) for g in group_inputs(sorted(tmp_path.glob("*.csv")))] == [3, 1]
    write_plan(store, plan_b)
    assert store.counts() == (63, 153)


def test_utf8_bom_is_stripped(store, tmp_path):
    bom = write(tmp_path / "persons.csv", b"\xef\xbb\xbf" + PERSONS.read_bytes())
    load(store, [bom, TIES], source=KREBS_SOURCE)
    assert store.counts() == (63, 153)


def test_labels_and_types_for_the_whole_input(tmp_path):
    people = write(tmp_path / "p.csv", "name:ID\nAda\nBob\n")
    ties = write(tmp_path / "t.csv", ":START_ID,:END_ID,weight:double\nAda,Bob,2.5\n")
    plan = read_csv_files([CsvInput((people,), labels=("Person",)), CsvInput((ties,), rel_type="ALLIED_WITH")],
                          source="note")
    assert len(plan.nodes["Person"]) == 2 and len(plan.rels["ALLIED_WITH"]) == 1
    spec = parse_input_spec("Person:Actor=h.csv,p1.csv,p2.csv")
    assert spec.labels == ("Person", "Actor") and [f.name for f in spec.files] == ["h.csv", "p1.csv", "p2.csv"]


def test_row_sources_by_name_and_quotes(store, tmp_path):
    nodes = write(tmp_path / "nodes.csv",
                  "name:ID(N),:LABEL,date:date,aliases:string[],source,quote\n"
                  "Krebs 2002,Document,2002-01-01,,,\n"
                  "Mohamed Atta,Person,,Atta;M. Atta,krebs 2002,Atta led the cell\n")
    # the document itself needs provenance: it is its own source here via --source
    with pytest.raises(InputErrors) as err:
        read_csv_files([nodes])
    assert any(p.record == "row 2" and p.field == "source" for p in err.value.problems)
    nodes = write(tmp_path / "nodes.csv",
                  "name:ID(N),:LABEL,date:date,aliases:string[],source,quote\n"
                  "Krebs 2002,Document,2002-01-01,,Krebs 2002,the article itself\n"
                  "Mohamed Atta,Person,,Atta;M. Atta,krebs 2002,Atta led the cell\n")
    load(store, [nodes])
    doc = node_id("Document", ["Krebs 2002"])
    row = store.read("MATCH (p:Person) RETURN p.aliases, p.sources, p.evidence").rows[0]
    assert row == [["Atta", "M. Atta"], [doc], [f"{doc} | Atta led the cell"]]
    assert store.read("MATCH (d:Document) RETURN toString(d.date)").scalar() == "2002-01-01"


def test_references_by_name_give_the_dataset_loaders_ids(store, tmp_path):
    """A leg's shipment and a claim's source may be named; the ids are those the dataset loader
    derives (a leg is keyed by its shipment's id and order, a claim by its source's id and statement)."""
    nodes = write(tmp_path / "nodes.csv",
                  "name:ID(X),:LABEL,shipment,order:int,mode,statement,source,quote,reliability,credibility:int\n"
                  "Memo,Document,,,,,Memo,the memo,,\n"
                  "Convoy,Shipment,,,,,Memo,a convoy,,\n"
                  "Convoy leg 1,Leg,convoy,1,land,,Memo,the first leg,,\n"
                  "The convoy left.,Claim,,,,The convoy left.,memo,the convoy left,C,3\n")
    plan = load(store, [nodes])
    doc, ship = node_id("Document", ["Memo"]), node_id("Shipment", ["Convoy"])
    assert set(plan.nodes["Leg"]) == {node_id("Leg", [ship, 1])}
    claim = node_id("Claim", [doc, "The convoy left."])
    assert set(plan.nodes["Claim"]) == {claim}
    row = store.read("MATCH (c:Claim) RETURN c.source, c.sources, c.evidence, c.claims, c.credibility").rows[0]
    assert row == [doc, [doc], [f"{doc} | the convoy left"], [claim], 3]
    assert store.read("MATCH (l:Leg) RETURN l.shipment, l.order").rows == [[ship, 1]]


def test_relationships_to_nodes_already_in_the_graph(store, tmp_path):
    load_krebs(store)
    atta, jarrah = node_id("Person", ["Mohamed Atta"]), node_id("Person", ["Ziad Jarrah"])
    extra = write(tmp_path / "extra.csv", f":START_ID,:END_ID,:TYPE\n{atta},{jarrah},ALLIED_WITH\n")
    load(store, [extra], source=KREBS_SOURCE)
    assert type_count(store, "ALLIED_WITH") == 1
    ghost = node_id("Person", ["Nobody At All"])
    bad = write(tmp_path / "bad.csv", f":START_ID,:END_ID,:TYPE\n{atta},{ghost},ALLIED_WITH\n")
    with pytest.raises(InputErrors) as err:
        load(store, [bad], source=KREBS_SOURCE)
    p = err.value.problems[0]
    assert (p.file, p.record, p.field) == (str(bad), "row 2", ":END_ID") and "nor in the graph" in p.reason


# -- the header grammar ----------------------------------------------------------------------
@pytest.mark.parametrize("text, role, name, ctype, space", [
    ("name:ID(Person)", "id", "name", "string", "Person"),
    ("personId:ID(People)", "id", "personId", "string", "People"),
    (":ID", "id", "", "string", None),
    ("id:ID(Entity)", "id", "id", "string", "Entity"),
    (":START_ID(Person)", "start_id", "", "string", "Person"),
    (":END_ID", "end_id", "", "string", None),
    (":LABEL", "label", "", "string", None),
    (":TYPE", "type", "", "string", None),
    (":IGNORE", "ignore", "", "string", None),
    ("comment:IGNORE", "ignore", "comment", "string", None),
    ("name", "property", "name", "string", None),
    ("name:string", "property", "name", "string", None),
    ("order:int", "property", "order", "int", None),
    ("quantity:long", "property", "quantity", "long", None),
    ("lat:float", "property", "lat", "float", None),
    ("weight:double", "property", "weight", "double", None),
    ("flag:boolean", "property", "flag", "boolean", None),
    ("born:date", "property", "born", "date", None),
    ("aliases:string[]", "property", "aliases", "string[]", None),
    ("scores:int[]", "property", "scores", "int[]", None),
    ("born:DATE", "property", "born", "date", None),
])
def test_header_column_forms(text, role, name, ctype, space):
    fields = {"id": [text], "start_id": [text, ":END_ID"], "end_id": [":START_ID", text],
              "type": [":START_ID", ":END_ID", text]}.get(role, [":ID", text])
    header = parse_header(fields, "h.csv")
    col = next(c for c in header.columns if c.text == text)
    assert (col.role, col.name, col.csv_type, col.space) == (role, name, ctype, space)


def test_header_kinds_of_file():
    assert parse_header(["name:ID(Person)", ":LABEL"]).entity == "node"
    rel = parse_header([":START_ID(Person)", ":END_ID(Person)", ":TYPE", "weight:float"])
    assert rel.entity == "relationship" and rel.role("start_id").space == "Person"
    assert [c.name for c in rel.properties] == ["weight"]


@pytest.mark.parametrize("fields, field, reason", [
    ([":ID", "weight:decimal"], "weight:decimal", "unknown type 'decimal'"),
    ([":ID", "loc:point"], "loc:point", "not supported"),
    ([":ID", "loc:point{crs:WGS-84}"], "loc:point{crs:WGS-84}", "type options"),
    ([":ID", ":int"], ":int", "needs a name"),
    ([":ID", ""], "(column 2)", "empty column name"),
    ([":ID", " name"], " name", "spaces"),
    ([":ID", "a:b:c"], "a:b:c", "malformed"),
    ([":ID", "na-me"], "na-me", "not a property name"),
    ([":ID(A)", ":ID(B)"], ":ID(B)", "duplicate :ID"),
    ([":ID()", "name"], ":ID()", "empty ID space"),
    ([":LABEL(X)", ":ID"], ":LABEL(X)", "takes no ID space"),
    ([":ID", "n:int(X)"], "n:int(X)", "takes no (...) ID space"),
    ([":ID", ":LABEL[]"], ":LABEL[]", "cannot be an array"),
    ([":ID", "name", "name:string"], "name:string", "already given"),
    (["name:ID(P)", "name"], "name", "already given"),
    ([":START_ID", ":TYPE"], ":END_ID", "missing :END_ID"),
    ([":END_ID", ":TYPE"], ":START_ID", "missing :START_ID"),
    ([":ID", ":START_ID", ":END_ID"], ":ID", "both :ID"),
    ([":ID", ":TYPE"], ":TYPE", "belongs in a relationship file"),
    ([":START_ID", ":END_ID", ":LABEL"], ":LABEL", "belongs in a node file"),
    (["name", ":LABEL"], "(header)", "missing :ID"),
    ([], "(header)", "empty"),
])
def test_header_errors(fields, field, reason):
    with pytest.raises(InputErrors) as err:
        parse_header(fields, "h.csv")
    assert any(p.file == "h.csv" and p.record == "header" and p.field == field and reason in p.reason
               for p in err.value.problems), err.value.problems


def test_header_reports_every_problem_at_once():
    with pytest.raises(InputErrors) as err:
        parse_header([":ID", "a:decimal", "b:point", ""], "h.csv")
    assert [p.field for p in err.value.problems] == ["a:decimal", "b:point", "(column 4)"]


# -- malformed inputs: refused whole, graph unchanged ----------------------------------------
P_HEAD = "name:ID(Person),:LABEL\n"
T_HEAD = ":START_ID(Person),:END_ID(Person),:TYPE,weight:float\n"
LONG = "x" * (MAX_FIELD_CHARS + 1)

# (case, {file: content}, (file, record, field, reason fragment))
MALFORMED = [
    ("unknown property", {"p.csv": "name:ID(Person),:LABEL,born:date\nAda,Person,1990-01-01\n"},
     ("p.csv", "row 2", "born:date", "Person has no property 'born'")),
    ("property type does not match the schema", {"p.csv": "name:ID(Person),:LABEL\nAda,Person\nBo,Person\n",
                                                 "t.csv": ":START_ID(Person),:END_ID(Person),:TYPE,weight\n"
                                                          "Ada,Bo,ALLIED_WITH,5\n"},
     ("t.csv", "row 2", "weight", "declare it weight:float")),
    ("bad float", {"p.csv": P_HEAD + "Ada,Person\nBo,Person\n", "t.csv": T_HEAD + "Ada,Bo,ALLIED_WITH,1\n"
                                                                          "Bo,Ada,ALLIED_WITH,heavy\n"},
     ("t.csv", "row 3", "weight:float", "'heavy': not a number")),
    ("number with a line break", {"p.csv": P_HEAD + "Ada,Person\nBo,Person\n",
                                  "t.csv": T_HEAD + 'Ada,Bo,ALLIED_WITH,"1\n"\n'},
     ("t.csv", "row 2", "weight:float", "not a number")),
    ("bad date", {"s.csv": "name:ID(Shipment),:LABEL,date_from:date\nConvoy,Shipment,2022-02-30\n"},
     ("s.csv", "row 2", "date_from:date", "not a calendar date")),
    ("bad int", {"l.csv": "name:ID,:LABEL,shipment,order:int,mode\nleg,Leg,Convoy,first,land\n"},
     ("l.csv", "row 2", "order:int", "'first': not a whole number")),
    ("enum value outside the schema", {"l.csv": "name:ID(Shipment),:LABEL,status\nConvoy,Shipment,lost\n"},
     ("l.csv", "row 2", "status", "expected one of")),
    ("wrong number of fields", {"p.csv": P_HEAD + "Ada,Person\nBo,Person,extra\n"},
     ("p.csv", "row 3", "(row)", "3 field(s), the header has 2")),
    ("dangling end id", {"p.csv": P_HEAD + "Ada,Person\n", "t.csv": T_HEAD + "Ada,Zed,ALLIED_WITH,1\n"},
     ("t.csv", "row 2", ":END_ID(Person)", "dangling :END_ID 'Zed'")),
    ("end id in another ID space", {"p.csv": P_HEAD + "Ada,Person\nBo,Person\n",
                                    "t.csv": ":START_ID(Person),:END_ID(Org),:TYPE\nAda,Bo,ALLIED_WITH\n"},
     ("t.csv", "row 2", ":END_ID(Org)", "ID space 'Org'")),
    ("unknown label", {"p.csv": P_HEAD + "Ada,Persn\n"}, ("p.csv", "row 2", ":LABEL", "unknown label 'Persn'")),
    ("abstract label", {"p.csv": P_HEAD + "Ada,Actor\n"}, ("p.csv", "row 2", ":LABEL", "Actor is abstract")),
    ("labels of two kinds", {"p.csv": P_HEAD + "Ada,Person;City\n"},
     ("p.csv", "row 2", ":LABEL", "more than one kind")),
    ("unknown relationship type", {"p.csv": P_HEAD + "Ada,Person\nBo,Person\n",
                                   "t.csv": T_HEAD + "Ada,Bo,KNOWS,1\n"},
     ("t.csv", "row 2", ":TYPE", "unknown relationship type 'KNOWS'")),
    ("relationship between the wrong kinds", {"p.csv": P_HEAD + "Ada,Person\nBo,Person\n",
                                              "t.csv": T_HEAD + "Ada,Bo,BORDERS,1\n"},
     ("t.csv", "row 2", ":START_ID(Person)", "BORDERS cannot start at a Person")),
    ("missing key property", {"p.csv": "pid:ID(People),:LABEL,role\n7,Person,courier\n"},
     ("p.csv", "row 2", "name", "id is derived from name")),
    ("missing required property", {"m.csv": "name:ID(Materiel),:LABEL\nT-72,Materiel\n"},
     ("m.csv", "row 2", "materiel_type", "required for a Materiel")),
    ("duplicate id value", {"p.csv": "pid:ID(P),:LABEL,name\n1,Person,Ada\n1,Person,Bo\n"},
     ("p.csv", "row 3", "pid:ID(P)", "duplicate id '1'")),
    ("intelgraph id of another kind", {"p.csv": f"id:ID,:LABEL,name\n{node_id('City', ['Ada'])},Person,Ada\n"},
     ("p.csv", "row 2", "id:ID", "is the id of a City")),
    ("no provenance", {"p.csv": P_HEAD + "Ada,Person\n"},
     ("p.csv", "row 2", "source", "no provenance")),
    ("unknown source", {"p.csv": "name:ID(Person),:LABEL,source\nAda,Person,Some Paper\n"},
     ("p.csv", "row 2", "source", "unknown source 'Some Paper'")),
    ("field over 100,000 characters", {"p.csv": P_HEAD + f"Ada,Person\n{LONG},Person\n"},
     ("p.csv", "row 3", "name:ID(Person)", "over the 100000 limit")),
    ("UTF-16", {"p.csv": P_HEAD.encode("utf-16")}, ("p.csv", "row 1", "(file)", "UTF-16")),
    ("not UTF-8", {"p.csv": (P_HEAD + "Ada,Person\n").encode() + b"Caf\xe9,Person\n"},
     ("p.csv", "row 3", "(row)", "not UTF-8: byte 0xe9")),
    ("broken quoting", {"p.csv": P_HEAD + 'Ada,Person\n"Bo"x,Person\n'},
     ("p.csv", "row 3", "(row)", "not valid CSV")),
    ("malformed header", {"p.csv": "name:ID(Person),:LABEL,weight:decimal\nAda,Person,1\n"},
     ("p.csv", "row 1 (header)", "weight:decimal", "unknown type 'decimal'")),
    ("duplicate :ID column", {"p.csv": "name:ID(Person),other:ID(Person)\nAda,Ada\n"},
     ("p.csv", "row 1 (header)", "other:ID(Person)", "duplicate :ID")),
    ("missing :ID column", {"p.csv": "name,:LABEL\nAda,Person\n"},
     ("p.csv", "row 1 (header)", "(header)", "missing :ID")),
    ("empty file", {"p.csv": ""}, ("p.csv", "row 1", "(header)", "empty")),
    ("empty array element", {"p.csv": "name:ID(Person),:LABEL,aliases:string[]\nAda,Person,A;;B\n"},
     ("p.csv", "row 2", "aliases:string[]", "empty element")),
    ("conflicting rows for one node", {"p.csv": "name:ID(Person),:LABEL,role\nAda,Person,pilot\nada,Person,cook\n"},
     ("p.csv", "row 3", "role", "the same Person")),
    ("header repeated in a data part", {"h.csv": P_HEAD, "d.csv": P_HEAD + "Ada,Person\n"},
     ("d.csv", "row 1", "(row)", "repeats the header")),
]


@pytest.mark.slow
@pytest.mark.parametrize("case, files, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_refused_whole(store, tmp_path, case, files, expected):
    load_krebs(store)
    before = store.counts()
    paths = {name: write(tmp_path / name, text) for name, text in files.items()}
    items: list = list(paths.values())
    if "h.csv" in paths:  # a header file and its data part
        items = [(paths["h.csv"], paths["d.csv"])]
    source = None if case in ("no provenance", "unknown source") else "Test notes"
    with pytest.raises(InputErrors) as err:
        load(store, [*items, PERSONS, TIES], source=source)  # valid files alongside are not written either
    fname, record, fld, fragment = expected
    hits = [p for p in err.value.problems
            if p.file == str(paths[fname]) and p.record == record and p.field == fld and fragment in str(p)]
    assert hits, "\n".join(map(str, err.value.problems))
    text = str(err.value)
    assert str(paths[fname]) in text and record in text and fld in text
    assert store.counts() == before


def test_all_problems_are_reported_together(store, tmp_path):
    bad = write(tmp_path / "p.csv", "name:ID(Person),:LABEL,role\nAda,Persn,x\nBo,Person\n,Person,y\n")
    ties = write(tmp_path / "t.csv", T_HEAD + "Ada,Zed,ALLIED_WITH,1\n")
    with pytest.raises(InputErrors) as err:
        load(store, [bad, ties], source="notes")
    found = {(Path(p.file).name, p.record, p.field) for p in err.value.problems}
    assert {("p.csv", "row 2", ":LABEL"), ("p.csv", "row 3", "(row)"), ("p.csv", "row 4", "name:ID(Person)"),
            ("t.csv", "row 2", ":START_ID(Person)"), ("t.csv", "row 2", ":END_ID(Person)")} <= found
    assert store.counts() == (0, 0)


# -- export and re-load ----------------------------------------------------------------------
MEMO = """Memo. A border official said that the Popular Mobilization Forces (PMF) moved weapons; the convoy
crossed the border at Salamja on 26 March, backed by Iran, and carried T-72 tanks.
Iraq denied the report. Iraq and Iran are allies.
"""

DATASET = """dataset: roundtrip
sources:
  - {ref: memo, kind: Document, name: Memo on the shipment, date: 2022-04-13, language: en, reliability: C,
     file: memo.txt}
  - ref: informant
    kind: Informant
    name: A border official
    affiliation: border authority
    evidence: [{source: memo, quote: "A border official said"}]
entities:
  - {ref: pmf, kind: ArmedGroup, name: Popular Mobilization Forces, aliases: [PMF, Hashd],
     evidence: [{source: memo, quote: "the Popular Mobilization Forces (PMF)"}]}
  - {ref: iran, kind: Country, name: Iran, iso2: IR, lat: 32.5, lon: 53.0,
     evidence: [{source: memo, quote: "backed by Iran"}]}
  - {ref: iraq, kind: Country, name: Iraq, iso2: IQ, evidence: [{source: memo, quote: "Iraq denied the report"}]}
  - {ref: salamja, kind: BorderCrossing, name: Salamja,
     evidence: [{source: memo, quote: "crossed the border at Salamja"}]}
  - {ref: ship1, kind: Shipment, name: PMF weapons convoy, date_from: 2022-03-26, status: alleged,
     evidence: [{source: memo, quote: "%(shipment_quote)s"}]}
  - {ref: leg1, kind: Leg, shipment: ship1, order: 1, mode: land, date_from: 2022-03-26, from: iraq, to: iran,
     via: [salamja], evidence: [{source: memo, quote: "crossed the border at Salamja on 26 March"}]}
  - {ref: tanks, kind: Materiel, name: T-72 tanks, materiel_type: tank,
     evidence: [{source: memo, quote: "carried T-72 tanks"}]}
claims:
  - {ref: route, source: memo, statement: The convoy crossed at Salamja on 26 March 2022.,
     quote: "crossed the border at Salamja on 26 March", reliability: C, credibility: 3, date: 2022-04-13,
     attributed_to: [informant], about: [pmf, ship1]}
facts:
  - {type: SUPPORTS, from: iran, to: pmf, props: {role: backer, date: 2022-03-26, weight: 2.5, quantity: 3},
     claims: [route]}
  - {type: CONTAINS, from: ship1, to: tanks, evidence: [{source: memo, quote: "carried T-72 tanks"}]}
  - {type: ALLIED_WITH, from: iraq, to: iran, evidence: [{source: memo, quote: "Iraq and Iran are allies"}]}
  - {type: SENT, from: pmf, to: ship1, evidence: [{source: memo, quote: "moved weapons"}]}
stances:
  - {type: DENIES, by: iraq, target: route, source: memo, quote: "Iraq denied the report", date: 2022-04-14}
"""


def load_dataset(store, tmp_path, shipment_quote="moved weapons"):
    write(tmp_path / "ds" / "memo.txt", MEMO)
    ds = write(tmp_path / "ds" / "ds.yaml", DATASET % {"shipment_quote": shipment_quote})
    write_plan(store, read_dataset(ds).plan)


@pytest.fixture
def second_store(server):
    st = FalkorStore(server, graph=f"reload_{os.getpid()}")
    st.clear()
    yield st
    st.clear()
    st.close()


@pytest.mark.parametrize("shipment_quote, delimiter", [("moved weapons", ";"),
                                                       ("moved weapons; the convoy", "\x1f")])
def test_export_and_reload_round_trip(store, second_store, tmp_path, shipment_quote, delimiter):
    load_krebs(store)
    load_dataset(store, tmp_path, shipment_quote)
    counts, digest = store.counts(), checksum(store)
    assert counts == (73, 166)

    out = tmp_path / "export"
    info = export_neo4j_admin(store, out)
    assert info["array_delimiter"] == delimiter
    assert sum(info["nodes"].values()) == 73 and sum(info["relationships"].values()) == 166
    assert info["nodes"]["Person"] == 62 and info["relationships"]["ASSOCIATED_WITH"] == 153
    assert info["not_exported"] == {"nodes": 0, "relationships": 0} and info["skipped_properties"] == {}
    assert (out / "Person_header.csv").read_text().startswith("id:ID(Entity),:LABEL,name,")
    assert "sources:string[],evidence:string[],claims:string[]" in (out / "Person_header.csv").read_text()
    # a date as text (reduced precision allowed), its bounds as native dates
    assert ",date_from,date_to," in (out / "Shipment_header.csv").read_text()
    assert "date_from_start:date,date_from_end:date" in (out / "Shipment_header.csv").read_text()
    assert (out / "SUPPORTS_header.csv").read_text().startswith(":START_ID(Entity),:END_ID(Entity),:TYPE,id,")
    assert (out / "SUPPORTS_header.csv").read_text().rstrip().endswith("reliability,credibility:int")
    cmd = info["command"]
    assert cmd.startswith("neo4j-admin database import full neo4j --overwrite-destination ")
    assert "--nodes=/import/Person_header.csv,/import/Person.csv" in cmd
    assert "--relationships=/import/ASSOCIATED_WITH_header.csv,/import/ASSOCIATED_WITH.csv" in cmd
    assert ("--array-delimiter=U+001F" in cmd) == (delimiter != ";")
    assert "neo4j-admin" in (out / "import.sh").read_text() and "docker compose" in (out / "README.md").read_text()

    files = sorted(out.glob("*.csv"))
    plan = read_csv_files(files, store=second_store, array_delimiter=info["array_delimiter"])
    write_plan(second_store, plan)
    assert second_store.counts() == counts
    assert checksum(second_store) == digest
    # and again: nothing changes
    write_plan(second_store, read_csv_files(files, store=second_store, array_delimiter=info["array_delimiter"]))
    assert second_store.counts() == counts and checksum(second_store) == digest


def test_export_of_an_empty_graph_and_over_an_old_export(store, tmp_path):
    out = tmp_path / "export"
    load_krebs(store)
    assert export_neo4j_admin(store, out)["nodes"] == {"Person": 62, "Document": 1}
    store.clear()
    info = export_neo4j_admin(store, out)
    assert info["nodes"] == {} and info["relationships"] == {}
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "import.sh"]


def test_round_trip_through_a_copy_of_the_files(store, second_store, tmp_path):
    """The export is self-contained: the files alone, moved elsewhere, rebuild the graph."""
    load_krebs(store)
    info = export_neo4j_admin(store, tmp_path / "a")
    moved = tmp_path / "b"
    shutil.copytree(tmp_path / "a", moved)
    load(second_store, sorted(moved.glob("*.csv")))
    assert second_store.counts() == store.counts() == (63, 153)
    assert checksum(second_store) == checksum(store)
    assert info["files"] == ["Person_header.csv", "Person.csv", "Document_header.csv", "Document.csv",
                             "ASSOCIATED_WITH_header.csv", "ASSOCIATED_WITH.csv"]
