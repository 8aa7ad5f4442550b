"""`intelgraph load` shows progress by bytes read from the start of the reading (issue 11,
point 6): the readers tell :mod:`intelgraph.loaders.progress` how far they have parsed."""

from __future__ import annotations

import pytest

from intelgraph.api import load_paths
from intelgraph.loaders import progress
from intelgraph.loaders.generate import generate, iter_files


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    generate(out, 3000, seed=7)
    return list(iter_files(out))


def test_reading_progress_moves_before_the_first_write_and_ends_at_the_file_sizes(store, generated):
    store.clear()
    events: list[int] = []
    counts_at_first_event: list[tuple[int, int]] = []

    def tell(n: int) -> None:
        if not events:
            counts_at_first_event.append(store.counts())
        events.append(n)

    with progress.reading(tell):
        result = load_paths(store, generated)
    assert result.relationships > 2000  # the load happened
    assert counts_at_first_event == [(0, 0)]  # the bar moved before anything was written
    assert len(events) >= len(generated) and all(n > 0 for n in events)  # only ever forward
    assert sum(events) == sum(p.stat().st_size for p in generated)  # ... to the end of every file


def test_a_file_read_twice_counts_once_and_no_callback_is_a_no_op(tmp_path):
    seen: list[int] = []
    with progress.reading(seen.append):
        progress.read_to(tmp_path / "a.csv", 100)
        progress.read_to(tmp_path / "a.csv", 40)  # a second pass from the start: nothing new
        progress.read_to(tmp_path / "a.csv", 150)
        progress.read_to(tmp_path / "b.csv", 10)
    progress.read_to(tmp_path / "a.csv", 999)  # outside a load: told to no one
    assert seen == [100, 50, 10]


def test_the_cli_shows_a_reading_bar_for_big_inputs(tmp_path, server):
    from click.testing import CliRunner

    from intelgraph.cli import cli

    out = tmp_path / "gen"
    generate(out, 8000, seed=3)  # a few MiB: above PROGRESS_MIN_BYTES
    res = CliRunner().invoke(cli, ["--db", str(server.dir), "--graph", "progress_bar", "load",
                                   *map(str, iter_files(out))], catch_exceptions=False)
    try:
        assert res.exit_code == 0, res.output
        assert "reading: 100%" in res.stderr and "loading" in res.stderr
    finally:
        CliRunner().invoke(cli, ["--db", str(server.dir), "--graph", "progress_bar", "db", "reset", "--yes"])
