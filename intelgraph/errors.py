"""Domain errors. Each carries structured fields; the CLI turns one into a message once.

Exception tree::

    IntelgraphError
     +-- SchemaError            the schema file itself is wrong
     +-- InputError             a dataset or CSV record is wrong (file, record, field, reason)
     |    +-- InputErrors       several InputErrors found in one validation pass
     +-- QueryError             a saved query file or its parameters are wrong
     +-- ConfigError            a setting, or the env file that gave it, is wrong or not trusted
     +-- PathError              a file or folder could not be read or written (the OS said why)
     +-- UnknownProjection      a report names a projection the schema does not declare
     +-- ReportError            a report cannot be made as asked (options, output folder)
     +-- StoreError             the database could not do what was asked
          +-- ServerError       the embedded server could not be started or reached
          +-- CommandRefused    the embedded server refused a raw command
          +-- QueryTimeout      a query ran past its time limit
          +-- QueryMemoryExceeded a query needed more memory than one query may use
          +-- ReadOnlyViolation a read-only query tried to write
          +-- ExternalAccess    a query would read files or URLs (or run Cypher from text)
          +-- NotEmpty          a load into an empty graph only (--fresh) found it not empty
          +-- GdsUnavailable    GDS cannot run on this store
"""

from __future__ import annotations

import errno
from dataclasses import dataclass


class IntelgraphError(Exception):
    """Base class. ``hint`` says what the user can do about it."""

    hint: str = ""

    def __init__(self, message: str = "", hint: str = ""):
        if hint:
            self.hint = hint
        super().__init__(message)

    def message(self) -> str:
        text = str(self)
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class SchemaError(IntelgraphError):
    def __init__(self, origin: str, where: str, reason: str):
        self.origin, self.where, self.reason = origin, where, reason
        super().__init__(f"{origin}: {where}: {reason}")


@dataclass
class Problem:
    """One thing wrong with one record."""

    file: str
    record: str  # "line 12", "record 3 (entities[2])", "row 7"
    field: str
    reason: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.file}: {self.record}: field {self.field!r}: {self.reason}"
        return f"{text} — {self.fix}" if self.fix else text


class InputError(IntelgraphError):
    hint = "Fix the record named above and load the file again; nothing was written."

    def __init__(self, file: str, record: str, field: str, reason: str, fix: str = ""):
        self.problem = Problem(file, record, field, reason, fix)
        self.file, self.record, self.field, self.reason, self.fix = file, record, field, reason, fix
        super().__init__(str(self.problem))


class InputErrors(InputError):
    """All problems found in one pass over an input (the first one is also the error's fields)."""

    def __init__(self, problems: list[Problem], limit: int = 20):
        self.problems = problems
        first = problems[0]
        super().__init__(first.file, first.record, first.field, first.reason, first.fix)
        shown = "\n".join(f"  - {p}" for p in problems[:limit])
        more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
        Exception.__init__(self, f"{len(problems)} problem(s) in {first.file}:\n{shown}{more}")


class QueryError(IntelgraphError):
    def __init__(self, message: str, file: str | None = None, line: int | None = None, hint: str = ""):
        self.file, self.line = file, line
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        if hint:
            self.hint = hint
        super().__init__(f"{where}{message}")


class ConfigError(IntelgraphError):
    """A setting is wrong, or the env file it would come from is refused. ``origin`` says where
    the setting came from (``environment: NAME``, ``file: PATH:LINE``, ...) when one did."""

    def __init__(self, message: str, origin: str | None = None, hint: str = ""):
        self.origin = origin
        if hint:
            self.hint = hint
        super().__init__(f"{origin}: {message}" if origin else message)
