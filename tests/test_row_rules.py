"""The row rules (loaders/rules.py) give one answer whichever reader shape applies them.

Hypothesis writes random neo4j-admin CSV files — node rows and relationship rows, valid and
invalid: missing keys, bad floats, dates, enums and integers, unknown kinds and types, names with
refused characters, the same id on two rows agreeing or not, derived ``name_lc`` given agreeing
or not, empty cells, unknown and wrong-kind sources, bad relationship ids and grades — and reads
the same files through every reader shape: the thorough reader (``read_csv_files``) and the fast
reader (``stage_csv``) row by row, a batch at a time, and through Arrow. No server is needed.

What must hold, every time:

* the thorough reader either returns a plan or refuses with problems (file, row, field, reason);
* a fast shape that stages the load stages exactly the thorough reader's records (nodes: kind,
  values, derived properties, provenance; relationships: type, ends, values, provenance, grades);
* a fast shape never stages a load the thorough reader refuses: it hands the load to the
  thorough reader (``None``), whose problems are then the load's — so every shape reports the
  same problems, by construction of the pipeline (``api.load_paths``).
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intelgraph.errors import InputErrors
from intelgraph.graph.ids import node_id, normalise, relationship_id
from intelgraph.graph.schema import load_schema
from intelgraph.loaders.bulk.reader import stage_csv
from intelgraph.loaders.bulk.staged import StagedLoad
from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.plan import Plan
from intelgraph.loaders.rules import DERIVE, derived_column, derived_values, node_key_problems_columns

SCHEMA = load_schema()
SHAPES = {"row": frozenset({"row"}), "batch": frozenset({"row", "batch"}), "arrow": frozenset({"row", "batch", "arrow"})}
DOCS = [node_id("Document", ["Report A"]), node_id("Document", ["Report B"])]

# -- what a row may hold --------------------------------------------------------------------------
KINDS = {  # kind -> its labels as an export writes them, and one typed column each
    "Person": "Entity;Actor;Person",
    "City": "Entity;Place;City",
    "Shipment": "Entity;Shipment",
    "StateBody": "Entity;Actor;StateBody",
}
TYPES = ["ALLIED_WITH", "MEMBER_OF", "BASED_IN", "BORDERS", "LOCATED_IN", "SENT", "PART_OF_SHIPMENT"]


def _rows(fields: dict[str, tuple[list[Any], list[Any]]]) -> tuple[Any, Any]:
    """Strategies of rows whose every field is valid, and of rows whose fields may be anything."""
    valid = st.fixed_dictionaries({k: st.sampled_from(good) for k, (good, _bad) in fields.items()})
    anything = st.fixed_dictionaries({k: st.sampled_from(good + bad) for k, (good, bad) in fields.items()})
    return valid, anything


# field -> (valid values, invalid ones); an empty cell is valid where the property is optional
valid_node, any_node = _rows({
    "kind": (list(KINDS), ["Bogus"]),
    "name": (["Ali Hassan", "ali  hassan", "Basra", "Umm Qasr", "Zeta", "Ünïcode Ñame"], ["Bad`name", ""]),
    "id_form": (["own"], ["wrong-kind", "empty"]),
    "lat": (["", "", "33.5", "-1e2"], ["north"]),
    "date_from": (["", "", "2022-03-01"], ["2022-13-45", "soon"]),
    "status": (["", "", "reported"], ["rumoured"]),
    "body_type": (["army", "ministry"], ["", "navy"]),
    "role": (["", "", "commander", "envoy"], []),
    "name_lc": (["", "", "derived"], ["wrong"]),
    "sources": ([DOCS[0], DOCS[0], f"{DOCS[0]};{DOCS[1]}", DOCS[1]],
                ["", "Unknown Paper", "person:0123456789abcdef0123", f"{DOCS[0]};"]),
    "evidence": (["", "quoted text", "one;two"], []),
})
valid_rel, any_rel = _rows({
    "start": (list(range(30)), []), "end": (list(range(30)), []),
    "type": (list(range(len(TYPES))), ["MEMBER_OF", "BASED_IN", "NO_SUCH_TYPE"]),  # a number: a type the ends allow
    "id_form": (["derived", "derived", "given"], ["bad"]),
    "role": (["", "", "chief"], []),
    "date": (["", "", "2022-05-01"], ["May"]),
    "sources": ([DOCS[0], DOCS[1], f"{DOCS[1]};{DOCS[0]}"], ["", "nobody"]),
    "evidence": (["", "said so"], []),
    "reliability": (["", "", "A", "C"], ["Z"]),
    "credibility": (["", "", "1", "3"], ["9", "x"]),
    "dangling": ([False], [True]),
})
loads = st.fixed_dictionaries({  # mostly valid rows, with up to two that may break any rule
    "nodes": st.builds(lambda a, b: a + b, st.lists(valid_node, min_size=1, max_size=20),
                       st.lists(any_node, max_size=2)),
    "rels": st.builds(lambda a, b: a + b, st.lists(valid_rel, max_size=20), st.lists(any_rel, max_size=2)),
    "typed_props": st.sampled_from([False, False, True]),  # with the typed and role columns (else ids, labels, names, provenance only)
    "whole_load_source": st.sampled_from([False, False, True]),
    "name_lc_column": st.booleans(),  # the derived name_lc given (else derived only)
    "rel_ids_given": st.sampled_from([True, True, False]),  # every valid relationship row with its id, as an export writes it
})


# -- writing the files ------------------------------------------------------------------------------
def _node_id(row: dict[str, Any]) -> str:
    kind = row["kind"] if row["kind"] in KINDS else "Person"
    nid = node_id(kind, [row["name"]]) if normalise(row["name"]) else f"{kind.lower()}:{'0' * 20}"
    if row["id_form"] == "wrong-kind":
        return "city" + nid[nid.index(":"):] if kind != "City" else "person" + nid[nid.index(":"):]
    return "" if row["id_form"] == "empty" else nid


def write_load(folder: Path, load: dict[str, Any]) -> list[Path]:
    """One node file per kind, as an export writes them (its kind's columns only), and a
    relationship file; the whole load's source replaces the first document where it is used."""
    typed = load["typed_props"]
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    ids, kinds = [], []
    for row in load["nodes"]:
        nid = _node_id(row)
        ids.append(nid or "person:" + "f" * 20)
        kind = row["kind"]
        kinds.append(kind if kind in KINDS else "Person")
        props = SCHEMA.kind(kind).properties if kind in KINDS else SCHEMA.kind("Person").properties
        typed_cols = [c for c in ("body_type", *(("lat", "date_from", "status", "role") if typed else ())) if c in props]
        header = ["id:ID(Entity)", ":LABEL", "name", *[{"lat": "lat:double", "date_from": "date_from:date"}.get(c, c)
                                                        for c in typed_cols]]
        header += ["name_lc"] * load["name_lc_column"] + ["sources:string[]", "evidence:string[]"]
        line = [nid, KINDS.get(kind, "Entity;Bogus"), row["name"], *(row[c] for c in typed_cols)]
        if load["name_lc_column"]:
            line.append({"": "", "derived": normalise(row["name"]), "wrong": "x" + normalise(row["name"])}[row["name_lc"]])
        line += ["" if load["whole_load_source"] and row["sources"] == DOCS[0] else row["sources"], row["evidence"]]
        tables.setdefault(kind, (header, []))[1].append(line)
    rels_header = [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE", "id", "sources:string[]", "evidence:string[]",
                   "reliability", "credibility:int"]
    if typed:
        rels_header += ["role", "date:date"]
    rel_body = []
    for row in load["rels"]:
        a, b = row["start"] % len(ids), row["end"] % len(ids)
        rtype = row["type"]
        if isinstance(rtype, int):  # the first type from this one on (and end from this one on) the kinds allow
            turn = TYPES[rtype:] + TYPES[:rtype]
            b, rtype = next(((j, t) for j in [*range(b, len(ids)), *range(b)] for t in turn
                             if SCHEMA.allowed_endpoint(SCHEMA.rel(t), kinds[a], "from")
                             and SCHEMA.allowed_endpoint(SCHEMA.rel(t), kinds[j], "to")), (b, "ALLIED_WITH"))
        start = ids[a]
        end = "person:" + "9" * 20 if row["dangling"] else ids[b]
        values = {"role": row["role"], "date": row["date"]} if typed else {}
        id_form = "given" if load["rel_ids_given"] and row["id_form"] == "derived" else row["id_form"]
        rid = {"derived": "", "bad": "rel:nothex",
               "given": relationship_id(rtype, start, end, (values.get("role") or None, values.get("date") or None,
                                                                  None),
                                        symmetric=SCHEMA.rel(rtype).symmetric if rtype in TYPES else False,
                                        )}[id_form]
        sources = "" if load["whole_load_source"] and row["sources"] == DOCS[0] else row["sources"]
        line = [start, end, rtype, rid, sources, row["evidence"], row["reliability"], row["credibility"]]
        if typed:
            line += [row["role"], row["date"]]
        rel_body.append(line)
    files = []
    for name, head, rows in ((f"nodes_{k}.csv", *tables[k]) for k in sorted(tables)):
        path = folder / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows([head, *rows])
        files.append(path)
    for name, head, rows in (("rels.csv", rels_header, rel_body),):
        if name == "rels.csv" and not rows:
            continue
        path = folder / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows([head, *rows])
        files.append(path)
    return files


# -- records as each reader gives them ----------------------------------------------------------------
def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def plan_records(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    nodes = {}
    for kind, rows in plan.nodes.items():
        for nid, row in rows.items():
            values = {k: v for k, v in {**row["props"], **row["dates"]}.items() if v is not None}
            nodes[nid] = (kind, _json(values), row["sources"], row["evidence"], row["claims"], row.get("statements"))
    rels = {}
    for rtype, rows in plan.rels.items():
        for rid, row in rows.items():
            values = {k: v for k, v in {**row["props"], **row["dates"]}.items() if v is not None}
            rels[rid] = (rtype, row["s"], row["t"], _json(values), row["sources"], row["evidence"], row["claims"],
                         row["reliability"], row["credibility"])
    return nodes, rels


def staged_records(st: StagedLoad) -> tuple[dict[str, Any], dict[str, Any]]:
    nodes = {}
    for code, rows in enumerate(st.node_rows):
        kind, props, dates = st.node_layouts[code]
        names = [*props, *dates]
        for text in rows:
            v = json.loads(text)
            values = {k: x for k, x in zip(names, v[1:]) if x is not None}
            n = len(names)
            nodes[v[0]] = (kind, values, v[n + 1], v[n + 2], v[n + 3], None)
    rels = {}
    for lay, s, t, text in st.rel_lines():
        rtype, props, dates = st.rel_layouts[lay]
        names = [*props, *dates]
        v = json.loads(text)
        n = len(names)
        values = {k: x for k, x in zip(names, v[1:]) if x is not None}
        rels[v[0]] = (rtype, st.node_ids[s], st.node_ids[t], values, *v[n + 1:n + 6])
    for blk in st.rel_blocks:
        rtype = st.rel_layouts[blk.code][0]
        for k, rid in enumerate(blk.ids.to_pylist()):
            if rid not in st.skip_rels:
                v = json.loads(blk.json_row(k, st.values))
                rels[rid] = (rtype, st.node_ids[int(blk.start[k])], st.node_ids[int(blk.end[k])], {}, *v[1:6])
    return nodes, rels


def read_every_shape(files: list[Path], source: str | None) -> dict[str, Any]:
    """What each shape gives: ``("records", nodes, rels)``, ``("problems", [...])`` or ``("declined",)``."""
    out: dict[str, Any] = {}
    try:
        out["thorough"] = ("records", *plan_records(read_csv_files(files, source=source)))
    except InputErrors as exc:
        out["thorough"] = ("problems", [(p.file, p.record, p.field, p.reason) for p in exc.problems])
    for name, shapes in SHAPES.items():
        staged = stage_csv(files, source=source, shapes=shapes)
        if staged is None:
            out[name] = ("declined",)
            continue
        try:
            out[name] = ("records", *staged_records(staged))
        finally:
            staged.close()
    return out


# -- the properties ------------------------------------------------------------------------------------
@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loads)
def test_every_reader_shape_gives_the_same_records_or_the_same_problems(load: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = write_load(Path(tmp), load)
        source = "Whole Load Report" if load["whole_load_source"] else None
        got = read_every_shape(files, source)
    thorough = got["thorough"]
    if thorough[0] == "problems":
        assert thorough[1], "refused with no problem"
        for p in thorough[1]:
            assert p[0] and p[1] and p[2] and p[3], p  # every problem names file, row, field and reason
    for name in SHAPES:
        if thorough[0] == "problems":  # never staged: the thorough reader's problems are the load's
            assert got[name] == ("declined",), (name, thorough[1])
        elif got[name][0] == "records":
            assert got[name][1] == thorough[1], f"{name}: nodes differ"
            assert got[name][2] == thorough[2], f"{name}: relationships differ"


def test_the_shapes_are_each_used_and_agree_on_an_export_shaped_load() -> None:
    """A valid load in the export's plain form is staged (not declined) by every fast shape, each
    giving the thorough reader's records — so the comparison above is not vacuous."""
    load = {"typed_props": False, "whole_load_source": False, "name_lc_column": False, "rel_ids_given": True,
            "nodes": [{"kind": k, "name": n, "id_form": "own", "lat": "", "date_from": "", "status": "",
                       "body_type": "army", "role": "", "name_lc": lc, "sources": DOCS[i % 2], "evidence": "e"}
                      for i, (k, n, lc) in enumerate([("Person", "Ali Hassan", ""), ("Person", "Zeta", ""),
                                                      ("Person", "Ünïcode Ñame", ""), ("Person", "Omar", "")])],
            "rels": [{"start": a, "end": b, "type": t, "id_form": "given", "role": "", "date": "",
                      "sources": DOCS[0], "evidence": "said so", "reliability": "B", "credibility": c,
                      "dangling": False} for a, b, t, c in [(0, 1, "MEMBER_OF", "2"), (2, 1, "ALLIED_WITH", ""),
                                                          (3, 0, "ALLIED_WITH", "1")]]}
    with tempfile.TemporaryDirectory() as tmp:
        files = write_load(Path(tmp), load)
        got = read_every_shape(files, None)
        for name in SHAPES:  # only Arrow keeps relationships column-wise (a block per type)
            staged = stage_csv(files, shapes=SHAPES[name])
            assert staged is not None and (len(staged.rel_blocks) > 0) == (name == "arrow"), name
            staged.close()
    assert got["thorough"][0] == "records"
    nodes, rels = got["thorough"][1], got["thorough"][2]
    assert len(nodes) == 4 and len(rels) == 3
    assert nodes[node_id("Person", ["Ünïcode Ñame"])][1]["name_lc"] == "ünïcode ñame"
    for name in SHAPES:
        assert got[name] == got["thorough"], name


# -- the rules themselves ------------------------------------------------------------------------------
def test_every_derived_property_of_the_schema_has_a_rule() -> None:
    for d in SCHEMA.derived_properties.values():
        assert not d.source or d.name in DERIVE, d.name
    assert derived_values(SCHEMA, "Person", {"name": "  Ali  HASSAN ", "aliases": ["Abu B", "abu  b"]}) == {
        "kind": "Person", "name_lc": "ali hassan", "aliases_lc": ["abu b"], "aliases_text": "Abu B ; abu  b"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=12))
def test_a_derived_column_is_the_rule_applied_to_each_row(column: list[str | None]) -> None:
    want = [derived_values(SCHEMA, "Person", {"name": v}).get("name_lc") for v in column]
    assert derived_column(SCHEMA, "Person", "name_lc", column) == want
    assert derived_column(SCHEMA, "Person", "kind", column) == ["Person"] * len(column)


def test_the_column_form_of_the_key_rule_finds_an_empty_cell_anywhere() -> None:
    assert node_key_problems_columns(SCHEMA, "StateBody", {"name": ["a", "b"], "body_type": ["army", "army"]}) == []
    got = node_key_problems_columns(SCHEMA, "StateBody", {"name": ["a", ""], "body_type": ["army", "army"]})
    assert [(p.field, p.reason) for p in got] == [("name", "missing: a StateBody's id is derived from name")]
    got = node_key_problems_columns(SCHEMA, "StateBody", {"name": ["a"]})
    assert [(p.field, p.reason) for p in got] == [("body_type", "required for a StateBody")]
