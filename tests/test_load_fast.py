"""The fast CSV path (intelgraph.loaders.bulk) against the classic one, on the real engine.

The fast reader and the two fast writers (``MERGE`` between nodes found by internal id; ``CREATE``
into an empty graph) must give exactly the graph the thorough reader and the per-row ``MERGE``
statements give — same counts, same checksum — on generated data, on the Krebs files and on a
file that uses every feature the fast reader handles (dates, aliases, typed relationship
properties, duplicates to merge, quoted fields with line breaks and control characters). Every
malformed input is still refused whole with the thorough reader's problems, nothing written, and
the fresh path refuses a graph that is not empty.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from intelgraph.api import load_paths
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import InputErrors
from intelgraph.graph.ids import node_id
from intelgraph.loaders.bulk import NotEmpty, stage_csv, write_staged
from intelgraph.loaders.csv_admin import read_csv_files
from intelgraph.loaders.generate import generate, iter_files
from intelgraph.loaders.plan import write_plan
from test_csv_admin import KREBS_SOURCE, MALFORMED, PERSONS, TIES, write


@pytest.fixture
def classic(server):
    """A second fresh graph, loaded the classic way for comparison."""
    st = FalkorStore(server, graph=f"classic_{os.getpid()}")
    st.clear()
    yield st
    st.clear()
    st.close()


def classic_load(store, files, source=None, **kw):
    write_plan(store, read_csv_files(files, source=source, store=store, **kw))
    return store.counts(), store.checksum()


def fast_load(store, files, source=None, fresh=None, **kw):
    st = stage_csv(files, source, store=store, **kw)
    assert st is not None, "the fast reader declined input it should handle"
    try:
        write_staged(store, st, fresh=fresh)
        return st.mode
    finally:
        st.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("gen")
    generate(out, 3000, seed=5)
    return list(iter_files(out))


@pytest.mark.parametrize("fresh", [None, True, False], ids=["auto", "fresh", "merge"])
@pytest.mark.slow
def test_generated_data_same_graph_as_the_classic_path(store, classic, generated, fresh):
    expected = classic_load(classic, generated)
    mode = fast_load(store, generated, fresh=fresh)
    assert mode == ("merge" if fresh is False else "fresh")
    assert (store.counts(), store.checksum()) == expected
    # a reload changes nothing, and takes the merge path
    assert fast_load(store, generated) == "merge"
    assert (store.counts(), store.checksum()) == expected


def test_krebs_same_graph_as_the_classic_path(store, classic):
    expected = classic_load(classic, [PERSONS, TIES], source=KREBS_SOURCE)
    assert expected[0] == (63, 153)
    fast_load(store, [PERSONS, TIES], source=KREBS_SOURCE)
    assert (store.counts(), store.checksum()) == expected
    fast_load(store, [PERSONS, TIES], source=KREBS_SOURCE, fresh=False)
    assert (store.counts(), store.checksum()) == expected


DOC = node_id("Document", ["Field report"])
DOC2 = node_id("Document", ["Second report"])
ADA, BO, CY = (node_id("Person", [n]) for n in ("Ada Lovelace", "Bo Diddley", "Cy Young"))
NODES = (
    "id:ID(Entity),:LABEL,name,aliases:string[],date:date,reliability,sources:string[],evidence:string[]\n"
    f"{DOC},Entity;Source;Document,Field report,,2021-03-04,B,{DOC},{DOC} | the report\n"
    f"{DOC2},Document,Second report,,2021-03,,{DOC2},{DOC2} | itself\n"  # a month: reduced precision
    f'{ADA},Person,Ada Lovelace,Ada;Countess,,,{DOC},"{DOC} | said ""Ada"", line one\nline two"\n'
    f"{BO},Person,Bo Diddley,,,,{DOC};{DOC2},{DOC} | Bo;{DOC2} | Bo again\n"
    f"{CY},Person,Cy Young,,,,{DOC},\"{DOC} | a tab\there\"\n"  # (other control characters are refused)
    # the same node again, its values alike: provenance adds up (a source giving other values
    # makes the node's statements explicit: the thorough reader's, tests/test_statements.py)
    f"{ADA},Person,Ada Lovelace,Ada;Countess,,,{DOC2},{DOC2} | Ada once more\n"
)
RELS = (
    ":START_ID(Entity),:END_ID(Entity),:TYPE,role,date:date,weight:float,quantity:long,sources:string[],"
    "evidence:string[],claims:string[],credibility:int\n"
    f"{ADA},{BO},SUPPORTS,funder,2021-01-02,2.5,3,{DOC},{DOC} | funds,,2\n"
    f"{ADA},{BO},SUPPORTS,funder,2021-01-02,2.5,3,{DOC2},{DOC2} | funds too,,\n"  # same fact: provenance adds up
    f"{BO},{ADA},ASSOCIATED_WITH,,,,,{DOC},{DOC} | know each other,,\n"
    f"{ADA},{BO},ASSOCIATED_WITH,,,,,{DOC2},{DOC2} | met,,\n"  # the same symmetric tie written the other way
    f"{CY},{ADA},ALLIED_WITH,,,,,{DOC},\"{DOC} | quote, with a comma\",,5\n"
)


def typed_dates_and_schema(store) -> tuple:
    """What the checksum cannot see: a date's bounds stored as dates beside its text, and the schema."""
    node = store.read("MATCH (d:Document) WHERE d.date IS NOT NULL RETURN d.date, typeOf(d.date), typeOf(d.date_start), "
                      "toString(d.date_start), typeOf(d.date_end), toString(d.date_end) ORDER BY d.date").rows
    rel = store.read("MATCH ()-[e:SUPPORTS]->() RETURN typeOf(e.date), typeOf(e.date_start), typeOf(e.date_end)").rows
    indexes = sorted((r[0], tuple(sorted(r[1]))) for r in store.read(
        "CALL db.indexes() YIELD label, properties RETURN label, properties").rows)
    constraints = [(c["label"], c["properties"], c["status"]) for c in store.graph.list_constraints()]
    return node, rel, indexes, constraints


