"""The `slow` marker leaves tests out of the quick loop (`pytest -m "not slow"`), never out of
CI: tools/test.sh runs pytest without a marker filter and pyproject declares no default one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ci_runs_the_slow_tests_too():
    pytest_lines = [ln for ln in (REPO / "tools" / "test.sh").read_text().splitlines()
                    if re.search(r"-m pytest\b", ln) and not ln.lstrip().startswith("#")]
    assert pytest_lines, "tools/test.sh no longer runs pytest"
    for line in pytest_lines:
        assert not re.search(r"(^|\s)-m\s", line.split("-m pytest", 1)[1]), line  # no marker filter
    options = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-m" not in options.get("addopts", "").split()
    assert any(m.startswith("slow:") for m in options["markers"])