class PathError(IntelgraphError):
    """A file or folder could not be read, written or created: the operating system's reason,
    the path, and what to do about it (by ``errno``)."""

    HINTS = {
        errno.EACCES: "you may not read or write it: check its owner and mode (`ls -ld {where}`), or choose a "
                      "file or folder you own",
        errno.EPERM: "you may not read or write it: check its owner and mode (`ls -ld {where}`), or choose a "
                     "file or folder you own",
        errno.EROFS: "the file system is mounted read-only: choose a folder on another one",
        errno.ENOTDIR: "a part of the path is a file, not a folder: choose a path whose folders are folders",
        errno.EEXIST: "something is already there: remove it or choose another path",
        errno.EISDIR: "it is a folder: give a file",
        errno.ENOENT: "no such file or folder: check the path",
        errno.ENAMETOOLONG: "a name in the path is longer than the file system allows (usually 255 bytes; "
                            "accented and non-Latin letters take 2-4 bytes each): choose a shorter name",
        errno.ENOSPC: "the disk is full: free some space, or choose a folder on another disk",
        errno.EDQUOT: "your disk quota is used up: free some space, or choose a folder on another disk",
    }

    def __init__(self, path: str | None, reason: str, hint: str = "", what: str = ""):
        self.path, self.reason = path, reason
        if hint:
            self.hint = hint
        subject = f"{what} {path}" if what and path else (path or what or "a file or folder")
        super().__init__(f"cannot use {subject}: {reason}")

    @classmethod
    def from_os(cls, exc: OSError, what: str = "", hint: str = "") -> "PathError":
        path = exc.filename if exc.filename is not None else None
        if isinstance(path, bytes):
            path = path.decode("utf-8", "replace")
        reason = exc.strerror or str(exc)
        if exc.filename2 is not None:
            reason += f" (and {exc.filename2})"
        default = cls.HINTS.get(exc.errno or 0, "").format(where=_existing(str(path)) if path is not None else ".")
        return cls(None if path is None else str(path), reason, hint or default, what)


def _existing(path: str) -> str:
    """``path``, or the nearest folder above it that exists (what ``ls -ld`` can show)."""
    import os

    while True:
        try:
            if os.path.lexists(path) or os.path.dirname(path) in ("", path):
                return path
        except (OSError, ValueError):
            pass
        path = os.path.dirname(path)


class StoreError(IntelgraphError):
    """The database could not do what was asked (``StoreError(message, hint=...)``)."""


class ServerError(StoreError):
    pass


class QueryTimeout(StoreError):
    hint = "Narrow the query (fewer hops, a smaller limit) or raise --timeout."


class QueryMemoryExceeded(StoreError):
    hint = ("Narrow the query (fewer rows, no huge lists such as range() over millions), or raise the embedded "
            "server's limit with INTELGRAPH_QUERY_MEMORY_MB (it takes effect when the server starts: "
            "`intelgraph db stop` first).")


class ReadOnlyViolation(StoreError):
    hint = "Saved queries and ad-hoc Cypher are read-only; pass --write to `intelgraph cypher` to change the graph."


class ExternalAccess(StoreError):
    """A query intelgraph did not write would reach past the graph: ``LOAD CSV``, or a procedure
    or function that reads or writes files or URLs, talks to another server or runs Cypher given
    as text. Decided from the engine's plan of the query, before it runs."""

    hint = ("Ad-hoc Cypher and saved queries may only read and change the graph; pass --allow-external to "
            "`intelgraph cypher` to let this statement reach files or URLs (see docs/security.md).")


class NotEmpty(StoreError):
    """``fresh=True`` was asked for, but the target graph is not empty."""


class GdsUnavailable(StoreError):
    """GDS cannot run here: the store is not Neo4j, or the server has no GDS plugin."""

    def __init__(self, message: str, hint: str):
        super().__init__(message, hint=hint)


class UnknownProjection(IntelgraphError):
    """The projection name is not one the schema declares."""

    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        self.hint = f"use one of: {', '.join(known)} (see `projections:` in graph/schema.yaml)"
        super().__init__(f"unknown projection {name!r}")


class ReportError(IntelgraphError):
    """A report cannot be made as asked: an option out of range, an output folder that cannot be written."""


class CommandRefused(StoreError):
    """The embedded server refused a raw command (:meth:`FalkorStore.command`); ``reply`` is its
    error reply, as the server wrote it."""

    hint = "The server's reply above says why; `intelgraph db status` shows the server and its log."

    def __init__(self, command: str, reply: str):
        self.command, self.reply = command, reply
        super().__init__(f"the embedded server refused {command}: {reply}")
