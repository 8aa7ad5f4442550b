"""Every saved query, run on the sample story in both real engines (the embedded FalkorDB and
Neo4j), with its actual answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from intelgraph.errors import QueryError, ReadOnlyViolation
from intelgraph.queries.registry import load_queries, load_queries_from, parse_query_file
from intelgraph.queries.runner import resolve_entity, run_saved

MEMO = "Middle East Monitor — Iraqi militias smuggle weapons to Russia via Iran"
AJ = "Al Jazeera Net — Baghdad report on Iraqi reactions to the Guardian report on weapons smuggled to Russia"
GUARDIAN = "The Guardian report on Iraqi weapons smuggled to Russia"
SHIPMENT = "PMF weapons to Russia via Iran"
CASPIAN = "Caspian crossing of three cargo ships, Bandar Anzali to Astrakhan"


@pytest.fixture(scope="module")
def sample_store(engine_sample_store):
    """Here the sample graph is each engine's in turn (see conftest.engine_sample_store)."""
    return engine_sample_store


def rows(store, name, **params):
    return run_saved(store, name, params).records()


def test_at_least_twelve_saved_queries_each_tested_here():
    names = set(load_queries())
    assert len(names) >= 12
    tested = {n.removeprefix("test_").replace("_", "-") for n in globals() if n.startswith("test_")}
    assert names <= tested, f"saved queries without a test: {sorted(names - tested)}"


def test_shipment_route(sample_store):
    legs = rows(sample_store, "shipment-route", shipment=SHIPMENT)
    assert [leg["leg"] for leg in legs] == [1, 2]
    stops = [s for leg in legs for s in leg["stops"]]
    assert stops == ["Iraq", "Salamja", "Iran", "Iran", "Russia"]
    assert [leg["mode"] for leg in legs] == ["land", "sea"]
    assert legs[0]["date_from"] == "2022-03-26"
    assert legs[1]["carriers"] == []
    assert MEMO in legs[0]["sources"]
    # the Guardian's "example of one of the shipments" is a shipment of its own
    caspian = rows(sample_store, "shipment-route", shipment=CASPIAN)
    assert [leg["stops"] for leg in caspian] == [["Bandar Anzali", "Caspian Sea", "Astrakhan"]]
    assert len(caspian[0]["carriers"]) == 3 and caspian[0]["date_from"] is None
    # without a shipment: every shipment with legs
    assert {r["shipment"] for r in rows(sample_store, "shipment-route")} == {SHIPMENT, CASPIAN}


#: Each leg's support, derived by hand from the articles: MEMO re-reports the Guardian, which has
#: the route and the date from "a militia commander who helped with the transport" (one origin
#: however many outlets repeat him) and the Caspian example on its own word; every claim is F3;
#: the Border Ports Authority "denied the passage of weapons from Iraq to abroad" -- the crossing.
COMMANDER = "Militia commander who helped with the transport"
SALAMJA_CLAIM = {"claim": "MEMO/Guardian: the weapons crossed from Iraq into Iran at Salamja on 26 March",
                 "grade": "F3", "origins": [COMMANDER], "status": "denied"}
SEA_CLAIM = {"claim": "MEMO/Guardian: the Iranian army received the weapons and shipped them by sea to Russia",
             "grade": "F3", "origins": [COMMANDER], "status": "uncontested"}
LEG_SUPPORT = {
    (SHIPMENT, 1): {"grade": None, "credibility": None, "origins": 1, "status": "denied", "claims": [SALAMJA_CLAIM]},
    (SHIPMENT, 2): {"grade": "F3", "credibility": 3, "origins": 1, "status": "uncontested", "claims": [SEA_CLAIM]},
    (CASPIAN, 1): {"grade": "F3", "credibility": 3, "origins": 1, "status": "uncontested", "claims": [
        {"claim": "MEMO/Guardian: an example of one of the shipments involved three cargo ships, two Russian-flagged "
                  "and one Iranian-flagged", "grade": "F3", "origins": [GUARDIAN], "status": "uncontested"},
        {"claim": "MEMO/Guardian: the ships crossed the Caspian Sea from Bandar Anzali to Astrakhan",
         "grade": "F3", "origins": [GUARDIAN], "status": "uncontested"}]},
}


def _support(leg):
    return {k: leg[k] for k in ("grade", "credibility", "origins", "status", "claims")}


def test_shipment_route_shows_each_legs_claims_and_takes_the_filters(sample_store):
    every = rows(sample_store, "shipment-route")
    assert {(r["shipment"], r["leg"]): _support(r) for r in every} == LEG_SUPPORT
    # the denied crossing is left out when denials are; the sea leg and the Caspian example stay
    kept = rows(sample_store, "shipment-route", exclude_denied=True)
    assert [(r["shipment"], r["leg"]) for r in kept] == [(CASPIAN, 1), (SHIPMENT, 2)]
    # every leg rests on one origin's possibly-true word: none is probably true, none has two origins
    assert rows(sample_store, "shipment-route", max_credibility=2) == []
    assert rows(sample_store, "shipment-route", min_origins=2) == []
    assert [(r["shipment"], r["leg"]) for r in rows(sample_store, "shipment-route", max_credibility=3)] == \
        [(CASPIAN, 1), (SHIPMENT, 2)]  # the denied leg has no uncontested claim: it counts as 6
    # every leg of the sample rests on claims: leaving out evidence-only legs leaves them all
    assert rows(sample_store, "shipment-route", evidence_only=False) == every


