"""The embedded engine's data folder is trusted only when it is private (issue 14, items 2, 5
and 12): a folder others can write or another user owns is refused with the command that fixes
it; the files the server makes are private whatever the umask; intelgraph's own files are never
written through a planted link; ``server.json`` never sends the password to a socket other than
the folder's own server; and start-up failures say what happened.

Each probe runs the real CLI in a subprocess against a real server. The permission probes run
it as the unprivileged user ``nobody``, since root is not held back by modes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from intelgraph.cypher.falkordb.files import _is_server
from intelgraph.cypher.falkordb.server import EmbeddedServer

PY = sys.executable
CLI = "from intelgraph.cli import main; main()"
NOBODY = 65534


def run_cli(args: list[str], cwd: Path, *, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "INTELGRAPH_"))}
    return subprocess.run([PY, "-c", CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, start_new_session=True)


def _keep_imports_reachable() -> None:
    """Point the import path at directories this process holds open (``/proc/self/fd/N``) instead
    of their names: after dropping root, the interpreter's own library (under /root, mode 0700,
    where CI's Python lives) can no longer be reached by name, and the CLI imports lazily."""
    held: dict[str, str] = {}
    for i, entry in enumerate(list(sys.path)):
        if entry and os.path.isdir(entry):
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY)  # not inherited by the server
            held[entry.rstrip("/") + "/"] = sys.path[i] = f"/proc/self/fd/{fd}"
    for mod in list(sys.modules.values()):  # packages find their submodules by their own __path__
        path = getattr(mod, "__path__", None)
        if isinstance(path, list):
            for j, entry in enumerate(path):
                base = next((b for b in held if entry.startswith(b)), None)
                if base:
                    path[j] = held[base] + "/" + entry[len(base):]
    sys.path_importer_cache.clear()


