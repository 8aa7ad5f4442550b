"""Where the graph lives: engine, data directory, Neo4j connection.

Each setting is taken from, in this order: a command-line option, the environment, an env
file the user named (``--env-file FILE`` or ``INTELGRAPH_ENV_FILE``), the default. A ``.env``
that nobody named is never read: a file found in the working folder must not decide where
credentials go or where data is written. A named env file is refused unless it is a regular
file owned by the user and writable by no one else.

The Neo4j connection (URI, user, password, database) is described in one place: the parts not
given on the command line (or typed at the ``--ask-password`` prompt) must all come from the
environment or all from the env file, so a password is never sent to an address that came from
somewhere else. Passwords are read from the environment, the env file or a prompt only; they are
never accepted on the command line and never printed. ``intelgraph config show`` lists every
setting and where it came from."""

from __future__ import annotations

import math
import os
import re
import shlex
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intelgraph.cypher.store import DEFAULT_TIMEOUT_S, Store
from intelgraph.errors import ConfigError

__all__ = ["Settings", "EnvFile", "open_store", "default_data_dir", "read_env_file", "check_neo4j_origins",
           "ENV_FILE_VAR"]

ENGINES = ("falkordb", "neo4j")
ENV_FILE_VAR = "INTELGRAPH_ENV_FILE"
ENV_FILE_MAX_BYTES = 1 << 20

# attribute, environment variable, what `config show` calls it
SETTINGS = (
    ("engine", "INTELGRAPH_ENGINE", "engine"),
    ("data_dir", "INTELGRAPH_DB", "data folder"),
    ("graph", "INTELGRAPH_GRAPH", "graph"),
    ("neo4j_uri", "NEO4J_URI", "Neo4j URI"),
    ("neo4j_user", "NEO4J_USER", "Neo4j user"),
    ("neo4j_database", "NEO4J_DATABASE", "Neo4j database"),
    ("neo4j_password", "NEO4J_PASSWORD", "Neo4j password"),
    ("timeout", "INTELGRAPH_TIMEOUT", "timeout (s)"),
)
VARIABLE = {attr: var for attr, var, _ in SETTINGS}
CONNECTION = ("neo4j_uri", "neo4j_user", "neo4j_password", "neo4j_database")

OPTION, PROMPT, DEFAULT = "option", "prompt", "default"
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("intelgraph", appauthor=False)) / "falkordb"