def test_routes_between(sample_store):
    found = rows(sample_store, "routes-between", origin="Iraq", destination="Russia")
    assert len(found) == 1
    assert found[0]["shipment"] == SHIPMENT
    assert found[0]["route"] == ["Iraq", "Salamja", "Iran", "Russia"]
    assert found[0]["modes"] == ["land", "sea"]
    # a place inside the destination country is enough
    inner = rows(sample_store, "routes-between", origin="Bandar Anzali", destination="Astrakhan")
    assert [(r["shipment"], r["route"]) for r in inner] == [(CASPIAN, ["Bandar Anzali", "Caspian Sea", "Astrakhan"])]
    assert [r["shipment"] for r in rows(sample_store, "routes-between", origin="Iran", destination="Astrakhan")] == [CASPIAN]
    # the wrong way round there is no route
    assert rows(sample_store, "routes-between", origin="Astrakhan", destination="Salamja") == []


def test_routes_between_shows_each_legs_support_and_takes_the_filters(sample_store):
    found = rows(sample_store, "routes-between", origin="Iraq", destination="Russia")
    assert [[(leg["leg"], leg["departs"], leg["arrives"], leg["mode"]) for leg in r["legs"]] for r in found] == \
        [[(1, "Iraq", "Iran", "land"), (2, "Iran", "Russia", "sea")]]
    assert [_support(leg) for leg in found[0]["legs"]] == [LEG_SUPPORT[SHIPMENT, 1], LEG_SUPPORT[SHIPMENT, 2]]
    # without the denied Salamja crossing, no leg leaves Iraq: there is no route
    for filters in ({"exclude_denied": True}, {"max_credibility": 3}, {"max_credibility": 2}, {"min_origins": 2}):
        assert rows(sample_store, "routes-between", origin="Iraq", destination="Russia", **filters) == [], filters
    # the sea leg alone still carries the route from Iran, and the Caspian example
    sea = rows(sample_store, "routes-between", origin="Iran", destination="Russia", exclude_denied=True)
    assert [(r["shipment"], r["route"], [leg["leg"] for leg in r["legs"]]) for r in sea] == [
        (CASPIAN, ["Bandar Anzali", "Caspian Sea", "Astrakhan"], [1]), (SHIPMENT, ["Iran", "Russia"], [2])]


def test_chokepoints(sample_store):
    ranked = rows(sample_store, "chokepoints")
    places = {r["place"]: r for r in ranked}
    assert {"Salamja", "Bandar Anzali", "Astrakhan", "Caspian Sea"} <= set(places)
    assert places["Salamja"]["roles"] == ["PASSES_THROUGH"]
    assert all(r["shipments"] == 1 for r in ranked)
    assert rows(sample_store, "chokepoints", min_shipments=2) == []
    assert len(rows(sample_store, "chokepoints", limit=2)) == 2


def test_connections(sample_store):
    paths = rows(sample_store, "connections", **{"from": "PMF", "to": "Russia"})
    assert paths, "PMF and Russia are connected"
    first = paths[0]
    assert first["entities"][0] == "Popular Mobilization Forces" and first["entities"][-1] == "Russia"
    assert len(first["steps"]) == first["hops"]
    for step in first["steps"]:
        assert step["type"] and step["sources"], step
        assert step["direction"] in ("forward", "backward")
    # through the Iranian army, on whose word?
    army = rows(sample_store, "connections", **{"from": "Iranian army", "to": "PMF"})
    assert army and all(s["sources"] for p in army for s in p["steps"])
    # credibility filter: nothing graded 1 links them
    assert rows(sample_store, "connections", **{"from": "PMF", "to": "Russia", "max_credibility": 1}) == []


