"""The embedded store's watch on its server: a command whose reply is late past its own limit
is checked on, and one waiting on a hung server ends in an error naming it rather than
waiting forever. A mixin of :class:`~intelgraph.cypher.falkordb.store.FalkorStore`."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from intelgraph.cypher.falkordb.files import _thread_states
from intelgraph.errors import ServerError

if TYPE_CHECKING:
    from intelgraph.cypher.falkordb.server import EmbeddedServer

log = logging.getLogger(__name__)


class Watchdog:
    """A store's watcher thread (:meth:`_watched`) and the guard every command goes through
    (:meth:`_guard`). Needs ``server``, ``db`` (the client) and ``_watch*`` state, set up by the
    store's constructor (:meth:`_init_watch`)."""

    server: EmbeddedServer
    db: Any
    _server_state: dict[str, Any]

    def _init_watch(self) -> None:
        self._watch = threading.Condition()
        self._watch_due: dict[int, float] = {}  # command -> when its reply is late
        self._watch_next = 0
        self._watcher: threading.Thread | None = None
        self._watch_wake = 0.0  # when the watcher next looks, unless woken
        self._closed = False

    @property
    def _hung(self) -> int | None:
        """The pid of the server if a store of it in this process found it hung (see
        :meth:`_watched`): every store of that server then fails at once."""
        return self.server.hung_pid

    #: How long past a command's own time limit its reply may be late before the server is
    #: asked whether it still answers (see :meth:`_watched`).
    stall_grace_s = 10.0

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

    def _hung_error(self) -> ServerError:
        pid = self._hung
        return ServerError(f"the embedded server (pid {pid}) in {self.server.dir} stopped answering: no reply to a "
                           "command or to PING", hint=f"stop it with `intelgraph --db {self.server.dir} db stop` (it is "
                           "killed if it does not stop; every write it acknowledged is already on disk) and run the "
                           f"command again; see {self.server.log_file}")
