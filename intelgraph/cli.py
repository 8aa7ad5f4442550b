"""The ``intelgraph`` command. Each command is a thin shell over a library function.

Nouns: ``db`` (the store), ``load``, ``query`` (saved queries), ``cypher`` (ad-hoc),
``report``, ``export``. Domain errors are turned into one message here, with a hint.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from intelgraph import __version__, timings
from intelgraph.api import COMPUTE, Graph
from intelgraph.config import ENGINES, Settings, check_neo4j_origins
from intelgraph.cypher.store import Result
from intelgraph.errors import IntelgraphError, PathError
from intelgraph.output import FORMATS, render
from intelgraph.retract import SourceUnload


class Context:
    def __init__(self, settings: Settings, ask_password: bool):
        self.settings = settings
        self.ask_password = ask_password
        self._graph: Graph | None = None
        self.outputs: list[Path] = []  # where the command writes (see _output)

    def graph(self, check_version: bool = True) -> Graph:
        """The graph the settings describe, opened on first use (commands are calls on it); a
        store of another format version is refused unless ``check_version=False`` (the commands
        that migrate, reset or describe it)."""
        if self._graph is None:
            s = self.settings
            prompt = ((lambda: getpass.getpass(f"Neo4j password for {s.neo4j_user} at {s.neo4j_uri}: "))
                      if self.ask_password else None)
            self._graph = Graph.from_settings(self.settings, password_prompt=prompt, check_version=check_version)
            timings.mark("store open")
        return self._graph

    def store(self):
        return self.graph().store

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None


class IntelgraphGroup(click.Group):
    """Turns domain errors into a message and exit status 1, once, for every command; and a file
    or folder the system refused (an ``OSError``: permissions, a file where a folder should be,
    a name too long, ...) into a :class:`PathError` naming the path, rather than a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IntelgraphError as exc:
            click.echo(f"error: {exc.message()}", err=True)
            ctx.exit(1)
        except OSError as exc:
            click.echo(f"error: {_path_error(ctx, exc).message()}", err=True)
            ctx.exit(1)


def _path_error(ctx: click.Context, exc: OSError) -> PathError:
    """``exc`` as the project's error; a path in the data folder is named as the data folder's
    (``--db``), which is what the user chose and can fix."""
    name = str(exc.filename) if exc.filename is not None else ""
    for out in getattr(ctx.obj, "outputs", ()):
        # the output the user named, or a folder in it, or a file in the way of one of its folders
        if name and (name == str(out) or name.startswith(str(out) + os.sep) or str(out).startswith(name + os.sep)):
            inner = PathError.from_os(exc)
            hint = inner.hint
            if exc.errno == errno.EEXIST and str(out).startswith(name + os.sep):
                hint = PathError.HINTS[errno.ENOTDIR]
            return PathError(str(out), inner.reason if name == str(out) else f"{inner.reason}: {name}",
                             what="the output", hint=hint)
    settings = getattr(ctx.obj, "settings", None)
    data_dir = getattr(settings, "data_dir", None) if getattr(settings, "engine", None) == "falkordb" else None
    if data_dir is None or not name or (name != str(data_dir) and not name.startswith(str(data_dir) + os.sep)):
        return PathError.from_os(exc)
    what = "the data folder (--db or INTELGRAPH_DB)"
    try:
        blocked = data_dir.exists() and not data_dir.is_dir()
    except OSError:  # the data folder's own name is too long, say
        blocked = False
    if blocked:
        return PathError(str(data_dir), "it is a file, not a folder", what=what,
                         hint="give a folder (intelgraph creates it if it is missing)")
    inner = PathError.from_os(exc)
    reason = inner.reason if name == str(data_dir) else f"{inner.reason}: {name}"
    return PathError(str(data_dir), reason, what=what, hint=inner.hint)


def _output(path: Path) -> Path:
    """Note ``path`` as where this command writes, so that an OS error on it, in it or on a folder
    above it is named by the path the user gave (see :func:`_path_error`)."""
    obj = click.get_current_context().find_root().obj
    if isinstance(obj, Context):
        obj.outputs.append(path)
    return path