def test_connections_show_each_steps_support_and_take_the_filters(sample_store):
    """PMF SUPPORTS Russia rests on the commander's word that the weapons came from the PMF and
    on the PMF source's motive (two origins, both F3, uncontested). Probably true (2) or better,
    the shortest chains are two hops: through the factions (AJ's own account of their supporters,
    B2) or Iraq (Shawqi's $8 billion deal, C2) -- each first step MEMO's own description of the
    PMF ("the umbrella group of Iran-backed Shiite militias in Iraq", C2)."""
    direct = rows(sample_store, "connections", **{"from": "PMF", "to": "Russia"})
    assert [(p["entities"], [(s["type"], s["grade"], s["credibility"], s["origins"], s["status"])
                             for s in p["steps"]]) for p in direct] == [
        (["Popular Mobilization Forces", "Russia"], [("SUPPORTS", "F3", 3, 2, "uncontested")])]
    assert [k["origins"] for k in direct[0]["steps"][0]["claims"]] == [  # claims by name
        ["PMF source quoted by the Guardian"], [COMMANDER]]
    probable = rows(sample_store, "connections", **{"from": "PMF", "to": "Russia", "max_credibility": 2})
    assert [(p["entities"], [(s["type"], s["grade"], s["status"]) for s in p["steps"]]) for p in probable] == [
        (["Popular Mobilization Forces", "Iraqi armed factions", "Russia"],
         [("MEMBER_OF", "C2", "uncontested"), ("SUPPORTS", "B2", "uncontested")]),
        (["Popular Mobilization Forces", "Iraq", "Russia"],
         [("BASED_IN", "C2", "uncontested"), ("AGREEMENT_WITH", "C2", "uncontested")])]
    # every tie of the sample rests on claims: leaving out evidence-only ties leaves the same chains
    assert rows(sample_store, "connections", **{"from": "PMF", "to": "Russia", "max_credibility": 2,
                                               "evidence_only": False}) == probable
    # Russia's invasion of Ukraine is confirmed (C1): MEMO's own word, and Al Jazeera Net's
    war = rows(sample_store, "connections", **{"from": "Russia", "to": "Ukraine", "max_credibility": 1})
    assert [[(s["type"], s["grade"], s["credibility"], s["origins"]) for s in p["steps"]] for p in war] == [
        [("OPPOSES", "C1", 1, 2)]]


def test_network(sample_store):
    near = rows(sample_store, "network", entity="Iranian army", hops=1)
    assert {r["neighbour"] for r in near} == {"Iran", SHIPMENT}
    assert all(r["distance"] == 1 for r in near)
    two = rows(sample_store, "network", entity="Iranian army", hops=2)
    assert {r["distance"] for r in two} == {1, 2}
    assert "Popular Mobilization Forces" in {r["neighbour"] for r in two if r["distance"] == 2}
    assert "Iranian army" not in {r["neighbour"] for r in two}


def test_common_associates(sample_store):
    common = {r["associate"]: r for r in rows(sample_store, "common-associates", first="PMF", second="Russia")}
    assert SHIPMENT in common
    assert common[SHIPMENT]["firstTies"] == ["SENT"] and common[SHIPMENT]["secondTies"] == ["RECEIVED"]
    assert "Iran" in common
    assert all(r["sources"] for r in common.values())


def test_shipment_parties(sample_store):
    parties = rows(sample_store, "shipment-parties", shipment=SHIPMENT)
    by_role: dict[str, set[str]] = {}
    for r in parties:
        by_role.setdefault(r["role"], set()).add(r["party"])
        assert r["sources"], r
    assert "Popular Mobilization Forces" in by_role["sent"]
    assert "Iranian army" in by_role["handled"]
    assert by_role["received"] == {"Russia"}
    assert "carried leg 2" not in by_role
    caspian = rows(sample_store, "shipment-parties", shipment=CASPIAN)
    assert {r["role"] for r in caspian} == {"carried leg 1"} and len(caspian) == 3
    assert {"RPG", "Anti-tank missiles", "Bavar 373", "S-300"} <= by_role["contains"]
    tanks = [r for r in rows(sample_store, "shipment-parties") if r["party"] == "Tanks"]
    assert tanks[0]["quantity"] == 74


def test_claims_by_source(sample_store):
    memo = rows(sample_store, "claims-by-source", source=MEMO)
    assert len(memo) == 27 and all(r["how"] == ["asserts"] for r in memo)
    assert all(r["quote"] and r["reliability"] and r["credibility"] for r in memo)
    salamja = [r for r in memo if "Salamja" in r["claim"]]
    assert [r["stances"] for r in salamja] == [["denies: Iraqi Border Ports Authority"]]
    # AJ: "its war on Ukraine" -- its own confirmation of MEMO's invasion claim
    assert [r["stances"] for r in memo if "invasion" in r["claim"]] == [[f"confirms: {AJ}"]]
    guardian = rows(sample_store, "claims-by-source", source=GUARDIAN)
    assert len(guardian) == 14 and all(r["how"] == ["credited with"] for r in guardian)
    # the Joint Operations Command declined to comment on the Guardian report: that is not a
    # stance on what MEMO credits to it (Işık's satellite-imagery remark among them)
    isik = [r for r in guardian if "satellite imagery" in r["claim"]]
    assert [r["stances"] for r in isik] == [[]]
    assert not any("Joint Operations Command" in s for r in guardian for s in r["stances"])