def run_cli_as_nobody(args: list[str], cwd: Path, umask: int = 0o022, timeout: float = 120
                      ) -> subprocess.CompletedProcess:
    """The CLI run by the unprivileged user ``nobody``: a forked copy of this interpreter that
    drops root (``setpriv`` would need an interpreter ``nobody`` can start, which CI's is not)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)
            _keep_imports_reachable()
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.umask(umask)
            os.chdir(cwd)
            for key in [k for k in os.environ if k.startswith(("NEO4J_", "INTELGRAPH_"))]:
                del os.environ[key]
            os.environ["HOME"] = str(cwd)
            from intelgraph.cli import cli

            try:
                cli.main(args=args, prog_name="intelgraph", standalone_mode=True)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - shown to the test as a traceback
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, bytes] = {out_r: b"", err_r: b""}

    def drain(fd: int) -> None:
        while data := os.read(fd, 65536):
            chunks[fd] += data
        os.close(fd)

    readers = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in (out_r, err_r)]
    for t in readers:
        t.start()
    deadline = time.monotonic() + timeout
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise subprocess.TimeoutExpired(args, timeout)
        time.sleep(0.05)
    for t in readers:
        t.join(10)
    return subprocess.CompletedProcess(args, os.waitstatus_to_exitcode(done[1]), chunks[out_r].decode(),
                                       chunks[err_r].decode())


def no_traceback(out: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in out.stderr, out.stderr[-3000:]


@pytest.fixture
def nobody_home():
    """A folder the user ``nobody`` owns, where it can make a data folder (pytest's own temporary
    folders are root's, mode 0700)."""
    home = Path(tempfile.mkdtemp(prefix="intelgraph-nobody-", dir="/tmp"))
    os.chown(home, NOBODY, NOBODY)
    yield home
    for db in home.rglob("server.json"):  # a server left running by a failed test
        run_cli_as_nobody(["--db", str(db.parent), "db", "stop"], home)
    for pidfile in home.rglob("falkordb.pid"):  # and one that even `db stop` could not reach
        pid = int(pidfile.read_text().strip() or 0)
        if _is_server(pid, pidfile.parent.resolve()):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(home, ignore_errors=True)


# -- item 2: a data folder that is not private is refused -------------------------------------
def test_a_data_folder_others_can_write_is_refused_with_the_chmod_that_fixes_it(nobody_home):
    db = nobody_home / "db"
    db.mkdir()
    os.chown(db, NOBODY, NOBODY)
    os.chmod(db, 0o777)  # chmod is not held back by the umask
    out = run_cli_as_nobody(["--db", str(db), "db", "status"], nobody_home)
    assert out.returncode == 1, out.stderr
    no_traceback(out)
    assert "can be written by other users" in out.stderr and f"chmod 700 {db}" in out.stderr, out.stderr
    assert sorted(p.name for p in db.iterdir()) == []  # nothing was made in it, no server started
    os.chmod(db, 0o700)  # the fix the message gives
    out = run_cli_as_nobody(["--db", str(db), "db", "status"], nobody_home)
    assert out.returncode == 0, out.stderr


def test_a_data_folder_another_user_owns_is_refused_with_the_chown_that_fixes_it(nobody_home):
    db = nobody_home / "db"
    db.mkdir(mode=0o755)  # root's, made before nobody's first command
    out = run_cli_as_nobody(["--db", str(db), "db", "status"], nobody_home)
    assert out.returncode == 1, out.stderr
    no_traceback(out)
    assert "belongs to another user (uid 0)" in out.stderr and f"chown -R {NOBODY} {db}" in out.stderr, out.stderr
    assert list(db.iterdir()) == []


@pytest.mark.slow
def test_every_file_the_server_makes_is_private_whatever_the_umask(nobody_home):
    db = nobody_home / "db"
    out = run_cli_as_nobody(["--db", str(db), "--graph", "g", "load", "--sample", "-q"], nobody_home, umask=0o022)
    assert out.returncode == 0, out.stderr
    files = [db, *db.rglob("*")]
    names = {p.relative_to(db).as_posix() for p in files[1:]}
    assert {"server.log", "appendonlydir", "falkordb.conf", "password"} <= names, names
    assert any(n.startswith("appendonlydir/") and n.endswith(".aof") for n in names), names
    loose = {p.relative_to(nobody_home).as_posix(): oct(stat.S_IMODE(p.lstat().st_mode))
             for p in files if p.lstat().st_mode & 0o077}
    assert loose == {}, loose
    assert all(p.lstat().st_uid == NOBODY for p in files)


def test_a_link_planted_as_the_config_file_is_replaced_not_written_through(tmp_path):
    db = tmp_path / "db"
    db.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.conf"
    target.write_text("not intelgraph's\n")
    (db / "falkordb.conf").symlink_to(target)
    out = run_cli(["--db", str(db), "--graph", "g", "db", "status"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert target.read_text() == "not intelgraph's\n"  # the password never went there
    conf = db / "falkordb.conf"
    assert not conf.is_symlink() and stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert "requirepass" in conf.read_text()


def test_a_link_planted_as_the_password_file_is_refused(tmp_path):
    db = tmp_path / "db"
    db.mkdir(mode=0o700)
    target = tmp_path / "secret.txt"
    target.write_text("someone else's file\n")
    (db / "password").symlink_to(target)
    out = run_cli(["--db", str(db), "db", "status"], tmp_path)
    assert out.returncode == 1
    no_traceback(out)
    assert "is a symbolic link" in out.stderr and f"rm {db / 'password'}" in out.stderr, out.stderr
    assert target.read_text() == "someone else's file\n"


@pytest.mark.parametrize("name", ["server.log", "server.lock", "server.json", "locks", "appendonlydir"])
def test_a_link_planted_for_any_file_of_the_folder_is_refused_and_its_target_untouched(tmp_path, name):
    """intelgraph's own files are never opened through a link, and the server's (which Redis
    opens following links) must not be links when it starts."""
    db = tmp_path / "db"
    db.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "target"
    if name in ("locks", "appendonlydir"):
        target.mkdir()
    else:
        target.write_text("someone else's file\n")
    (db / name).symlink_to(target)
    out = run_cli(["--db", str(db), "--graph", "g", "cypher", "--write", "CREATE (:Entity {id: 'x'})"], tmp_path)
    assert out.returncode == 1, out.stdout
    no_traceback(out)
    assert f"{db / name} is a symbolic link" in out.stderr and f"rm {db / name}" in out.stderr, out.stderr
    if target.is_dir():
        assert list(target.iterdir()) == []
    else:
        assert target.read_text() == "someone else's file\n"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["target"]


def test_a_fifo_planted_as_the_record_does_not_hang_the_command(tmp_path):
    db = tmp_path / "db"
    db.mkdir(mode=0o700)
    os.mkfifo(db / "server.json", 0o600)  # opening it to read would wait for a writer forever
    out = run_cli(["--db", str(db), "db", "status"], tmp_path, timeout=60)
    assert out.returncode == 1
    no_traceback(out)
    assert f"{db / 'server.json'} is not a plain file of yours" in out.stderr, out.stderr


class Listener:
    """A unix socket that records what any client sends it (and answers nothing)."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.received = b""
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(1.0)
            with conn:
                try:
                    while data := conn.recv(4096):
                        self.received += data
                except OSError:
                    pass

    def close(self) -> None:
        self._stop = True
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def running(tmp_path):
    srv = EmbeddedServer(tmp_path / "db")
    srv.start()  # kept running, like `intelgraph db start`
    yield srv
    srv.stop()


def test_a_server_json_naming_a_foreign_socket_gets_no_password(running, tmp_path):
    listener = Listener(tmp_path / "foreign.sock")
    try:
        st = running.state()
        running.state_file.write_text(json.dumps({**st, "socket": str(listener.path)}))
        out = run_cli(["--db", str(running.dir), "db", "status"], tmp_path, timeout=60)
    finally:
        listener.close()
    assert out.returncode == 1, out.stdout
    no_traceback(out)
    assert "names the socket" in out.stderr and "rm " in out.stderr, out.stderr
    assert listener.connections == 0 and listener.received == b""


def test_a_socket_replaced_under_the_running_server_gets_no_password(running, tmp_path):
    """The socket file is the server's own path, but another process listens on it: the peer's
    credentials (SO_PEERCRED) are not the server's pid, so no AUTH is sent."""
    running.socket_path.unlink()
    listener = Listener(running.socket_path)
    try:
        out = run_cli(["--db", str(running.dir), "db", "status"], tmp_path, timeout=60)
    finally:
        listener.close()
    assert out.returncode == 1, out.stdout
    no_traceback(out)
    assert f"served by another process (pid {os.getpid()}" in out.stderr, out.stderr
    assert b"AUTH" not in listener.received and running.password_file.read_bytes().strip() not in listener.received


def test_a_loopback_port_taken_by_another_process_gets_no_password(tmp_path, monkeypatch):
    """Where the socket path is too long, the server listens on a free loopback port; should
    another process take that port first, the client finds that the listener is not the server's
    (/proc) and sends no AUTH."""
    import intelgraph.cypher.falkordb.server as falkor
    from intelgraph.errors import ServerError

    taker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taker.bind(("127.0.0.1", 0))
    taker.listen(8)
    taker.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = taker.accept()
            except OSError:
                continue
            conn.settimeout(1.0)
            with conn:
                data = b""
                try:
                    while chunk := conn.recv(4096):
                        data += chunk
                except OSError:
                    pass
                received.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setattr(falkor, "_free_port", lambda: taker.getsockname()[1])  # the race, won by the taker
    srv = EmbeddedServer(tmp_path / ("long-" * 20) / "db")
    try:
        with pytest.raises(ServerError) as err:
            srv.start(wait_s=60)
    finally:
        stop.set()
        thread.join(5)
        taker.close()
        srv.stop()
    assert received, "the client never reached the port: the probe did not happen"
    assert all(b"AUTH" not in data for data in received), received
    assert "held by another process" in str(err.value) or "exited as it started" in str(err.value)


# -- item 5: any path the OS allows -------------------------------------------------------------
def test_a_data_folder_path_with_spaces_quotes_and_backslashes_works(tmp_path):
    """The config file quotes its values: an unquoted `dir /…/my data` stops the server with
    "wrong number of arguments" (macOS's default data folder has a space)."""
    db = tmp_path / 'my data "quoted" \\ back' / "db"
    out = run_cli(["--db", str(db), "--graph", "g", "load", "--sample", "-q"], tmp_path)
    assert out.returncode == 0, out.stderr
    out = run_cli(["--db", str(db), "--graph", "g", "db", "status", "--format", "json"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["nodes"] > 50


def _db_with_socket_bytes(base: Path, total: int) -> Path:
    """A data folder under ``base`` whose socket path is ``total`` bytes long in UTF-8, made mostly
    of two-byte characters (so it is far fewer characters)."""
    fixed = len(os.fsencode(base / "falkordb.sock")) + 1  # and the separator
    filler = total - fixed
    return base / ("é" * (filler // 2) + "a" * (filler % 2))


@pytest.mark.parametrize("total, over_socket", [(100, False), (110, True)])
def test_a_socket_path_is_measured_in_bytes(tmp_path, total, over_socket):
    """At 100 bytes the server listens on its socket; at 110 bytes (under 100 characters) the OS
    would refuse the socket (it allows 107 bytes), so it listens on a loopback port instead —
    never a server that dies while the command waits."""
    db = _db_with_socket_bytes(tmp_path, total)
    srv = EmbeddedServer(db)
    assert len(os.fsencode(srv.socket_path)) == total and len(str(srv.socket_path)) <= 100
    try:
        t0 = time.monotonic()
        out = run_cli(["--db", str(db), "db", "start"], tmp_path)
        assert out.returncode == 0, out.stderr
        assert time.monotonic() - t0 < 60
        st = srv.state()
        assert (st["socket"] is None) == over_socket and (st["port"] > 0) == over_socket, st
        out = run_cli(["--db", str(db), "db", "status", "--format", "json"], tmp_path)
        assert out.returncode == 0, out.stderr
    finally:
        srv.stop()


# -- item 12: start-up failures name the cause and the fix ---------------------------------------
def _damage_the_append_only_file(db: Path) -> None:
    """Turn the first command of the append-only file's tail into bad bytes (as a corrupted
    disk block would), after the graph was written and the server stopped."""
    incr = next((db / "appendonlydir").glob("*.incr.aof"))
    data = bytearray(incr.read_bytes())
    data[data.index(b"$")] = ord("#")
    incr.write_bytes(bytes(data))


def test_a_damaged_append_only_file_is_named_with_its_repair(tmp_path):
    db = tmp_path / "db"
    base = ["--db", str(db), "--graph", "g"]
    assert run_cli([*base, "cypher", "--write", "CREATE (:Entity {id: 'a'})"], tmp_path).returncode == 0
    _damage_the_append_only_file(db)
    with open(db / "server.log", "a") as fh:
        fh.write("OLD-RUN-MARKER: a line from an earlier start\n")
    t0 = time.monotonic()
    out = run_cli([*base, "db", "status"], tmp_path)
    assert out.returncode == 1
    no_traceback(out)
    assert time.monotonic() - t0 < 60  # said at once, not after the 600 s start-up wait
    assert "append-only file" in out.stderr and "is damaged" in out.stderr, out.stderr
    assert "Bad file format" in out.stderr  # this start's log lines...
    assert "OLD-RUN-MARKER" not in out.stderr and "did not become ready" not in out.stderr  # ...and only those
    assert f"intelgraph --db {db} db repair" in out.stderr
    out = run_cli([*base, "db", "repair"], tmp_path)
    assert out.returncode == 0, out.stderr
    backups = list(db.glob("appendonlydir.before-repair-*"))
    assert len(backups) == 1 and str(backups[0]) in out.stdout
    assert "Successfully truncated" in out.stdout
    out = run_cli([*base, "db", "status", "--format", "json"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "stale" not in out.stderr


def test_a_changed_password_file_is_not_called_a_hung_server(running, tmp_path):
    running.password_file.write_text("not-the-password-it-started-with\n")
    t0 = time.monotonic()
    out = run_cli(["--db", str(running.dir), "db", "status"], tmp_path)
    assert out.returncode == 1
    no_traceback(out)
    assert "refused the password" in out.stderr and "does not answer" not in out.stderr, out.stderr
    assert "not-the-password-it-started-with" not in out.stderr
    assert time.monotonic() - t0 < 30  # not the hung-server wait
    out = run_cli(["--db", str(running.dir), "db", "stop"], tmp_path)  # the fix the hint gives
    assert out.returncode == 0 and out.stdout.strip() == "stopped", out.stderr
    out = run_cli(["--db", str(running.dir), "db", "status"], tmp_path)
    assert out.returncode == 0, out.stderr


@pytest.mark.slow
def test_a_password_with_spaces_works_and_is_never_echoed(tmp_path):
    db = tmp_path / "db"
    db.mkdir(mode=0o700)
    secret = 'correct horse "battery" staple'
    fd = os.open(db / "password", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, secret.encode() + b"\n")
    os.close(fd)
    outs = [run_cli(["--db", str(db), "--graph", "g", *args], tmp_path)
            for args in (["load", "--sample", "-q"], ["db", "status"], ["cypher", "RETURN nope"])]
    assert [o.returncode for o in outs] == [0, 0, 1], [o.stderr for o in outs]
    for o in outs:
        assert secret not in o.stdout + o.stderr and "battery" not in o.stdout + o.stderr


def test_repair_is_refused_under_a_running_server(running, tmp_path):
    out = run_cli(["--db", str(running.dir), "db", "repair"], tmp_path)
    assert out.returncode == 1
    no_traceback(out)
    assert "is running" in out.stderr and "db stop" in out.stderr, out.stderr
    assert not list(running.dir.glob("appendonlydir.before-repair-*"))
    assert running.is_running()


def _fill_the_disk(running) -> None:
    """A real ENOSPC from the next write on: the append-only file the server opens at its next
    rewrite is /dev/full (a link planted inside appendonlydir, which Redis follows), so its next
    write fails as on a full disk, and Redis, unable to make the write durable, exits."""
    import redis

    aof = running.dir / "appendonlydir"
    manifest = aof / "appendonly.aof.manifest"
    seq = max(int(line.split()[3]) for line in manifest.read_text().splitlines() if " type i" in line)
    (aof / f"appendonly.aof.{seq + 1}.incr.aof").symlink_to("/dev/full")
    client = redis.Redis(**running.connection_kwargs())
    client.execute_command("BGREWRITEAOF")
    client.close()
    deadline = time.monotonic() + 60
    while f"appendonly.aof.{seq + 1}.incr.aof" not in manifest.read_text():
        assert time.monotonic() < deadline, "the rewrite did not happen"
        time.sleep(0.1)


def _full_disk_named(out, running) -> None:
    assert out.returncode == 1
    no_traceback(out)
    assert "the disk that holds" in out.stderr and "is full" in out.stderr, out.stderr
    assert "No space left on device" in out.stderr and f"df -h {running.dir}" in out.stderr
    assert "lost the connection" not in out.stderr


def test_a_full_disk_is_named_not_a_lost_connection(running, tmp_path):
    base = ["--db", str(running.dir), "--graph", "g"]
    assert run_cli([*base, "cypher", "--write", "CREATE (:Entity {id: 'kept'})"], tmp_path).returncode == 0
    _fill_the_disk(running)
    out = run_cli([*base, "cypher", "--write", "CREATE (:Entity {id: 'lost'})"], tmp_path)
    _full_disk_named(out, running)


@pytest.mark.slow
def test_a_full_disk_under_a_csv_load_is_named_too(running, tmp_path):
    """The CSV fast path sends its own commands (GRAPH.BULK, batched queries): a full disk under
    them is named as one too, not a lost connection."""
    base = ["--db", str(running.dir), "--graph", "g"]
    assert run_cli([*base, "cypher", "--write", "CREATE (:Entity {id: 'kept'})"], tmp_path).returncode == 0
    gen = tmp_path / "gen"
    assert run_cli(["generate", str(gen), "-n", "2000"], tmp_path).returncode == 0
    _fill_the_disk(running)
    out = run_cli([*base, "load", "-q", *sorted(str(p) for p in gen.glob("*.csv"))], tmp_path)
    _full_disk_named(out, running)
