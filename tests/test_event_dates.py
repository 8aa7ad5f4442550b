"""Event dates of reduced precision end to end (issue 12, point 5), with the hand-made story
tests/data/story-volga: a report dated "June 2023", a shipment "in 2023", a ship that reached
port "before 13 April 2023", a road leg "between April and June 2023", a denial "in May 2023".
The rows are the ones an analyst reads off the text; the dates show with the precision the text
gives, and the as-of answer counts the June report from 1 June 2023. Bad dates are refused with
the file, record and field. The YAML loader, the driver path (Neo4j), the CSV export and its
reload by both CSV readers store the same graph.

The story and query tests run on every configured engine; the CSV readers' on FalkorDB.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_fact_support import rows

from intelgraph.api import load_paths
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import InputErrors
from intelgraph.loaders.bulk import stage_csv, write_staged
from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.export_admin import export_neo4j_admin
from intelgraph.loaders.plan import write_plan

VOLGA = Path(__file__).resolve().parent / "data" / "story-volga" / "volga.yaml"
LEDGER = "Volga Ledger on drones for Mozdok"
CROSSING = "Iranian drones were shipped across the Caspian Sea from Amirabad to Makhachkala in 2023."
ARRIVAL = "The first ship reached Makhachkala before 13 April 2023."
ROAD = "The drones were trucked from Makhachkala to Mozdok between April and June 2023."


@pytest.fixture
def volga(engine_store):
    load_paths(engine_store, [VOLGA])
    return engine_store


def test_dates_are_stored_as_given_with_their_bounds(volga):
    got = volga.read("MATCH (n:Entity) WHERE n.date IS NOT NULL OR n.date_from IS NOT NULL OR n.date_to IS NOT NULL "
                     "RETURN n.kind, n.name, n.date, toString(n.date_start), toString(n.date_end), "
                     "n.date_from, toString(n.date_from_start), toString(n.date_from_end), "
                     "n.date_to, toString(n.date_to_start), toString(n.date_to_end) ORDER BY n.kind, n.name").rows
    assert got == [
        ["Claim", CROSSING, "2023", "2023-01-01", "2023-12-31", None, None, None, None, None, None],
        ["Claim", ROAD, "2023-04/2023-06", "2023-04-01", "2023-06-30", None, None, None, None, None, None],
        ["Claim", ARRIVAL, "../2023-04-13", None, "2023-04-13", None, None, None, None, None, None],
        ["Document", LEDGER, "2023-06", "2023-06-01", "2023-06-30", None, None, None, None, None, None],
        ["Leg", "ship leg 1", None, None, None,
         "2023", "2023-01-01", "2023-12-31", "../2023-04-13", None, "2023-04-13"],
        ["Leg", "ship leg 2", None, None, None,
         "2023-04/2023-06", "2023-04-01", "2023-06-30", None, None, None],
        ["Shipment", "Iranian drones to Mozdok", None, None, None, "2023", "2023-01-01", "2023-12-31", None, None, None],
    ]
    assert volga.read("MATCH ()-[s:DENIES]->() RETURN s.date, toString(s.date_start), toString(s.date_end)").rows == [
        ["2023-05", "2023-05-01", "2023-05-31"]]


def test_the_route_shows_the_dates_as_the_text_gives_them(volga):
    # leg 1 rests on the crossing (uncontested) and the arrival, which the ministry denies
    assert [(r["leg"], r["departs"], r["arrives"], r["date_from"], r["date_to"], r["status"],
             [(c["claim"], c["status"]) for c in r["claims"]])
            for r in rows(volga, "shipment-route", shipment="Iranian drones to Mozdok")] == [
        (1, "Amirabad", "Makhachkala", "2023", "../2023-04-13", "uncontested",
         [(CROSSING, "uncontested"), (ARRIVAL, "denied")]),
        (2, "Makhachkala", "Mozdok", "2023-04/2023-06", None, "uncontested", [(ROAD, "uncontested")])]


def test_stances_show_the_date_as_text(volga):
    assert [(r["party"], r["stance"], r["date"]) for r in rows(volga, "stances")] == [
        ("Russian transport ministry", "denies", "2023-05")]


def test_a_report_dated_by_its_month_counts_from_its_first_day(volga):
    def single(day):
        return sorted((r["claim"], r["undated_left_out"]) for r in rows(volga, "single-source-claims", as_of=day))

    assert single("2023-05-31") == []
    assert single("2023-06-01") == sorted((c, 0) for c in (CROSSING, ARRIVAL, ROAD))
    assert [(r["party"], r["date"]) for r in rows(volga, "stances", as_of="2023-05-31")] == []
    assert [(r["party"], r["date"]) for r in rows(volga, "stances", as_of="2023-06-01")] == [
        ("Russian transport ministry", "2023-05")]


@pytest.mark.parametrize("old, new, record, field, why", [
    ("date_to: before 2023-04-13", "date_to: 2023-13", "entities[7]", "date_to", "no month 13"),
    ("date_to: before 2023-04-13", "date_to: 2023-02-30", "entities[7]", "date_to", "not a calendar date"),
    ("date_from: between 2023-04 and 2023-06", "date_from: 2023-06/2023-04", "entities[8]", "date_from",
     "ends before it starts"),
    ("date: 2023-06, reliability: C", "date: 'June 2023', reliability: C", "sources[0]", "date", "not an EDTF date"),
    ("source: ledger, date: 2023-05", "source: ledger, date: 2023-05-32", "stances[0]", "date", "not a calendar date"),
])
def test_a_bad_date_is_refused_naming_file_record_and_field(engine_store, tmp_path, old, new, record, field, why):
    folder = tmp_path / "volga"
    folder.mkdir()
    for f in VOLGA.parent.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    text = VOLGA.read_text(encoding="utf-8")
    assert text.count(old) == 1
    (folder / VOLGA.name).write_text(text.replace(old, new), encoding="utf-8")
    before = engine_store.checksum()
    with pytest.raises(InputErrors) as err:
        load_paths(engine_store, [folder / VOLGA.name])
    message = str(err.value)
    assert "volga.yaml" in message and f"({record})" in message and f"field {field!r}" in message and why in message
    assert engine_store.checksum() == before  # the graph is as it was


def test_export_and_reload_keep_the_dates(volga, tmp_path):
    """The neo4j-admin export writes each date's text and its bounds; the thorough reader loads
    it back to the same graph (on the driver path too)."""
    digest = volga.checksum()
    info = export_neo4j_admin(volga, tmp_path / "out")
    header = (tmp_path / "out" / "Document_header.csv").read_text().rstrip().split(",")
    assert ["date", "date_start:date", "date_end:date"] == [h for h in header if h.startswith("date")]
    row = (tmp_path / "out" / "Document.csv").read_text().rstrip().split(",")
    assert [row[header.index(h)] for h in ("date", "date_start:date", "date_end:date")] == [
        "2023-06", "2023-06-01", "2023-06-30"]
    files = sorted((tmp_path / "out").glob("*.csv"))
    volga.clear()
    write_plan(volga, read_csv_files(files, store=volga, array_delimiter=info["array_delimiter"]))
    assert volga.checksum() == digest


@pytest.fixture
def falkor_pair(server):
    stores = [FalkorStore(server, graph=f"volga{i}_{os.getpid()}") for i in (1, 2)]
    for st in stores:
        st.clear()
    yield stores
    for st in stores:
        st.clear()
        st.close()


def test_the_fast_reader_stores_the_dates_as_the_thorough_one(falkor_pair, tmp_path):
    """FalkorDB's fast path (BulkAppend) on the export of the story: the same graph as the YAML
    load, each date's bounds native dates (the append's date fixes)."""
    yaml_store, fast = falkor_pair
    load_paths(yaml_store, [VOLGA])
    info = export_neo4j_admin(yaml_store, tmp_path / "out")
    st = stage_csv(sorted((tmp_path / "out").glob("*.csv")), None, store=fast, array_delimiter=info["array_delimiter"])
    assert st is not None, "the fast reader declined the export"
    try:
        write_staged(fast, st)
    finally:
        st.close()
    assert fast.checksum() == yaml_store.checksum()
    assert fast.read("MATCH (l:Leg) WHERE l.date_to IS NOT NULL RETURN l.date_to, typeOf(l.date_to_end), "
                     "l.date_to_start").rows == [["../2023-04-13", "Date", None]]


ARRIVALS = "name:ID(Entity),:LABEL,materiel_type\nFlotilla consignment,Shipment,\nShahed-136,Materiel,drone\n"
UNTIL = ":START_ID(Entity),:END_ID(Entity),:TYPE,date_to:date\nFlotilla consignment,Shahed-136,CONTAINS,{}\n"


def test_a_fact_dated_again_by_a_later_load_keeps_both_dates(engine_store, tmp_path):
    """A CSV fact held "until 13 April 2023" and, in a later load, "on or before 13 April 2023"
    (an open start): the later load (on FalkorDB it finds the fact in the graph, with a date as
    text, and leaves it to the thorough reader) keeps both statements, whichever comes first,
    and the bounds are the chosen text's: no start, the same end."""
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(ARRIVALS, encoding="utf-8")
    day, before = tmp_path / "day.csv", tmp_path / "before.csv"
    day.write_text(UNTIL.format("2023-04-13"), encoding="utf-8")
    before.write_text(UNTIL.format("../2023-04-13"), encoding="utf-8")
    loads = (day, "Caspian bulletin"), (before, "Volga dispatch")
    sums = set()
    for order in (loads, loads[::-1]):
        engine_store.clear()
        for path, source in order:
            load_paths(engine_store, [nodes, path], source=source)
        got = engine_store.read("MATCH ()-[r:CONTAINS]->() RETURN r.date_to, r.date_to_start, toString(r.date_to_end), "
                                "size(r.statements)").rows
        assert got == [["../2023-04-13", None, "2023-04-13", 2]], order
        sums.add(engine_store.checksum(provenance_as_sets=True))
    assert len(sums) == 1


