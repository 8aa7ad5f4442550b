"""Where the graph lives: engine, data directory, Neo4j connection — from options, environment
or a ``.env`` file, in that order. Passwords are read from the environment, ``.env`` or a
prompt only; they are never accepted on the command line and never printed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from intelgraph.cypher.store import DEFAULT_TIMEOUT_S, Store

__all__ = ["Settings", "open_store", "default_data_dir", "read_dotenv"]

ENGINES = ("falkordb", "neo4j")


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("intelgraph", appauthor=False)) / "falkordb"


def read_dotenv(path: str | os.PathLike[str] = ".env") -> dict[str, str]:
    """KEY=VALUE lines of a ``.env`` file (no interpolation); missing file → {}."""
    out: dict[str, str] = {}
    p = Path(path)
    if not p.is_file():
        return out
    for line in p.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip().removeprefix("export ").strip()] = value
    return out


@overload
def _env(name: str, dotenv: dict[str, str], default: str) -> str: ...
@overload
def _env(name: str, dotenv: dict[str, str], default: None = None) -> str | None: ...
def _env(name: str, dotenv: dict[str, str], default: str | None = None) -> str | None:
    return os.environ.get(name) or dotenv.get(name) or default


@dataclass
class Settings:
    engine: str = "falkordb"
    data_dir: Path = field(default_factory=default_data_dir)
    graph: str = "intelgraph"
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = field(default=None, repr=False)
    neo4j_database: str = "neo4j"
    timeout: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_env(cls, engine: str | None = None, db: str | None = None, graph: str | None = None,
                 uri: str | None = None, user: str | None = None, database: str | None = None,
                 timeout: float | None = None, dotenv_path: str = ".env") -> "Settings":
        env = read_dotenv(dotenv_path)
        engine = engine or _env("INTELGRAPH_ENGINE", env, "falkordb")
        if engine not in ENGINES:
            from intelgraph.errors import StoreError

            raise StoreError(f"unknown engine {engine!r}", hint=f"choose one of: {', '.join(ENGINES)}")
        data_dir = db or _env("INTELGRAPH_DB", env)
        return cls(
            engine=engine,
            data_dir=Path(data_dir).expanduser() if data_dir else default_data_dir(),
            graph=graph or _env("INTELGRAPH_GRAPH", env, "intelgraph") or "intelgraph",
            neo4j_uri=uri or _env("NEO4J_URI", env),
            neo4j_user=user or _env("NEO4J_USER", env, "neo4j") or "neo4j",
            neo4j_password=_env("NEO4J_PASSWORD", env),
            neo4j_database=database or _env("NEO4J_DATABASE", env, "neo4j") or "neo4j",
            timeout=float(timeout if timeout is not None else _env("INTELGRAPH_TIMEOUT", env, str(DEFAULT_TIMEOUT_S))),
        )


def open_store(settings: Settings | None = None, password_prompt: Callable[[], str] | None = None) -> Store:
    """Open the store the settings describe. The embedded server is started if needed (and
    stopped again when the store is closed, if this call started it)."""
    from intelgraph.errors import StoreError

    s = settings or Settings.from_env()
    if s.engine == "falkordb":
        from intelgraph.cypher.falkor import EmbeddedServer, FalkorStore

        return FalkorStore(EmbeddedServer(s.data_dir), graph=s.graph, timeout=s.timeout)
    from intelgraph.cypher.neo4j_store import Neo4jStore

    if not s.neo4j_uri:
        raise StoreError("no Neo4j URI given", hint="set NEO4J_URI (e.g. bolt://localhost:7687) or pass --uri")
    password = s.neo4j_password
    if password is None and password_prompt is not None:
        password = password_prompt()
    if not password:
        raise StoreError("no Neo4j password given",
                         hint="set NEO4J_PASSWORD in the environment or in .env (never on the command line)")
    return Neo4jStore(s.neo4j_uri, s.neo4j_user, password, database=s.neo4j_database, timeout=s.timeout)