def test_contested_claims(sample_store):
    # One row per contesting stance, derived from Al Jazeera Net: the Border Ports Authority
    # "denied the passage of weapons from Iraq to abroad" (two claims), the embassy "denied the
    # authenticity of the report" and called the "weapons smuggled from Iraq by Iran" baseless
    # (two claims), the factions' "rejection and skepticism", Al-Basri ("naive"; "questioned
    # how weapons were smuggled"), Al-Baydar ("illogical"), the security experts ("leaks"), and
    # the Joint Operations Command "declined to comment". The Iraqi government "has not yet
    # responded": that contests nothing. No stance on the Guardian is copied onto MEMO's or
    # AJ's claims: the Guardian asserts no claim we hold (report_claims is empty).
    found = [(r["claim"][:30], r["stance"], r["party"]) for r in rows(sample_store, "contested-claims")]
    assert found == [
        ("Russia received equipment and ", "denies", "Embassy of Iran in London"),
        ("Russia received equipment and ", "denies", "Iraqi Border Ports Authority"),
        ("Russia received equipment and ", "doubts", "Muhammad Al-Basri"),
        (GUARDIAN[:30], "doubts", "Ali Al-Baydar"),
        (GUARDIAN[:30], "denies", "Embassy of Iran in London"),
        (GUARDIAN[:30], "doubts", "Iraqi armed factions"),
        (GUARDIAN[:30], "declines_to_comment", "Joint Operations Command"),
        (GUARDIAN[:30], "doubts", "Muhammad Al-Basri"),
        (GUARDIAN[:30], "doubts", "Security experts cited by Al Jazeera Net"),
        ("The weapons first crossed the ", "denies", "Iraqi Border Ports Authority"),
        ("Weapons from Iraq are being sm", "denies", "Embassy of Iran in London"),
    ]
    full = rows(sample_store, "contested-claims")
    assert all(r["reported_by"] == [AJ] and r["quotes"] and r["report_claims"] == [] for r in full)
    joc = [r for r in full if r["party"] == "Joint Operations Command"]
    assert [(r["claim"], r["target_kind"], r["quotes"]) for r in joc] == [
        (GUARDIAN, "Document", ["the Joint Operations Command declined to comment on the matter"])]


# The factual claims whose attribution chains end at one origin, derived by hand from the two
# articles (origin = the party at the end of the chain the outlet gives: MEMO/AJ -> Guardian ->
# informant; the outlet itself when it credits no one):
# - the militia commander: the PMF origin, the 26 March Salamja crossing, the Iranian army and
#   the sea route ("cites a militia commander who helped with the transport");
# - the PMF source: its two motives; Işık's remarks are assessments, so not here by default;
# - the Guardian itself (no informant named): smuggled with Iran's help, the weapons carried,
#   the example shipment's three ships and their Caspian crossing;
# - Shawqi's three facts of the Iraq-Russia deal, Hage Ali's air support, Al-Basri's
#   mercenaries, al-Qaisi's account (the authority speaks through him: one voice), the
#   authority's monitoring, the communication sites' removal of the sign, AJ's own posters.
# Not here: the heavy weapons and AJ's two Guardian claims (two informants each: intelligence
# sources and militia members, distinct origins); "Russian forces are invading Ukraine" (AJ
# confirms it on its own: "its war on Ukraine").
SINGLE_SOURCE = [
    ("Ahmed Shawqi", "74 tanks and a number of armoured vehicles"),
    ("Ahmed Shawqi", "Iraq signed armament agreements with Russia"),
    ("Ahmed Shawqi", "Recent sanctions against Russia have hampered"),
    # the outlets' own descriptions of the parties, places and weapons (C2; B2 first-hand): the
    # background facts rest on them, each on one outlet's word
    *[(AJ, start) for start in (
        "Alaeddin al-Qaisi is the spokesman", "Large photographs of Russian President Vladimir Putin",
        "The Border Ports Authority is an Iraqi body", "The Guardian is a British newspaper",
        "The Iranian embassy is in London", "The Iraqi armed factions whose members the Guardian cites",
        "The Iraqi government is", "The Joint Operations Command is", "The authorities removed the photographs")],
    ("Alaeddin al-Qaisi", "Security forces are present at the border crossings"),
    ("Communication sites credited with the photo of the Putin sign", "The authorities removed the sign"),
    ("Iraqi Border Ports Authority", "Monitoring at Iraq's border ports"),
    *[(MEMO, start) for start in (
        "Bandar Anzali is a northern port of Iran", "Iraq and Iran share a border",
        "Mohaned Hage Ali is a researcher", "The Iranian army is", "The Popular Mobilization Forces are the umbrella",
        "The militias in Iraq whose members", "The rocket launcher systems are Brazilian-designed",
        "Yörük Işık is an Istanbul-based")],
    ("Militia commander who helped with the transport", "The weapons came from the Popular Mobilization Forces"),
    ("Militia commander who helped with the transport", "The weapons first crossed the Iraqi border into Iran via the Salamja"),
    ("Militia commander who helped with the transport", "The weapons were then received by the Iranian army"),
    ("Mohaned Hage Ali", "Damascus depends on Russian air support"),
    ("Muhammad Al-Basri", "Even international mercenaries"),
    ("PMF source quoted by the Guardian", "A PMF source said the main reason"),
    ("PMF source quoted by the Guardian", "A PMF source said they do not care"),
    (GUARDIAN, "An example of one of the shipments"),
    (GUARDIAN, "The ships crossed the Caspian Sea"),
    (GUARDIAN, "The weapons carried include RPGs"),
    (GUARDIAN, "Weapons from Iraq are being smuggled into Russia"),
]


