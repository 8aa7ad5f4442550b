"""The ``intelgraph`` command. Each command is a thin shell over a library function.

Nouns: ``db`` (the store), ``load``, ``query`` (saved queries), ``cypher`` (ad-hoc),
``report``, ``export``. Domain errors are turned into one message here, with a hint.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click

from intelgraph import __version__
from intelgraph.config import ENGINES, Settings, open_store
from intelgraph.errors import IntelgraphError
from intelgraph.output import FORMATS, render


class Context:
    def __init__(self, settings: Settings, ask_password: bool):
        self.settings = settings
        self.ask_password = ask_password
        self._store = None

    def store(self):
        if self._store is None:
            prompt = (lambda: getpass.getpass("Neo4j password: ")) if self.ask_password else None
            self._store = open_store(self.settings, password_prompt=prompt)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class IntelgraphGroup(click.Group):
    """Turns domain errors into a message and exit status 1, once, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IntelgraphError as exc:
            click.echo(f"error: {exc.message()}", err=True)
            ctx.exit(1)


def _params(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise click.BadParameter(f"parameter {key!r} given twice", param_hint="-p")
        out[key] = value
    return out


@click.group(cls=IntelgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="intelgraph")
@click.option("--engine", type=click.Choice(ENGINES), envvar="INTELGRAPH_ENGINE", default=None,
              help="Graph engine [env INTELGRAPH_ENGINE; default falkordb, embedded].")
@click.option("--db", "db", metavar="DIR", envvar="INTELGRAPH_DB", default=None,
              help="Embedded engine's data directory [env INTELGRAPH_DB; default: your user data dir].")
@click.option("--graph", metavar="NAME", envvar="INTELGRAPH_GRAPH", default=None,
              help="Graph name in the embedded engine [default intelgraph].")
@click.option("--uri", metavar="URI", default=None, help="Neo4j URI, e.g. bolt://localhost:7687 or neo4j+s://… [env NEO4J_URI].")
@click.option("--user", metavar="USER", default=None, help="Neo4j user [env NEO4J_USER; default neo4j].")
@click.option("--database", metavar="NAME", default=None, help="Neo4j database [env NEO4J_DATABASE; default neo4j].")
@click.option("--ask-password", is_flag=True, help="Prompt for the Neo4j password (else NEO4J_PASSWORD or .env).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="Time limit per query [env INTELGRAPH_TIMEOUT; default 30].")
@click.pass_context
def cli(ctx: click.Context, engine, db, graph, uri, user, database, ask_password, timeout) -> None:
    """intelgraph — open-source reporting as a graph of actors, places, shipments,
    sources, claims and denials, on an embedded FalkorDB (default) or Neo4j."""
    settings = Settings.from_env(engine=engine, db=db, graph=graph, uri=uri, user=user, database=database,
                                 timeout=timeout)
    obj = Context(settings, ask_password)
    ctx.obj = obj
    ctx.call_on_close(obj.close)


# -- db ---------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Manage the store: status, start, stop, reset, finish-import."""


@db.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def db_status(obj: Context, fmt: str) -> None:
    """Engine, location and node/relationship counts."""
    from intelgraph.api import status

    info = status(obj.store(), obj.settings)
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
    else:
        for k, v in info.items():
            click.echo(f"{k:14} {v}")


@db.command("start")
@click.pass_obj
def db_start(obj: Context) -> None:
    """Start the embedded server and leave it running (later commands reuse it)."""
    from intelgraph.cypher.falkor import EmbeddedServer

    _need_embedded(obj)
    srv = EmbeddedServer(obj.settings.data_dir)
    started = srv.start()
    click.echo(("started" if started else "already running") + f": embedded FalkorDB in {srv.dir}")


@db.command("stop")
@click.pass_obj
def db_stop(obj: Context) -> None:
    """Stop the embedded server (its data is saved)."""
    from intelgraph.cypher.falkor import EmbeddedServer

    _need_embedded(obj)
    srv = EmbeddedServer(obj.settings.data_dir)
    click.echo("stopped" if srv.stop() else "not running")


@db.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def db_reset(obj: Context, yes: bool) -> None:
    """Delete every node and relationship in the graph."""
    store = obj.store()
    nodes, rels = store.counts()
    if not yes:
        click.confirm(f"Delete {nodes} nodes and {rels} relationships from {store.engine} graph {store.name!r}?",
                      abort=True)
    store.clear()
    click.echo(f"deleted {nodes} nodes and {rels} relationships")


@db.command("finish-import")
@click.pass_obj
def db_finish_import(obj: Context) -> None:
    """After `neo4j-admin database import` of `intelgraph export neo4j-admin` files: add the
    constraints, indexes and empty provenance lists that neo4j-admin does not write."""
    from intelgraph.loaders.export_admin import finish_import

    filled = finish_import(obj.store())
    click.echo("constraints and indexes in place; empty provenance lists added: "
               + ", ".join(f"{k} {v}" for k, v in filled.items()))


def _need_embedded(obj: Context) -> None:
    if obj.settings.engine != "falkordb":
        raise click.UsageError("start/stop manage the embedded engine; Neo4j is managed by its own server "
                               "(see docker-compose.yml)")


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
    from intelgraph.api import load_paths

    if not files and not sample:
        raise click.UsageError("give files to load, or --sample")
    stats = load_paths(obj.store(), list(files), sample=sample, source=source, batch_size=batch_size,
                       progress=not quiet, array_delimiter=array_delimiter, fresh=fresh)
    nodes, rels = obj.store().counts()
    click.echo(f"loaded {stats.nodes} node records and {stats.relationships} relationship records; "
               f"the graph now holds {nodes} nodes and {rels} relationships")


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
@click.option("--engine", "engine", type=click.Choice(ENGINES), default=None, help="Show this engine's variant.")
def query_show(name: str, engine: str | None) -> None:
    """Show a saved query: its description, parameters and Cypher."""
    from intelgraph.queries.registry import get_query

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
@click.pass_obj
def query_run(obj: Context, name: str, params: tuple[tuple[str, str], ...], fmt: str) -> None:
    """Run a saved query, read-only."""
    from intelgraph.queries.registry import get_query
    from intelgraph.queries.runner import run_saved

    q = get_query(name)  # unknown names fail before the store is opened
    click.echo(render(run_saved(obj.store(), q, _params(params)), fmt))


# -- cypher -----------------------------------------------------------------------------
@cli.command("cypher")
@click.argument("text")
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="KEY VALUE",
              help="A parameter (repeatable); values are JSON if they parse as JSON, else text.")
@click.option("--write", is_flag=True, help="Allow the statement to change the graph.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
@click.pass_obj
def cypher_cmd(obj: Context, text: str, params: tuple[tuple[str, str], ...], write: bool, fmt: str) -> None:
    """Run ad-hoc Cypher — read-only unless --write is given."""
    values: dict[str, Any] = {}
    for k, v in _params(params).items():
        try:
            values[k] = json.loads(v)
        except ValueError:
            values[k] = v
    store = obj.store()
    result = store.write(text, values) if write else store.read(text, values)
    click.echo(render(result, fmt))


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
@click.option("--projection", type=click.Choice(_projection_names()), default="all", show_default=True,
              help="Which nodes and ties to project (declared in the schema).")
@click.option("--undirected", is_flag=True, help="Treat every tie as undirected.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for communities, sampling and layout.")
@click.option("--exact-limit", type=click.IntRange(min=3), default=None, metavar="NODES",
              help="Above this many nodes, betweenness and closeness are estimated from a seeded sample, "
                   "and the report says so with an error estimate [default: 20000].")
@click.option("--sample-k", type=click.IntRange(min=2), default=None, metavar="NODES",
              help="How many nodes the estimate samples [default: see the report's notes].")
@click.option("--engine", "compute", type=click.Choice(["networkx", "gds"]), default="networkx", show_default=True,
              help="Compute here (networkx's values) or in Neo4j Graph Data Science (with --engine neo4j before "
                   "the command; docs/gds.md).")
@click.pass_obj
def report_centrality(obj: Context, out_dir: Path, projection: str, undirected: bool, seed: int,
                      exact_limit: int | None, sample_k: int | None, compute: str) -> None:
    """Degree, betweenness, closeness, eigenvector, PageRank and communities, with networkx's
    values (exact measures computed by a faster library where it gives the same numbers)."""
    from intelgraph.reports.centrality import centrality_report

    extra: dict[str, Any] = {}
    if exact_limit is not None:
        extra["exact_limit"] = exact_limit
    if sample_k is not None:
        extra["sample_k"] = sample_k
    res = centrality_report(obj.store(), out_dir, projection=projection, undirected=undirected, seed=seed,
                            compute=compute, timeout=obj.settings.timeout, **extra)
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
    from intelgraph.loaders.export_admin import export_neo4j_admin

    info = export_neo4j_admin(obj.store(), out_dir, import_dir=import_dir)
    click.echo(json.dumps(info, indent=2, default=str))


@export.command("browser-favorites")
@click.argument("out_zip", type=click.Path(dir_okay=False, path_type=Path))
def export_favorites(out_zip: Path) -> None:
    """A zip of every saved query as a .cypher file; drop it on Neo4j Browser."""
    from intelgraph.browser import browser_favorites_zip
    from intelgraph.queries.registry import load_queries

    browser_favorites_zip(load_queries(), out_zip)
    click.echo(f"wrote {out_zip}")


@export.command("browser")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def export_browser(out_dir: Path) -> None:
    """The Browser style (GraSS) and guide generated from the schema and saved queries."""
    from intelgraph.browser import write_browser_files

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
    from intelgraph.api import load_paths
    from intelgraph.queries.runner import run_saved
    from intelgraph.reports.centrality import centrality_report

    store = obj.store()
    stats = load_paths(store, [], sample=True)
    click.echo(f"loaded the sample story: {stats.nodes} nodes, {stats.relationships} relationships\n")
    for title, name, params in (
        ("Which route did the PMF weapons take?", "shipment-route", {}),
        ("How is the PMF connected to Russia, and on whose word?", "connections", {"from": "PMF", "to": "Russia"}),
        ("Who is connected to the Iranian army?", "network", {"entity": "Iranian army", "hops": "1"}),
        ("Who denies what?", "stances", {}),
    ):
        click.echo(f"== {title}  (intelgraph query run {name}"
                   + "".join(f" -p {k} {v!r}" for k, v in params.items()) + ")")
        click.echo(render(run_saved(store, name, params), "table") + "\n")
    res = centrality_report(store, out_dir, projection="actors")
    click.echo("centrality report of the actors: " + ", ".join(str(p) for p in res.files))


def main() -> None:
    cli(prog_name="intelgraph")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