@pytest.mark.parametrize("fresh", [None, False], ids=["fresh", "merge"])
def test_every_handled_feature_same_graph_as_the_classic_path(store, classic, tmp_path, fresh):
    files = [write(tmp_path / "nodes.csv", NODES), write(tmp_path / "rels.csv", RELS)]
    expected = classic_load(classic, files)
    assert expected[0] == (5, 3)
    assert fast_load(store, files, fresh=fresh) == ("merge" if fresh is False else "fresh")
    assert (store.counts(), store.checksum()) == expected
    assert typed_dates_and_schema(store) == typed_dates_and_schema(classic)
    assert typed_dates_and_schema(store)[:2] == (
        [["2021-03", "String", "Date", "2021-03-01", "Date", "2021-03-31"],
         ["2021-03-04", "String", "Date", "2021-03-04", "Date", "2021-03-04"]], [["String", "Date", "Date"]])
    fast_load(store, files)
    assert (store.counts(), store.checksum()) == expected
    row = store.read("MATCH (p:Person {name: 'Ada Lovelace'}) RETURN p.aliases_lc, p.evidence").rows[0]
    assert row[0] == ["ada", "countess"] and any("line one\nline two" in e for e in row[1])


def test_merging_into_a_graph_with_other_provenance(store, classic, tmp_path, generated):
    """The merge path on a graph that already holds some of the nodes and facts, from other
    sources: the same result as the classic statements."""
    files = [write(tmp_path / "nodes.csv", NODES), write(tmp_path / "rels.csv", RELS)]
    changed = [write(tmp_path / "n2.csv", NODES.replace("| the report", "| other words").replace(",B,", ",A,")),
               write(tmp_path / "r2.csv", RELS.replace("funder", "donor"))]
    for st in (store, classic):
        classic_load(st, files)
    classic_load(classic, changed)
    fast_load(store, changed)
    assert (store.counts(), store.checksum()) == (classic.counts(), classic.checksum())


def test_a_fact_whose_rows_give_different_values_goes_to_the_thorough_reader(store, classic, tmp_path):
    """One fact on two rows from two sources, one giving a quantity the other does not: each
    source's values are statements (the thorough reader's), not one row's values for both."""
    files = [write(tmp_path / "nodes.csv", NODES),
             write(tmp_path / "rels.csv", RELS.replace(f"2.5,3,{DOC2}", f"2.5,,{DOC2}"))]
    assert stage_csv(files, None, store=store) is None
    load_paths(store, files)
    stmts = store.read("MATCH ()-[r:SUPPORTS]->() RETURN r.statements").scalar()
    assert sorted(json.loads(s)[:2] for s in stmts) == sorted([["quantity", DOC], ["weight", DOC], ["weight", DOC2]])
    assert (store.counts(), store.checksum()) == classic_load(classic, files)


