"""The licence the package declares is the one in the repository, and the notices name every
piece of third-party material the repository carries."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_declared_licence_is_the_licence_file():
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"  # an SPDX expression, not the deprecated table
    assert set(project["license-files"]) == {"LICENSE", "NOTICE"}
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    assert (REPO / "NOTICE").is_file()


def test_the_notice_names_every_third_party_file():
    notice = (REPO / "NOTICE").read_text(encoding="utf-8")
    # the sample's article texts (shipped in the package) and the test data copied from elsewhere
    third_party = sorted((REPO / "loaders" / "sample").glob("*.txt"))
    third_party += sorted(p for p in (REPO / "tests" / "data").rglob("*") if p.suffix == ".csv")
    assert third_party
    missing = [str(p.relative_to(REPO)) for p in third_party
               if str(p.relative_to(REPO)) not in notice and p.name not in notice]
    assert not missing, f"NOTICE does not name: {missing}"
    for folder in sorted(p.parent for p in (REPO / "tests" / "data").glob("*/README.md")):
        assert str(folder.relative_to(REPO)) in notice


def test_linter_and_type_checker_are_pinned_and_run_by_the_test_script():
    pins = {req.split("==")[0]: req for req in _pyproject()["project"]["optional-dependencies"]["test"]}
    assert "==" in pins["ruff"] and "==" in pins["mypy"]
    script = (REPO / "tools" / "test.sh").read_text(encoding="utf-8")
    assert ".venv/bin/ruff check" in script and "tools/typecheck.py" in script
    assert "==" in pins["import-linter"] and "tools/lint_imports.py" in script


def test_the_layering_holds():
    """import-linter's contracts (pyproject.toml): CLI -> API -> loaders/queries/reports -> the
    cypher package; loaders, queries and reports never import an engine; the store interface
    names no engine."""
    contracts = _pyproject()["tool"]["importlinter"]["contracts"]
    assert {c["type"] for c in contracts} == {"layers", "forbidden"} and len(contracts) == 3
    out = subprocess.run([sys.executable, str(REPO / "tools" / "lint_imports.py")], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 3 kept, 0 broken." in out.stdout, out.stdout


@pytest.mark.slow  # a second pytest imports five test modules: seconds
def test_the_known_slow_tests_are_left_out_by_not_slow():
    """pytest -m "not slow" (the quick loop) leaves out the crash, concurrency, analyser,
    benchmark and big centrality tests; tools/test.sh (CI) runs everything."""
    slow_files = ["tests/test_crash_safety.py", "tests/test_concurrency.py", "tests/test_benchmarks_smoke.py",
                  "tests/test_centrality_fast.py", "tests/test_neo4j_dialect.py"]
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-m", "not slow", *slow_files], cwd=REPO, capture_output=True, text=True, timeout=300)
    # 5: nothing collected, every test of those files deselected
    assert proc.returncode == 5 and "no tests collected" in proc.stdout and "deselected" in proc.stdout, \
        proc.stdout + proc.stderr
