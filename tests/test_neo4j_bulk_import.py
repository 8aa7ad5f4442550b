"""The bulk path for real: `intelgraph export neo4j-admin` files, imported by the real
`neo4j-admin database import full` (through `tools/neo4j-local.sh admin`, into a second Neo4j
home, since the import needs its database offline) and finished by `intelgraph db
finish-import`, give the same graph (checksum of every node, relationship and property) as
loading the same data through the driver into the live Neo4j."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from intelgraph.cypher.meta import FORMAT_VERSION, store_version
from intelgraph.cypher.neo4j_store import Neo4jStore
from intelgraph.loaders.history import history
from conftest import SECOND_STORY, read_local_env

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tools" / "neo4j-local.sh"
INTELGRAPH = str(Path(sys.executable).parent / "intelgraph")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_HTTP", "INTELGRAPH_"))}
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 600, cwd: Path | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert res.returncode == 0, f"{' '.join(args[:4])}... exited {res.returncode}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.fixture
def second_home(tmp_path):
    """A second Neo4j home for tools/neo4j-local.sh (NEO4J_LOCAL_DIR), started once to make its
    store and stopped (neo4j-admin needs the database offline); stopped again at the end."""
    home = tmp_path / "neo4j-home"
    env = _env(NEO4J_LOCAL_DIR=str(home))
    _run(["bash", str(SCRIPT), "start"], env)
    _run(["bash", str(SCRIPT), "stop"], env)
    yield home, env
    subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True, timeout=180)


def test_neo4j_admin_import_gives_the_driver_loads_graph(request, neo4j_settings, second_home, tmp_path):
    from conftest import open_neo4j, wipe_neo4j

    uri, user, password = neo4j_settings
    neo4j_store = open_neo4j(request)
    request.addfinalizer(lambda: (wipe_neo4j(neo4j_store), neo4j_store.close()))
    home, home_env = second_home
    gen = tmp_path / "generated"
    _run([INTELGRAPH, "generate", str(gen), "-n", "600", "--seed", "3"], _env())
    gen_files = sorted(str(p) for p in gen.glob("*.csv"))

    # the driver path, into the live Neo4j: the generated data, then the sample story with a second
    # story whose values conflict with it (so nodes carry every source's values: `statements`)
    live = _env(INTELGRAPH_ENGINE="neo4j", NEO4J_URI=uri, NEO4J_USER=user, NEO4J_PASSWORD=password)
    _run([INTELGRAPH, "load", "-q", *gen_files], live)
    only_gen = tmp_path / "export-generated"  # no multi-line field: no --multiline-fields after the files
    _run([INTELGRAPH, "export", "neo4j-admin", str(only_gen), "--import-dir", str(only_gen)], live)
    _run([INTELGRAPH, "load", "-q", "--sample", str(SECOND_STORY)], live)
    counts, digest = neo4j_store.counts(), neo4j_store.checksum()

    # the same data through the embedded engine, exported for neo4j-admin
    falkor = _env(INTELGRAPH_DB=str(tmp_path / "falkordb"))
    _run([INTELGRAPH, "load", "-q", "--sample", str(SECOND_STORY)], falkor)
    _run([INTELGRAPH, "load", "-q", *gen_files], falkor)
    both = tmp_path / "export-all"
    _run([INTELGRAPH, "export", "neo4j-admin", str(both), "--import-dir", str(both)], falkor)
    assert "--multiline-fields=true" in (both / "import.sh").read_text()

    # import.sh as written, with tools/neo4j-local.sh admin as its neo4j-admin
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "neo4j-admin").write_text(f'#!/bin/sh\nexec bash "{SCRIPT}" admin "$@"\n')
    (bin_dir / "neo4j-admin").chmod(0o755)
    admin_env = {**home_env, "PATH": f"{bin_dir}{os.pathsep}{home_env['PATH']}"}
    first = _run(["sh", str(only_gen / "import.sh")], admin_env, cwd=tmp_path)  # its import.report goes there
    assert "IMPORT DONE" in first.stdout + first.stderr
    second = _run(["sh", str(both / "import.sh")], admin_env, cwd=tmp_path)  # --overwrite-destination
    assert "IMPORT DONE" in second.stdout + second.stderr

    _run(["bash", str(SCRIPT), "start"], home_env)
    env2 = read_local_env(home / "env")
    assert env2["NEO4J_URI"] != uri
    imported = Neo4jStore(env2["NEO4J_URI"], env2["NEO4J_USER"], env2["NEO4J_PASSWORD"])
    try:
        assert imported.counts() == counts
        # neo4j-admin cannot write an empty list: finish-import adds them (and the schema)
        assert imported.read("MATCH (n:Entity) WHERE n.claims IS NULL RETURN count(n)").scalar() > 0
        _run([INTELGRAPH, "db", "finish-import"],
             _env(INTELGRAPH_ENGINE="neo4j", NEO4J_URI=env2["NEO4J_URI"], NEO4J_USER=env2["NEO4J_USER"],
                  NEO4J_PASSWORD=env2["NEO4J_PASSWORD"]))
        assert imported.counts() == counts
        assert imported.checksum() == digest
        # the import is in the load history, and the store stamped with this format version
        assert [(r.paths, r.after) for r in history(imported)] == [(["neo4j-admin import"], counts)]
        assert store_version(imported)[0] == FORMAT_VERSION
        assert imported.read("MATCH (n:Port {name: 'Astrakhan'}) RETURN size(n.statements)").scalar() == 8
        constraints = imported.read("SHOW CONSTRAINTS YIELD name RETURN count(*)").scalar()
        assert constraints == neo4j_store.read("SHOW CONSTRAINTS YIELD name RETURN count(*)").scalar() > 0
    finally:
        imported.close()