def test_a_merged_row_moves_the_bounds_with_the_dates_text(store):
    """The fast path's relationship MERGE (FalkorDB): a row that gives the date's text sets its
    bounds from it, removing the bound of an end the text leaves open; a row without the text
    keeps the graph's date and bounds."""
    from intelgraph.cypher.statements import relationship_rows_statement
    from intelgraph.graph.schema import PROVENANCE, load_schema

    schema = load_schema()
    rel = schema.rel("CONTAINS")
    props, dates = schema.date_layout(rel.properties, ["date_to"])
    assert set(dates) == set(schema.date_bounds("date_to"))
    store.write("CREATE (:Entity:Shipment {id: 'shipment:a'}), (:Entity:Materiel {id: 'materiel:b'})")
    ends = store.read("MATCH (a {id: 'shipment:a'}), (b {id: 'materiel:b'}) RETURN id(a), id(b)").rows[0]
    statement = relationship_rows_statement(schema, rel, props, dates)

    def merge(text: str | None) -> list:
        parsed = schema.split_dates(rel.properties, {"date_to": text})[1]
        row = [*ends, "rel:x", text, *(parsed.get(d) for d in dates), ["document:s"], [], [], None, None]
        assert len(row) == 3 + len(props) + len(dates) + len(PROVENANCE) + 2
        store.write(statement, {"rows": [row]})
        return store.read("MATCH ()-[r:CONTAINS]->() RETURN r.date_to, toString(r.date_to_start), "
                          "toString(r.date_to_end)").rows

    assert merge("2023-04-13") == [["2023-04-13", "2023-04-13", "2023-04-13"]]
    assert merge("../2023-04-13") == [["../2023-04-13", None, "2023-04-13"]]
    assert merge(None) == [["../2023-04-13", None, "2023-04-13"]]
    assert merge("2023-04") == [["2023-04", "2023-04-01", "2023-04-30"]]