def test_single_source_claims(sample_store):
    found = rows(sample_store, "single-source-claims")
    assert len(found) == len(SINGLE_SOURCE)
    for row, (origin, start) in zip(found, SINGLE_SOURCE):
        assert (row["rests_on"], row["claim"][:len(start)]) == (origin, start)
        assert row["kind"] == "factual" and row["reported_by"] in (MEMO, AJ)
    # the 26 March Salamja crossing rests on the Guardian's militia commander alone
    salamja = [r for r in found if "Salamja" in r["claim"]]
    assert [(r["rests_on"], r["reported_by"]) for r in salamja] == [("Militia commander who helped with the transport", MEMO)]
    assert not any("invasion of Ukraine" in r["claim"] for r in found)
    # assessments on request: Işık's two remarks rest on him (quoted by the Guardian), not on it
    with_views = rows(sample_store, "single-source-claims", assessments=True)
    assert {r["claim"] for r in found} < {r["claim"] for r in with_views}
    assert [r["claim"][:20] for r in with_views if r["rests_on"] == "Yörük Işık"] == [
        "Missiles are fragile", "What the Russians ne"]
    graded = rows(sample_store, "single-source-claims", max_credibility=2)
    assert [r["rests_on"] for r in graded] == ["Ahmed Shawqi"] * 3 + [AJ] * 9 + [MEMO] * 8 + ["Mohaned Hage Ali"]


def test_search(sample_store):
    hits = rows(sample_store, "search", text="ANZALI")
    assert "Bandar Anzali" in {h["name"] for h in hits}
    ports = rows(sample_store, "search", text="anzali", kind="Port")
    assert [h["name"] for h in ports] == ["Bandar Anzali"]
    by_alias = rows(sample_store, "search", text="pmf")
    assert by_alias[0]["name"] == "Popular Mobilization Forces" and by_alias[0]["match"] == "exact"
    # words of a name in any order, word starts, hyphens and apostrophes
    assert "Bandar Anzali" in {h["name"] for h in rows(sample_store, "search", text="anz band")}
    assert rows(sample_store, "search", text="s-300", kind="Materiel")[0]["name"] == "S-300"
    assert "Muhammad Al-Basri" in {h["name"] for h in rows(sample_store, "search", text="al-basri")}
    assert "Embassy of Iran in London" in {h["name"] for h in rows(sample_store, "search", text="iranian embassy")}
    with pytest.raises(QueryError, match="not allowed"):
        rows(sample_store, "search", text="x') RETURN 1 //")


def test_rests_on_source(sample_store):
    # Discrediting the militia commander (MEMO: the Guardian "cites a militia commander who
    # helped with the transport") takes down the three claims credited to him -- the PMF
    # origin, the 26 March Salamja crossing, the Iranian army's sea route -- and the facts that
    # rest on them alone, the two legs of the route with their departures, arrivals and the
    # Salamja crossing among them; Russia RECEIVED and PMF SUPPORTS Russia keep other claims.
    commander = [(r["kind"], r["what"][:38], r["support"])
                 for r in rows(sample_store, "rests-on-source", source="Militia commander who helped with the transport")]
    leg1, leg2 = "PMF weapons to Russia via Iran, leg 1:", "PMF weapons to Russia via Iran, leg 2:"
    assert commander == [
        ("claim", "The weapons came from the Popular Mobi", "only this source"),
        ("claim", "The weapons first crossed the Iraqi bo", "only this source"),
        ("claim", "The weapons were then received by the ", "only this source"),
        ("fact", "Iranian army HANDLED PMF weapons to Ru", "only this source"),
        ("fact", "PMF weapons to Russia via Iran HAS_LEG", "only this source"),
        ("fact", "PMF weapons to Russia via Iran HAS_LEG", "only this source"),
        *[("fact", leg1, "only this source")] * 3,  # ARRIVES_AT Iran, DEPARTS_FROM Iraq, PASSES_THROUGH Salamja
        *[("fact", leg2, "only this source")] * 2,  # ARRIVES_AT Russia, DEPARTS_FROM Iran
        ("fact", "Popular Mobilization Forces SENT PMF w", "only this source"),
        ("fact", "Popular Mobilization Forces SUPPORTS R", "also others"),
        ("fact", "Russia RECEIVED PMF weapons to Russia ", "also others"),
    ]
    # Discrediting the Guardian takes down everything MEMO and Al Jazeera repeat from it, its
    # informants' and Işık's words included (12 MEMO claims, AJ's two), and every shipment fact
    # resting on them; only "Iran SUPPORTS Russia" stands (MEMO's own analysis of Iran's motive).
    guardian = rows(sample_store, "rests-on-source", source=GUARDIAN)
    claims = [r["what"] for r in guardian if r["kind"] == "claim"]
    assert len(claims) == 14 and all(r["support"] == "only this source" for r in guardian if r["kind"] == "claim")
    assert "The weapons first crossed the Iraqi border into Iran via the Salamja border post on 26 March 2022." in claims
    assert "Russia received equipment and ammunition from Iraq through Iranian smuggling networks." in claims
    assert [r["what"] for r in guardian if r["support"] == "also others"] == ["Iran SUPPORTS Russia"]
    assert {"Russia RECEIVED PMF weapons to Russia via Iran", "PMF weapons to Russia via Iran CONTAINS S-300",
            "Popular Mobilization Forces SUPPORTS Russia",
            "PMF weapons to Russia via Iran, leg 1: Iraq to Iran overland via Salamja PASSES_THROUGH Salamja",
            "Russian-flagged cargo ship 1 CARRIED Caspian crossing, leg 1: Bandar Anzali to Astrakhan across the "
            "Caspian Sea"} <= {r["what"] for r in guardian if r["kind"] == "fact"}
    # MEMO's "Russian forces are invading Ukraine" stands without MEMO: AJ confirms it
    memo = {r["what"]: r["support"] for r in rows(sample_store, "rests-on-source", source=MEMO)}
    assert memo["Russian forces are conducting an invasion of Ukraine."] == "also others"
    assert memo["PMF weapons to Russia via Iran CONTAINS S-300"] == "only this source"
    assert memo["PMF weapons to Russia via Iran CONTAINS RPG"] == "also others"
    # the authority speaks through its spokesman: al-Qaisi's account falls with it
    ibpa = [(r["kind"], r["what"][:30], r["support"]) for r in rows(sample_store, "rests-on-source", source="Iraqi Border Ports Authority")]
    assert ibpa == [("claim", "Monitoring at Iraq's border po", "only this source"),
                    ("claim", "Security forces are present at", "only this source")]


