"""Staging graphs' names are reserved (issue 14, item 3): a load into an empty graph ``case``
writes into ``case.intelgraph-staging``, which the next server start, ``db reset`` of ``case`` and
a CSV load into ``case`` delete without asking — so no graph of the user's may have such a name.
Each probe runs the real CLI against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from intelgraph.cypher.falkordb.server import EmbeddedServer
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import StoreError

PY = sys.executable
RESERVED = "case.intelgraph-staging"


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "INTELGRAPH_"))}
    return subprocess.run([PY, "-c", "from intelgraph.cli import main; main()", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, start_new_session=True)


def graphs(srv: EmbeddedServer) -> set[str]:
    client = redis.Redis(**srv.connection_kwargs(), decode_responses=True)
    try:
        return set(client.execute_command("GRAPH.LIST"))
    finally:
        client.close()


@pytest.fixture
def srv(tmp_path):
    server = EmbeddedServer(tmp_path / "db")
    server.start()
    yield server
    server.stop()


def test_a_reserved_graph_name_is_refused_by_the_store(srv):
    with pytest.raises(StoreError, match="is reserved") as err:
        FalkorStore(srv, graph=RESERVED, autostart=False)
    assert "--graph" in err.value.hint
    assert RESERVED not in graphs(srv)


@pytest.mark.slow
@pytest.mark.parametrize("probe", ["server restart", "db reset of case", "CSV load into case"])
def test_no_user_graph_can_take_a_staging_name_so_none_is_deleted(srv, tmp_path, probe):
    db = ["--db", str(srv.dir)]
    mine = "CREATE (:Entity {id: 'mine', name: 'kept'})"
    for args in (["cypher", "--write", mine], ["load", "--sample", "-q"], ["db", "reset", "--yes"]):
        out = run_cli([*db, "--graph", RESERVED, *args], tmp_path)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
        assert f"the graph name {RESERVED!r} is reserved" in out.stderr and "--graph" in out.stderr, out.stderr
    assert RESERVED not in graphs(srv)
    # a graph whose name only looks like one is the user's, and survives each probe
    assert run_cli([*db, "--graph", "case.intelgraph-staging.notes", "cypher", "--write", mine], tmp_path).returncode == 0
    if probe == "server restart":
        assert run_cli([*db, "db", "stop"], tmp_path).returncode == 0
        assert run_cli([*db, "db", "start"], tmp_path).returncode == 0
    elif probe == "db reset of case":
        assert run_cli([*db, "--graph", "case", "db", "reset", "--yes"], tmp_path).returncode == 0
    else:
        assert run_cli(["generate", str(tmp_path / "csv"), "-n", "100"], tmp_path).returncode == 0
        csvs = sorted(str(p) for p in (tmp_path / "csv").glob("*.csv"))
        out = run_cli([*db, "--graph", "case", "load", "-q", *csvs], tmp_path)
        assert out.returncode == 0, out.stderr
    assert "case.intelgraph-staging.notes" in graphs(srv)
    assert RESERVED not in graphs(srv)
