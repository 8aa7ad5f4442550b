""""As of D" on the provenance queries (issue 12, point 5): what was claimed, denied, confirmed
and resting on a source by a day, from the documents' dates, with the exact rows derived by hand
from the hand-made stories tests/data/story-tarsis (the Tarsis Gazette of 2 June 2023, Inner Sea
Radio of 3 June 2023) and tests/data/story-aurora (a denial dated 2 May reported on 3 May; an
undated atlas), and from the sample (Middle East Monitor of 13 April 2022; Al Jazeera Net's
article carries no date, so an as-of answer leaves it out and says so).

Runs on every configured engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fact_support import STORY, rows  # the same story, read the same way

from intelgraph.api import load_paths

DOCKWORKER = "Dockworker at Port Vell"
GAZETTE = "Tarsis Gazette on the Aurora"
RADIO = "Inner Sea Radio on the Aurora"
MEMO = "Middle East Monitor — Iraqi militias smuggle weapons to Russia via Iran"


@pytest.fixture
def story(engine_store):
    load_paths(engine_store, [STORY])
    return engine_store


def test_single_source_claims_as_of_a_day(story):
    # on 2 June only the Gazette had reported: the dockworker's three claims and its own word on
    # the operator; from 3 June the radio's own sighting of the unloading too
    gazette = [("Dockworker at Port Vell", "The Aurora carried the crates from Port Vell across the Inner Sea to Tarsis."),
               ("Dockworker at Port Vell", "The crates held rifles."),
               ("Dockworker at Port Vell", "The crates went overland from Tarsis to Ophir."),
               (GAZETTE, "The Tarsis Line operates the Aurora.")]
    radio = [(RADIO, "The Aurora unloaded crates at Tarsis after crossing from Port Vell.")]

    def found(**params):
        return [(r["rests_on"], r["claim"], r["undated_left_out"]) for r in rows(story, "single-source-claims", **params)]

    assert found(as_of="2023-06-01") == []
    assert found(as_of="2023-06-02") == [(o, c, 0) for o, c in gazette]
    assert found(as_of="2023-06-03") == [(o, c, 0) for o, c in gazette[:3] + radio + gazette[3:]]  # by origin
    assert found() == found(as_of="2023-06-03")


def test_stances_and_contested_claims_as_of_a_day(story):
    # the denial and the doubt are the radio's, of 3 June: unknown on 2 June
    assert rows(story, "stances", as_of="2023-06-02") == []
    assert rows(story, "contested-claims", as_of="2023-06-02") == []
    both = [("Customs officers", "doubts", "The crates held rifles.", 0),
            ("Ministry of Ports", "denies", "The crates went overland from Tarsis to Ophir.", 0)]
    assert [(r["party"], r["stance"], r["target"], r["undated_left_out"])
            for r in rows(story, "stances", as_of="2023-06-03")] == both
    assert [(r["party"], r["stance"], r["claim"], r["undated_left_out"])
            for r in rows(story, "contested-claims", as_of="2023-06-03")] == both


def test_rests_on_source_as_of_a_day(story):
    """Discrediting the dockworker: on 2 June the sea crossing rested on his word alone, so the
    first leg and everything on it fell with him; from 3 June the radio's reporter had seen the
    Aurora unload at Tarsis, and the first leg stands on that."""
    leg1 = ["Aurora CARRIED ship leg 1", "Rifles to Sidon HAS_LEG ship leg 1", "ship leg 1 ARRIVES_AT Tarsis",
            "ship leg 1 DEPARTS_FROM Port Vell", "ship leg 1 PASSES_THROUGH Inner Sea"]
    claims = ["The Aurora carried the crates from Port Vell across the Inner Sea to Tarsis.",
              "The crates held rifles.", "The crates went overland from Tarsis to Ophir."]
    alone = ["Rifles to Sidon CONTAINS Rifles", "Rifles to Sidon HAS_LEG ship leg 2", "ship leg 2 ARRIVES_AT Ophir",
             "ship leg 2 DEPARTS_FROM Tarsis"]

    def found(**params):
        return {(r["kind"], r["what"]): r["support"]
                for r in rows(story, "rests-on-source", source=DOCKWORKER, **params)}

    early = found(as_of="2023-06-02")
    assert early == {**{("claim", c): "only this source" for c in claims},
                     **{("fact", f): "only this source" for f in alone + leg1}}
    later = found(as_of="2023-06-03")
    assert later == {**{("claim", c): "only this source" for c in claims},
                     **{("fact", f): "only this source" for f in alone},
                     **{("fact", f): "also others" for f in leg1}}
    assert found() == later
    # before either report nothing rested on him
    assert found(as_of="2023-06-01") == {}


def test_undated_documents_are_left_out_and_counted(engine_sample_store):
    """On the sample, as of MEMO's 13 April 2022: Al Jazeera Net's article is undated, so its
    claims, its confirmation of MEMO's "Russian forces in their invasion of Ukraine" and every
    stance (all reported by it) are left out, and each answer counts one document left out."""
    ss = rows(engine_sample_store, "single-source-claims", as_of="2022-04-13")
    assert {r["reported_by"] for r in ss} == {MEMO} and {r["undated_left_out"] for r in ss} == {1}
    # confirmed only by the undated article: as of that day it rests on MEMO alone
    assert [(r["rests_on"], r["credibility"]) for r in ss if "invasion of Ukraine" in r["claim"]] == [(MEMO, 1)]
    assert not any("invasion of Ukraine" in r["claim"] for r in rows(engine_sample_store, "single-source-claims"))
    assert len(ss) == 19
    # nothing is known yet, but the answer still says one undated document was left out
    empty = {"single-source-claims": ("claim", "rests_on"), "stances": ("party", "target"),
             "contested-claims": ("claim", "party")}
    for name, cols in empty.items():
        day = "2022-04-12" if name == "single-source-claims" else "2022-04-13"
        found = rows(engine_sample_store, name, as_of=day)
        assert [(tuple(r[c] for c in cols), r["undated_left_out"]) for r in found] == [((None, None), 1)], name
    # what rests on MEMO as of its day: with AJ's confirmation left out, the invasion falls with it
    memo = {r["what"]: (r["support"], r["undated_left_out"])
            for r in rows(engine_sample_store, "rests-on-source", source="MEMO article", as_of="2022-04-13")}
    assert memo["Russian forces are conducting an invasion of Ukraine."] == ("only this source", 1)
    assert memo["Russia OPPOSES Ukraine"] == ("only this source", 1)
    everyday = {r["what"]: r["support"] for r in rows(engine_sample_store, "rests-on-source", source="MEMO article")}
    assert everyday["Russian forces are conducting an invasion of Ukraine."] == "also others"
    assert {r["undated_left_out"] for r in rows(engine_sample_store, "rests-on-source", source="MEMO article")} == {0}


AURORA = Path(__file__).resolve().parent / "data" / "story-aurora" / "aurora.yaml"
LOADED = "Crates of rifles were loaded at Port Vell onto the Aurora."
HARBOUR, COURIER = "Harbour Gazette report on the Aurora", "Coastal Courier on the Gazette report"


def test_the_reporting_day_decides_and_the_undated_atlas_is_counted(engine_store):
    """The Aurora story (tests/data/story-aurora): the Harbour Gazette of 1 May 2023, the Coastal
    Courier of 3 May, the Daily Tribune of 4 May, and an undated atlas. The Ministry of Ports
    denied the Gazette report "On 2 May", but only the Courier of 3 May reports it: as of 2 May
    the denial was not known. The atlas's coordinate is left out of every as-of answer and counted."""
    load_paths(engine_store, [AURORA])

    def single(day):
        return [(r["rests_on"], r["claim"], r["reported_by"], r["undated_left_out"])
                for r in rows(engine_store, "single-source-claims", as_of=day)]

    assert single("2023-05-01") == [(DOCKWORKER, LOADED, HARBOUR, 1)]
    assert single("2023-05-03") == [(DOCKWORKER, LOADED, COURIER, 1), (DOCKWORKER, LOADED, HARBOUR, 1),
                                    (HARBOUR, "The Aurora sailed for Tarsis.", COURIER, 1)]
    assert "Port Vell lies at 41.37 N, 2.18 E." in {r["claim"] for r in rows(engine_store, "single-source-claims")}
    assert rows(engine_store, "stances", as_of="2023-05-02") == []
    assert [(r["party"], r["stance"], r["target"], r["date"], r["undated_left_out"])
            for r in rows(engine_store, "stances", as_of="2023-05-03")] == [
        ("Ministry of Ports", "denies", HARBOUR, "2023-05-02", 0)]
    assert [(r["claim"], r["report_claims"]) for r in rows(engine_store, "contested-claims", as_of="2023-05-03")] == [
        (HARBOUR, [LOADED])]
    # on 1 May only the Gazette carried the dockworker's word
    assert [(r["kind"], r["what"], r["reported_by"], r["support"])
            for r in rows(engine_store, "rests-on-source", source=DOCKWORKER, as_of="2023-05-01")] == [
        ("claim", LOADED, HARBOUR, "only this source"), ("fact", "Rifles on the Aurora CONTAINS Rifles", None, "only this source")]