def test_attribution_chain(sample_store):
    chain = rows(sample_store, "attribution-chain", source=MEMO)
    assert chain[0]["depth"] == 1
    assert any(r["chain"][:2] == [MEMO, GUARDIAN] and r["depth"] == 2 and r["kind"] == "Informant" for r in chain)


def test_stances(sample_store):
    ibpa = rows(sample_store, "stances", party="Iraqi Border Ports Authority")
    assert [(r["stance"], r["target"][:30]) for r in ibpa] == [
        ("denies", "Russia received equipment and "), ("denies", "The weapons first crossed the ")]
    everyone = rows(sample_store, "stances")
    # the 11 contesting stances, AJ's confirmation and the government's "not yet responded":
    # each once, with its target
    assert len(everyone) == 13
    assert [r["stance"] for r in everyone].count("declines_to_comment") == 1
    assert {"denies", "doubts", "declines_to_comment", "not_yet_responded", "confirms"} == {r["stance"] for r in everyone}
    gov = rows(sample_store, "stances", party="Iraqi government")
    assert [(r["stance"], r["target"], r["quotes"]) for r in gov] == [
        ("not_yet_responded", GUARDIAN,
         ["The Iraqi government has not yet responded officially to what was stated in the Guardian report"])]
    # Al Jazeera Net's article carries no date, so no stance it reports has one
    assert all(r["date"] is None for r in everyone)


def test_conflicts(engine_store):
    """The sample's two articles never disagree on a value; a second story does (graded B, 2023):
    each value once, with its sources, the one the rule chooses first."""
    from conftest import SECOND_STORY
    from intelgraph.api import load_paths

    load_paths(engine_store, [], sample=True)
    assert rows(engine_store, "conflicts") == []
    load_paths(engine_store, [SECOND_STORY])
    courier = "Caspian Courier on shells for Astrakhan"
    memo_says = "Russian port on the Volga delta, reached across the Caspian Sea."
    found = [(r["entity"], r["kind"], r["property"], r["value"], r["chosen"], r["sources"])
             for r in rows(engine_store, "conflicts")]
    assert found == [
        ("Astrakhan", "Port", "description", "Russian Volga port where Iranian artillery shells were landed.", True,
         [courier]),
        ("Astrakhan", "Port", "description", memo_says, False, [MEMO]),
        ("Astrakhan", "Port", "lat", "46.34", True, [courier]),
        ("Astrakhan", "Port", "lat", "46.35", False, [MEMO]),
        ("Astrakhan", "Port", "lon", "48.03", True, [courier]),
        ("Astrakhan", "Port", "lon", "48.04", False, [MEMO]),
        ("Joint Operations Command", "StateBody", "body_type", "armed_forces", True, [courier]),
        ("Joint Operations Command", "StateBody", "body_type", "command", False, [AJ]),
    ]
    # one entity, by any of its names or its id; aliases (a union) never conflict
    astrakhan = rows(engine_store, "conflicts", entity="astrakhan")
    assert [(r["property"], r["value"]) for r in astrakhan] == [(f[2], f[3]) for f in found[:6]]
    assert rows(engine_store, "conflicts", entity=astrakhan[0]["id"]) == astrakhan
    assert rows(engine_store, "conflicts", entity="United States") == []


