#!/usr/bin/env bash
# Install everything from scratch into .venv (and Neo4j's Cypher analyser into
# tools/cypher-lint/node_modules), then run the whole test suite against the real
# embedded FalkorDB server, after the linter (ruff) and the type checker (mypy, through
# tools/typecheck.py). This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
if [ -f tools/cypher-lint/package-lock.json ]; then
  npm ci --prefix tools/cypher-lint --no-audit --no-fund --loglevel=error
fi
# lint and type-check first: fail fast, before the long test run
.venv/bin/ruff check --quiet .
.venv/bin/python tools/typecheck.py
exec .venv/bin/python -m pytest -q "$@"
