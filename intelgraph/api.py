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
    from intelgraph.loaders.api import read_any, sample_path

    plans: list[Plan] = []
    problems: list[Problem] = []
    datasets = ([sample_path()] if sample else []) + [p for p in paths if p.suffix.lower() != ".csv"]
    csvs = [p for p in paths if p.suffix.lower() == ".csv"]
    for p in datasets:
        try:
            plans.append(read_any(p, store))
        except InputErrors as exc:
            problems.extend(exc.problems)
    if csvs:
        from intelgraph.loaders.csv_admin import read_csv_files

        try:
            plans.append(read_csv_files(csvs, source=source, store=store, array_delimiter=array_delimiter))
        except InputErrors as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputErrors(problems)
    return plans


def load_paths(store: Store, paths: list[Path], sample: bool = False, source: str | None = None,
               batch_size: int = 1000, progress: bool = False, array_delimiter: str = ";") -> LoadStats:
    """Validate all inputs, then write them; returns what was written."""
    plans = read_plans(store, paths, sample=sample, source=source, array_delimiter=array_delimiter)
    total = LoadStats()
    rows = sum(sum(p.counts()) for p in plans)
    bar = None
    if progress and rows >= PROGRESS_MIN_ROWS:
        from tqdm import tqdm

        bar = tqdm(total=rows, unit="rows", desc="loading", file=None)
    try:
        for plan in plans:
            stats = write_plan(store, plan, batch_size=batch_size, progress=bar.update if bar else None)
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
