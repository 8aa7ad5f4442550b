"""Every error a user can meet is one of the project's (``intelgraph.errors``), with a hint:
none of the engine client's exceptions, no bare ``ValueError`` for a wrong option, no
traceback from the command line."""

from __future__ import annotations

import itertools
import os

import networkx as nx
import pytest
from click.testing import CliRunner

from intelgraph import errors
from intelgraph.cli import cli
from intelgraph.errors import CommandRefused, IntelgraphError, ReportError, StoreError

_n = itertools.count()


def test_the_project_errors_live_in_one_tree_and_old_imports_still_work():
    from intelgraph.loaders.bulk import NotEmpty
    from intelgraph.reports.gds import GdsUnavailable
    from intelgraph.reports.projection import UnknownProjection

    assert NotEmpty is errors.NotEmpty and issubclass(NotEmpty, StoreError)
    assert GdsUnavailable is errors.GdsUnavailable and issubclass(GdsUnavailable, StoreError)
    assert UnknownProjection is errors.UnknownProjection and issubclass(UnknownProjection, IntelgraphError)
    for cls in (NotEmpty, GdsUnavailable, UnknownProjection, ReportError, CommandRefused):
        assert cls.__module__ == "intelgraph.errors"
        assert cls.__name__ in errors.__doc__  # and the tree at the top of errors.py shows it


def test_a_refused_command_is_the_projects_error_not_the_clients(store):
    with pytest.raises(CommandRefused) as info:
        store.command("GRAPH.QUERY", store.name, "THIS IS NOT CYPHER")
    exc = info.value
    assert isinstance(exc, StoreError) and exc.hint
    assert exc.command == "GRAPH.QUERY" and exc.reply and exc.reply in str(exc)
    # what the store's own callers do with a refusal still works: a missing staging graph is no problem
    store.drop_staging()
    assert store.counts() == (0, 0)


def test_a_refused_config_change_still_lets_a_big_load_run(store):
    """The server's refusal of CONFIG SET (now CommandRefused) is what no_aof_rewrite expects."""
    def refusing(*args):
        return store.command("CONFIG SET", "no-such-setting-" + str(args[1]), args[2])

    ran = []
    with store.server.no_aof_rewrite(refusing):
        ran.append(True)
    assert ran == [True]


def _projection():
    from intelgraph.graph.schema import load_schema
    from intelgraph.reports.projection import Projection, projection_spec

    return Projection(graph=nx.path_graph(["a", "b", "c", "d"]), spec=projection_spec("actors", load_schema()),
                      directed=False, undirected_forced=False)


@pytest.mark.parametrize("options, word", [({"size_by": "colour"}, "size_by"), ({"backend": "gpu"}, "gpu")])
def test_a_wrong_report_option_is_a_report_error_with_a_hint(tmp_path, options, word):
    from intelgraph.reports.centrality import report_from_projection

    with pytest.raises(ReportError, match=word) as info:
        report_from_projection(_projection(), tmp_path / "out", **options)
    assert info.value.hint.startswith("use one of")


def test_an_unknown_compute_is_a_report_error(store, tmp_path):
    from intelgraph.reports.centrality import centrality_report

    with pytest.raises(ReportError, match="compute") as info:
        centrality_report(store, tmp_path / "out", projection="actors", compute="spark")
    assert "networkx" in info.value.hint
    assert not (tmp_path / "out").exists()


def test_a_report_folder_that_cannot_be_made_is_an_error_not_a_traceback(server, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    graph = f"errors{next(_n)}_{os.getpid()}"
    base = ["--db", str(server.dir), "--graph", graph]
    runner = CliRunner()
    try:
        assert runner.invoke(cli, [*base, "load", "--sample"], catch_exceptions=False).exit_code == 0
        result = runner.invoke(cli, [*base, "report", "centrality", "--projection", "actors",
                                     "--out", str(blocker / "report")], catch_exceptions=False)
        assert result.exit_code == 1, result.output
        assert "error: cannot make the report folder" in result.output and "hint:" in result.output
        assert "Traceback" not in result.output
    finally:
        runner.invoke(cli, [*base, "db", "reset", "--yes"])


def test_a_wrong_paging_is_a_report_error(store):
    from intelgraph.reports.projection import project

    with pytest.raises(ReportError, match="paging") as info:
        project(store, "actors", paging="sideways")
    assert "keyset" in info.value.hint
    with pytest.raises(ReportError, match="page"):
        project(store, "actors", page=0)


def test_a_wrong_array_delimiter_is_an_input_error_not_a_traceback(server, tmp_path):
    from intelgraph.errors import InputError
    from intelgraph.loaders.csv_admin import read_csv_files

    people = tmp_path / "people.csv"
    people.write_text("name:ID(Person),:LABEL\nAda,Person\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_csv_files([people], source="test", array_delimiter=",")
    assert info.value.field == "array_delimiter" and info.value.hint
    graph = f"errors{next(_n)}_{os.getpid()}"
    base = ["--db", str(server.dir), "--graph", graph]
    runner = CliRunner()
    try:
        result = runner.invoke(cli, [*base, "load", "--array-delimiter", ",", "--source", "test", str(people)],
                               catch_exceptions=False)
        assert result.exit_code == 1, result.output
        assert "--array-delimiter" in result.output and "hint:" in result.output and "Traceback" not in result.output
        status = runner.invoke(cli, [*base, "db", "status", "--format", "json"], catch_exceptions=False)
        assert '"nodes": 0' in status.output
    finally:
        runner.invoke(cli, [*base, "db", "reset", "--yes"])