def test_materiel(sample_store):
    # one row per shipment; a quantity only where the articles give a number ("two Brazilian
    # rocket launchers", "an Iranian-made Bavar 373", "a Russian-made S-300", "74 tanks"),
    # null (never 0) where they give none
    found = [(r["materiel"], r["origin"], r["shipment"], r["quantity"], r["part_of"])
             for r in rows(sample_store, "materiel")]
    tanks_deal = "Russian tanks and armoured vehicles to Iraq"
    assert found == [
        ("Ammunition", [], SHIPMENT, None, []),
        ("Anti-tank missiles", [], SHIPMENT, None, []),
        ("Armoured vehicles", [], tanks_deal, None, []),
        ("Bavar 373", ["Iran"], SHIPMENT, 1, []),
        ("Brazilian-designed rocket launcher system", ["Brazil"], SHIPMENT, 2, []),
        ("RPG", [], SHIPMENT, None, []),
        ("S-300", ["Russia"], SHIPMENT, 1, []),
        ("Tanks", [], tanks_deal, 74, []),
    ]


OVERLAP = """dataset: overlap
sources:
  - {ref: doc, kind: Document, name: An overlap report, file: doc.txt}
entities:
  - {ref: shells, kind: Materiel, name: Shells, materiel_type: artillery shell, evidence: [{source: doc, quote: "shells"}]}
  - {ref: drones, kind: Materiel, name: Drones, materiel_type: drone, evidence: [{source: doc, quote: "drones"}]}
  - {ref: flow, kind: Shipment, name: Six months of shells, evidence: [{source: doc, quote: "in six months"}]}
  - {ref: voyage, kind: Shipment, name: One voyage, evidence: [{source: doc, quote: "one voyage"}]}
facts:
  - {type: CONTAINS, from: flow, to: shells, props: {quantity: 300}, evidence: [{source: doc, quote: "300 shells in six months"}]}
  - {type: CONTAINS, from: voyage, to: shells, props: {quantity: 40}, evidence: [{source: doc, quote: "40 on one voyage"}]}
  - {type: CONTAINS, from: voyage, to: drones, evidence: [{source: doc, quote: "and drones"}]}
  - {type: PART_OF_SHIPMENT, from: voyage, to: flow, evidence: [{source: doc, quote: "one voyage of them"}]}
"""


def test_materiel_never_adds_a_shipment_to_the_one_it_is_part_of(store, tmp_path):
    from intelgraph.api import load_paths

    (tmp_path / "doc.txt").write_text("300 shells in six months; 40 on one voyage of them, and drones.",
                                      encoding="utf-8")
    (tmp_path / "overlap.yaml").write_text(OVERLAP, encoding="utf-8")
    load_paths(store, [tmp_path / "overlap.yaml"])
    found = [(r["materiel"], r["shipment"], r["quantity"], r["part_of"]) for r in rows(store, "materiel")]
    assert found == [("Drones", "One voyage", None, ["Six months of shells"]),
                     ("Shells", "One voyage", 40, ["Six months of shells"]),
                     ("Shells", "Six months of shells", 300, [])]


# -- parameters and entity resolution ---------------------------------------------------
def test_entity_names_are_case_insensitive_and_aliases_work(sample_store):
    a = resolve_entity(sample_store, "popular mobilization forces")
    assert a == resolve_entity(sample_store, "PMF") == resolve_entity(sample_store, "pmf")
    assert resolve_entity(sample_store, a) == a  # ids pass through
    embassy = resolve_entity(sample_store, "IRANIAN EMBASSY IN LONDON")
    assert embassy.startswith("statebody:")


def test_unknown_entity_is_a_clear_error(sample_store):
    with pytest.raises(QueryError, match="no entity named 'Atlantis'"):
        run_saved(sample_store, "network", {"entity": "Atlantis"})


def test_parameters_are_typed_before_anything_is_sent(sample_store):
    with pytest.raises(QueryError, match="hops"):
        run_saved(sample_store, "network", {"entity": "PMF", "hops": "two"})
    with pytest.raises(QueryError, match="at most 3"):
        run_saved(sample_store, "network", {"entity": "PMF", "hops": "9"})
    with pytest.raises(QueryError, match="no parameter"):
        run_saved(sample_store, "chokepoints", {"bogus": "1"})
    with pytest.raises(QueryError, match="needs parameter 'from'"):
        run_saved(sample_store, "connections", {"to": "Russia"})


def test_kinds_restrict_entity_parameters(sample_store):
    with pytest.raises(QueryError, match="among Shipment"):
        run_saved(sample_store, "shipment-route", {"shipment": "PMF"})


# -- the files themselves ---------------------------------------------------------------
def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / f"{name}.cypher"
    p.write_text(text, encoding="utf-8")
    return p


def test_undeclared_parameter_is_reported_with_file_and_line(tmp_path):
    p = _write(tmp_path, "bad", "// name: bad\n// title: t\n// description: d\nMATCH (n) WHERE n.id = $x RETURN n\n")
    with pytest.raises(QueryError) as err:
        parse_query_file(p)
    assert f"{p}:4" in str(err.value) and "$x" in str(err.value)


def test_a_saved_query_that_writes_is_refused_on_load(tmp_path):
    p = _write(tmp_path, "evil", "// name: evil\n// title: t\n// description: d\nMATCH (n) DETACH DELETE n\n")
    with pytest.raises(QueryError, match="read-only"):
        parse_query_file(p)


