"""The load history: one record per load, kept in the store as a metadata node, and the unload
that replays it (docs/history.md).

A record (:class:`LoadRecord`) says when (UTC), by which intelgraph, what was given (each input
group with its files' sha256 and size, and a dataset's name), the options that change what a
file means (``--source``, ``--array-delimiter``), which sources the load brought, the graph's
counts before and after, and how each group was written: ``dataset``, ``fast`` (the embedded
engine's CSV path), ``thorough`` (CSV by the thorough reader) or ``neo4j-admin import``. It is
written once the load is done: a load that fails records nothing. It is held as JSON text on a
node of the schema's ``store_metadata`` labels (:mod:`intelgraph.cypher.meta`), so the history
is the same on both engines and never part of the analysed graph.

:func:`plan_unload` decides what an unload keeps: every recorded input but the dataset's, each
file checked against its recorded sha256 (refused if one changed or is gone). The unload itself
(:func:`intelgraph.api.unload`) rebuilds the graph from those inputs — exact by construction, as
loads in any order give the same graph.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from intelgraph.cypher.store import Store
from intelgraph.errors import InputErrors, Problem, StoreError
from intelgraph.graph.schema import Schema, load_schema
from intelgraph.loaders.dataset import dataset_name

__all__ = ["LoadRecord", "InputGroup", "describing_inputs", "source_ids", "record_load", "history",
           "plan_unload", "rewrite_history", "PATH_NAMES", "NEO4J_ADMIN", "UNRECORDED", "UNLOAD"]

#: How a load path is named in the history, from how :func:`intelgraph.api.load_paths` names it.
PATH_NAMES = {"dataset": "dataset", "fresh": "fast", "merge": "fast", "classic": "thorough"}
NEO4J_ADMIN = "neo4j-admin import"
#: The path of a record standing for what a store held before it kept a history (its migration).
UNRECORDED = "unrecorded"
#: The path of a record of an unload (no inputs; ``options`` names the dataset): kept in the
#: history, so that it says what was taken out, and record numbers are never used twice.
UNLOAD = "unload"


@dataclass
class InputGroup:
    """One input of a load: a dataset file, a CSV file, or a header file with its data files."""

    files: list[dict[str, Any]]  # {"path": absolute path, "sha256": ..., "size": bytes}
    dataset: str | None = None   # the dataset's name (`dataset:` of a YAML/JSON dataset)
    sample: bool = False         # the sample story (``load --sample``)

    @property
    def paths(self) -> list[str]:
        return [f["path"] for f in self.files]


@dataclass
class LoadRecord:
    seq: int
    at: str  # ISO 8601, UTC
    intelgraph_version: str
    paths: list[str]
    inputs: list[InputGroup]
    sources: list[str]
    before: tuple[int, int]
    after: tuple[int, int]
    options: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["before"], d["after"] = list(self.before), list(self.after)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LoadRecord:
        return cls(seq=int(d["seq"]), at=d["at"], intelgraph_version=d["intelgraph_version"], paths=list(d["paths"]),
                   inputs=[InputGroup(**g) for g in d["inputs"]], sources=list(d["sources"]),
                   before=tuple(d["before"]), after=tuple(d["after"]),  # type: ignore[arg-type]
                   options=dict(d.get("options") or {}))

    def row(self) -> dict[str, Any]:
        """The record as one table row (``intelgraph history``)."""
        return {"seq": self.seq, "at": self.at, "intelgraph": self.intelgraph_version, "path": ", ".join(self.paths),
                "datasets": ", ".join(g.dataset for g in self.inputs if g.dataset),
                "files": "; ".join(f"{Path(f['path']).name} ({f['size']} B, sha256 {f['sha256'][:12]})"
                                   for g in self.inputs for f in g.files),
                "sources": len(self.sources), "nodes": f"{self.before[0]} -> {self.after[0]}",
                "relationships": f"{self.before[1]} -> {self.after[1]}"}


def _file(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return {"path": str(path.resolve()), "sha256": h.hexdigest(), "size": size}


def _file_or_none(path: Path) -> dict[str, Any] | None:
    try:
        return _file(path)
    except OSError:
        return None


def describing_inputs(inputs: Sequence[Path | tuple[Path, ...]],
                      sample: Path | None) -> Callable[[], list[InputGroup] | None]:
    """The input groups of a load as its record holds them, given by the callable returned
    (None: a file could not be read, and the load fails, its reader naming the file). A
    dataset's name is read now (a dataset that cannot give one fails here, before the load
    writes anything); the files are hashed in a background thread while the load reads them —
    hashing reads files and lets the reading thread run, so a large load does not wait for it."""
    groups = []
    for item, is_sample in ([(sample, True)] if sample is not None else []) + [(p, False) for p in inputs]:
        files = [item] if isinstance(item, Path) else list(item)
        dataset = dataset_name(item) if isinstance(item, Path) and item.suffix.lower() != ".csv" else None
        groups.append((files, dataset, is_sample))

    def hashed() -> list[list[dict[str, Any] | None]]:
        return [[_file_or_none(p) for p in files] for files, _, _ in groups]

    pool = ThreadPoolExecutor(1, thread_name_prefix="intelgraph-hash")
    future = pool.submit(hashed)
    pool.shutdown(wait=False)

    def result() -> list[InputGroup] | None:
        described = future.result()
        if any(None in d for d in described):
            return None
        return [InputGroup([d for d in ds if d is not None], dataset, sample=is_sample)
                for ds, (_, dataset, is_sample) in zip(described, groups)]

    return result


def source_ids(store: Store, schema: Schema | None = None) -> set[str]:
    """Ids of the graph's sources (nodes of the Source family)."""
    schema = schema or load_schema()
    return {r[0] for r in store.read(f"MATCH (s:`Source`:`{schema.root_label}`) RETURN s.{schema.id_property}").rows}


