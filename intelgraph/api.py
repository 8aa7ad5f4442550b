"""The public Python API — the one the ``intelgraph`` command uses: each command is a call here.

>>> from intelgraph import Graph                                              # doctest: +SKIP
>>> with Graph.open(db="case-dir") as g:                                      # doctest: +SKIP
...     g.load_sample()
...     g.query("routes-between", origin="Iraq", destination="Russia")

:class:`Graph` opens the store the settings describe (resolved by
:meth:`intelgraph.config.Settings.from_env`, as the command line's options are), loads inputs
by :func:`load_paths` (the one function that chooses a load path), runs saved queries and
ad-hoc Cypher through the same read-only and plan checks as the command, and writes reports.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Union

from intelgraph import timings
from intelgraph.config import OPTION, Settings, open_store
from intelgraph.cypher.store import BulkAppend, Result, Store
from intelgraph.errors import InputErrors, Problem, QueryError
from intelgraph.loaders.plan import LoadStats, Plan, write_plan

if TYPE_CHECKING:
    from intelgraph.retract import SourceUnload
    from intelgraph.queries.registry import SavedQuery
    from intelgraph.reports.centrality import ReportResult

__all__ = ["Graph", "LoadResult", "UnloadResult", "load_paths", "unload", "read_plans", "status", "COMPUTE"]

PROGRESS_MIN_ROWS = 5000
PROGRESS_MIN_BYTES = 1 << 20  # the reading bar: CSV files of at least 1 MiB
COMPUTE = ("networkx", "gds")  # where a report's measures are computed

PathLike = Union[str, "os.PathLike[str]"]
# a file, or a neo4j-admin CSV header file and its data file(s) given together
Input = Union[PathLike, Sequence[PathLike]]


# -- loading: the one place that chooses the path -------------------------------------------------
@dataclass
class LoadResult(LoadStats):
    """What a load did. ``nodes``/``relationships`` (and ``by_kind``/``by_type``) count the
    records the inputs hold, written or found unchanged; ``before`` and ``after`` are the graph's
    (nodes, relationships) around the load; ``paths`` names how each input group was written:
    ``"dataset"`` (a YAML/JSON dataset, merged on ids), ``"fresh"`` or ``"merge"`` (CSV by the
    fast path) or ``"classic"`` (CSV by the thorough reader and ``MERGE``-on-id statements)."""

    paths: list[str] = field(default_factory=list)
    before: tuple[int, int] = (0, 0)
    after: tuple[int, int] = (0, 0)

    @property
    def path(self) -> str:
        """How the CSV inputs were written (``"fresh"``, ``"merge"``, ``"classic"``), or
        ``"dataset"`` if there were none."""
        csv = [p for p in self.paths if p != "dataset"]
        return csv[-1] if csv else "dataset"

    @property
    def nodes_added(self) -> int:
        return self.after[0] - self.before[0]

    @property
    def relationships_added(self) -> int:
        return self.after[1] - self.before[1]

    @property
    def changed(self) -> bool:
        """Whether the graph's counts changed (a reload of the same inputs changes nothing)."""
        return self.before != self.after


def _as_input(item: Input) -> Path | tuple[Path, ...]:
    if isinstance(item, (str, os.PathLike)):
        return Path(item)
    return tuple(Path(p) for p in item)  # a header file and its data files


def _is_csv(item: Path | tuple[Path, ...]) -> bool:
    return not isinstance(item, Path) or item.suffix.lower() == ".csv"


