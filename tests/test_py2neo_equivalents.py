"""docs/neo4j.md shows how each py2neo convenience is done with intelgraph's Python API and the
official driver. Its Python blocks run here, in order, against the tests' live Neo4j, and what
they produce is checked — so the page cannot drift from what works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "neo4j.md"


def _blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## From py2neo to intelgraph and the official driver"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture
def doc_env(request, neo4j_settings, monkeypatch):
    """The blocks read NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD, as an analyst's shell has them."""
    from conftest import open_neo4j, wipe_neo4j

    st = open_neo4j(request)
    uri, user, password = neo4j_settings
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_USER", user)
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    yield st
    wipe_neo4j(st)
    st.close()


def test_the_py2neo_section_runs_on_live_neo4j(doc_env, falkor_sample_store, capsys):
    import neo4j

    from intelgraph.queries.runner import run_saved

    blocks = _blocks()
    assert len(blocks) == 4  # connect; values; lookups; data frames
    ns: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), ns)  # noqa: S102 - the documentation's own code

    # Node / Relationship / Subgraph: the sample loaded; the driver's graph values
    sample_counts = falkor_sample_store.counts()  # the same sample, loaded into the embedded engine
    assert doc_env.counts() == sample_counts
    a, r, b, p = ns["a"], ns["r"], ns["b"], ns["p"]
    assert isinstance(a, neo4j.graph.Node) and isinstance(r, neo4j.graph.Relationship)
    assert isinstance(p, neo4j.graph.Path) and len(p.relationships) == 1
    assert {"Entity", "Actor", "ArmedGroup"} <= set(a.labels) and a["name"] == "Popular Mobilization Forces"
    assert r.type == "SUPPORTS" and r.end_node.element_id == b.element_id
    printed = capsys.readouterr().out
    assert "Popular Mobilization Forces SUPPORTS True" in printed
    node_dict, rel_dict = ns["as_dicts"]
    assert node_dict["name"] == a["name"] and "ArmedGroup" in node_dict["_labels"] and rel_dict["_type"] == "SUPPORTS"

    # NodeMatcher-style: the alias finds the node; the driver's label/property match
    assert ns["pmf"]["name"] == "Popular Mobilization Forces" and ns["pmf"]["id"] == ns["pmf_id"]
    assert ns["matched"] == ["Popular Mobilization Forces"]

    # to_data_frame: the saved query's rows, and the driver's DataFrame
    network, result = ns["network"], run_saved(doc_env, "network", {"entity": "PMF", "hops": "1"})
    assert list(network.columns) == result.columns and len(network) == len(result.rows) > 0
    kinds = ns["kinds"]
    assert list(kinds.columns) == ["kind", "nodes"] and int(kinds["nodes"].sum()) == sample_counts[0]
