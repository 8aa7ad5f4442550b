"""Check the import-linter contracts of pyproject.toml ([tool.importlinter]): the layering
CLI -> API -> loaders/queries/reports -> store interface -> engines.

import-linter finds a package by importing it, and the editable install's import hook lays
``intelgraph.cypher`` etc. out from top-level folders that it cannot walk. So this lays the
package out as it is imported (:func:`typecheck.build_tree`, symlinks under
``build/lint-imports/``) and runs ``lint-imports`` there. Exit status: lint-imports's.

    .venv/bin/python tools/lint_imports.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from typecheck import REPO, build_tree  # noqa: E402 - the tools folder is not a package


def main() -> int:
    root = build_tree(REPO / "build" / "lint-imports")
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [str(Path(sys.executable).with_name("lint-imports")), "--no-logo", "--no-cache",
           str(REPO / "pyproject.toml"), *sys.argv[1:]]
    return subprocess.run(cmd, cwd=root, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