def _read_inputs(store: Store | None, paths: Sequence[Input], sample: bool, source: str | None,
                 array_delimiter: str, fast: bool, fresh: bool | None = None) -> list[tuple[str, Any]]:
    """(path, item) for each input group: plans for datasets; for CSV files a staged load (the
    fast reader, on the embedded engine) or a plan. Every input is validated before anything is
    written — though CSV files alone into an empty embedded graph are written into a staging
    graph as they are read, which replaces the graph only once all of them are valid
    (:mod:`intelgraph.loaders.early`)."""
    from intelgraph.loaders.api import read_any, sample_path

    items: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    inputs = [_as_input(p) for p in paths]
    datasets = ([sample_path()] if sample else []) + [p for p in inputs if isinstance(p, Path) and not _is_csv(p)]
    csvs = [p for p in inputs if _is_csv(p)]
    for p in datasets:
        try:
            items.append(("dataset", read_any(p, store)))
        except InputErrors as exc:
            problems.extend(exc.problems)
    if csvs:
        from intelgraph.loaders.csv_admin import read_csv_files

        staged = None
        if fast and isinstance(store, BulkAppend) and not problems:
            from intelgraph.loaders.bulk import stage_csv
            from intelgraph.loaders.early import begin

            early = begin(store, csvs, fresh) if not datasets else None
            staged = stage_csv(csvs, source, store=store, array_delimiter=array_delimiter, early=early)
        if staged is not None:
            items.append(("staged", staged))  # "fresh" or "merge": decided as it is written
        else:
            try:
                items.append(("classic", read_csv_files(csvs, source=source, store=store,
                                                        array_delimiter=array_delimiter)))
            except InputErrors as exc:
                problems.extend(exc.problems)
    if problems:
        _close(items)
        raise InputErrors(problems)
    return items


def _close(items: list[tuple[str, Any]]) -> None:
    for _, x in items:
        if not isinstance(x, Plan):
            x.close()


def read_plans(store: Store | None, paths: Sequence[Input], sample: bool = False,
               source: str | None = None, array_delimiter: str = ";") -> list[Plan]:
    """Read and validate every input before anything is written. CSV files are read together."""
    return [x for _, x in _read_inputs(store, paths, sample, source, array_delimiter, fast=False)
            if isinstance(x, Plan)]


def load_paths(store: Store, paths: Sequence[Input], sample: bool = False, source: str | None = None,
               batch_size: int = 1000, progress: bool = False, array_delimiter: str = ";",
               fresh: bool | None = None, record: bool = True) -> LoadResult:
    """Validate all inputs, then write them; returns what was written. The one place that
    chooses how a load is written (``intelgraph load`` and :meth:`Graph.load` come here).

    CSV files into a store with the :class:`~intelgraph.cypher.store.BulkAppend` capability (the
    embedded engine) take the fast path (:mod:`intelgraph.loaders.bulk`): into
    an empty graph they are created (``fresh=None`` decides by looking; ``fresh=True`` insists and
    is refused, before anything is written, if the graph is not empty; ``fresh=False`` always
    merges), otherwise merged between nodes found by internal id. Datasets, and CSV inputs the
    fast reader leaves to the thorough one, are merged on ids as always (or created, with
    ``fresh=True``). A neo4j-admin header file and its data files are given together as one
    sequence, e.g. ``("people-header.csv", "people.csv")``.

    A store of another format version is refused before anything is read
    (:func:`intelgraph.cypher.meta.check_version`); an empty one is stamped first.
    ``record``: add the load to the store's history (:mod:`intelgraph.loaders.history`) once it
    is done; a load that fails records nothing."""
    from intelgraph.cypher.meta import check_version, stamp
    from intelgraph.loaders.bulk import NotEmpty, graph_is_empty, write_staged
    from intelgraph.loaders.history import describing_inputs, record_load, source_ids

    if check_version(store) is None:
        stamp(store)  # before anything is written, so that a load running beside it finds it stamped
    groups = sources = None
    if record:
        from intelgraph.loaders.api import sample_path

        groups = describing_inputs([_as_input(p) for p in paths], sample_path() if sample else None)
        sources = source_ids(store)
    with _reading_bar(paths if progress else []):
        items = _read_inputs(store, paths, sample, source, array_delimiter, fast=True, fresh=fresh)
    timings.mark("read")
    try:
        if fresh and not graph_is_empty(store):
            raise NotEmpty(f"--fresh loads only into an empty graph; {store.engine} graph {store.name!r} is not empty",
                           hint="load without --fresh (an idempotent merge), or `intelgraph db reset` first")
        total = LoadResult(before=store.counts())
        rows = sum(sum(p.counts()) for _, p in items)
        bar = None
        tick: Callable[[int], None] | None = None
        if progress and rows >= PROGRESS_MIN_ROWS:
            from tqdm import tqdm

            bar = tqdm(total=rows, unit="rows", desc="loading", file=None)

            def tick(n: int) -> None:
                bar.update(n)
        try:
            for n, (path, item) in enumerate(items):
                first = n == 0  # only the first input can find the graph as --fresh saw it
                if isinstance(item, Plan):
                    stats = write_plan(store, item, batch_size=batch_size, fresh=bool(fresh) and first,
                                       progress=tick)
                else:
                    assert isinstance(store, BulkAppend)  # a load is staged only for such a store (_read_inputs)
                    stats = write_staged(store, item, fresh=(fresh if first else False) if fresh is not None
                                         else (None if first else False), progress=tick)
                total.paths.append(path if isinstance(item, Plan) else item.mode)
                total.nodes += stats.nodes
                total.relationships += stats.relationships
                for k, v in stats.by_kind.items():
                    total.by_kind[k] = total.by_kind.get(k, 0) + v
                for k, v in stats.by_type.items():
                    total.by_type[k] = total.by_type.get(k, 0) + v
        finally:
            if bar:
                bar.close()
        timings.mark("write")
        total.after = store.counts()
        described = groups() if groups is not None else None
        if described is not None and sources is not None:
            options = {"source": source, "array_delimiter": array_delimiter}
            record_load(store, total.paths, described, sorted(source_ids(store) - sources), total.before, total.after,
                        options)
        return total
    finally:
        _close(items)


