"""Domain errors. Each carries structured fields; the CLI turns one into a message once.

Exception tree::

    IntelgraphError
     +-- SchemaError            the schema file itself is wrong
     +-- InputError             a dataset or CSV record is wrong (file, record, field, reason)
     |    +-- InputErrors       several InputErrors found in one validation pass
     +-- QueryError             a saved query file or its parameters are wrong
     +-- UnknownProjection      a report names a projection the schema does not declare
     +-- ReportError            a report cannot be made as asked (options, output folder)
     +-- StoreError             the database could not do what was asked
          +-- ServerError       the embedded server could not be started or reached
          +-- CommandRefused    the embedded server refused a raw command
          +-- QueryTimeout      a query ran past its time limit
          +-- ReadOnlyViolation a read-only query tried to write
          +-- NotEmpty          a load into an empty graph only (--fresh) found it not empty
          +-- GdsUnavailable    GDS cannot run on this store
"""

from __future__ import annotations

from dataclasses import dataclass


class IntelgraphError(Exception):
    """Base class. ``hint`` says what the user can do about it."""

    hint: str = ""

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


class StoreError(IntelgraphError):
    def __init__(self, message: str, hint: str = ""):
        if hint:
            self.hint = hint
        super().__init__(message)


class ServerError(StoreError):
    pass


class QueryTimeout(StoreError):
    hint = "Narrow the query (fewer hops, a smaller limit) or raise --timeout."


class ReadOnlyViolation(StoreError):
    hint = "Saved queries and ad-hoc Cypher are read-only; pass --write to `intelgraph cypher` to change the graph."


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

    def __init__(self, message: str, hint: str = ""):
        if hint:
            self.hint = hint
        super().__init__(message)


class CommandRefused(StoreError):
    """The embedded server refused a raw command (:meth:`FalkorStore.command`); ``reply`` is its
    error reply, as the server wrote it."""

    hint = "The server's reply above says why; `intelgraph db status` shows the server and its log."

    def __init__(self, command: str, reply: str):
        self.command, self.reply = command, reply
        super().__init__(f"the embedded server refused {command}: {reply}")
