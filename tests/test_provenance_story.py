"""The provenance queries' exact answers on a small hand-made story (tests/data/story-aurora):

- the Harbour Gazette (we hold its text) reports that crates of rifles were loaded at Port Vell
  onto the Aurora, "a dockworker told the Gazette";
- the Coastal Courier and the Daily Tribune re-report it, crediting the Gazette and the
  dockworker; the Courier alone adds "The Aurora then sailed for Tarsis, the Gazette said";
- "On 2 May the Ministry of Ports denied the Gazette report" (the Courier);
- a later atlas puts Port Vell at 41.37 N, 2.18 E, where the Gazette says 41.35 N, 2.17 E.

Derived by hand, on the rule that a claim's origins are the ends of its attribution chains
(courier -> gazette -> dockworker) and that a stance on a report covers that report's own claims.
Runs on every configured engine (FalkorDB always; Neo4j when INTELGRAPH_TEST_NEO4J_URI is set).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intelgraph.api import load_paths
from intelgraph.queries.runner import run_saved

STORY = Path(__file__).resolve().parent / "data" / "story-aurora" / "aurora.yaml"
GAZETTE = "Harbour Gazette report on the Aurora"
COURIER = "Coastal Courier on the Gazette report"
TRIBUNE = "Daily Tribune on the Gazette report"
ATLAS = "Atlas of the Inner Sea"
DOCKWORKER = "Dockworker at Port Vell"
LOADED = "Crates of rifles were loaded at Port Vell onto the Aurora."
SAILED = "The Aurora sailed for Tarsis."
COORDS = "Port Vell lies at 41.37 N, 2.18 E."
CONTAINS = "Rifles on the Aurora CONTAINS Rifles"
DENIAL = "On 2 May the Ministry of Ports denied the Gazette report"


@pytest.fixture
def story(engine_store):
    load_paths(engine_store, [STORY])
    return engine_store


def q(store, name, *columns, **params):
    return [tuple(r[c] for c in columns) for r in run_saved(store, name, params).records()]


def test_single_source_claims(story):
    # the three accounts of the loading (the Gazette's own and two re-reports) all end at the
    # dockworker: one origin, listed once per document that reports it; "sailed for Tarsis"
    # ends at the Gazette (the Courier names no informant for it); the atlas credits no one
    assert q(story, "single-source-claims", "rests_on", "claim", "reported_by") == [
        (ATLAS, COORDS, ATLAS),
        (DOCKWORKER, LOADED, COURIER),
        (DOCKWORKER, LOADED, TRIBUNE),
        (DOCKWORKER, LOADED, GAZETTE),
        (GAZETTE, SAILED, COURIER),
    ]
    assert q(story, "single-source-claims", "rests_on", max_credibility=2) == [(ATLAS,)]


def test_rests_on_source(story):
    cols = ("kind", "what", "reported_by", "support")
    # discrediting the Gazette takes down its own claim, both re-reports of it, what the
    # Courier credits to it, and the cargo resting on those claims
    assert q(story, "rests-on-source", *cols, source=GAZETTE) == [
        ("claim", LOADED, COURIER, "only this source"),
        ("claim", LOADED, TRIBUNE, "only this source"),
        ("claim", LOADED, GAZETTE, "only this source"),
        ("claim", SAILED, COURIER, "only this source"),
        ("fact", CONTAINS, None, "only this source"),
    ]
    # discrediting the dockworker takes down every account of the loading, not the sailing
    assert q(story, "rests-on-source", *cols, source=DOCKWORKER) == [
        ("claim", LOADED, COURIER, "only this source"),
        ("claim", LOADED, TRIBUNE, "only this source"),
        ("claim", LOADED, GAZETTE, "only this source"),
        ("fact", CONTAINS, None, "only this source"),
    ]
    # one re-report: its own claim falls, the cargo keeps the other accounts
    assert q(story, "rests-on-source", *cols, source=TRIBUNE) == [
        ("claim", LOADED, TRIBUNE, "only this source"),
        ("fact", CONTAINS, None, "also others"),
    ]
    assert q(story, "rests-on-source", *cols, source=ATLAS) == [("claim", COORDS, ATLAS, "only this source")]


def test_contested_claims(story):
    # one row for the one stance: on the report, covering the claim the Gazette itself makes,
    # not copied onto the Courier's or the Tribune's claims
    assert q(story, "contested-claims", "claim", "target_kind", "report_claims", "stance", "party", "quotes",
             "reported_by", "date") == [
        (GAZETTE, "Document", [LOADED], "denies", "Ministry of Ports", [DENIAL], [COURIER], "2023-05-02")]


def test_stances(story):
    assert q(story, "stances", "party", "stance", "target", "target_kind", "reported_by", "date") == [
        ("Ministry of Ports", "denies", GAZETTE, "Document", [COURIER], "2023-05-02")]


def test_claims_by_source(story):
    cols = ("how", "claim", "asserted_by", "stances")
    assert q(story, "claims-by-source", *cols, source=GAZETTE) == [
        (["credited with"], LOADED, COURIER, []),
        (["credited with"], LOADED, TRIBUNE, []),
        (["asserts"], LOADED, GAZETTE, ["denies (the report): Ministry of Ports"]),
        (["credited with"], SAILED, COURIER, []),
    ]
    assert q(story, "claims-by-source", *cols, source=TRIBUNE) == [(["asserts"], LOADED, TRIBUNE, [])]


def test_attribution_chain(story):
    assert q(story, "attribution-chain", "depth", "chain", "kind", source=COURIER) == [
        (1, [COURIER, GAZETTE], "Document"),
        (2, [COURIER, GAZETTE, DOCKWORKER], "Informant"),
    ]
    assert q(story, "attribution-chain", "depth", "chain", "kind", source=ATLAS) == []
