"""The embedded server's append-only file: its automatic rewrite held off during big loads,
why a server stopped when it could not write the file (a full disk), and its repair with
Redis's own checker. A mixin of :class:`~intelgraph.cypher.falkordb.server.EmbeddedServer`."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from intelgraph.cypher.falkordb.files import (
    _binaries, _int, _is_server, _open_own, _pid_alive, _q, _read, _read_own)
from intelgraph.errors import CommandRefused, ServerError


class AofPolicy:
    """The append-only file's policy, for :class:`~intelgraph.cypher.falkordb.server.EmbeddedServer`
    (whose data folder, config and log file it uses)."""

    dir: Path
    conf_file: Path
    log_file: Path

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
