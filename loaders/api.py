"""Reading inputs: :func:`read_any` (a dataset or CSV file into a plan), :func:`sample_path`.

Loading is :meth:`intelgraph.Graph.load` (or :func:`intelgraph.api.load_paths`), which chooses
the load path as ``intelgraph load`` does. ``load_file`` and ``load_sample`` here are deprecated
wrappers of it, kept for one release."""

from __future__ import annotations

import re
import warnings
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from intelgraph.cypher.store import Store
from intelgraph.errors import InputErrors, Problem
from intelgraph.graph.schema import load_schema
from intelgraph.loaders.dataset import Dataset, read_dataset
from intelgraph.loaders.plan import LoadStats, Plan, ids_in_graph, write_plan

__all__ = ["load_file", "load_plan", "load_sample", "sample_path", "read_any"]

_ID_RE = re.compile(r"\b[a-z]+:[0-9a-f]{20}\b")


def sample_path() -> Path:
    """The sample dataset shipped in the package: the April 2022 PMF-weapons story."""
    return Path(str(resources.files("intelgraph.loaders.sample").joinpath("pmf-weapons-2022.yaml")))


def _existing_ids(store: Store, path: Path) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    ids = set(_ID_RE.findall(text))
    return ids_in_graph(store, ids) if ids else set()


def read_any(path: str | Path, store: Store | None = None, source: str | None = None) -> Plan:
    """Read and validate a dataset (.yaml/.yml/.json) or neo4j-admin CSV file into a plan."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        known = _existing_ids(store, path) if store is not None else set()
        return read_dataset(path, load_schema(), known).plan
    if suffix == ".csv":
        from intelgraph.loaders.csv_admin import read_csv_files

        return read_csv_files([path], source=source, store=store)
    raise InputErrors([Problem(str(path), "(file)", "(file)", f"unknown file type {suffix or '(none)'}",
                               "give a .yaml, .yml, .json or .csv file")])


def load_plan(store: Store, plan: Plan, batch_size: int = 1000,
              progress: Callable[[int], None] | None = None, fresh: bool = False) -> LoadStats:
    return write_plan(store, plan, batch_size=batch_size, progress=progress, fresh=fresh)


def _deprecated(name: str) -> None:
    warnings.warn(f"intelgraph.loaders.api.{name} is deprecated: use intelgraph.Graph.load (or "
                  "intelgraph.api.load_paths), which loads as `intelgraph load` does", DeprecationWarning,
                  stacklevel=3)


def load_file(store: Store, path: str | Path, batch_size: int = 1000, source: str | None = None,
              progress: Callable[[int], None] | None = None) -> LoadStats:
    """Deprecated: :meth:`intelgraph.Graph.load`. Loads ``path`` as ``intelgraph load`` does
    (a CSV file by the fast path on the embedded engine). ``progress`` is no longer called."""
    from intelgraph.api import load_paths

    _deprecated("load_file")
    return load_paths(store, [Path(path)], batch_size=batch_size, source=source)


def load_sample(store: Store, **kwargs: Any) -> LoadStats:
    """Deprecated: :meth:`intelgraph.Graph.load_sample`."""
    from intelgraph.api import load_paths

    _deprecated("load_sample")
    kwargs.pop("progress", None)
    return load_paths(store, [], sample=True, **kwargs)


def read_sample() -> Dataset:
    return read_dataset(sample_path())
