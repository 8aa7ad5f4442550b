"""Run mypy as configured in pyproject.toml ([tool.mypy]) over the package as it is imported.

The package's subpackages live in top-level folders (``cypher/`` is ``intelgraph.cypher``, as
``[tool.setuptools] package-dir`` says), and mypy cannot follow the import hook an editable
install uses. So this builds ``build/typecheck/intelgraph/`` — symlinks laid out as the package
is imported — and runs mypy there; messages name the files under that folder, which are the
repository's own files. Exit status: mypy's.

    .venv/bin/python tools/typecheck.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_tree(root: Path) -> Path:
    """Lay the package out under ``root`` as it is imported; returns ``root``."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    shutil.rmtree(root, ignore_errors=True)
    top = root / "intelgraph"
    top.mkdir(parents=True)
    for entry in sorted((REPO / package_dir["intelgraph"]).iterdir()):
        if entry.suffix == ".py":
            os.symlink(entry, top / entry.name)
    for name, folder in package_dir.items():
        if name != "intelgraph":
            os.symlink(REPO / folder, top / name.removeprefix("intelgraph."))
    return root


def main() -> int:
    root = build_tree(REPO / "build" / "typecheck")
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"),
           "--cache-dir", str(REPO / ".mypy_cache"), *sys.argv[1:]]
    return subprocess.run(cmd, cwd=root).returncode


if __name__ == "__main__":
    sys.exit(main())