def _inputs_of(rec: Any) -> list[Input]:
    """The inputs of a load history record, as :func:`load_paths` takes them."""
    return [g.paths[0] if len(g.paths) == 1 else tuple(g.paths) for g in rec.inputs]


def _replay(store: Store, records: Sequence[Any], batch_size: int) -> None:
    """Load the inputs of ``records`` (load history records) again, in order, recording nothing."""
    from intelgraph.loaders.history import UNLOAD
    from intelgraph.retract import unload_source

    for rec in records:
        if rec.paths == [UNLOAD]:  # a source's unload is applied again in its place (if the source is there)
            sid = rec.options.get("source")
            if sid and store.read("MATCH (s:Entity {id: $id}) RETURN count(s)", {"id": sid}).scalar():
                unload_source(store, sid, record=False)
            continue
        load_paths(store, _inputs_of(rec), source=rec.options.get("source"), batch_size=batch_size,
                   array_delimiter=rec.options.get("array_delimiter") or ";", record=False)


def _clear_graph(store: Store, keep: Sequence[tuple[list[str], dict[str, Any]]]) -> None:
    """Empty the store, then put back the metadata nodes ``keep``."""
    from intelgraph.cypher.meta import create_metadata

    store.clear()
    create_metadata(store, list(keep))


@dataclass
class UnloadResult:
    """What an unload did (or, ``dry_run``, would do): the dataset's files that go, the loads
    replayed (their numbers in the history), the graph's counts around it, and the nodes (id,
    kind, name) and relationships (id, type) that go."""

    dataset: str
    dry_run: bool
    removed: list[str]
    replayed: list[int]
    before: tuple[int, int]
    after: tuple[int, int] | None
    nodes: list[tuple[str, str, str | None]] = field(default_factory=list)
    relationships: list[tuple[str, str]] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        return ([{"what": "node", "id": i, "kind": k, "name": n} for i, k, n in self.nodes]
                + [{"what": "relationship", "id": i, "kind": t, "name": None} for i, t in self.relationships])


def _graph_ids(store: Store) -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    from intelgraph.graph.schema import load_schema

    root = load_schema().root_label
    nodes = {i: (k, n) for i, k, n in store.iter_read(f"MATCH (n:`{root}`) RETURN n.id, n.kind, n.name ORDER BY n.id")}
    rels = {i: t for i, t in store.iter_read(f"MATCH (:`{root}`)-[r]->(:`{root}`) RETURN r.id, type(r) "
                                             "ORDER BY r.id")}
    return nodes, rels


