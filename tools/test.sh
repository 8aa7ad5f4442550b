#!/usr/bin/env bash
# Install everything from scratch into .venv (and Neo4j's Cypher analyser into
# tools/cypher-lint/node_modules), run the linter (ruff), the layering check (import-linter,
# through tools/lint_imports.py) and the type checker (mypy, through tools/typecheck.py), start
# a private Neo4j with tools/neo4j-local.sh (Java 17 and Maven needed; see docs/neo4j.md), then run the whole test suite against the real embedded FalkorDB
# server and that Neo4j; the Neo4j server is stopped at the end, also on failure. This is the
# README's test command and what CI runs.
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
# Neo4j Browser in a real browser (tests/test_browser_live.py): Debian's Chromium, driven by
# Playwright's core (never `playwright install`: no browser download)
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
npm ci --prefix tools/browser-test --no-audit --no-fund --loglevel=error
# lint, check the layering (import-linter's contracts in pyproject.toml) and type-check first:
# fail fast, before the long test run
.venv/bin/ruff check --quiet .
.venv/bin/python tools/lint_imports.py
.venv/bin/python tools/typecheck.py
# A Neo4j of the suite's own (its own folder and ports, a new password), never an analyst's.
NEO4J_LOCAL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/intelgraph-test-neo4j.XXXXXX")
export NEO4J_LOCAL_DIR
trap 'bash tools/neo4j-local.sh stop >/dev/null 2>&1 || true; rm -rf "$NEO4J_LOCAL_DIR"' EXIT
bash tools/neo4j-local.sh start
# Passed on under the tests' own names: a NEO4J_PASSWORD in pytest's environment would be
# seen by every CLI test, not only by the Neo4j fixtures.
INTELGRAPH_TEST_NEO4J_URI=$(sed -n 's/^NEO4J_URI=//p' "$NEO4J_LOCAL_DIR/env")
INTELGRAPH_TEST_NEO4J_USER=$(sed -n 's/^NEO4J_USER=//p' "$NEO4J_LOCAL_DIR/env")
INTELGRAPH_TEST_NEO4J_PASSWORD=$(sed -n 's/^NEO4J_PASSWORD=//p' "$NEO4J_LOCAL_DIR/env")
export INTELGRAPH_TEST_NEO4J_URI INTELGRAPH_TEST_NEO4J_USER INTELGRAPH_TEST_NEO4J_PASSWORD
.venv/bin/python -m pytest -q "$@"
