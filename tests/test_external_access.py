"""What a query may reach (issue 14 item 7): ad-hoc Cypher and saved queries may not read files
or URLs, or run Cypher given as text, unless ``--allow-external`` says so — decided from the
engine's plan, so comments and string-built queries do not get past it. On every configured
engine (``engine_store``); a TCP listener on 127.0.0.1 must see no connection."""

from __future__ import annotations

import itertools
import os
import select
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from intelgraph.cli import cli
from intelgraph.errors import ExternalAccess, StoreError
from intelgraph.queries.registry import parse_query_file
from intelgraph.queries.runner import run_saved

_n = itertools.count()


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections and closes each at once (a fetch that
    fails: no TLS handshake, no HTTP answer)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            if select.select([self.sock], [], [], 0.05)[0]:
                conn, _ = self.sock.accept()
                self.count += 1
                conn.close()

    def connections(self) -> int:
        """How many connected so far (a connection made while a query ran is in the accept queue
        by the time the query returns; the short wait lets the thread take it)."""
        time.sleep(0.3)
        return self.count

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def _texts(port: int) -> list[tuple[str, dict]]:
    url = f"https://127.0.0.1:{port}/x.csv"
    return [
        (f"LOAD CSV FROM '{url}' AS r RETURN r", {}),
        (f"LOAD/**/CSV FROM '{url}' AS r RETURN r", {}),  # a comment splits the keyword
        (f"load csv /* hidden */ with headers from 'http://127.0.0.1:{port}/x.csv' AS r RETURN count(r)", {}),
        ("LOAD CSV FROM $u AS r RETURN r", {"u": url}),  # the URL as a parameter
        (f"UNWIND [1] AS x CALL {{ LOAD CSV FROM '{url}' AS r RETURN r }} RETURN r", {}),
        ("LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", {}),
        ("LOAD CSV WITH HEADERS FROM 'file:///../../etc/hostname' AS r RETURN r", {}),
    ]


def _apoc_texts(port: int) -> list[tuple[str, dict]]:
    """Neo4j's ways round LOAD CSV (APOC is in the compose file's server)."""
    url = f"https://127.0.0.1:{port}/x.json"
    return [
        ("CALL apoc.load.json($u) YIELD value RETURN value", {"u": url}),
        ("CALL apoc.cypher.run('LOAD CSV FROM $u AS r RETURN r', {u: $u}) YIELD value RETURN value", {"u": url}),
        ("CALL apoc.cypher.run('CALL apoc.load.json($u) YIELD value RETURN value', {u: $u}) YIELD value "
         "RETURN value", {"u": url}),
    ]


def test_load_csv_is_refused_before_it_runs(engine_store, listener):
    for text, params in _texts(listener.port):
        for write in (False, True):  # --write does not allow it either
            with pytest.raises(ExternalAccess, match="LOAD CSV"):
                engine_store.run_query(text, params, write=write)
    if engine_store.engine == "neo4j":
        for text, params in _apoc_texts(listener.port):
            with pytest.raises(ExternalAccess, match="procedure apoc"):
                engine_store.run_query(text, params)
        # a function that runs Cypher from text: refused by name (or unknown to this APOC: not run either)
        with pytest.raises(StoreError):
            engine_store.run_query("RETURN apoc.cypher.runFirstColumnSingle('LOAD CSV FROM $u AS r RETURN r', "
                                   "{u: $u}) AS v", {"u": f"https://127.0.0.1:{listener.port}/x.csv"})
    assert listener.connections() == 0


def test_graph_queries_still_run(engine_store):
    engine_store.run_query("CREATE (:Entity {id: 'a'})", write=True)
    assert engine_store.run_query("MATCH (n:Entity) RETURN n.id").rows == [["a"]]
    assert ["Entity"] in engine_store.run_query("CALL db.labels() YIELD label RETURN label").rows
    assert engine_store.reaches_outside("MATCH (n) RETURN n // LOAD CSV FROM 'x' AS r") == []


def test_allowed_load_csv_that_fetched_nothing_is_an_error(engine_store, listener):
    # allowed, the fetch happens (FalkorDB opens the connection) and fails: an error, not "no rows"
    with pytest.raises(StoreError) as err:
        engine_store.run_query(f"LOAD CSV FROM 'https://127.0.0.1:{listener.port}/x.csv' AS r RETURN r",
                               allow_external=True)
    assert not isinstance(err.value, ExternalAccess)


def test_saved_queries_load_nothing_external(engine_store, listener, tmp_path):
    # the registry refuses the words LOAD CSV in a saved query; a comment between them gets past
    # that check, not past the plan
    path = tmp_path / "fetch.cypher"
    path.write_text("// name: fetch\n// title: t\n// description: d\n"
                    f"LOAD/**/CSV FROM 'https://127.0.0.1:{listener.port}/x.csv' AS r RETURN r\n")
    with pytest.raises(ExternalAccess):
        run_saved(engine_store, parse_query_file(path))
    assert listener.connections() == 0


@pytest.fixture
def cli_run(server):
    graph = f"ext{next(_n)}_{os.getpid()}"

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", str(server.dir), "--graph", graph, *args])

    yield invoke
    invoke("db", "reset", "--yes")


def test_cli_refuses_load_csv_without_allow_external(cli_run, listener):
    for text, params in _texts(listener.port):
        args = [x for k, v in params.items() for x in ("-p", k, v)]
        res = cli_run("cypher", text, *args)
        assert res.exit_code == 1, res.output
        assert "reach outside the graph" in res.output and "--allow-external" in res.output
        assert "Traceback" not in res.output and "rows)" not in res.output
    assert listener.connections() == 0


def test_cli_allowed_failed_fetch_is_not_zero_rows(cli_run, listener):
    res = cli_run("cypher", "--allow-external",
                  f"LOAD CSV FROM 'https://127.0.0.1:{listener.port}/x.csv' AS r RETURN r")
    assert res.exit_code == 1, res.output
    assert "(0 rows)" not in res.output and "LOAD CSV gave no rows" in res.output
    assert listener.connections() == 1  # it was allowed: the server did try


def test_docs_say_what_a_query_may_reach():
    text = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text(encoding="utf-8")
    assert "## What a query may reach" in text and "--allow-external" in text
