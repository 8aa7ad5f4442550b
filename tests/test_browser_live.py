"""Neo4j Browser in a real browser: Debian's headless Chromium, driven by Playwright's core
(tools/browser-test/browser.mjs, run under Node), against the Browser that the tests' live
Neo4j serves (tools/neo4j-local.sh). Logs in; the style in force (read back with `:style`) is
browser/intelgraph.grass; the guide the post-connect command opens has an intro and one slide
per saved query, each of whose `:param` line and query run without error; the favorites zip,
dropped on Browser, imports and a favorite returns rows. Screenshots are kept in
test-artifacts/neo4j-browser/. Fails (never skips) when Node, Chromium or the package is
missing: tools/test.sh installs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from intelgraph.browser import browser_favorites_zip, params_command
from intelgraph.queries.registry import load_queries

pytestmark = pytest.mark.slow  # a headless browser against a live server: minutes of setup

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "tools" / "browser-test"
ARTIFACTS = REPO / "test-artifacts" / "neo4j-browser"
CHROMIUM = os.environ.get("INTELGRAPH_TEST_CHROMIUM", "/usr/bin/chromium")
FAVORITE = "chokepoints"  # no entity parameter: rows on the sample with its example values


def _grass_rules(text: str) -> dict[str, dict[str, str]]:
    """{selector: {property: value}} of a GraSS text, quotes dropped (Browser rewrites ' as ")."""
    rules: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(r"([^{}'\"]+)\{((?:[^{}'\"]|'[^']*'|\"[^\"]*\")*)\}", text):
        props = {}
        for decl in body.split(";"):
            if ":" in decl:
                key, _, value = decl.partition(":")
                props[key.strip()] = value.strip().strip("'\"")
        rules[selector.strip()] = props
    return rules


@pytest.fixture(scope="module")
def browser_run(request, neo4j_settings, tmp_path_factory):
    from conftest import open_neo4j, wipe_neo4j
    from intelgraph.api import load_paths

    node = shutil.which("node")
    if not node or not Path(CHROMIUM).is_file():
        pytest.fail(f"needs Node and Chromium ({CHROMIUM}): bash tools/test.sh installs Debian's chromium",
                    pytrace=False)
    if not (PACKAGE / "node_modules" / "playwright-core").is_dir():
        pytest.fail("tools/browser-test/node_modules is missing: npm ci --prefix tools/browser-test", pytrace=False)
    st = open_neo4j(request)
    load_paths(st, [], sample=True)
    http = dict(st.read("SHOW SETTINGS YIELD name, value WHERE name = 'server.http.advertised_address' "
                        "RETURN name, value").rows)["server.http.advertised_address"]
    uri, user, password = neo4j_settings
    tmp = tmp_path_factory.mktemp("browser")
    queries = load_queries()
    favorites = browser_favorites_zip(queries, tmp / "intelgraph-favorites.zip")
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    config = {"url": f"http://{http}", "user": user, "chromium": CHROMIUM, "shots": str(ARTIFACTS),
              "favorites": str(favorites), "favorites_folder": "intelgraph",
              "favorite_title": queries[FAVORITE].title, "favorite_params": params_command(queries[FAVORITE])}
    (tmp / "config.json").write_text(json.dumps(config))
    res = subprocess.run([node, str(PACKAGE / "browser.mjs"), str(tmp / "config.json")], cwd=PACKAGE,
                         env={**os.environ, "NEO4J_BROWSER_TEST_PASSWORD": password},
                         capture_output=True, text=True, timeout=1200)
    (ARTIFACTS / "report.json").write_text(res.stdout)
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.loads(res.stdout)
    assert "failure" not in report, f"{report['failure']}\n(screenshots in {ARTIFACTS})"
    yield report
    wipe_neo4j(st)
    st.close()


def test_post_connect_applies_the_style_and_opens_the_guide(browser_run):
    frames = browser_run["connected_frames"]
    assert any(f.startswith(":style http://") and f.endswith("/browser/intelgraph/intelgraph.grass") for f in frames)
    assert browser_run["guide_source"].endswith("/browser/intelgraph/guide.md")


def test_style_in_force_is_intelgraphs(browser_run):
    shown = browser_run["style"]
    assert shown["command"] == ":style"
    assert len(_grass_rules(shown["text"])) > 20
    assert _grass_rules(shown["text"]) == _grass_rules((REPO / "browser" / "intelgraph.grass").read_text())


def test_guide_has_one_runnable_slide_per_saved_query(browser_run):
    queries = load_queries()
    slides = browser_run["slides"]
    assert slides[0]["heading"] == "intelgraph saved queries"
    assert [s["heading"] for s in slides[1:]] == [queries[n].title for n in sorted(queries)]
    for slide, name in zip(slides[1:], sorted(queries)):
        q = queries[name]
        assert slide["blocks"][-2:] == [params_command(q), q.text_for("neo4j").strip()], name
        params_run, query_run = slide["runs"]
        assert params_run["status"] == "Successfully set your parameters.", (name, params_run)
        assert "ERROR" not in query_run["text"], (name, query_run["text"][:500])
        assert re.match(r"(Started streaming \d+ records|Completed after)", query_run["status"]), (name, query_run)


def test_imported_favorite_runs_and_returns_rows(browser_run):
    queries = load_queries()
    q = queries[FAVORITE]
    assert browser_run["favorite_params"]["status"] == "Successfully set your parameters."
    titles = [queries[n].title for n in sorted(queries)]
    # the folder "intelgraph", then its favorites (Browser lists them by name)
    assert browser_run["favorites"][1:1 + len(titles)] == sorted(titles)
    assert browser_run["favorites"][0].splitlines()[0] == "intelgraph"
    assert browser_run["favorite_editor"].splitlines()[0].strip() == f"Favorite: {q.title}"
    status = browser_run["favorite_run"]["status"]
    rows = re.match(r"Started streaming (\d+) records", status)
    assert rows and int(rows.group(1)) > 0, status
    assert (ARTIFACTS / "favorite.png").stat().st_size > 10_000
