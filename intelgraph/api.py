"""The library face of the CLI: each function here is what one command does.

>>> from intelgraph.api import open_default_store, load_paths          # doctest: +SKIP
>>> with open_default_store() as store:                               # doctest: +SKIP
...     load_paths(store, [], sample=True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intelgraph.config import Settings, open_store
from intelgraph.cypher.store import Store
from intelgraph.errors import InputErrors, Problem
from intelgraph.loaders.plan import LoadStats, Plan, write_plan

__all__ = ["open_default_store", "status", "load_paths", "read_plans"]

PROGRESS_MIN_ROWS = 5000


def open_default_store(**overrides: Any) -> Store:
    return open_store(Settings.from_env(**overrides))


def status(store: Store, settings: Settings | None = None) -> dict[str, Any]:
    nodes, rels = store.counts()
    info: dict[str, Any] = {"engine": store.engine, "graph": store.name, "nodes": nodes, "relationships": rels}
    if store.engine == "falkordb":
        info["data_dir"] = str(store.server.dir)  # type: ignore[attr-defined]
        info["server"] = "started for this command" if store.started_here else "running"  # type: ignore[attr-defined]
    elif settings is not None:
        info["uri"] = settings.neo4j_uri
    return info


def read_plans(store: Store | None, paths: list[Path], sample: bool = False,
               source: str | None = None, array_delimiter: str = ";") -> list[Plan]:
    """Read and validate every input before anything is written. CSV files are read together."""
    return [x for x in _read_inputs(store, paths, sample, source, array_delimiter, fast=False) if isinstance(x, Plan)]


def _read_inputs(store: Store | None, paths: list[Path], sample: bool, source: str | None, array_delimiter: str,
                 fast: bool, fresh: bool | None = None) -> list[Any]:
    """Plans for datasets; for CSV files a staged load (the fast reader, on the embedded engine)
    or a plan. Every input is validated before anything is written — though CSV files alone into
    an empty embedded graph are written into a staging graph as they are read, which replaces
    the graph only once all of them are valid (:mod:`intelgraph.loaders.early`)."""
    from intelgraph.loaders.api import read_any, sample_path

    items: list[Any] = []
    problems: list[Problem] = []
    datasets = ([sample_path()] if sample else []) + [p for p in paths if p.suffix.lower() != ".csv"]
    csvs = [p for p in paths if p.suffix.lower() == ".csv"]
    for p in datasets:
        try:
            items.append(read_any(p, store))
        except InputErrors as exc:
            problems.extend(exc.problems)
    if csvs:
        from intelgraph.loaders.csv_admin import read_csv_files

        staged = None
        if fast and store is not None and store.engine == "falkordb" and not problems:
            from intelgraph.loaders.bulk import stage_csv
            from intelgraph.loaders.early import begin

            early = begin(store, csvs, fresh) if not datasets else None
            staged = stage_csv(csvs, source, store=store, array_delimiter=array_delimiter, early=early)
        if staged is not None:
            items.append(staged)
        else:
            try:
                items.append(read_csv_files(csvs, source=source, store=store, array_delimiter=array_delimiter))
            except InputErrors as exc:
                problems.extend(exc.problems)
    if problems:
        for x in items:
            if not isinstance(x, Plan):
                x.close()
        raise InputErrors(problems)
    return items


def load_paths(store: Store, paths: list[Path], sample: bool = False, source: str | None = None,
               batch_size: int = 1000, progress: bool = False, array_delimiter: str = ";",
               fresh: bool | None = None) -> LoadStats:
    """Validate all inputs, then write them; returns what was written.

    CSV files on the embedded engine take the fast path (:mod:`intelgraph.loaders.bulk`): into
    an empty graph they are created (``fresh=None`` decides by looking; ``fresh=True`` insists and
    is refused, before anything is written, if the graph is not empty; ``fresh=False`` always
    merges), otherwise merged between nodes found by internal id. Datasets, and CSV inputs the
    fast reader leaves to the thorough one, are merged on ids as always (or created, with
    ``fresh=True``)."""
    from intelgraph.loaders.bulk import NotEmpty, graph_is_empty, write_staged

    items = _read_inputs(store, paths, sample, source, array_delimiter, fast=True, fresh=fresh)
    try:
        if fresh and not graph_is_empty(store):
            raise NotEmpty(f"--fresh loads only into an empty graph; {store.engine} graph {store.name!r} is not empty",
                           hint="load without --fresh (an idempotent merge), or `intelgraph db reset` first")
        total = LoadStats()
        rows = sum(sum(p.counts()) for p in items)
        bar = None
        if progress and rows >= PROGRESS_MIN_ROWS:
            from tqdm import tqdm

            bar = tqdm(total=rows, unit="rows", desc="loading", file=None)
        try:
            for n, item in enumerate(items):
                first = n == 0  # only the first input can find the graph as --fresh saw it
                if isinstance(item, Plan):
                    stats = write_plan(store, item, batch_size=batch_size, fresh=bool(fresh) and first,
                                       progress=bar.update if bar else None)
                else:
                    stats = write_staged(store, item, fresh=(fresh if first else False) if fresh is not None
                                         else (None if first else False), progress=bar.update if bar else None)
                total.nodes += stats.nodes
                total.relationships += stats.relationships
                for k, v in stats.by_kind.items():
                    total.by_kind[k] = total.by_kind.get(k, 0) + v
                for k, v in stats.by_type.items():
                    total.by_type[k] = total.by_type.get(k, 0) + v
        finally:
            if bar:
                bar.close()
        return total
    finally:
        for x in items:
            if not isinstance(x, Plan):
                x.close()