#: CSV meant for spreadsheets: formulas neutralised unless asked (intelgraph.graph.text.spreadsheet_cell).
_csv_raw = click.option("--csv-raw", is_flag=True,
                        help="CSV: write text cells starting with = + - @ as they are (by default they get a "
                             "leading ' so that spreadsheets do not run them as formulas; numbers are never changed).")


def _params(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise click.BadParameter(f"parameter {key!r} given twice", param_hint="-p")
        out[key] = value
    return out


@click.group(cls=IntelgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="intelgraph")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Graph engine [env INTELGRAPH_ENGINE; default falkordb, embedded].")
@click.option("--db", "db", metavar="DIR", default=None,
              help="Embedded engine's data directory [env INTELGRAPH_DB; default: your user data dir].")
@click.option("--graph", metavar="NAME", default=None,
              help="Graph name in the embedded engine [env INTELGRAPH_GRAPH; default intelgraph].")
@click.option("--uri", metavar="URI", default=None, help="Neo4j URI, e.g. bolt://localhost:7687 or neo4j+s://… [env NEO4J_URI].")
@click.option("--user", metavar="USER", default=None, help="Neo4j user [env NEO4J_USER; default neo4j].")
@click.option("--database", metavar="NAME", default=None, help="Neo4j database [env NEO4J_DATABASE; default neo4j].")
@click.option("--ask-password", is_flag=True,
              help="Prompt for the Neo4j password (else NEO4J_PASSWORD from the environment or the env file).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="Time limit per query [env INTELGRAPH_TIMEOUT; default 30].")
@click.option("--env-file", metavar="FILE", default=None,
              help="Read settings from this KEY=VALUE file, yours and writable only by you [env INTELGRAPH_ENV_FILE; "
                   "default: none — a .env is never read unless named].")
@click.pass_context
def cli(ctx: click.Context, engine, db, graph, uri, user, database, ask_password, timeout, env_file) -> None:
    """intelgraph — open-source reporting as a graph of actors, places, shipments,
    sources, claims and denials, on an embedded FalkorDB (default) or Neo4j."""
    settings = Settings.from_env(engine=engine, db=db, graph=graph, uri=uri, user=user, database=database,
                                 timeout=timeout, env_file=env_file, ask_password=ask_password)
    obj = Context(settings, ask_password)
    ctx.obj = obj
    ctx.call_on_close(obj.close)


# -- db ---------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Manage the store: status, start, stop, reset, repair, finish-import, migrate."""


@db.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def db_status(obj: Context, fmt: str) -> None:
    """Engine, location, node/relationship counts and the store's format version."""
    info = obj.graph(check_version=False).status()
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
    else:
        for k, v in info.items():
            click.echo(f"{k:14} {v}")


@db.command("start")
@click.pass_obj
def db_start(obj: Context) -> None:
    """Start the embedded server and leave it running (later commands reuse it)."""
    _need_embedded(obj)
    started, where = Graph.start_server(obj.settings)
    click.echo(("started" if started else "already running") + f": embedded FalkorDB in {where}")


@db.command("stop")
@click.pass_obj
def db_stop(obj: Context) -> None:
    """Stop the embedded server (its data is saved)."""
    _need_embedded(obj)
    click.echo("stopped" if Graph.stop_server(obj.settings) else "not running")


@db.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def db_reset(obj: Context, yes: bool) -> None:
    """Delete every node and relationship in the graph, and its load history."""
    g = obj.graph(check_version=False)
    nodes, rels = g.counts()
    if not yes:
        click.confirm(f"Delete {nodes} nodes and {rels} relationships from {g.engine} graph {g.store.name!r}?",
                      abort=True)
    nodes, rels = g.reset()
    click.echo(f"deleted {nodes} nodes and {rels} relationships")


@db.command("repair")
@click.pass_obj
def db_repair(obj: Context) -> None:
    """Repair the embedded server's damaged append-only file (a copy is kept first)."""
    _need_embedded(obj)
    backup, said = Graph.repair_server(obj.settings)
    click.echo(f"{said}\nrepaired; the files as they were are in {backup}")


def _renamed(command: str, old: str, old_value: str | None, new: str, new_value: str | None) -> str | None:
    """The value of option ``new``, or of its deprecated spelling ``old`` (kept for one release,
    with a warning on stderr)."""
    if old_value is None:
        return new_value
    click.echo(f"warning: `{command} {old}` is deprecated and will be removed; use `{command} {new}`", err=True)
    if new_value is not None and new_value != old_value:
        raise click.UsageError(f"{old} {old_value} and {new} {new_value} disagree; give {new} only")
    return old_value


@db.command("finish-import")
@click.pass_obj
def db_finish_import(obj: Context) -> None:
    """After `neo4j-admin database import` of `intelgraph export neo4j-admin` files: add the
    constraints, indexes and empty provenance lists that neo4j-admin does not write."""
    filled = obj.graph(check_version=False).finish_neo4j_import()
    click.echo("constraints and indexes in place; empty provenance lists added: "
               + ", ".join(f"{k} {v}" for k, v in filled.items()))


@db.command("migrate")
@click.pass_obj
def db_migrate(obj: Context) -> None:
    """Bring a store written by an older intelgraph to this one's format version."""
    for line in obj.graph(check_version=False).migrate():
        click.echo(line)


@db.command("history")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def db_history(obj: Context, fmt: str) -> None:
    """Every load into the graph: when, files (sha256, size), dataset, sources, counts, path."""
    _history(obj, fmt)


def _history(obj: Context, fmt: str) -> None:
    from intelgraph.loaders.history import LoadRecord

    records = obj.graph().history()
    if fmt == "json":
        click.echo(json.dumps(records, indent=2))
    else:
        rows = [LoadRecord.from_dict(r).row() for r in records]
        click.echo(render(Result(list(rows[0]) if rows else ["seq"], [list(r.values()) for r in rows]), "table"))


def _need_embedded(obj: Context) -> None:
    if obj.settings.engine != "falkordb":
        raise click.UsageError("start/stop manage the embedded engine; Neo4j is managed by its own server "
                               "(see docker-compose.yml)")


# -- config -----------------------------------------------------------------------------
@cli.group()
def config() -> None:
    """Settings: which engine, folder and server a command would use, and why."""


@config.command("show")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def config_show(obj: Context, fmt: str) -> None:
    """Every setting with its value and where it came from (option, environment, env file,
    default). A password is shown only as set or not."""
    from intelgraph.cypher.store import Result

    rows = obj.settings.describe()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        cols = ["setting", "variable", "value", "origin"]
        click.echo(render(Result(cols, [[r[c] for c in cols] for r in rows]), "table", max_width=200))
    if obj.settings.engine == "neo4j":
        check_neo4j_origins(obj.settings)  # a mix that `open_store` would refuse is an error here too


# -- load -------------------------------------------------------------------------------
@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Load the sample dataset (the April 2022 PMF-weapons story).")
@click.option("--source", metavar="NAME", help="CSV files: one source (a document name) for every record.")
@click.option("--array-delimiter", default=";", show_default=True, metavar="CHAR",
              help="CSV files: the array delimiter (an export whose lists hold ';' uses U+001F: pass $'\\x1f').")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Rows per write query for datasets (CSV into the embedded engine is sent 5,000 at a time).")
@click.option("--fresh/--no-fresh", default=None,
              help="CSV into the embedded engine: --fresh creates instead of merging and is refused unless the "
                   "graph is empty; --no-fresh always merges [default: create when the graph is empty].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
def load(obj: Context, files: tuple[Path, ...], sample: bool, source: str | None, array_delimiter: str,
         batch_size: int, fresh: bool | None, quiet: bool) -> None:
    """Load dataset files (YAML/JSON) or neo4j-admin CSV files, validated whole first.

    CSV node and relationship files given together are read together, so relationships can
    refer to the nodes' ids."""
    if not files and not sample:
        raise click.UsageError("give files to load, or --sample")
    stats = obj.graph().load(list(files), sample=sample, source=source, batch_size=batch_size,
                             progress=not quiet, array_delimiter=array_delimiter, fresh=fresh)
    nodes, rels = stats.after
    click.echo(f"loaded {stats.nodes} node records and {stats.relationships} relationship records; "
               f"the graph now holds {nodes} nodes and {rels} relationships")


@cli.command("history")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def history_cmd(obj: Context, fmt: str) -> None:
    """Every load into the graph (the same as `db history`)."""
    _history(obj, fmt)


@cli.command()
@click.option("--dataset", metavar="NAME", help="The dataset (its `dataset:` name) to take out.")
@click.option("--source", metavar="ID", help="The source (a name, alias or id) to take out.")
@click.option("--dry-run", is_flag=True, help="Change nothing; list what would go.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
@click.pass_obj
def unload(obj: Context, dataset: str | None, source: str | None, dry_run: bool, fmt: str) -> None:
    """Take a dataset or a source out of the graph, keeping what any other also gives: a
    dataset by rebuilding the graph from the other loads of its history, a source by removing
    what `rests-on-source` marks as falling with it (docs/history.md)."""
    if (dataset is None) == (source is None):
        raise click.UsageError("give --dataset NAME or --source ID")
    res = obj.graph().unload(dataset=dataset, source=source, dry_run=dry_run)
    rows = res.rows()
    click.echo(render(Result(["what", "id", "kind", "name"], [list(r.values()) for r in rows]), fmt))
    verb = "would remove" if dry_run else "removed"
    if isinstance(res, SourceUnload):
        said = (f"{verb} {len(res.claims)} claims, {len(res.facts)} facts, {len(res.nodes)} nodes and "
                f"{len(res.relationships)} relationships (source {res.name!r}); its values taken from "
                f"{res.changed_nodes} nodes and {res.changed_relationships} relationships that other sources also give")
    else:
        said = (f"{verb} {len(res.nodes)} nodes and {len(res.relationships)} relationships "
                f"(dataset {dataset!r}: {', '.join(res.removed)}); loads kept: "
                f"{', '.join(map(str, res.replayed)) or 'none'}")
    click.echo(said, err=fmt != "table")


# -- query ------------------------------------------------------------------------------
@cli.group()
def query() -> None:
    """Saved queries: list, show, run."""


@query.command("list")
@click.option("--tag", help="Only queries with this tag.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
def query_list(tag: str | None, fmt: str) -> None:
    """List the saved queries."""
    from intelgraph.cypher.store import Result
    from intelgraph.queries.registry import load_queries

    rows = [[q.name, q.title, ", ".join(p.name for p in q.params), ", ".join(q.tags)]
            for q in load_queries().values() if not tag or tag in q.tags]
    click.echo(render(Result(["name", "title", "params", "tags"], rows), fmt, max_width=70))


@query.command("show")
@click.argument("name")
@click.option("--variant", type=click.Choice(ENGINES), default=None, metavar="ENGINE",
              help="Show this engine's variant of the Cypher.")
@click.option("--engine", "old_variant", type=click.Choice(ENGINES), default=None, hidden=True,
              help="Deprecated spelling of --variant.")
def query_show(name: str, variant: str | None, old_variant: str | None) -> None:
    """Show a saved query: its description, parameters and Cypher."""
    from intelgraph.queries.registry import get_query

    engine = _renamed("query show", "--engine", old_variant, "--variant", variant)

    q = get_query(name)
    click.echo(f"{q.name} — {q.title}\n\n{q.description.strip()}\n")
    if q.params:
        click.echo("parameters:")
        for p in q.params:
            bits = [p.type + (f"({', '.join(p.kinds)})" if p.kinds else "")]
            bits.append("required" if p.required else f"default {p.default!r}")
            if p.example is not None:
                bits.append(f"example {p.example!r}")
            click.echo(f"  {p.name}: {', '.join(bits)}" + (f" — {p.description}" if p.description else ""))
        click.echo("")
    if q.tags:
        click.echo(f"tags: {', '.join(q.tags)}\n")
    if q.variants:
        click.echo(f"engine variants: {', '.join(sorted(q.variants))}\n")
    from intelgraph.queries.procedures import procedure_for

    engines = [e for e in ENGINES if procedure_for(e, q.name)]
    if engines:
        click.echo(f"answered on {', '.join(engines)} by an engine procedure that gives the same rows faster "
                   "(intelgraph/queries/procedures.py)\n")
    click.echo(q.text_for(engine) if engine else q.text)


@query.command("run")
@click.argument("name")
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="KEY VALUE",
              help="A parameter (repeatable); entity parameters take a name, alias or id.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
@_csv_raw
@click.pass_obj
def query_run(obj: Context, name: str, params: tuple[tuple[str, str], ...], fmt: str, csv_raw: bool) -> None:
    """Run a saved query, read-only."""
    from intelgraph.queries.registry import get_query

    q = get_query(name)  # unknown names fail before the store is opened
    click.echo(render(obj.graph().query_result(q, _params(params)), fmt, csv_raw=csv_raw))


# -- show -------------------------------------------------------------------------------
@cli.command("show")
@click.argument("entity")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
@_csv_raw
@click.pass_obj
def show(obj: Context, entity: str, fmt: str, csv_raw: bool) -> None:
    """Every value of one entity (a name, alias or id) with the sources and quotes that give it;
    `chosen` marks the value queries use (docs/model.md, "Statements")."""
    click.echo(render(obj.graph().show_result(entity), fmt, csv_raw=csv_raw))


# -- cypher -----------------------------------------------------------------------------
@cli.command("cypher")
@click.argument("text")
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="KEY VALUE",
              help="A parameter (repeatable); values are JSON if they parse as JSON, else text.")
@click.option("--write", is_flag=True, help="Allow the statement to change the graph.")
@click.option("--allow-external", is_flag=True,
              help="Allow LOAD CSV and procedures that reach files, URLs or other servers (docs/security.md).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
@_csv_raw
@click.pass_obj
def cypher_cmd(obj: Context, text: str, params: tuple[tuple[str, str], ...], write: bool, allow_external: bool,
               fmt: str, csv_raw: bool) -> None:
    """Run ad-hoc Cypher — read-only unless --write is given; refused if it would read files or
    URLs unless --allow-external is given."""
    values: dict[str, Any] = {}
    for k, v in _params(params).items():
        try:
            values[k] = json.loads(v)
        except ValueError:
            values[k] = v
    result = obj.graph().cypher_result(text, values, write=write, allow_external=allow_external)
    click.echo(render(result, fmt, csv_raw=csv_raw))


# -- report -----------------------------------------------------------------------------
@cli.group()
def report() -> None:
    """Reports: centrality."""


def _projection_names() -> list[str]:
    from intelgraph.graph.schema import load_schema

    return list(load_schema().projections)


@report.command("centrality")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the CSV, Markdown, HTML, PNG and provenance record.")
@click.option("--projection", type=click.Choice(_projection_names()), default="actors", show_default=True,
              help="Which nodes and ties to project (declared in the schema).")
@click.option("--undirected", is_flag=True, help="Treat every tie as undirected.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for communities, sampling and layout.")
@click.option("--exact-limit", type=click.IntRange(min=3), default=None, metavar="NODES",
              help="Above this many nodes, betweenness and closeness are estimated from a seeded sample, "
                   "and the report says so with an error estimate [default: 20000].")
@click.option("--sample-k", type=click.IntRange(min=2), default=None, metavar="NODES",
              help="How many nodes the estimate samples [default: see the report's notes].")
@click.option("--compute", type=click.Choice(COMPUTE), default=None,
              help="Compute here (networkx's values) or in Neo4j Graph Data Science (with --engine neo4j before "
                   "the command; docs/gds.md) [default: networkx].")
@click.option("--engine", "old_compute", type=click.Choice(COMPUTE), default=None, hidden=True,
              help="Deprecated spelling of --compute.")
@_csv_raw
@click.pass_obj
def report_centrality(obj: Context, out_dir: Path, projection: str, undirected: bool, seed: int,
                      exact_limit: int | None, sample_k: int | None, compute: str | None,
                      old_compute: str | None, csv_raw: bool) -> None:
    """Degree, betweenness, closeness, eigenvector, PageRank and communities, with networkx's
    values (exact measures computed by a faster library where it gives the same numbers)."""
    compute = _renamed("report centrality", "--engine", old_compute, "--compute", compute) or COMPUTE[0]
    _output(out_dir)
    res = obj.graph().report_centrality(out_dir, projection=projection, undirected=undirected, seed=seed,
                                        compute=compute, exact_limit=exact_limit, sample_k=sample_k,
                                        csv_raw=csv_raw)
    click.echo(f"wrote {', '.join(str(p) for p in res.files)}")


# -- export -----------------------------------------------------------------------------
@cli.group()
def export() -> None:
    """Exports: neo4j-admin CSV, Browser files and favorites."""


@export.command("neo4j-admin")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--import-dir", default="/import", show_default=True, metavar="DIR",
              help="Where neo4j-admin will find the files: import.sh names them there (/import is the compose "
                   "service's; give OUT_DIR's absolute path for tools/neo4j-local.sh admin).")
@click.pass_obj
def export_admin(obj: Context, out_dir: Path, import_dir: str) -> None:
    """Write the graph as neo4j-admin import CSVs (headers separate) and the import command."""
    _output(out_dir)
    info = obj.graph().export_neo4j_admin(out_dir, import_dir=import_dir)
    click.echo(json.dumps(info, indent=2, default=str))


@export.command("browser-favorites")
@click.argument("out_zip", type=click.Path(dir_okay=False, path_type=Path))
def export_favorites(out_zip: Path) -> None:
    """A zip of every saved query as a .cypher file; drop it on Neo4j Browser."""
    from intelgraph.browser import browser_favorites_zip
    from intelgraph.queries.registry import load_queries

    _output(out_zip)
    browser_favorites_zip(load_queries(), out_zip)
    click.echo(f"wrote {out_zip}")


@export.command("browser")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def export_browser(out_dir: Path) -> None:
    """The Browser style (GraSS) and guide generated from the schema and saved queries."""
    from intelgraph.browser import write_browser_files

    _output(out_dir)
    for path in write_browser_files(out_dir):
        click.echo(f"wrote {path}")


# -- generate ---------------------------------------------------------------------------
@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--relationships", "-n", type=click.IntRange(min=100), default=10_000, show_default=True,
              help="About how many relationships to generate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
def generate(out_dir: Path, relationships: int, seed: int) -> None:
    """Write a synthetic intelligence dataset as neo4j-admin CSV (for tests and benchmarks):
    clustered actors with skewed degrees, multi-leg shipments through a few chokepoints,
    sources of mixed reliability with re-reports, claims and denials."""
    from intelgraph.loaders.generate import generate as make

    _output(out_dir)
    info = make(out_dir, relationships=relationships, seed=seed)
    click.echo(f"wrote {info['nodes']} nodes and {info['relationships']} relationships "
               f"in {len(info['files'])} files to {out_dir}")
    click.echo(f"load them with: intelgraph load {out_dir}/*.csv")


# -- demo -------------------------------------------------------------------------------
@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("intelgraph-demo"),
              show_default=True, help="Folder for the centrality report.")
@click.pass_obj
def demo(obj: Context, out_dir: Path) -> None:
    """The analyst's loop on the sample story: load it, ask the route, the connections and
    the denials, and write a centrality report of the actors."""
    _output(out_dir)
    g = obj.graph()
    stats = g.load_sample()
    click.echo(f"loaded the sample story: {stats.nodes} nodes, {stats.relationships} relationships\n")
    for title, name, params in (
        ("Which route did the PMF weapons take?", "shipment-route", {}),
        ("How is the PMF connected to Russia, and on whose word?", "connections", {"from": "PMF", "to": "Russia"}),
        ("Who is connected to the Iranian army?", "network", {"entity": "Iranian army", "hops": "1"}),
        ("Who denies what?", "stances", {}),
    ):
        click.echo(f"== {title}  (intelgraph query run {name}"
                   + "".join(f" -p {k} {v!r}" for k, v in params.items()) + ")")
        click.echo(render(g.query_result(name, params), "table") + "\n")
    res = g.report_centrality(out_dir, projection="actors")
    click.echo("centrality report of the actors: " + ", ".join(str(p) for p in res.files))


def main() -> None:
    timings.mark("imports")
    try:
        cli(prog_name="intelgraph")
    finally:
        timings.report()


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