def unload(store: Store, dataset: str, dry_run: bool = False, batch_size: int = 1000) -> UnloadResult:
    """Take dataset ``dataset`` out of the graph: the graph is rebuilt from every other input its
    load history records (each file checked against its sha256 first), so what remains is
    exactly what loading those alone gives — values, statements, evidence, claims and facts
    the dataset alone supported go, and whatever another input also gives stays. ``dry_run``
    changes nothing and lists what would go. A failure rebuilds the graph as it was (docs/history.md)."""
    from intelgraph.cypher.meta import check_version, metadata_nodes
    from intelgraph.loaders.history import UNLOAD, history, plan_unload, record_load, rewrite_history

    check_version(store)
    with store.writing():
        kept, gone = plan_unload(store, dataset)
        result = UnloadResult(dataset, dry_run, [p for g in gone for p in g.paths],
                              [r.seq for r in kept if r.inputs], store.counts(), None)
        nodes, rels = _graph_ids(store)
        stay_nodes: set[str] = set()
        stay_rels: set[str] = set()
        if dry_run:
            for rec in kept:
                for plan in read_plans(store, _inputs_of(rec), source=rec.options.get("source"),
                                       array_delimiter=rec.options.get("array_delimiter") or ";"):
                    stay_nodes.update(i for rows in plan.nodes.values() for i in rows)
                    stay_rels.update(i for rows in plan.rels.values() for i in rows)
        else:
            everything, meta = history(store), metadata_nodes(store)
            try:
                _clear_graph(store, meta)
                _replay(store, kept, batch_size)
            except BaseException:
                _clear_graph(store, meta)
                _replay(store, everything, batch_size)
                raise
            rewrite_history(store, kept)
            result.after = store.counts()
            record_load(store, [UNLOAD], [], [], result.before, result.after, {"dataset": dataset},
                        seq=max(r.seq for r in everything) + 1)
            after_nodes, after_rels = _graph_ids(store)
            stay_nodes, stay_rels = set(after_nodes), set(after_rels)
        result.nodes = [(i, *nodes[i]) for i in sorted(set(nodes) - stay_nodes)]
        result.relationships = [(i, rels[i]) for i in sorted(set(rels) - stay_rels)]
    return result


@contextmanager
def _reading_bar(paths: Sequence[Input]) -> Iterator[None]:
    """A bar by bytes of the CSV files read (:mod:`intelgraph.loaders.progress`), while they are
    read; none for less than :data:`PROGRESS_MIN_BYTES`."""
    from intelgraph.loaders import progress

    inputs = [_as_input(p) for p in paths]
    files = [f for i in inputs if _is_csv(i) for f in ((i,) if isinstance(i, Path) else i)]
    total = sum(os.path.getsize(f) for f in files if os.path.isfile(f))
    if total < PROGRESS_MIN_BYTES:
        yield
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, desc="reading", file=None) as bar, progress.reading(bar.update):
        yield


def status(store: Store, settings: Settings | None = None) -> dict[str, Any]:
    from intelgraph.cypher.meta import store_version

    nodes, rels = store.counts()
    info: dict[str, Any] = {"engine": store.engine, "graph": store.name, "nodes": nodes, "relationships": rels,
                            "format_version": store_version(store)[0]}
    if store.engine == "falkordb":
        info["data_dir"] = str(store.server.dir)  # type: ignore[attr-defined]
        info["server"] = "started for this command" if store.started_here else "running"  # type: ignore[attr-defined]
    elif settings is not None:
        info["uri"] = settings.neo4j_uri
    return info


