"""Settings the user did not choose: a ``.env`` that nobody named is never read; a named env
file is read only if it is the user's own and writable by no one else; the Neo4j URI and its
password always come from the same place; ``intelgraph config show`` says where each setting
came from and never shows a password.

The commands are the real ``intelgraph`` CLI in a child process (see ``test_secrets.run_cli``).
Where a password could be sent to a wrong address, the address is a plain TCP listener on
127.0.0.1 that records every connection and byte, so "nothing was sent" is observed, not
assumed. Permission checks run the CLI as user 65534 (``setpriv``), since CI runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from intelgraph.cli import cli
from intelgraph.config import read_env_file
from intelgraph.errors import ConfigError
from test_secrets import PY, RUN_CLI, assert_absent, clean_env, new_password, run_cli

BOLT_MAGIC = b"\x60\x60\xb0\x17"


class Listener:
    """A TCP server on 127.0.0.1 that accepts anything, answers nothing and records it all."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.uri = f"bolt://127.0.0.1:{self.port}"
        self.connections = 0
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _take(self, conn: socket.socket) -> None:
        self.connections += 1
        with conn:
            conn.settimeout(1)
            try:
                while chunk := conn.recv(4096):
                    self.received += chunk
            except OSError:
                pass  # timed out: hang up, so the client fails fast

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._take(conn)

    def close(self) -> None:
        """Stop, then take whatever is still waiting in the backlog, so nothing is missed."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join()
        self.sock.setblocking(False)
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                break
            conn.setblocking(True)
            self._take(conn)
        self.sock.close()


@pytest.fixture
def listener():
    srv = Listener()
    yield srv
    srv.close()


def _home_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment whose default data folder is inside ``tmp_path``."""
    return clean_env(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"), **extra)


def _default_dir(tmp_path: Path) -> Path:
    return tmp_path / "xdg" / "intelgraph" / "falkordb"


def _write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


# -- a .env nobody named is not read ----------------------------------------------------------
def test_an_unnamed_dotenv_never_sends_the_password_anywhere(tmp_path, listener):
    work = tmp_path / "work"
    work.mkdir()
    _write(work / ".env", f"INTELGRAPH_ENGINE=neo4j\nNEO4J_URI={listener.uri}\n")
    pw = new_password()
    out = run_cli(["db", "status", "--format", "json"], _home_env(tmp_path, NEO4J_PASSWORD=pw), work)
    listener.close()
    assert listener.connections == 0 and bytes(listener.received) == b"", "something was sent to the .env's URI"
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads(out.stdout)
    assert info["engine"] == "falkordb" and Path(info["data_dir"]) == _default_dir(tmp_path)
    assert_absent(pw, out.stdout, out.stderr)


def test_an_unnamed_dotenv_does_not_choose_the_data_folder(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    planted = tmp_path / "planted"
    _write(work / ".env", f"INTELGRAPH_DB={planted}\nINTELGRAPH_GRAPH=planted\n")
    out = run_cli(["db", "status", "--format", "json"], _home_env(tmp_path), work)
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads(out.stdout)
    assert Path(info["data_dir"]) == _default_dir(tmp_path) and info["graph"] == "intelgraph"
    assert not planted.exists()


# -- a named env file is read --------------------------------------------------------------------
def test_a_named_env_file_is_honoured(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    env_file = _write(conf / "intelgraph.env", "# mine\nexport INTELGRAPH_DB=chosen  # relative to this file\n"
                                                "INTELGRAPH_GRAPH='named'\n")
    work = tmp_path / "work"
    work.mkdir()
    for args, env in ((["--env-file", str(env_file)], _home_env(tmp_path)),
                      ([], _home_env(tmp_path, INTELGRAPH_ENV_FILE=str(env_file)))):
        out = run_cli([*args, "db", "status", "--format", "json"], env, work)
        assert out.returncode == 0, out.stderr[-2000:]
        info = json.loads(out.stdout)
        assert Path(info["data_dir"]) == conf / "chosen" and info["graph"] == "named", (args, info)
    assert not _default_dir(tmp_path).exists()


def test_options_beat_the_environment_which_beats_the_file(tmp_path):
    env_file = _write(tmp_path / "s.env", "INTELGRAPH_ENGINE=falkordb\nINTELGRAPH_GRAPH=fromfile\n"
                                          "INTELGRAPH_DB=/nowhere/file\nINTELGRAPH_TIMEOUT=12\n")
    env = _home_env(tmp_path, INTELGRAPH_GRAPH="fromenv", INTELGRAPH_DB="/nowhere/env")
    out = run_cli(["--env-file", str(env_file), "--db", str(tmp_path / "opt"), "config", "show", "--format", "json"],
                  env, tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {r["variable"]: (r["value"], r["origin"]) for r in json.loads(out.stdout)}
    assert rows["INTELGRAPH_DB"] == (str(tmp_path / "opt"), "option")
    assert rows["INTELGRAPH_GRAPH"] == ("fromenv", "environment: INTELGRAPH_GRAPH")
    assert rows["INTELGRAPH_TIMEOUT"] == ("12.0", f"file: {env_file}:4")
    assert rows["INTELGRAPH_ENGINE"] == ("falkordb", f"file: {env_file}:1")
    assert rows["NEO4J_USER"] == ("neo4j", "default")
    assert rows["INTELGRAPH_ENV_FILE"] == (str(env_file), "option")


# -- a URI and its password come from one place ---------------------------------------------------
def _mixes(tmp_path: Path, uri: str, pw: str):
    """(name, file text, environment, options): connection settings from two places."""
    return [
        ("URI from the file, password from the environment",
         f"INTELGRAPH_ENGINE=neo4j\nNEO4J_URI={uri}\n", {"NEO4J_PASSWORD": pw}, []),
        ("password from the file, URI from the environment",
         f"INTELGRAPH_ENGINE=neo4j\nNEO4J_PASSWORD='{pw}'\n", {"NEO4J_URI": uri}, []),
        ("database from the file, URI and password from the environment",
         "NEO4J_DATABASE=elsewhere\n", {"NEO4J_URI": uri, "NEO4J_PASSWORD": pw}, ["--engine", "neo4j"]),
        ("user from the file, password from the environment, URI on the command line",
         "NEO4J_USER=mallory\n", {"NEO4J_PASSWORD": pw}, ["--engine", "neo4j", "--uri", uri]),
    ]


def test_a_uri_and_a_password_from_different_places_are_refused(tmp_path, listener):
    pw = new_password()
    for i, (name, text, extra, opts) in enumerate(_mixes(tmp_path, listener.uri, pw)):
        env_file = _write(tmp_path / f"mix{i}.env", text)
        out = run_cli(["--env-file", str(env_file), *opts, "db", "status"], _home_env(tmp_path, **extra), tmp_path)
        assert out.returncode == 1, (name, out.stderr[-2000:])
        assert "error: the Neo4j connection settings come from different places" in out.stderr, (name, out.stderr)
        assert f"the env file {env_file}" in out.stderr and "the environment" in out.stderr
        assert "Traceback" not in out.stderr
        assert_absent(pw, out.stdout, out.stderr)
    listener.close()
    assert listener.connections == 0 and bytes(listener.received) == b"", "a refused mix still connected"


@pytest.mark.slow
def test_a_connection_from_one_place_is_used(tmp_path, listener):
    """The other side of the rule: URI and password from one file, or the URI typed on the
    command line with the password from the environment, do reach the server."""
    pw = new_password()
    env_file = _write(tmp_path / "one.env", f"INTELGRAPH_ENGINE=neo4j\nNEO4J_URI={listener.uri}\n"
                                            f"NEO4J_PASSWORD='{pw}'\n")
    cases = [(["--env-file", str(env_file)], {}),
             (["--engine", "neo4j", "--uri", listener.uri], {"NEO4J_PASSWORD": pw})]
    for opts, extra in cases:
        before = listener.connections
        out = run_cli([*opts, "db", "status"], _home_env(tmp_path, **extra), tmp_path)
        assert out.returncode == 1 and f"cannot reach Neo4j at {listener.uri}" in out.stderr, out.stderr[-2000:]
        assert listener.connections > before, (opts, "the driver never connected")
        assert_absent(pw, out.stdout, out.stderr)
    assert bytes(listener.received).startswith(BOLT_MAGIC)


# -- config show -----------------------------------------------------------------------------------
def test_config_show_lists_every_origin_and_never_the_password(tmp_path):
    pw = new_password()
    env_file = _write(tmp_path / "show.env", f"# comment\nNEO4J_URI=bolt://127.0.0.1:1\nNEO4J_USER=analyst\n"
                                             f"NEO4J_PASSWORD='{pw}'\nINTELGRAPH_TIMEOUT=12\n")
    env = _home_env(tmp_path, INTELGRAPH_ENV_FILE=str(env_file), INTELGRAPH_GRAPH="case")
    js = run_cli(["--engine", "neo4j", "--database", "cases", "config", "show", "--format", "json"], env, tmp_path)
    assert js.returncode == 0, js.stderr[-2000:]
    rows = {r["setting"]: r for r in json.loads(js.stdout)}
    assert set(rows) == {"engine", "data folder", "graph", "Neo4j URI", "Neo4j user", "Neo4j database",
                         "Neo4j password", "timeout (s)", "env file"}
    origins = {k: (r["value"], r["origin"]) for k, r in rows.items()}
    assert origins["engine"] == ("neo4j", "option")
    assert origins["data folder"] == (str(_default_dir(tmp_path)), "default")
    assert origins["graph"] == ("case", "environment: INTELGRAPH_GRAPH")
    assert origins["Neo4j URI"] == ("bolt://127.0.0.1:1", f"file: {env_file}:2")
    assert origins["Neo4j user"] == ("analyst", f"file: {env_file}:3")
    assert origins["Neo4j database"] == ("cases", "option")
    assert origins["Neo4j password"] == ("set (not shown)", f"file: {env_file}:4")
    assert origins["timeout (s)"] == ("12.0", f"file: {env_file}:5")
    assert origins["env file"] == (str(env_file), "environment: INTELGRAPH_ENV_FILE")

    table = run_cli(["--engine", "neo4j", "config", "show"], env, tmp_path)
    assert table.returncode == 0, table.stderr[-2000:]
    assert f"file: {env_file}:4" in table.stdout and "set (not shown)" in table.stdout
    assert "environment: INTELGRAPH_GRAPH" in table.stdout and "default" in table.stdout

    asked = run_cli(["--ask-password", "config", "show", "--format", "json"], env, tmp_path)
    password = next(r for r in json.loads(asked.stdout) if r["variable"] == "NEO4J_PASSWORD")
    assert (password["value"], password["origin"]) == ("asked at the prompt", "prompt")

    # a mix is listed, then refused, as the command that would use it refuses it
    mixed = run_cli(["--engine", "neo4j", "config", "show"], {**env, "NEO4J_PASSWORD": pw}, tmp_path)
    assert mixed.returncode == 1 and "environment: NEO4J_PASSWORD" in mixed.stdout
    assert "come from different places" in mixed.stderr
    for out in (js, table, asked, mixed):
        assert_absent(pw, out.stdout, out.stderr)


# -- the env file must be the user's own ----------------------------------------------------------
NOBODY = 65534


@pytest.fixture
def nobody_dir():
    """A folder owned by user 65534 that it can reach (the pytest tmp folders are root's, 0700)."""
    top = Path(tempfile.mkdtemp(prefix="ig-nobody-"))
    top.chmod(0o755)
    home = top / "home"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    yield home
    shutil.rmtree(top)


def _as_nobody(args: list[str], home: Path, **extra: str) -> subprocess.CompletedProcess:
    env = clean_env(HOME=str(home), XDG_DATA_HOME=str(home / "xdg"), **extra)
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           PY, "-c", RUN_CLI, *args], env=env, cwd=home, capture_output=True, text=True,
                          timeout=120, start_new_session=True)


@pytest.mark.slow
def test_a_named_env_file_must_be_yours_and_writable_only_by_you(nobody_dir):
    home = nobody_dir

    def env_file(name: str, mode: int, owner: int = NOBODY) -> Path:
        p = _write(home / name, "INTELGRAPH_GRAPH=fromfile\n", mode)
        os.chown(p, owner, owner)
        return p

    good = env_file("good.env", 0o600)
    ok = _as_nobody(["--env-file", str(good), "config", "show", "--format", "json"], home)
    assert ok.returncode == 0, ok.stderr[-2000:]  # the same file, private: read (so the refusals below mean something)
    assert {"variable": "INTELGRAPH_GRAPH", "value": "fromfile"}.items() <= \
        next(r for r in json.loads(ok.stdout) if r["variable"] == "INTELGRAPH_GRAPH").items()

    cases = [
        (env_file("world.env", 0o666), "can be changed by other users (mode 0666)", "chmod go-w"),
        (env_file("group.env", 0o620), "can be changed by other users (mode 0620)", "chmod go-w"),
        (env_file("roots.env", 0o644, owner=0), "is owned by root, not by you (nobody)", "chown nobody"),
        (env_file("secret.env", 0o600, owner=0), "cannot be read: permission denied", "chmod u+r"),
        (home / "missing.env", "does not exist", "--env-file"),
        (home, "is not a regular file", "regular file"),
    ]
    for path, reason, fix in cases:
        out = _as_nobody(["--env-file", str(path), "config", "show"], home)
        assert out.returncode == 1, (path, out.stderr[-2000:])
        assert f"error: env file {path} (named by --env-file) {reason}" in out.stderr, out.stderr
        assert "hint:" in out.stderr and fix in out.stderr, out.stderr
        assert "Traceback" not in out.stderr and out.stdout == ""
    # the same rules when the environment names the file
    out = _as_nobody(["config", "show"], home, INTELGRAPH_ENV_FILE=str(home / "world.env"))
    assert out.returncode == 1 and "(named by INTELGRAPH_ENV_FILE) can be changed by other users" in out.stderr


# -- malformed files and values: an error naming the file and line, never a traceback ---------------
@pytest.mark.parametrize("text, line, reason", [
    ("INTELGRAPH_GRAPH=a\nhunter2-is-my-password\n", 2, "not a KEY=VALUE line"),
    ("# c\n\nNEO4J_PASSWORD='hunter2-is-my-password\n", 3, "NEO4J_PASSWORD: the value's opening quote is never closed"),
    ("NEO4J_PASSWORD='hunter2-is-my-password' trailing\n", 1, "NEO4J_PASSWORD: text after the closing quote"),
    ("INTELGRAPH_GRAPH=a\nINTELGRAPH_GRAPH=b\n", 2, "INTELGRAPH_GRAPH is set again (first on line 1)"),
    ("NEO4J_PASSWORD=hunter2-is-my-pa$word\n", 1, "NEO4J_PASSWORD: an unquoted value with $"),
    ('NEO4J_PASSWORD="hunter2-is-my-pa\\ssword"\n', 1, "NEO4J_PASSWORD: a double-quoted value with \\ or $"),
    ("1NEO4J=hunter2-is-my-password\n", 1, "not a KEY=VALUE line"),
])
def test_a_malformed_env_file_names_file_and_line(tmp_path, text, line, reason):
    env_file = _write(tmp_path / "bad.env", text)
    res = CliRunner().invoke(cli, ["--env-file", str(env_file), "config", "show"], env={"INTELGRAPH_ENV_FILE": None})
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception
    assert f"error: {env_file}:{line}: {reason}" in res.output, res.output
    assert "hint:" in res.output and "hunter2" not in res.output


def test_env_file_syntax(tmp_path):
    """What the parser accepts, as docker compose reads the same lines."""
    p = _write(tmp_path / "ok.env", "\n".join([
        "# a comment", "", "export A=1", "B = spaced value  # a note", "C='p#w $x \\n'", 'D="double"',
        "E=", "F=a#b", "G='x' # note", "\r",
    ]))
    got = {k: v for k, (v, _) in read_env_file(p).values.items()}
    assert got == {"A": "1", "B": "spaced value", "C": "p#w $x \\n", "D": "double", "E": "", "F": "a#b", "G": "x"}
    p.write_bytes(b"A=1\nB=\xff\n")
    with pytest.raises(ConfigError, match=r"ok\.env:2: not UTF-8"):
        read_env_file(p)


@pytest.mark.parametrize("env, origin, reason", [
    ({"INTELGRAPH_TIMEOUT": "soon"}, "environment: INTELGRAPH_TIMEOUT", "INTELGRAPH_TIMEOUT must be a number of seconds"),
    ({"INTELGRAPH_TIMEOUT": "0"}, "environment: INTELGRAPH_TIMEOUT", "INTELGRAPH_TIMEOUT must be a number of seconds"),
    ({"INTELGRAPH_TIMEOUT": "nan"}, "environment: INTELGRAPH_TIMEOUT", "INTELGRAPH_TIMEOUT must be a number of seconds"),
    ({"INTELGRAPH_ENGINE": "mysql"}, "environment: INTELGRAPH_ENGINE", "unknown engine 'mysql'"),
])
def test_a_bad_setting_names_its_origin(env, origin, reason):
    res = CliRunner().invoke(cli, ["config", "show"], env={"INTELGRAPH_ENV_FILE": None, **env})
    assert res.exit_code == 1 and not isinstance(res.exception, ValueError), res.exception
    assert f"error: {origin}: {reason}" in res.output and "hint:" in res.output, res.output


def test_a_bad_setting_in_the_file_names_file_and_line(tmp_path):
    env_file = _write(tmp_path / "e.env", "# engine\nINTELGRAPH_ENGINE=mysql\n")
    res = CliRunner().invoke(cli, ["--env-file", str(env_file), "config", "show"], env={"INTELGRAPH_ENGINE": None})
    assert res.exit_code == 1 and f"error: file: {env_file}:2: unknown engine 'mysql'" in res.output, res.output


def test_the_env_example_is_a_valid_env_file(tmp_path):
    """`.env.example`, copied and made private as its comment says, is read as it is meant."""
    copy = tmp_path / ".env"
    shutil.copyfile(Path(__file__).resolve().parents[1] / ".env.example", copy)
    copy.chmod(0o600)
    values = read_env_file(copy).values
    assert values["NEO4J_PASSWORD"][0] == "change-me-to-a-long-secret"
    assert "NEO4J_URI" not in values  # commented out: the embedded engine stays the default


def test_an_env_file_path_that_cannot_be_opened_is_an_error(tmp_path):
    a_file = _write(tmp_path / "plain.env", "A=1\n")
    for path, reason in ((a_file / "under-a-file.env", "cannot be opened: Not a directory"),
                         (tmp_path / ("x" * 300), "cannot be opened: File name too long")):
        res = CliRunner().invoke(cli, ["--env-file", str(path), "config", "show"], env={"INTELGRAPH_ENV_FILE": None})
        assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception
        assert f"error: env file {path} (named by --env-file) {reason}" in res.output and "hint:" in res.output