def _dated_atlas(tmp_path: Path, date: str) -> Path:
    """The aurora story with its undated atlas given ``date`` (a date of reduced precision, as an
    analyst enters it), beside copies of the story's text files."""
    folder = tmp_path / date.replace("/", "_").replace(" ", "_").replace(".", "o")
    folder.mkdir()
    for f in AURORA.parent.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    text = AURORA.read_text(encoding="utf-8")
    old = "name: Atlas of the Inner Sea, reliability: A,"
    assert text.count(old) == 1
    (folder / AURORA.name).write_text(text.replace(old, f"name: Atlas of the Inner Sea, date: '{date}', reliability: A,"),
                                      encoding="utf-8")
    return folder / AURORA.name


@pytest.mark.parametrize("date, shown, before, first", [
    ("2023-05", "2023-05", "2023-04-30", "2023-05-01"),
    ("2023", "2023", "2022-12-31", "2023-01-01"),
    ("between 2023-05 and 2023-06", "2023-05/2023-06", "2023-04-30", "2023-05-01"),
    ("about 2023-05", "2023-05~", "2023-04-30", "2023-05-01"),
    # open at the start ("before 10 May 2023"): it counts from the latest day it can mean
    ("before 2023-05-10", "../2023-05-10", "2023-05-09", "2023-05-10"),
])
def test_a_date_of_reduced_precision_counts_from_its_start(engine_store, tmp_path, date, shown, before, first):
    """A document dated "2023-05" or "2023" counts from 1 May 2023 or 1 January 2023; the text
    is stored as given, in the one notation."""
    load_paths(engine_store, [_dated_atlas(tmp_path, date)])
    coords = "Port Vell lies at 41.37 N, 2.18 E."

    def atlas(day):
        return [(r["claim"], r["undated_left_out"]) for r in rows(engine_store, "single-source-claims", as_of=day)
                if r["rests_on"] == "Atlas of the Inner Sea"]

    assert engine_store.read("MATCH (d:Source {name: 'Atlas of the Inner Sea'}) RETURN d.date").rows == [[shown]]
    assert atlas(before) == []
    assert atlas(first) == [(coords, 0)]