# -- the graph ------------------------------------------------------------------------------------
class Graph:
    """One graph in one store, and everything the command line does with it.

    Open it with :meth:`open` (the same settings as the command line, resolved the same way);
    close it with :meth:`close` or a ``with`` block, which stops an embedded server that opening
    it started, as a command does. :attr:`store` is the underlying store, for advanced use."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self._store: Store | None = store
        self.settings = settings

    # -- opening and closing --------------------------------------------------------------------
    @classmethod
    def open(cls, *, engine: str | None = None, db: PathLike | None = None, graph: str | None = None,
             uri: str | None = None, user: str | None = None, database: str | None = None,
             timeout: float | None = None, env_file: PathLike | None = None, password: str | None = None,
             password_prompt: Callable[[], str] | None = None,
             environ: Mapping[str, str] | None = None) -> Graph:
        """Open the graph the settings describe. Each setting not given here comes from the
        environment, then from the env file named by ``env_file`` (or ``INTELGRAPH_ENV_FILE``),
        then the default — as on the command line (:mod:`intelgraph.config`). The Neo4j password
        is ``password``, else asked of ``password_prompt`` (as ``--ask-password`` does), else
        ``NEO4J_PASSWORD`` from the environment or the env file. The embedded engine (the
        default) starts its server if none is running, and stops it again on :meth:`close`."""
        settings = Settings.from_env(engine=engine, db=None if db is None else os.fspath(db), graph=graph, uri=uri,
                                     user=user, database=database, timeout=timeout, env_file=env_file,
                                     ask_password=password is None and password_prompt is not None,
                                     environ=None if environ is None else dict(environ))
        if password is not None:
            settings.neo4j_password = password
            settings.origins["neo4j_password"] = OPTION
        return cls.from_settings(settings, password_prompt=password_prompt)

    @classmethod
    def from_settings(cls, settings: Settings, password_prompt: Callable[[], str] | None = None,
                      check_version: bool = True) -> Graph:
        """Open the graph ``settings`` describe (see :meth:`open`). A store of another format
        version is refused (:class:`~intelgraph.cypher.meta.StoreVersionError`, naming
        ``intelgraph db migrate`` for an older one) unless ``check_version=False`` (to migrate,
        reset or describe it)."""
        from intelgraph.cypher.meta import check_version as check

        graph = cls(open_store(settings, password_prompt=password_prompt), settings)
        if check_version:
            try:
                check(graph.store)
            except BaseException:
                graph.close()
                raise
        return graph

    @property
    def store(self) -> Store:
        """The underlying store (:class:`intelgraph.cypher.store.Store`)."""
        if self._store is None:
            from intelgraph.errors import StoreError

            raise StoreError("this graph is closed", hint="open it again with Graph.open()")
        return self._store

    @property
    def engine(self) -> str:
        return self.store.engine

    def close(self) -> None:
        """Close the store; an embedded server that opening it started is stopped."""
        if self._store is not None:
            store, self._store = self._store, None
            store.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @staticmethod
    def start_server(settings: Settings | None = None) -> tuple[bool, Path]:
        """Start the embedded server for the settings' data folder and leave it running (later
        commands and graphs reuse it). Returns (whether this call started it, its folder)."""
        from intelgraph.cypher.falkordb.server import EmbeddedServer

        srv = EmbeddedServer((settings or Settings.from_env()).data_dir)
        return srv.start(), srv.dir

    @staticmethod
    def stop_server(settings: Settings | None = None) -> bool:
        """Stop the embedded server for the settings' data folder (its data is saved). Returns
        whether one was running."""
        from intelgraph.cypher.falkordb.server import EmbeddedServer

        return EmbeddedServer((settings or Settings.from_env()).data_dir).stop()

    @staticmethod
    def repair_server(settings: Settings | None = None) -> tuple[Path, str]:
        """Repair the embedded server's damaged append-only file (the server must be stopped; a
        copy of the files as they were is kept). Returns (where the copy is, what the checker said)."""
        from intelgraph.cypher.falkordb.server import EmbeddedServer

        backup, said = EmbeddedServer((settings or Settings.from_env()).data_dir).repair_aof()
        return Path(backup), said

    # -- the graph ------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Engine, graph name, node and relationship counts, and where the store is."""
        return status(self.store, self.settings)

    def counts(self) -> tuple[int, int]:
        """(nodes, relationships) in the graph."""
        return self.store.counts()

    def history(self) -> list[dict[str, Any]]:
        """The store's load history, oldest first: one dict per load (``seq``, ``at`` in UTC,
        ``intelgraph_version``, ``paths``, ``inputs`` with each file's ``path``, ``sha256`` and
        ``size`` and a dataset's name, ``sources`` the load brought, ``before``/``after`` counts,
        ``options``); see docs/history.md."""
        from intelgraph.loaders.history import history

        return [r.as_dict() for r in history(self.store)]

    def unload(self, *, dataset: str | None = None, source: str | None = None, dry_run: bool = False,
               batch_size: int = 1000) -> UnloadResult | SourceUnload:
        """Take dataset ``dataset`` out of the graph, keeping everything another load also gives
        (:func:`unload`: the graph rebuilt from the other loads), or source ``source`` (a name,
        alias or id: :func:`intelgraph.retract.unload_source`, what ``rests-on-source`` marks as
        falling and the source's own values); ``dry_run`` only lists what would go."""
        if (dataset is None) == (source is None):
            raise QueryError("give a dataset or a source to unload, not both", hint="--dataset NAME or --source ID")
        if source is not None:
            from intelgraph.retract import unload_source

            return unload_source(self.store, source, dry_run=dry_run)
        assert dataset is not None
        return unload(self.store, dataset, dry_run=dry_run, batch_size=batch_size)

    def migrate(self) -> list[str]:
        """Bring the store to this intelgraph's format version (:mod:`intelgraph.loaders.migrations`);
        what each step did."""
        from intelgraph.loaders.migrations import migrate

        return migrate(self.store)

    def format_version(self) -> int | None:
        """The store's format version (None: an empty store, not stamped yet)."""
        from intelgraph.cypher.meta import store_version

        return store_version(self.store)[0]

    def reset(self) -> tuple[int, int]:
        """Delete every node and relationship, and the store's metadata (version stamp, load
        history); returns how many nodes and relationships there were."""
        before = self.store.counts()
        self.store.clear()
        return before

    # -- loading --------------------------------------------------------------------------------
    def load(self, paths: Sequence[Input] = (), *, sample: bool = False, source: str | None = None,
             array_delimiter: str = ";", batch_size: int = 1000, fresh: bool | None = None,
             progress: bool = False) -> LoadResult:
        """Load datasets (.yaml/.yml/.json) and neo4j-admin CSV files, all validated before anything
        is written (an :class:`~intelgraph.errors.InputErrors` naming file, record and field
        otherwise, and the graph left as it was); ``sample=True`` adds the sample story. The path
        is chosen as ``intelgraph load`` chooses it (:func:`load_paths`)."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        return load_paths(self.store, list(paths), sample=sample, source=source, batch_size=batch_size,
                          progress=progress, array_delimiter=array_delimiter, fresh=fresh)

    def load_sample(self, *, batch_size: int = 1000, progress: bool = False) -> LoadResult:
        """Load the sample dataset (the April 2022 PMF-weapons story)."""
        return self.load([], sample=True, batch_size=batch_size, progress=progress)

    # -- asking ---------------------------------------------------------------------------------
    def query(self, name: str | SavedQuery, params: Mapping[str, Any] | None = None, /,
              **kwargs: Any) -> list[dict[str, Any]]:
        """Run a saved query read-only; its rows as dicts. Parameters as keywords, or as a dict
        (for a name that is a Python keyword, such as ``from``); entity parameters take a name,
        alias or id."""
        return self.query_result(name, params, **kwargs).records()

    def query_result(self, name: str | SavedQuery, params: Mapping[str, Any] | None = None, /,
                     **kwargs: Any) -> Result:
        """:meth:`query`, as a :class:`~intelgraph.cypher.store.Result` (columns in order)."""
        from intelgraph.queries.runner import run_saved

        values = dict(params or {})
        twice = sorted(set(values) & set(kwargs))
        if twice:
            raise QueryError(f"parameter(s) {', '.join(twice)} given twice (in the dict and as keywords)",
                             hint="give each parameter once")
        values.update(kwargs)
        return run_saved(self.store, name, values)

    def show(self, entity: str) -> list[dict[str, Any]]:
        """Every property value of one entity (a name, alias or id), and of each relationship
        touching it (``entity`` "A -[TYPE]-> B", ``kind`` its type; its value properties, such as
        a quantity), with each source that gives it — its grade, its date and its quotes — the
        value queries use marked ``chosen`` (:mod:`intelgraph.graph.provenance` states the rule)."""
        return self.show_result(entity).records()

    def show_result(self, entity: str) -> Result:
        """:meth:`show`, as a :class:`~intelgraph.cypher.store.Result` (columns in order)."""
        from intelgraph.graph.provenance import values_of
        from intelgraph.graph.schema import load_schema
        from intelgraph.queries.runner import resolve_entity

        store, schema = self.store, load_schema()
        nid = resolve_entity(store, entity, param="ENTITY")
        records = [tuple(r) for r in store.read("MATCH (n:Entity {id: $id}) RETURN n.name, n.kind, properties(n)",
                                                {"id": nid}).rows]
        for pattern in ("(a:Entity {id: $id})-[r]->(b:Entity)", "(a:Entity)-[r]->(b:Entity {id: $id}) WHERE a <> b"):
            records += sorted(((f"{a} -[{t}]-> {b}", t, props) for a, t, b, props in store.read(
                f"MATCH {pattern} RETURN a.name, type(r), b.name, properties(r)", {"id": nid}).rows),
                key=lambda x: (x[0], x[1], x[2].get("id") or ""))
        values = [(name, kind, props, values_of(schema, kind, props)) for name, kind, props in records]
        ids = sorted({s for *_, vals in values for *_, sources in vals for s in sources})
        about = {sid: (name, reliability, date) for sid, name, reliability, date in store.read(
            "UNWIND $ids AS i MATCH (s:Entity {id: i}) RETURN s.id, s.name, s.reliability, toString(s.date)",
            {"ids": ids}).rows}
        rows = []
        for name, kind, props, vals in values:
            quotes: dict[str, list[str]] = {}
            for e in props.get("evidence") or ():
                sid, _, quote = e.partition(" | ")
                quotes.setdefault(sid, []).append(quote)
            for prop, value, chosen, sources in vals:
                for sid in sorted(sources, key=lambda x: (about.get(x, (x,))[0], x)):
                    source, reliability, date = about.get(sid, (sid, None, None))
                    rows.append([name, kind, prop, value, chosen, source, reliability, date, quotes.get(sid, [])])
        return Result(["entity", "kind", "property", "value", "chosen", "source", "reliability", "date", "quotes"], rows)

    def cypher(self, text: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
               allow_external: bool = False) -> list[dict[str, Any]]:
        """Run ad-hoc Cypher; its rows as dicts. Read-only unless ``write=True`` (the engine
        refuses a write otherwise: :class:`~intelgraph.errors.ReadOnlyViolation`); refused before
        it runs if its plan would reach files, URLs or other servers, unless
        ``allow_external=True`` (:class:`~intelgraph.errors.ExternalAccess`)."""
        return self.cypher_result(text, params, write=write, allow_external=allow_external).records()

    def cypher_result(self, text: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
                      allow_external: bool = False) -> Result:
        """:meth:`cypher`, as a :class:`~intelgraph.cypher.store.Result` (columns in order)."""
        if not write:
            return self.store.run_query(text, dict(params or {}), allow_external=allow_external)
        from intelgraph.cypher.meta import stamp, store_version

        if store_version(self.store)[0] is None:
            stamp(self.store)  # its first write: the graph it makes is in this version's format
        return self.store.run_query(text, dict(params or {}), write=True, allow_external=allow_external)

    # -- reports and exports --------------------------------------------------------------------
    def report_centrality(self, out_dir: PathLike, projection: str = "all", *, undirected: bool = False,
                          seed: int = 0, compute: str = "networkx", exact_limit: int | None = None,
                          sample_k: int | None = None, csv_raw: bool = False) -> ReportResult:
        """Write the centrality report (CSV, Markdown, HTML, PNG, provenance record) into
        ``out_dir``. ``compute``: ``"networkx"`` (here) or ``"gds"`` (in Neo4j Graph Data Science).
        ``csv_raw`` writes ``centrality.csv``'s cells as stored, formulas not neutralised."""
        from intelgraph.reports.centrality import centrality_report

        extra: dict[str, Any] = {}
        if exact_limit is not None:
            extra["exact_limit"] = exact_limit
        if sample_k is not None:
            extra["sample_k"] = sample_k
        return centrality_report(self.store, Path(out_dir), projection=projection, undirected=undirected, seed=seed,
                                 compute=compute, timeout=self.settings.timeout if self.settings else None,
                                 csv_raw=csv_raw, **extra)

    def export_neo4j_admin(self, out_dir: PathLike, import_dir: str | None = None) -> dict[str, Any]:
        """Write the graph as neo4j-admin import CSVs (headers separate) and the import command;
        ``import_dir`` names the folder neo4j-admin will read them from."""
        from intelgraph.loaders.export_admin import export_neo4j_admin

        if import_dir is None:
            return export_neo4j_admin(self.store, Path(out_dir))
        return export_neo4j_admin(self.store, Path(out_dir), import_dir=import_dir)

    def finish_neo4j_import(self) -> dict[str, int]:
        """After ``neo4j-admin database import`` of :meth:`export_neo4j_admin`'s files: add the
        constraints, indexes and empty provenance lists that neo4j-admin does not write."""
        from intelgraph.cypher.meta import stamp
        from intelgraph.loaders.export_admin import finish_import
        from intelgraph.loaders.history import NEO4J_ADMIN, record_load

        done = finish_import(self.store)
        if not any(r["paths"] == [NEO4J_ADMIN] for r in self.history()):
            counts = self.store.counts()
            record_load(self.store, [NEO4J_ADMIN], [], [], (0, 0), counts)
        stamp(self.store)
        return done
