"""Domain errors. Each carries structured fields; the CLI turns one into a message once.

Exception tree::

    IntelgraphError
     +-- SchemaError            the schema file itself is wrong
     +-- InputError             a dataset or CSV record is wrong (file, record, field, reason)
     |    +-- InputErrors       several InputErrors found in one validation pass
     +-- QueryError             a saved query file or its parameters are wrong
     +-- StoreError             the database could not do what was asked
          +-- ServerError       the embedded server could not be started or reached
          +-- QueryTimeout      a query ran past its time limit
          +-- QueryMemoryExceeded a query needed more memory than one query may use
          +-- ReadOnlyViolation a read-only query tried to write
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


class QueryMemoryExceeded(StoreError):
    hint = ("Narrow the query (fewer rows, no huge lists such as range() over millions), or raise the embedded "
            "server's limit with INTELGRAPH_QUERY_MEMORY_MB (it takes effect when the server starts: "
            "`intelgraph db stop` first).")


class ReadOnlyViolation(StoreError):
    hint = "Saved queries and ad-hoc Cypher are read-only; pass --write to `intelgraph cypher` to change the graph."