# -- the env file --------------------------------------------------------------------------------
@dataclass
class EnvFile:
    """A named env file: ``values`` maps each key to (value, line number)."""

    path: str  # absolute, as named (links not resolved)
    values: dict[str, tuple[str, int]]

    def get(self, key: str) -> str | None:
        return self.values[key][0] if key in self.values else None

    def origin(self, key: str) -> str:
        return f"file: {self.path}:{self.values[key][1]}"


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def read_env_file(path: str | os.PathLike[str], named_by: str = "--env-file") -> EnvFile:
    """Read a named env file: ``KEY=VALUE`` lines, ``#`` comments, an optional ``export``,
    values optionally in single or double quotes (no interpolation, no escapes). The file must
    be a regular file owned by the user running the command and writable by no one else;
    anything else, and any malformed line, is a :class:`ConfigError` naming the file (and the
    line; a line's text is never echoed, it may hold a password)."""
    shown = os.path.abspath(os.path.expanduser(os.fspath(path)))
    q = shlex.quote(shown)
    where = f"env file {shown} (named by {named_by})"
    try:
        fd = os.open(shown, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist",
                          hint=f"check the path, or drop {named_by} to use no env file") from None
    except PermissionError:
        raise ConfigError(f"{where} cannot be read: permission denied",
                          hint=f"make it readable by you (chmod u+r {q}) and its folders searchable") from None
    except OSError as exc:
        raise ConfigError(f"{where} cannot be opened: {exc.strerror}", hint="name a regular file") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{where} is not a regular file", hint="name a regular file of KEY=VALUE lines")
        me = os.geteuid()
        if st.st_uid != me:
            raise ConfigError(
                f"{where} is owned by {_user_name(st.st_uid)}, not by you ({_user_name(me)}): another user "
                "could change where your password is sent", hint=f"if you trust its contents, make it yours: chown {_user_name(me)} {q} (as root), "
                     f"or copy it: cp {q} ~/intelgraph.env")
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise ConfigError(
                f"{where} can be changed by other users (mode {stat.S_IMODE(st.st_mode):04o}): they could change "
                "where your password is sent", hint=f"chmod go-w {q}")
        if st.st_size > ENV_FILE_MAX_BYTES:
            raise ConfigError(f"{where} is larger than {ENV_FILE_MAX_BYTES} bytes", hint="name an env file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(ENV_FILE_MAX_BYTES + 1)
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError("not UTF-8 text", origin=f"{shown}:{line}", hint="save the env file as UTF-8") from None
    return EnvFile(shown, _parse_env(text, shown))


def _parse_env(text: str, shown: str) -> dict[str, tuple[str, int]]:
    values: dict[str, tuple[str, int]] = {}
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r").strip()
        if not line or line.startswith("#"):
            continue
        at = f"{shown}:{n}"
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export"):].lstrip()
        key, eq, rest = line.partition("=")
        key = key.strip()
        if not eq or not _KEY.fullmatch(key):
            raise ConfigError("not a KEY=VALUE line (the line is not shown: it may hold a password)", origin=at,
                              hint="write NAME=value, with NAME made of letters, digits and _; start comments with #")
        rest = rest.strip()
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            end = rest.find(quote, 1)
            if end < 0:
                raise ConfigError(f"{key}: the value's opening quote is never closed", origin=at,
                                  hint="close the quote on the same line (values span one line)")
            value, after = rest[1:end], rest[end + 1:].strip()
            if after and not after.startswith("#"):
                raise ConfigError(f"{key}: text after the closing quote", origin=at,
                                  hint="put the whole value inside the quotes; a comment after it starts with #")
            if quote == '"' and ("\\" in value or "$" in value):
                raise ConfigError(f"{key}: a double-quoted value with \\ or $, which docker compose would rewrite",
                                  origin=at, hint="use single quotes: both docker compose and intelgraph take them "
                                                  "literally")
        else:
            value = re.split(r"\s#", rest, maxsplit=1)[0].rstrip()  # `KEY=value # note`, as compose reads it
            if "$" in value:
                raise ConfigError(f"{key}: an unquoted value with $, which docker compose would interpolate",
                                  origin=at, hint="put the value in single quotes: both docker compose and intelgraph "
                                                  "take them literally")
        if key in values:
            raise ConfigError(f"{key} is set again (first on line {values[key][1]})", origin=at,
                              hint="keep one line per setting")
        values[key] = (value, n)
    return values


# -- the settings --------------------------------------------------------------------------------
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
    env_file: str | None = None
    # where each setting came from: "option", "prompt", "environment: NAME", "file: PATH:LINE",
    # "default"; a setting missing here was given in code (counts as an option)
    origins: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, engine: str | None = None, db: str | None = None, graph: str | None = None,
                 uri: str | None = None, user: str | None = None, database: str | None = None,
                 timeout: float | None = None, env_file: str | os.PathLike[str] | None = None,
                 ask_password: bool = False, environ: dict[str, str] | None = None) -> "Settings":
        """Settings from options (the arguments), the environment, the named env file and the
        defaults, in that order. With ``ask_password`` the password is left to the prompt."""
        environ = dict(os.environ if environ is None else environ)
        origins: dict[str, str] = {}
        if env_file:
            ef, origins["env_file"] = read_env_file(env_file, "--env-file"), OPTION
        elif environ.get(ENV_FILE_VAR):
            ef = read_env_file(environ[ENV_FILE_VAR], ENV_FILE_VAR)
            origins["env_file"] = f"environment: {ENV_FILE_VAR}"
        else:
            ef, origins["env_file"] = None, DEFAULT

        def pick(attr: str, option: Any, default: Any) -> Any:
            var = VARIABLE[attr]
            if option is not None and option != "":
                origins[attr] = OPTION
                return option
            if environ.get(var):
                origins[attr] = f"environment: {var}"
                return environ[var]
            if ef is not None and ef.get(var):
                origins[attr] = ef.origin(var)
                return ef.get(var)
            origins[attr] = DEFAULT
            return default

        engine = pick("engine", engine, "falkordb")
        if engine not in ENGINES:
            raise ConfigError(f"unknown engine {engine!r}", origin=origins["engine"],
                              hint=f"choose one of: {', '.join(ENGINES)}")
        data_dir = pick("data_dir", db, None)
        if data_dir is None:
            data_dir = default_data_dir()
        else:
            data_dir = Path(data_dir).expanduser()
            if ef is not None and origins["data_dir"].startswith("file: ") and not data_dir.is_absolute():
                data_dir = Path(ef.path).parent / data_dir  # relative to the file that says it
        given = pick("timeout", timeout, DEFAULT_TIMEOUT_S)
        try:
            timeout = float(given)
        except ValueError:
            timeout = math.nan
        if not (timeout >= 0.1 and math.isfinite(timeout)):
            raise ConfigError(f"{VARIABLE['timeout']} must be a number of seconds, 0.1 or more (got {given!r})",
                              origin=origins["timeout"], hint="e.g. INTELGRAPH_TIMEOUT=30")
        if ask_password:
            password, origins["neo4j_password"] = None, PROMPT
        else:
            password = pick("neo4j_password", None, None)
        return cls(
            engine=engine,
            data_dir=data_dir,
            graph=pick("graph", graph, "intelgraph"),
            neo4j_uri=pick("neo4j_uri", uri, None),
            neo4j_user=pick("neo4j_user", user, "neo4j"),
            neo4j_password=password,
            neo4j_database=pick("neo4j_database", database, "neo4j"),
            timeout=timeout,
            env_file=ef.path if ef is not None else None,
            origins=origins,
        )

    def origin(self, attr: str) -> str:
        return self.origins.get(attr, OPTION)

    def describe(self) -> list[dict[str, str | None]]:
        """Every setting, its value and where it came from; the password only as set or not."""
        rows: list[dict[str, str | None]] = []
        for attr, var, label in SETTINGS:
            value = getattr(self, attr)
            if attr == "neo4j_password":
                shown: str | None = ("asked at the prompt" if self.origin(attr) == PROMPT
                                     else "set (not shown)" if value else "not set")
            else:
                shown = None if value is None else str(value)
            rows.append({"setting": label, "variable": var, "value": shown, "origin": self.origin(attr)})
        rows.append({"setting": "env file", "variable": ENV_FILE_VAR, "value": self.env_file,
                     "origin": self.origin("env_file") if self.env_file else "none named"})
        return rows