def _load_labels(schema: Schema) -> str:
    return f":`{schema.meta_label}`:`{schema.meta_load_label}`"


def history(store: Store, schema: Schema | None = None) -> list[LoadRecord]:
    """The store's load records, oldest first."""
    schema = schema or load_schema()
    rows = store.read(f"MATCH (h{_load_labels(schema)}) RETURN h.record ORDER BY h.seq").rows
    return [LoadRecord.from_dict(json.loads(r[0])) for r in rows]


def record_load(store: Store, paths: list[str], inputs: list[InputGroup], sources: Sequence[str],
                before: tuple[int, int], after: tuple[int, int], options: dict[str, Any] | None = None,
                schema: Schema | None = None, seq: int | None = None) -> LoadRecord:
    """Append a load record to the store's history (after the load is done), numbered after the
    last one (or ``seq``)."""
    from intelgraph.cypher.meta import release

    schema = schema or load_schema()
    if seq is None:
        seq = int(store.read(f"MATCH (h{_load_labels(schema)}) RETURN max(h.seq)").scalar() or 0) + 1
    at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    named = list(dict.fromkeys(PATH_NAMES.get(p, p) for p in paths))
    rec = LoadRecord(seq, at, release(), named, inputs, sorted(sources), before, after, options or {})
    _write_record(store, rec, schema)
    return rec


def _write_record(store: Store, rec: LoadRecord, schema: Schema) -> None:
    store.write(f"CREATE (h{_load_labels(schema)}) SET h.id = $id, h.seq = $seq, h.at = $at, h.record = $record",
                {"id": f"load-{rec.seq}", "seq": rec.seq, "at": rec.at,
                 "record": json.dumps(rec.as_dict(), sort_keys=True)})


def rewrite_history(store: Store, records: Sequence[LoadRecord], schema: Schema | None = None) -> None:
    """Replace the store's load records with ``records`` (an unload's edited history)."""
    schema = schema or load_schema()
    store.write(f"MATCH (h{_load_labels(schema)}) DELETE h")
    for rec in records:
        _write_record(store, rec, schema)


def _check_file(f: dict[str, Any], where: str) -> Problem | None:
    path = Path(f["path"])
    try:
        now = _file(path)
    except OSError as exc:
        return Problem(str(path), where, "(file)", f"a file of the load history cannot be read: {exc.strerror}",
                       "put the file back where it was loaded from (the unload rebuilds the graph from the "
                       "loads that stay)")
    if now["sha256"] != f["sha256"]:
        return Problem(str(path), where, "(file)",
                       f"changed since it was loaded (sha256 {now['sha256'][:12]}, recorded {f['sha256'][:12]})",
                       "put back the file as it was loaded (the unload rebuilds the graph from the loads that stay)")
    return None


def plan_unload(store: Store, dataset: str, schema: Schema | None = None) -> tuple[list[LoadRecord], list[InputGroup]]:
    """(the history without ``dataset``'s inputs — records left with no input dropped —, the
    inputs that go). Refused (:class:`StoreError`) if no load brought the dataset or the history
    does not account for the whole graph, and (:class:`InputErrors`) if a file that stays changed
    or is gone."""
    records = history(store, schema)
    if not records:
        raise StoreError(f"{store.engine} graph {store.name!r} has no load history",
                         hint="only what was loaded since the store kept a history can be unloaded")
    gone: list[InputGroup] = []
    kept: list[LoadRecord] = []
    for rec in records:
        if rec.paths == [UNLOAD]:
            kept.append(rec)
            continue
        if set(rec.paths) & {NEO4J_ADMIN, UNRECORDED}:
            raise StoreError(f"load {rec.seq} ({', '.join(rec.paths)}) of {store.engine} graph {store.name!r} "
                             "was not loaded from files intelgraph recorded, so the graph cannot be rebuilt without "
                             f"dataset {dataset!r}",
                             hint="load the files again into an empty graph (`intelgraph db reset`) to keep a "
                                  "history that can be unloaded")
        stays = [g for g in rec.inputs if g.dataset != dataset]
        gone += [g for g in rec.inputs if g.dataset == dataset]
        if stays:
            kept.append(LoadRecord(rec.seq, rec.at, rec.intelgraph_version, rec.paths, stays, rec.sources,
                                   rec.before, rec.after, rec.options))
    if not gone:
        names = sorted({g.dataset for r in records for g in r.inputs if g.dataset})
        raise StoreError(f"no load of {store.engine} graph {store.name!r} brought dataset {dataset!r}",
                         hint=f"datasets in its history: {', '.join(names) or '(none)'} (`intelgraph history`)")
    problems = [p for rec in kept for g in rec.inputs for f in g.files
                if (p := _check_file(f, f"load {rec.seq}")) is not None]
    if problems:
        raise InputErrors(problems)
    return kept, gone
