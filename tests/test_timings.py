"""`INTELGRAPH_TIMINGS=1 intelgraph ...` prints where the command's time went (intelgraph/timings.py),
the breakdown benchmarks/bench_commands.py shows beside each whole-command time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

INTELGRAPH = str(Path(sys.executable).parent / "intelgraph")


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "INTELGRAPH_TIMINGS"}
    return subprocess.run([INTELGRAPH, *args], env={**clean, **env}, capture_output=True, text=True, timeout=300)


def test_timings_line_names_each_step_from_the_process_start():
    res = _run("query", "list", INTELGRAPH_TIMINGS="1")
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("timings: ")]
    assert len(lines) == 1
    steps = re.findall(r"(\w[\w ]*?) (\d+\.\d\d) s", lines[0][len("timings: "):])
    assert [name for name, _ in steps] == ["imports", "exit", "total"]
    assert float(steps[0][1]) > 0  # Python's start and the imports take time
    assert abs(sum(float(s) for _, s in steps[:-1]) - float(steps[-1][1])) <= 0.02


def test_no_timings_without_the_variable():
    res = _run("query", "list")
    assert res.returncode == 0 and "timings:" not in res.stderr
    res = _run("query", "list", INTELGRAPH_TIMINGS="0")
    assert res.returncode == 0 and "timings:" not in res.stderr