def test_a_write_slipped_past_the_file_check_is_refused_by_the_engine(sample_store, tmp_path):
    # a write hidden from the keyword check still cannot run: saved queries run read-only
    # (each engine's own writing procedure, named so that no keyword gives it away)
    call = {"falkordb": "CALL db.idx.fulltext.createNodeIndex('Entity', 'name')",
            "neo4j": "CALL db.createLabel('Sneaky')"}[sample_store.engine]
    _write(tmp_path, "sneaky", f"// name: sneaky\n// title: t\n// description: d\n{call}\n")
    q = load_queries_from(tmp_path)["sneaky"]
    before = sample_store.counts()
    with pytest.raises(ReadOnlyViolation):
        run_saved(sample_store, q, {})
    assert sample_store.counts() == before


def test_header_errors_name_the_line(tmp_path):
    p = _write(tmp_path, "h", "// name: h\n// title: t\n// description: d\n// params:\n//   x: {type: widget}\nRETURN $x\n")
    with pytest.raises(QueryError, match=r":5: parameter 'x': unknown type"):
        parse_query_file(p)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_example_runs_and_answers(sample_store, name, request):
    """The examples in each header (shown by `query show`, the Browser guide and the docs)
    are real: they run on the sample story and return rows (`conflicts`: with a second story
    loaded beside it, since the sample's articles never disagree on a value)."""
    q = load_queries()[name]
    store = sample_store
    if name == "conflicts":
        from conftest import SECOND_STORY
        from intelgraph.api import load_paths

        store = request.getfixturevalue("store")
        load_paths(store, [SECOND_STORY], sample=True)
    assert run_saved(store, q, q.example_params()).rows, f"{name} with {q.example_params()} found nothing"


def test_fragments_state_a_rule_once(tmp_path):
    """``@name(...)`` in a saved query is replaced by ``fragments/name.cypher`` (one line, args
    renamed, the query's carried variables after the args); mistakes are file:line errors."""
    frags = tmp_path / "fragments"
    frags.mkdir()
    (frags / "twice.cypher").write_text("// fragment: twice\n// args: [x]\n// description: d\nx * 2\n")
    (frags / "named.cypher").write_text("// fragment: named\n// args: [n, out]\n// description: d\n"
                                        "WITH KEEP n, n.name AS out\n")
    head = "// name: q\n// title: t\n// description: d\n"
    (tmp_path / "q.cypher").write_text(head + "MATCH (a), (b)\n@named(a, label, a, b)\nRETURN @twice(label) AS v\n")
    q = load_queries_from(tmp_path)["q"]
    assert q.text == "MATCH (a), (b)\nWITH b, a, a.name AS label\nRETURN (label * 2) AS v"
    (tmp_path / "q.cypher").write_text(head + "MATCH (a)\nRETURN @nothing(a) AS v\n")
    with pytest.raises(QueryError, match=r"q\.cypher:5.*no fragment named 'nothing'"):
        load_queries_from(tmp_path)
    (tmp_path / "q.cypher").write_text(head + "MATCH (a)\nRETURN @twice(a, a) AS v\n")
    with pytest.raises(QueryError, match=r"q\.cypher:5.*@twice takes 1 variable"):
        load_queries_from(tmp_path)
    (frags / "twice.cypher").write_text("// fragment: twice\n// args: [x]\n// description: d\nx * $k\n")
    with pytest.raises(QueryError, match=r"twice\.cypher:4.*may not use parameters"):
        load_queries_from(tmp_path)


def test_shipped_queries_are_sent_expanded():
    texts = {q.name: q.text for q in load_queries().values()}
    assert not any("@" in t for t in texts.values())
    # the origin rule reaches the engine inside the query that uses it
    assert "pairs_" in texts["single-source-claims"] and "SPEAKS_FOR|PUBLISHED_BY" in texts["single-source-claims"]


def test_sample_credibility_1_has_two_independent_origins(sample_store):
    """The Admiralty scale's 1, "confirmed by other sources", needs two or more independent
    origins: the claim's own (the `origins` fragment, the same rule the queries use) and those of
    parties confirming it. The sample's one C1, MEMO's "Russian forces in their invasion of
    Ukraine", has MEMO and Al Jazeera Net's own "its war on Ukraine"."""
    from intelgraph.queries.registry import expand_fragments, load_fragments_from, queries_dir

    text = expand_fragments("MATCH (c:Claim) WHERE c.credibility = 1\n@origins(c, origins)\n"
                            "WITH c, [o IN origins | o.id] AS own, [(x)-[:CONFIRMS]->(c) | x.id] AS confirming\n"
                            "RETURN c.statement AS claim, own + confirming AS origins ORDER BY claim",
                            load_fragments_from(queries_dir() / "fragments"), "test")
    found = [(claim, len(set(origins))) for claim, origins in sample_store.read(text).rows]
    assert found == [("Russian forces are conducting an invasion of Ukraine.", 2)]
