"""One query may not take the host's memory (issue 14, item 11): the embedded server is started
with FalkorDB's per-query memory limit (QUERY_MEM_CAPACITY: 1024 MiB unless
INTELGRAPH_QUERY_MEMORY_MB says otherwise), and a query that needs more ends in a plain error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from intelgraph.cypher.falkordb.server import DEFAULT_QUERY_MEMORY_MB, QUERY_MEMORY_ENV

PY = sys.executable


def run_cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "INTELGRAPH_"))}
    full.update(env)
    return subprocess.run([PY, "-c", "from intelgraph.cli import main; main()", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=300, start_new_session=True)


def test_the_server_starts_with_the_default_per_query_memory_limit(store):
    name, value = store.command("GRAPH.CONFIG", "GET", "QUERY_MEM_CAPACITY")
    assert int(value) == DEFAULT_QUERY_MEMORY_MB * 1024 * 1024


@pytest.mark.slow
def test_a_query_past_the_memory_limit_is_stopped_with_a_plain_error(tmp_path):
    db = ["--db", str(tmp_path / "db")]
    # ten million list items take 160 MB; the limit is 32 MiB
    out = run_cli([*db, "cypher", "RETURN size(range(1, 10000000)) AS n"], tmp_path, **{QUERY_MEMORY_ENV: "32"})
    assert out.returncode == 1, out.stdout
    assert "Traceback" not in out.stderr
    assert "needed more memory than one query may use on the embedded server (32 MiB)" in out.stderr, out.stderr
    assert QUERY_MEMORY_ENV in out.stderr  # the hint says how to raise it
    # a query within the limit still runs
    out = run_cli([*db, "cypher", "RETURN size(range(1, 1000)) AS n", "--format", "csv"], tmp_path,
                  **{QUERY_MEMORY_ENV: "32"})
    assert out.returncode == 0 and out.stdout.split() == ["n", "1000"], out.stderr


def test_a_bad_memory_limit_setting_is_refused_plainly(tmp_path):
    out = run_cli(["--db", str(tmp_path / "db"), "db", "start"], tmp_path, **{QUERY_MEMORY_ENV: "lots"})
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert f"{QUERY_MEMORY_ENV}='lots' is not a number of MiB" in out.stderr, out.stderr