@pytest.mark.slow
@pytest.mark.parametrize("case, files, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_refused_whole_with_the_same_problems(store, tmp_path, case, files, expected):
    load_paths(store, [PERSONS, TIES], source=KREBS_SOURCE)
    before = (store.counts(), store.checksum())
    paths = {name: write(tmp_path / name, text) for name, text in files.items()}
    items: list = list(paths.values())
    if "h.csv" in paths:
        items = [(paths["h.csv"], paths["d.csv"])]
    source = None if case in ("no provenance", "unknown source") else "Test notes"
    assert stage_csv([*items, PERSONS, TIES], source, store=store) is None  # the fast reader declines
    with pytest.raises(InputErrors) as thorough:
        read_csv_files([*items, PERSONS, TIES], source=source, store=store)
    with pytest.raises(InputErrors) as fast:
        load_paths(store, [*items, PERSONS, TIES], source=source)
    assert fast.value.problems == thorough.value.problems
    if "h.csv" not in paths:  # the command's way: files as given
        with pytest.raises(InputErrors):
            load_paths(store, [*paths.values(), PERSONS, TIES], source=source)
    assert (store.counts(), store.checksum()) == before


def test_fresh_refuses_a_graph_that_is_not_empty(store, generated):
    load_paths(store, [PERSONS, TIES], source=KREBS_SOURCE)
    before = (store.counts(), store.checksum())
    st = stage_csv(generated, store=store)
    try:
        with pytest.raises(NotEmpty):
            write_staged(store, st, fresh=True)
    finally:
        st.close()
    with pytest.raises(NotEmpty):
        load_paths(store, generated, fresh=True)
    assert (store.counts(), store.checksum()) == before
    # automatic: a graph that is not empty is merged into
    assert load_paths(store, generated).path == "merge"


@pytest.mark.slow
def test_the_cli_takes_fresh_and_no_fresh(tmp_path, generated):
    from click.testing import CliRunner

    from intelgraph.cli import cli

    db = tmp_path / "db"
    run = CliRunner().invoke
    args = ["--db", str(db), "--graph", "g"]
    first = run(cli, [*args, "load", "-q", "--fresh", *map(str, generated)])
    assert first.exit_code == 0, first.output
    again = run(cli, [*args, "load", "-q", "--fresh", *map(str, generated)])
    assert again.exit_code == 1 and "not empty" in again.output
    merged = run(cli, [*args, "load", "-q", "--no-fresh", *map(str, generated)])
    assert merged.exit_code == 0 and first.output.split(";")[1] == merged.output.split(";")[1]
    run(cli, [*args, "db", "stop"])


def test_references_by_name_fall_back_to_the_thorough_reader(store, classic, tmp_path):
    """Names instead of ids (a leg's shipment, a row's source): the fast reader declines, the
    classic path loads them — the same graph either way."""
    nodes = write(tmp_path / "nodes.csv",
                  "name:ID(X),:LABEL,shipment,order:int,mode,source,quote\n"
                  "Memo,Document,,,,Memo,the memo\n"
                  "Convoy,Shipment,,,,Memo,a convoy\n"
                  "Convoy leg 1,Leg,convoy,1,land,Memo,the first leg\n")
    assert stage_csv([nodes], store=store) is None
    result = load_paths(store, [nodes])
    assert result.path == "classic"
    assert (store.counts(), store.checksum()) == classic_load(classic, [nodes])


# -- relationship files read column-wise (Arrow) -------------------------------------------------
CLAIM = node_id("Claim", ["Ada funds Bo"])
PLAIN_NODES = (
    "id:ID(Entity),:LABEL,name,sources:string[],evidence:string[]\n"
    f"{DOC},Entity;Source;Document,Field report,{DOC},{DOC} | the report\n"
    f"{DOC2},Document,Second report,{DOC2},{DOC2} | itself\n"
    f"{ADA},Person,Ada Lovelace,{DOC},{DOC} | Ada\n"
    f"{BO},Person,Bo Diddley,{DOC};{DOC2},{DOC} | Bo;{DOC2} | Bo again\n"
    f"{CY},Person,Cy Young,{DOC},{DOC} | Cy\n"
)
PLAIN_CLAIM = (
    "id:ID(Entity),:LABEL,name,sources:string[],evidence:string[],statement,source,quote,reliability,credibility:long\n"
    f"{CLAIM},Entity;Claim,Ada funds Bo,{DOC},{DOC} | Ada funds Bo,Ada funds Bo,{DOC},Ada funds Bo,C,3\n"
)
PLAIN_HEADER = ":START_ID(Entity),:END_ID(Entity),:TYPE,id,sources:string[],evidence:string[],claims:string[]," \
               "reliability,credibility:int\n"


def _rid(rtype, a, b, symmetric=False):
    from intelgraph.graph.ids import relationship_id

    return relationship_id(rtype, a, b, (None, None, None), symmetric=symmetric)


def plain_rels(tmp_path) -> list:
    """Unquoted relationship files (read by Arrow): a symmetric tie written in both directions,
    the same fact in two files (provenance adds up, gradings kept), claims and gradings,
    and a header file with its data file."""
    assoc = _rid("ASSOCIATED_WITH", ADA, BO, True)
    r1 = write(tmp_path / "r1.csv", PLAIN_HEADER + (
        f"{ADA},{BO},SUPPORTS,{_rid('SUPPORTS', ADA, BO)},{DOC},{DOC} | funds,{CLAIM},B,2\n"
        f"{BO},{ADA},ASSOCIATED_WITH,{assoc},{DOC},{DOC} | know each other,,,\n"
        f"{CY},{ADA},ALLIED_WITH,{_rid('ALLIED_WITH', ADA, CY, True)},{DOC};{DOC2},{DOC} | allies;{DOC2} | allies,,,5\n"))
    head = write(tmp_path / "r2-header.csv", PLAIN_HEADER)
    data = write(tmp_path / "r2-data.csv", (
        f"{ADA},{BO},SUPPORTS,{_rid('SUPPORTS', ADA, BO)},{DOC2},{DOC2} | funds too,,,\n"
        f"{ADA},{BO},ASSOCIATED_WITH,{assoc},{DOC2},{DOC2} | met,,,3\n"))
    return [r1, (head, data)]


@pytest.mark.parametrize("fresh", [None, False], ids=["fresh", "merge"])
def test_columnar_relationship_files_same_graph_as_the_classic_path(store, classic, tmp_path, fresh):
    nodes = [write(tmp_path / "nodes.csv", PLAIN_NODES), write(tmp_path / "claim.csv", PLAIN_CLAIM)]
    files = [*nodes, *plain_rels(tmp_path)]
    expected = classic_load(classic, files)
    assert expected[0] == (6, 3)
    st = stage_csv(files, store=store)
    try:
        assert st is not None and len(st.rel_blocks) >= 3 and st.spill.tell() == 0  # all read column-wise
    finally:
        st.close()
    assert fast_load(store, files, fresh=fresh) == ("merge" if fresh is False else "fresh")
    assert (store.counts(), store.checksum()) == expected
    fast_load(store, files)  # a reload changes nothing
    assert (store.counts(), store.checksum()) == expected
    best = store.read("MATCH ()-[e:SUPPORTS]->() RETURN e.reliability, e.credibility, e.claims").rows
    assert best == [["B", 2, [CLAIM]]]


@pytest.mark.slow
def test_columnar_relationships_merged_into_a_graph_that_holds_some(store, classic, tmp_path, generated):
    """Column-wise relationships between nodes the graph already holds are MERGEd (not appended):
    the same graph as the classic statements."""
    nodes = [p for p in generated if p.name.startswith("nodes_")]
    some = nodes + [p for p in generated if p.name.startswith("rels_")][:3]
    for st in (store, classic):
        classic_load(st, some)
    expected = classic_load(classic, generated)
    staged = stage_csv(generated, store=store)
    try:
        assert staged is not None and staged.rel_blocks and staged.spill.tell() == 0
    finally:
        staged.close()
    assert fast_load(store, generated) == "merge"
    assert (store.counts(), store.checksum()) == expected


def test_arrow_reads_only_plain_files(tmp_path):
    from intelgraph.loaders.columnar import plain_csv

    assert plain_csv(write(tmp_path / "a.csv", "a,b\n1,2\r\n3,4"))
    for text in ('a,b\n"1",2\n', "a,b\n\n1,2\n", "\n a,b\n", "a,b\r\n\r\n1,2", "a,b\r1,2\n", "a,b\n1,\x002\n"):
        assert not plain_csv(write(tmp_path / "b.csv", text)), repr(text)
    assert not plain_csv(write(tmp_path / "c.csv", b"\xef\xbb\xbfa,b\n1,2\n"))


def test_arrow_node_blocks_stage_exactly_what_the_column_checks_stage(tmp_path, generated, monkeypatch):
    """Node blocks taken whole by Arrow give the same staged rows as the column-wise Python checks:
    on generated files, on names that need Unicode normalising, and on a block Arrow declines
    (a backslash, which JSON escapes)."""
    from intelgraph.loaders.bulk import reader

    zoe, eve = node_id("Person", ["Zoë  Ångström"]), node_id("Person", ["Eve \\ Backslash"])
    extra = [write(tmp_path / "unicode.csv", "id:ID(Entity),:LABEL,name,sources:string[],evidence:string[]\n"
                   f"{zoe},Person,Zoë  Ångström,{DOC},{DOC} | Zoë\n"),
             write(tmp_path / "backslash.csv", "id:ID(Entity),:LABEL,name,sources:string[],evidence:string[]\n"
                   f"{eve},Person,Eve \\ Backslash,{DOC},{DOC} | Eve\n"),
             write(tmp_path / "doc.csv", PLAIN_NODES.split("\n", 3)[0] + "\n" + PLAIN_NODES.split("\n")[1] + "\n")]
    files = [*generated, *extra]
    taken = []
    original = reader._FastReader.node_arrow_batch

    def spy(self, group, path, *args):
        taken.append((path.name, original(self, group, path, *args)))
        return taken[-1][1]

    monkeypatch.setattr(reader._FastReader, "node_arrow_batch", spy)
    arrow = stage_csv(files)
    monkeypatch.setattr(reader._FastReader, "node_arrow_batch", lambda self, *args: False)
    python = stage_csv(files)
    try:
        assert ("nodes_Person.csv", True) in taken and ("unicode.csv", True) in taken
        assert ("backslash.csv", False) in taken and ("nodes_Claim.csv", False) in taken
        assert arrow.node_layouts == python.node_layouts and arrow.node_ids == python.node_ids
        assert arrow.node_rows == python.node_rows
        row = next(r for rows in arrow.node_rows for r in rows if zoe in r)
        assert '"zoë ångström"' in row  # name_lc: NFKC, case-folded, spaces collapsed
    finally:
        arrow.close()
        python.close()


def test_arrow_edge_cases_found_in_review(store, classic, tmp_path):
    """Cases a review found: a name whose NFKC form holds a `"` (U+FF02), a document citing
    itself inside an Arrow block, an empty data file, and one relationship read both column-wise
    and row by row with different properties (file order decides: the thorough reader's job).
    Each gives the classic path's graph, and the fast reader does not decline what it can do."""
    quote = node_id("Person", ["Ｑ＂x"])
    nodes = write(tmp_path / "n.csv", "id:ID(Entity),:LABEL,name,sources:string[],evidence:string[]\n"
                  f"{DOC},Document,Field report,{DOC},{DOC} | the report\n"  # cites itself, in an Arrow block
                  f"{ADA},Person,Ada Lovelace,{DOC},{DOC} | Ada\n")
    people = write(tmp_path / "p.csv", "id:ID(Entity),:LABEL,name,sources:string[],evidence:string[]\n"
                   f"{BO},Person,Bo Diddley,{DOC},{DOC} | Bo\n{quote},Person,Ｑ＂x,{DOC},{DOC} | q\n")
    head = write(tmp_path / "rh.csv", PLAIN_HEADER)
    data = write(tmp_path / "rd.csv", f"{ADA},{BO},SUPPORTS,{_rid('SUPPORTS', ADA, BO)},{DOC},{DOC} | x,,B,2\n")
    empty = write(tmp_path / "re.csv", "")
    files = [nodes, people, (head, data, empty)]
    staged = stage_csv(files, store=store)
    try:
        assert staged is not None and staged.node_ids.count(DOC) == 1
        assert all(json.loads(r) for rows in staged.node_rows for r in rows)
    finally:
        staged.close()
    expected = classic_load(classic, files)
    assert fast_load(store, files) == "fresh"
    assert (store.counts(), store.checksum()) == expected
    assert store.read(f"MATCH (n {{id: '{quote}'}}) RETURN n.name_lc").rows == [['q"x']]
    # the same relationship, plain (read by Arrow) first, then with a property (row by row)
    role = write(tmp_path / "role.csv", ":START_ID(Entity),:END_ID(Entity),:TYPE,id,role,sources:string[],"
                 f"evidence:string[]\n{ADA},{BO},SUPPORTS,{_rid('SUPPORTS', ADA, BO)},funder,{DOC},{DOC} | role\n")
    both = [nodes, people, (head, data), role]
    for st in (store, classic):
        st.clear()
    expected = classic_load(classic, both)
    load_paths(store, both)
    assert (store.counts(), store.checksum()) == expected
