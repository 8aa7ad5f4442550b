"""The store's metadata (issue 12, points 9 and 10): the format version stamp and the load
history, kept beside the analysed graph and never part of it; ``db migrate``; and
``unload --dataset``, which rebuilds the graph from the other loads of the history.

Runs on every configured engine (the embedded FalkorDB and Neo4j)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import SECOND_STORY as CASPIAN
from test_migrate_dates import as_before
from test_statements import CASPIAN_CSV, CONTAINS, COURIER, fact_stories, write
from intelgraph.api import Graph, load_paths, unload
from intelgraph.cli import cli
from intelgraph.cypher.meta import FORMAT_VERSION, StoreVersionError, check_version, stamp, store_version
from intelgraph.errors import InputErrors, StoreError
from intelgraph.graph.schema import load_schema
from intelgraph.loaders.api import sample_path
from intelgraph.loaders.history import history
from intelgraph.loaders.migrations import MIGRATIONS, migrate

SCHEMA = load_schema()
META = SCHEMA.meta_label
SAMPLE = "pmf-weapons-2022"
STORY = "story-caspian"


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def alone(store, *, sample: bool = False, files=()) -> str:
    """The checksum of the graph that loading only these inputs gives (the store is left empty)."""
    store.clear()
    load_paths(store, list(files), sample=sample)
    digest = store.checksum(provenance_as_sets=True)
    store.clear()
    return digest


def entity_ids(store) -> set[str]:
    return {r[0] for r in store.read("MATCH (n:Entity) RETURN n.id").rows}


def drop_metadata(store) -> None:
    """Make the store one written before stores were stamped: the graph, no stamp, no history."""
    store.write(f"MATCH (m:`{META}`) DELETE m")


# -- metadata beside the graph ---------------------------------------------------------------------
@pytest.mark.slow
def test_metadata_is_no_part_of_counts_checksum_or_exports(engine_store, tmp_path):
    res = load_paths(engine_store, [], sample=True)
    read = engine_store.read
    assert read(f"MATCH (m:`{META}`) RETURN count(m)").scalar() == 2  # the stamp, one load record
    assert read(f"MATCH (m:`{META}`:Entity) RETURN count(m)").scalar() == 0
    assert read(f"MATCH (m:`{META}`)--() RETURN count(m)").scalar() == 0
    entities = read("MATCH (n:Entity) RETURN count(n)").scalar()
    assert engine_store.counts() == res.after == (entities, read("MATCH ()-[r]->() RETURN count(r)").scalar())
    digest = engine_store.checksum()
    drop_metadata(engine_store)
    assert engine_store.checksum() == digest and engine_store.counts() == res.after
    stamp(engine_store)  # (an unstamped graph is version 1)
    load_paths(engine_store, [], sample=True)
    assert engine_store.checksum() == digest
    exported = Graph(engine_store).export_neo4j_admin(tmp_path / "export")
    assert not any(META in f.name for f in (tmp_path / "export").iterdir()), exported
    # a reset leaves nothing, metadata included
    engine_store.clear()
    assert read("MATCH (n) RETURN count(n)").scalar() == 0


# -- the load history ------------------------------------------------------------------------------
def test_each_load_is_recorded(engine_store):
    first = load_paths(engine_store, [], sample=True)
    second = load_paths(engine_store, [CASPIAN])
    recs = Graph(engine_store).history()
    assert [r["seq"] for r in recs] == [1, 2]
    a, b = recs
    assert [g["dataset"] for g in a["inputs"]] == [SAMPLE] and a["inputs"][0]["sample"] is True
    assert a["inputs"][0]["files"] == [{"path": str(sample_path().resolve()), "sha256": sha(sample_path()),
                                        "size": sample_path().stat().st_size}]
    assert b["inputs"][0]["files"][0]["sha256"] == sha(CASPIAN) and b["inputs"][0]["dataset"] == STORY
    assert a["paths"] == b["paths"] == ["dataset"]
    assert (tuple(a["before"]), tuple(a["after"])) == ((0, 0), first.after)
    assert (tuple(b["before"]), tuple(b["after"])) == (first.after, second.after)
    # the sources each load brought: the sample's ten documents and informants, the Courier
    sources = {r[0]: r[1] for r in engine_store.read("MATCH (s:Source) RETURN s.id, s.name").rows}
    assert len(a["sources"]) == 10 and set(a["sources"]) <= set(sources)
    assert [sources[s] for s in b["sources"]] == [COURIER]
    for r in recs:
        at = dt.datetime.fromisoformat(r["at"])
        assert at.utcoffset() == dt.timedelta(0) and abs(dt.datetime.now(dt.timezone.utc) - at).total_seconds() < 600
        assert r["intelgraph_version"]
    # a reload changes nothing in the graph but is a load: recorded, counts equal
    load_paths(engine_store, [CASPIAN])
    last = history(engine_store)[-1]
    assert last.seq == 3 and last.before == last.after == second.after and last.sources == []


def test_a_failed_load_records_nothing(engine_store, tmp_path):
    load_paths(engine_store, [], sample=True)
    digest, recs = engine_store.checksum(), Graph(engine_store).history()
    bad = write(tmp_path / "bad.yaml", "dataset: bad\nentities:\n  - {ref: x, kind: Country}\n")
    with pytest.raises(InputErrors):
        load_paths(engine_store, [CASPIAN, bad])
    assert engine_store.checksum() == digest and Graph(engine_store).history() == recs


def test_csv_loads_are_recorded_with_their_path_and_options(engine_store, tmp_path):
    csv = write(tmp_path / "caspian.csv", CASPIAN_CSV)
    load_paths(engine_store, [csv], source=COURIER)
    (rec,) = history(engine_store)
    assert rec.paths == ["fast" if engine_store.engine == "falkordb" else "thorough"]
    assert rec.inputs[0].dataset is None and rec.inputs[0].files[0]["sha256"] == sha(csv)
    assert rec.options == {"source": COURIER, "array_delimiter": ";"}


# -- the format version ----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_version_1_store_is_refused_until_migrated(engine_store):
    fresh = alone(engine_store, sample=True)
    load_paths(engine_store, [], sample=True)
    assert store_version(engine_store)[0] == FORMAT_VERSION == 2
    drop_metadata(engine_store)  # as version 1 wrote it: no stamp, no history, native dates
    assert as_before(engine_store) > 0
    assert store_version(engine_store) == (1, None)
    with pytest.raises(StoreVersionError) as info:
        check_version(engine_store)
    assert "format version 1" in str(info.value) and "intelgraph db migrate" in info.value.message()
    with pytest.raises(StoreVersionError, match="format version 1"):
        load_paths(engine_store, [CASPIAN])
    said = migrate(engine_store)
    assert len(said) == 1 and said[0].startswith("format version 1 -> 2: recorded the graph it held")
    assert check_version(engine_store) == FORMAT_VERSION
    assert engine_store.checksum(provenance_as_sets=True) == fresh
    assert migrate(engine_store) == [f"already at format version {FORMAT_VERSION}: nothing to do"]
    assert [r.paths for r in history(engine_store)] == [["unrecorded"]]
    load_paths(engine_store, [CASPIAN])  # usable again
    # what was there before the history cannot be rebuilt: an unload says so, changing nothing
    digest = engine_store.checksum()
    with pytest.raises(StoreError, match="not loaded from files intelgraph recorded"):
        unload(engine_store, STORY)
    assert engine_store.checksum() == digest


def test_a_newer_store_is_refused_naming_what_wrote_it(engine_store):
    load_paths(engine_store, [], sample=True)
    engine_store.write(f"MATCH (s:`{SCHEMA.meta_store_label}`) SET s.version = $v, s.intelgraph_version = '9.1'",
                       {"v": FORMAT_VERSION + 1})
    with pytest.raises(StoreVersionError, match=rf"written by intelgraph 9\.1 in store format version "
                                                rf"{FORMAT_VERSION + 1}"):
        check_version(engine_store)
    with pytest.raises(StoreVersionError):
        migrate(engine_store)
    with pytest.raises(StoreVersionError):
        load_paths(engine_store, [CASPIAN])


def test_an_empty_store_is_stamped_on_its_first_write(engine_store):
    assert store_version(engine_store) == (None, None) and check_version(engine_store) is None
    Graph(engine_store).cypher("CREATE (:Entity:Country {id: 'x', name: 'X'})", write=True)
    assert store_version(engine_store)[0] == FORMAT_VERSION
    assert migrate(engine_store) == [f"already at format version {FORMAT_VERSION}: nothing to do"]


def test_the_migration_registry_reaches_this_version():
    version = 1
    for frm, to, step in MIGRATIONS:
        assert frm == version and to > frm and callable(step)
        version = to
    assert version == FORMAT_VERSION


# -- unload ----------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("first_sample", [True, False])
def test_unload_a_dataset_gives_the_graph_of_the_others_alone(engine_store, first_sample):
    """Load A, load B, unload B: the graph of A alone (the sample and the Caspian story, which
    shares three entities with it; both orders, both ways round)."""
    sample_only = alone(engine_store, sample=True)
    story_only = alone(engine_store, files=[CASPIAN])
    for gone, kept in ((STORY, sample_only), (SAMPLE, story_only)):
        engine_store.clear()
        if first_sample:
            load_paths(engine_store, [], sample=True)
            load_paths(engine_store, [CASPIAN])
        else:
            load_paths(engine_store, [CASPIAN])
            load_paths(engine_store, [], sample=True)
        before, ids = engine_store.counts(), entity_ids(engine_store)
        digest = engine_store.checksum()
        dry = unload(engine_store, gone, dry_run=True)
        assert engine_store.checksum() == digest and dry.after is None and dry.before == before
        res = unload(engine_store, gone)
        assert engine_store.checksum(provenance_as_sets=True) == kept
        assert (res.nodes, res.relationships) == (dry.nodes, dry.relationships)
        assert {n[0] for n in res.nodes} == ids - entity_ids(engine_store)
        assert res.after == engine_store.counts() and res.before == before
        assert [g.dataset for r in history(engine_store) for g in r.inputs] == [SAMPLE if gone == STORY else STORY]
        assert history(engine_store)[-1].paths == ["unload"]


def test_unload_story_removes_exactly_its_own_values(engine_store):
    load_paths(engine_store, [], sample=True)
    load_paths(engine_store, [CASPIAN])
    read = engine_store.read
    assert read("MATCH (n:Country {name: 'United States'}) RETURN n.aliases").scalar() == ["U.S.", "America", "US"]
    res = unload(engine_store, STORY)
    assert [(n[1], n[2]) for n in res.nodes] == [("Document", COURIER)] and res.relationships == []
    # the Courier's values go, the articles' stay
    assert read("MATCH (n:Country {name: 'United States'}) RETURN n.aliases").scalar() == ["America", "US"]
    assert read("MATCH (n:Port {name: 'Astrakhan'}) RETURN n.lat, n.lon").rows == [[46.35, 48.04]]
    assert read("MATCH (n:StateBody {name: 'Joint Operations Command'}) RETURN n.body_type").scalar() == "command"
    assert read("MATCH (n:Entity) WHERE n.statements IS NOT NULL RETURN count(n)").scalar() == 0


def test_unload_refuses_a_changed_or_missing_file_and_changes_nothing(engine_store, tmp_path):
    copy = tmp_path / "caspian.yaml"
    shutil.copy(CASPIAN, copy)
    shutil.copy(CASPIAN.parent / "courier.txt", tmp_path / "courier.txt")
    load_paths(engine_store, [copy])
    load_paths(engine_store, [], sample=True)
    digest, recs = engine_store.checksum(), history(engine_store)
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        unload(engine_store, SAMPLE)
    assert str(copy) in str(info.value) and "changed since it was loaded" in str(info.value)
    copy.unlink()
    with pytest.raises(InputErrors, match="cannot be read"):
        unload(engine_store, SAMPLE)
    with pytest.raises(StoreError, match="brought dataset 'nope'"):
        unload(engine_store, "nope")
    assert engine_store.checksum() == digest and history(engine_store) == recs


@pytest.mark.slow
def test_a_failed_unload_leaves_the_graph_as_it_was(engine_store, monkeypatch):
    load_paths(engine_store, [], sample=True)
    load_paths(engine_store, [CASPIAN])
    digest, recs = engine_store.checksum(provenance_as_sets=True), history(engine_store)
    import intelgraph.api as api

    real, calls = api.load_paths, []

    def failing(store, *args, **kwargs):
        calls.append(args)
        if len(calls) == 1:  # the rebuild's first load breaks; the restore's go through
            raise StoreError("injected: the connection was lost")
        return real(store, *args, **kwargs)

    monkeypatch.setattr(api, "load_paths", failing)
    with pytest.raises(StoreError, match="injected"):
        unload(engine_store, STORY)
    assert engine_store.checksum(provenance_as_sets=True) == digest and history(engine_store) == recs


def test_unload_into_an_emptied_graph_then_a_fast_load_keeps_the_history(engine_store, tmp_path, monkeypatch):
    """Unloading the only dataset leaves the stamp and the history; a CSV load into that graph
    (on FalkorDB through a staging graph that replaces it) keeps them."""
    from intelgraph.loaders import early

    monkeypatch.setenv(early.EARLY_MIN_BYTES_ENV, "0")
    load_paths(engine_store, [CASPIAN])
    unload_all = unload(engine_store, STORY)
    assert unload_all.after == (0, 0) and store_version(engine_store)[0] == FORMAT_VERSION
    csv = write(tmp_path / "caspian.csv", CASPIAN_CSV)
    res = load_paths(engine_store, [csv], source=COURIER)
    assert res.after[0] > 0 and store_version(engine_store)[0] == FORMAT_VERSION
    # the first load's record went with its dataset; the unload's and the new load's follow
    assert [(r.seq, r.paths) for r in history(engine_store)] == [
        (2, ["unload"]), (3, ["fast" if engine_store.engine == "falkordb" else "thorough"])]
    assert history(engine_store)[0].options == {"dataset": STORY}


# -- the commands ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_commands(server, tmp_path):
    def run(*args, code=0):
        res = CliRunner().invoke(cli, ["--db", str(server.dir), "--graph", f"hist_{tmp_path.name}", *args])
        assert res.exit_code == code, res.output
        return res.output

    run("load", "--sample", "-q")
    run("load", str(CASPIAN), "-q")
    table = run("history")
    assert SAMPLE in table and STORY in table and "(2 rows)" in table
    assert [r["seq"] for r in json.loads(run("db", "history", "--format", "json"))] == [1, 2]
    assert json.loads(run("db", "status", "--format", "json"))["format_version"] == FORMAT_VERSION
    dry = run("unload", "--source", COURIER, "--dry-run")
    assert "would remove 0 claims, 0 facts, 1 nodes" in dry
    assert "give --dataset NAME or --source ID" in run("unload", code=2)
    dry = run("unload", "--dataset", STORY, "--dry-run")
    assert COURIER in dry and "would remove 1 nodes and 0 relationships" in dry
    assert "removed 1 nodes" in run("unload", "--dataset", STORY)
    # a version-1 store: every command refused, naming the one that migrates it
    run("cypher", "--write", f"MATCH (m:`{META}`) DELETE m")
    out = run("query", "run", "stances", code=1)
    assert "format version 1" in out and "intelgraph db migrate" in out
    assert "format version 1 -> 2" in run("db", "migrate")
    run("query", "run", "stances")
    run("db", "reset", "--yes")


# -- unload a source -------------------------------------------------------------------------------
COMMANDER = "Militia commander who helped with the transport"
# the three things the Guardian's militia commander told it (MEMO repeats them, credited to him)
COMMANDER_CLAIMS = [
    "The weapons came from the Popular Mobilization Forces.",
    "The weapons first crossed the Iraqi border into Iran via the Salamja border post on 26 March 2022.",
    "The weapons were then received by the Iranian army and transported by sea to Russia.",
]
SHIPMENT, LEG1, LEG2 = ("PMF weapons to Russia via Iran", "PMF weapons to Russia via Iran, leg 1: Iraq to Iran "
                        "overland via Salamja", "PMF weapons to Russia via Iran, leg 2: Iran to Russia by sea")
# the route rests on his word alone: its legs, their ends and the sender and handler
COMMANDER_FACTS = sorted([
    f"Iranian army HANDLED {SHIPMENT}", f"{SHIPMENT} HAS_LEG {LEG1}", f"{SHIPMENT} HAS_LEG {LEG2}",
    f"{LEG1} ARRIVES_AT Iran", f"{LEG1} DEPARTS_FROM Iraq", f"{LEG1} PASSES_THROUGH Salamja",
    f"{LEG2} ARRIVES_AT Russia", f"{LEG2} DEPARTS_FROM Iran", f"Popular Mobilization Forces SENT {SHIPMENT}",
])
# what other sources also give
COMMANDER_KEPT = ["Popular Mobilization Forces SUPPORTS Russia", f"Russia RECEIVED {SHIPMENT}"]


def facts_named(store, whats) -> list[str]:
    return sorted(w for (w,) in store.read("MATCH (x:Entity)-[r]->(y:Entity) WITH x.name + ' ' + type(r) + ' ' + "
                                           "y.name AS w WHERE w IN $whats RETURN w", {"whats": list(whats)}).rows)


def test_unload_a_source_takes_what_rests_on_it_alone(engine_store):
    """The militia commander: what `rests-on-source` marks as falling goes, exactly; what it
    marks as also given by others stays; and the query then finds nothing resting on him."""
    from intelgraph.queries.runner import run_saved

    load_paths(engine_store, [], sample=True)
    marked = {(r["kind"], r["what"]): r["support"] for r in
              run_saved(engine_store, "rests-on-source", {"source": COMMANDER}).records()}
    assert sorted(w for (k, w), s in marked.items() if k == "claim" and s == "only this source") == COMMANDER_CLAIMS
    assert sorted(w for (k, w), s in marked.items() if k == "fact" and s == "only this source") == COMMANDER_FACTS
    assert sorted(w for (k, w), s in marked.items() if s == "also others") == COMMANDER_KEPT
    before, digest = engine_store.counts(), engine_store.checksum()
    ties = engine_store.read("MATCH (c:Claim)-[t]-() WHERE c.statement IN $s RETURN count(t)",
                             {"s": COMMANDER_CLAIMS}).scalar()
    dry = Graph(engine_store).unload(source=COMMANDER, dry_run=True)
    assert engine_store.checksum() == digest
    res = Graph(engine_store).unload(source=COMMANDER)
    assert (res.claims, res.facts) == (dry.claims, dry.facts)
    assert sorted(s for _, s in res.claims) == COMMANDER_CLAIMS and sorted(w for _, w in res.facts) == COMMANDER_FACTS
    assert res.nodes == [] and res.relationships == []  # MEMO reports him and every node: all stay
    assert engine_store.counts() == (before[0] - 3, before[1] - 9 - ties)  # 9 facts; 3 claims with their ties
    assert engine_store.read("MATCH (c:Claim) WHERE c.statement IN $s RETURN count(c)",
                             {"s": COMMANDER_CLAIMS}).scalar() == 0
    assert facts_named(engine_store, COMMANDER_FACTS) == [] and facts_named(engine_store, COMMANDER_KEPT) == COMMANDER_KEPT
    assert engine_store.read("MATCH (n:Informant {name: $n}) RETURN count(n)", {"n": COMMANDER}).scalar() == 1
    assert run_saved(engine_store, "rests-on-source", {"source": COMMANDER}).rows == []
    # no fact cites a claim that is gone
    ids = [i for i, _ in res.claims]
    assert engine_store.read("MATCH ()-[r]->() WHERE any(c IN coalesce(r.claims, []) WHERE c IN $ids) "
                             "RETURN count(r)", {"ids": ids}).scalar() == 0


@pytest.mark.slow
def test_unload_a_source_gives_the_graph_without_it(engine_store):
    """A source's values re-settled by the loaders' rule: the sample and the Caspian story, less
    the Courier, are the sample alone; less the sample's two articles, the Caspian story alone."""
    from test_queries import AJ, MEMO

    sample_only = alone(engine_store, sample=True)
    story_only = alone(engine_store, files=[CASPIAN])
    load_paths(engine_store, [], sample=True)
    load_paths(engine_store, [CASPIAN])
    res = Graph(engine_store).unload(source=COURIER)
    assert [(n[1], n[2]) for n in res.nodes] == [("Document", COURIER)] and res.changed_nodes == 4
    assert engine_store.checksum(provenance_as_sets=True) == sample_only
    load_paths(engine_store, [CASPIAN])
    for article in (MEMO, AJ):
        Graph(engine_store).unload(source=article)
    assert engine_store.checksum(provenance_as_sets=True) == story_only
    # each source unload is in the history, and a rebuild applies it again in its place: without
    # the sample, the Caspian story is loaded, the Courier taken out, the story loaded again (the
    # articles' unloads find nothing of theirs)
    recs = history(engine_store)
    assert recs[2].options == {"source": res.source}
    assert [r.paths for r in recs] == [["dataset"], ["dataset"], ["unload"], ["dataset"], ["unload"], ["unload"]]
    unload(engine_store, SAMPLE)
    assert engine_store.checksum(provenance_as_sets=True) == story_only


def test_unload_a_source_resettles_a_facts_values(engine_store, tmp_path):
    """Two outlets give one fact's quantity differently (2 and 3; the later report's 3 is chosen):
    taking either outlet out leaves the fact with the other's value alone, as if only the other
    had been loaded — its statements gone with the source, its value chosen again by the rule."""
    fa, fb = fact_stories(tmp_path)
    for keep, drop, quantity in ((fa, "Volga dispatch", 2), (fb, "Caspian bulletin", 3)):
        want = alone(engine_store, files=[keep])
        load_paths(engine_store, [fa, fb])
        assert engine_store.read(CONTAINS).rows == [[3]]
        res = Graph(engine_store).unload(source=drop)
        assert res.changed_relationships == 1 and not res.relationships
        assert engine_store.read(CONTAINS).rows == [[quantity]]
        assert engine_store.checksum(provenance_as_sets=True) == want
        engine_store.clear()