def _place(origin: str) -> str | None:
    """The place a connection setting came from, or None for the command line and defaults."""
    if origin.startswith("environment: "):
        return "the environment"
    if origin.startswith("file: "):
        return "the env file " + origin[len("file: "):].rsplit(":", 1)[0]
    return None


def check_neo4j_origins(s: Settings) -> None:
    """The Neo4j URI, user, password and database not given on the command line (or at the
    prompt) must all come from one place, so that a password only goes to the address given
    with it. Raises :class:`ConfigError` naming each setting's place."""
    places = {attr: p for attr in CONNECTION if (p := _place(s.origin(attr)))}
    if len(set(places.values())) <= 1:
        return
    told = "; ".join(f"{VARIABLE[a]} from {p}" for a, p in places.items())
    file_vars = [VARIABLE[a] for a, p in places.items() if p.startswith("the env file")]
    env_vars = [VARIABLE[a] for a, p in places.items() if p == "the environment"]
    raise ConfigError(
        f"the Neo4j connection settings come from different places ({told}): intelgraph sends a password only "
        "to an address given in the same place",
        hint=f"give them all in one place: `unset {' '.join(env_vars)}` to take them all from the env file, or set "
             f"{', '.join(file_vars)} in the environment too (or drop the env file); --uri, --user, --database "
             "and --ask-password on the command line go with either")


def open_store(settings: Settings | None = None, password_prompt: Callable[[], str] | None = None) -> Store:
    """Open the store the settings describe. The embedded server is started if needed (and
    stopped again when the store is closed, if this call started it)."""
    from intelgraph.errors import StoreError

    s = settings or Settings.from_env()
    if s.engine == "falkordb":
        from intelgraph.cypher.falkordb.server import EmbeddedServer
        from intelgraph.cypher.falkordb.store import FalkorStore

        return FalkorStore(EmbeddedServer(s.data_dir), graph=s.graph, timeout=s.timeout)
    from intelgraph.cypher.neo4j_store import Neo4jStore

    check_neo4j_origins(s)
    if not s.neo4j_uri:
        raise StoreError("no Neo4j URI given", hint="set NEO4J_URI (e.g. bolt://localhost:7687) or pass --uri")
    password = s.neo4j_password
    if password is None and password_prompt is not None:
        password = password_prompt()
    if not password:
        raise StoreError("no Neo4j password given",
                         hint="set NEO4J_PASSWORD in the environment or in the env file named by --env-file, or "
                              "pass --ask-password (never on the command line)")
    return Neo4jStore(s.neo4j_uri, s.neo4j_user, password, database=s.neo4j_database, timeout=s.timeout)
