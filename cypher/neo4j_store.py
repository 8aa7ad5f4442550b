"""Neo4j through the official driver.

Reads are routed READ and run in read transactions, so a saved query that writes is refused
by the server; writes run in managed transactions (``execute_write``) that the driver
retries on transient errors. ``database_`` is always set. Credentials come from the
caller (environment, ``.env`` or a prompt) and are never logged or printed; a URI that
carries them (``bolt://user:secret@host``) is refused without being echoed.

Concurrent loaders: Neo4j runs their transactions at once. Two ``MERGE`` statements of the same node
can both find nothing; the unique constraint lets one commit and fails the other with
``Neo.ClientError.Schema.ConstraintValidationFailed``, a client error the driver does not
retry. The loader's batches are idempotent (``MERGE`` on content ids), so
:meth:`Neo4jStore.write_idempotent` runs such a batch again, a few times with jittered
exponential back-off (:func:`retry_delay`); the node the other loader committed is then
matched. Provenance merges (``SET n.sources = coalesce(n.sources, []) + ...``) read the
property on the right-hand side of ``SET``, for which Cypher takes the write lock before
reading, so concurrent merges are not lost. Schema statements that another loader has just
run (``...AlreadyExists``) count as done.
"""

from __future__ import annotations

import datetime as _dt
import logging
import random
import re
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

from intelgraph.cypher.statements import neo4j_schema_statements
from intelgraph.cypher.store import DEFAULT_TIMEOUT_S, Result, Store
from intelgraph.errors import QueryTimeout, ReadOnlyViolation, ServerError, StoreError
from intelgraph.graph.schema import Schema, load_schema

__all__ = ["Neo4jStore", "retry_delay", "schema_already_exists", "MAX_RETRIES"]

log = logging.getLogger(__name__)

#: Status codes after which an idempotent write is run again: a MERGE that lost a race on the
#: unique constraint. Transient errors (deadlocks, ...) are retried by the driver's managed
#: transactions first; one that still surfaces gets the same few extra tries.
CONFLICT_CODES = frozenset({"Neo.ClientError.Schema.ConstraintValidationFailed"})
SCHEMA_EXISTS_CODES = frozenset({
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
})
MAX_RETRIES = 5
MAX_DELAY_S = 2.0

#: Procedures a statement intelgraph did not write may call without ``--allow-external`` (name
#: prefixes, lower case): they read or change only the graph. Any other procedure is refused —
#: ``apoc.load.*``, ``apoc.import.*`` and ``apoc.export.*`` read and write files and URLs,
#: ``apoc.bolt.*`` talks to other servers, ``apoc.cypher.*``, ``apoc.periodic.*``, ``apoc.do.*``
#: and ``apoc.when`` run Cypher given as text, which could do any of these. See docs/security.md.
INSIDE_PROCEDURES = (
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.", "db.indexes", "db.constraints",
    "db.index.fulltext.querynodes", "db.index.fulltext.queryrelationships", "db.index.vector.querynodes",
    "db.awaitindex", "db.ping", "db.info", "dbms.components",
    # graph-only writes: a read-only run refuses them as writes (ReadOnlyViolation), not as reach
    "db.createlabel", "db.createproperty", "db.createrelationshiptype",
    "apoc.path.", "apoc.algo.", "apoc.meta.", "apoc.nodes.", "apoc.neighbors.", "apoc.coll.", "apoc.map.",
    "apoc.text.", "apoc.create.", "apoc.merge.", "apoc.refactor.", "apoc.label.", "apoc.stats.", "apoc.help",
)
#: Functions (name prefixes, lower case) that reach outside the graph or run Cypher given as text;
#: found by name in the plan's expressions (functions, unlike procedures, are not plan operators).
OUTSIDE_FUNCTIONS = ("apoc.cypher.", "apoc.load.", "apoc.import.", "apoc.export.", "apoc.bolt.", "apoc.static.",
                     "apoc.spatial.", "apoc.ml.", "genai.")
_FUNCTION_RE = re.compile(r"((?:`[^`]+`|[A-Za-z_][\w]*)(?:\.(?:`[^`]+`|[A-Za-z_][\w]*))+)\s*\(")


def plan_outside(plan: dict[str, Any] | None) -> list[str]:
    """What in a Neo4j plan (the driver's ``summary.plan``, as Bolt sends it: ``operatorType``,
    ``args`` with ``Details``, ``children``) reaches outside the graph: ``LoadCSV``, a procedure not in
    :data:`INSIDE_PROCEDURES`, a function in :data:`OUTSIDE_FUNCTIONS`."""
    found: list[str] = []
    stack = [plan] if plan else []
    while stack:
        op = stack.pop()
        stack.extend(op.get("children") or ())
        kind = str(op.get("operatorType") or op.get("operator_type") or "").split("@")[0]
        details = str((op.get("args") or op.get("arguments") or {}).get("Details") or "")
        if kind == "LoadCSV":
            found.append("LOAD CSV")
        if kind == "ProcedureCall":
            name = details.split("(")[0].strip().replace("`", "")
            if not name.lower().startswith(INSIDE_PROCEDURES):
                found.append(f"procedure {name}" if name else f"procedure {details!r}")
        for m in _FUNCTION_RE.finditer(details):
            name = m.group(1).replace("`", "")
            if name.lower().startswith(OUTSIDE_FUNCTIONS):
                found.append(f"function {name}")
    return sorted(set(found))


def retry_delay(code: str | None, attempt: int, idempotent: bool, rng: random.Random | None = None) -> float | None:
    """Seconds to wait before running a failed write again, or None to give up.

    ``attempt`` counts the retries (1 for the first). Only idempotent writes are retried
    (a ``CREATE`` that hit the constraint would hit it again), only after a lost race or a
    transient error, at most :data:`MAX_RETRIES` times; the delay doubles from 50 ms up to
    :data:`MAX_DELAY_S`, jittered to between half and all of that so racing loaders spread out.
    """
    if not idempotent or not code or attempt < 1 or attempt > MAX_RETRIES:
        return None
    if code not in CONFLICT_CODES and not code.startswith("Neo.TransientError."):
        return None
    ceiling = min(MAX_DELAY_S, 0.05 * 2 ** (attempt - 1))
    return ceiling * (0.5 + (rng or random).random() / 2)


def schema_already_exists(code: str | None) -> bool:
    """Did a schema statement fail only because an equivalent index or constraint exists
    (made by a concurrent loader between ``IF NOT EXISTS`` and the commit)?"""
    return bool(code) and code in SCHEMA_EXISTS_CODES


class Neo4jStore(Store):
    engine = "neo4j"

    def __init__(self, uri: str, user: str, password: str, database: str = "neo4j",
                 schema: Schema | None = None, timeout: float = DEFAULT_TIMEOUT_S):
        super().__init__(timeout)
        import neo4j

        self._neo4j = neo4j
        self.schema = schema or load_schema()
        self.name = database
        try:
            parts = urllib.parse.urlsplit(uri)
            has_credentials = parts.username is not None or parts.password is not None
        except ValueError:
            has_credentials = "@" in uri
        if has_credentials:  # do not echo it: the password would be in the message
            raise ServerError("the Neo4j URI carries a user name or password; intelgraph does not take credentials "
                              "in URIs", hint="give the URI as bolt://host:7687 or neo4j+s://host, the user in "
                                              "NEO4J_USER (or --user) and the password in NEO4J_PASSWORD or .env "
                                              "(or --ask-password)")
        self.uri = uri
        try:
            # UNRECOGNIZED ("the relationship type X does not exist") is the normal state of a
            # graph that holds only some of the schema's kinds: the saved queries name them all
            self.driver = neo4j.GraphDatabase.driver(
                uri, auth=(user, password), notifications_min_severity="WARNING",
                notifications_disabled_classifications=[neo4j.NotificationDisabledClassification.UNRECOGNIZED])
            self.driver.verify_connectivity()
        except neo4j.exceptions.AuthError:
            raise ServerError(f"Neo4j at {uri} refused the credentials for user {user!r}",
                              hint="check NEO4J_USER / NEO4J_PASSWORD (or .env)") from None
        except (neo4j.exceptions.ServiceUnavailable, ValueError, OSError) as exc:
            raise ServerError(f"cannot reach Neo4j at {uri}: {exc}",
                              hint="is the server up? `docker compose up -d --wait`") from None
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            # e.g. a server too old for the driver's options: a message, not a traceback
            raise ServerError(f"cannot use Neo4j at {uri}: {exc}", hint="intelgraph needs Neo4j 5") from None

    def _execute(self, cypher: str, params: dict[str, Any] | None, timeout: float | None, read_only: bool) -> Result:
        """Run one statement in a managed transaction; driver errors are raised as they are."""
        neo4j = self._neo4j

        # a managed transaction takes its time limit from unit_of_work (tx.run refuses a Query)
        @neo4j.unit_of_work(timeout=timeout if timeout is not None else self.timeout)
        def work(tx: Any) -> Result:
            res = tx.run(cypher, params or {})
            keys = list(res.keys())
            rows = [[_plain(v) for v in rec.values()] for rec in res]
            summary = res.consume()
            c = summary.counters
            stats = {"nodes_created": c.nodes_created, "relationships_created": c.relationships_created,
                     "properties_set": c.properties_set, "nodes_deleted": c.nodes_deleted,
                     "relationships_deleted": c.relationships_deleted,
                     "schema_added": c.constraints_added + c.indexes_added}
            return Result(keys, rows, stats)

        with self.driver.session(database=self.name,
                                 default_access_mode=neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS) as s:
            return s.execute_read(work) if read_only else s.execute_write(work)

    def _translate(self, exc: Exception) -> StoreError:
        neo4j = self._neo4j
        if isinstance(exc, neo4j.exceptions.ServiceUnavailable):
            return ServerError(f"lost the connection to Neo4j at {self.uri}: {exc}")
        code = getattr(exc, "code", None) or ""
        message = getattr(exc, "message", None) or str(exc)
        if "TransactionTimedOut" in code or "Timeout" in code:
            return QueryTimeout(f"the query ran past its time limit: {message}")
        if "WriteOnReadOnlyAccessDatabase" in code or "ForbiddenOnReadOnlyDatabase" in code or "AccessMode" in code:
            return ReadOnlyViolation("this query writes to the graph, but it was run read-only")
        return StoreError(f"Neo4j refused the query ({code}): {message}")

    def _run(self, cypher: str, params: dict[str, Any] | None, timeout: float | None, read_only: bool) -> Result:
        neo4j = self._neo4j
        try:
            return self._execute(cypher, params, timeout, read_only)
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.ServiceUnavailable) as exc:
            raise self._translate(exc) from None

    def write_idempotent(self, cypher, params=None, timeout=None) -> Result:
        """A write that may run twice (a load batch): after a lost MERGE race on the unique
        constraint, or a transient error that outlasted the driver's retries, it is run again
        (see :func:`retry_delay`)."""
        neo4j = self._neo4j
        attempt = 0
        while True:
            try:
                return self._execute(cypher, params, timeout, read_only=False)
            except neo4j.exceptions.Neo4jError as exc:
                attempt += 1
                delay = retry_delay(exc.code, attempt, idempotent=True)
                if delay is None:
                    raise self._translate(exc) from None
                log.info("a load batch lost a race with another writer (%s); running it again in %.2fs "
                         "(retry %d of %d)", exc.code, delay, attempt, MAX_RETRIES)
                time.sleep(delay)
            except neo4j.exceptions.ServiceUnavailable as exc:
                raise self._translate(exc) from None

    def read(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=True)

    def scan(self, pattern: str, where: str, anchor: str, returns: str, page: int = 50_000) -> Iterator[list[Any]]:
        """As :meth:`Store.scan`: one statement whose rows the driver streams (``page`` rows a
        fetch), so client memory stays bounded; ``anchor`` is not needed. The statement has no time
        limit of its own: its length grows with the graph."""
        neo4j = self._neo4j
        text = f"MATCH {pattern}{f' WHERE {where}' if where else ''} RETURN {returns}"
        try:
            with self.driver.session(database=self.name, default_access_mode=neo4j.READ_ACCESS,
                                     fetch_size=page) as s:
                for rec in s.run(neo4j.Query(text)):
                    yield [_plain(v) for v in rec.values()]
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.ServiceUnavailable) as exc:
            raise self._translate(exc) from None

    def reaches_outside(self, cypher: str, params: dict[str, Any] | None = None) -> list[str]:
        """From the server's ``EXPLAIN`` of ``cypher`` (planned, not run): see :func:`plan_outside`."""
        neo4j = self._neo4j
        try:
            with self.driver.session(database=self.name) as s:
                summary = s.run(neo4j.Query("EXPLAIN " + cypher, timeout=self.timeout), params or {}).consume()
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.ServiceUnavailable) as exc:
            raise self._translate(exc) from None
        return plan_outside(summary.plan)

    def write(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=False)

    def apply_schema(self) -> list[str]:
        """Create what is missing (``IF NOT EXISTS``); return the statements that created
        something, as the server counted it: [] when the schema was already there."""
        neo4j = self._neo4j
        created = []
        for stmt in neo4j_schema_statements(self.schema):
            try:
                if self._execute(stmt, None, None, read_only=False).stats["schema_added"]:
                    created.append(stmt)
            except neo4j.exceptions.Neo4jError as exc:
                if not schema_already_exists(exc.code):  # else: a concurrent loader just made it
                    raise self._translate(exc) from None
            except neo4j.exceptions.ServiceUnavailable as exc:
                raise self._translate(exc) from None
        self.write("CALL db.awaitIndexes(300)")
        return created

    def clear(self) -> None:
        self.write("MATCH (n) DETACH DELETE n")

    def close(self) -> None:
        self.driver.close()


def _plain(value: Any) -> Any:
    from neo4j.graph import Node, Path, Relationship
    from neo4j.time import Date, DateTime

    if isinstance(value, Node):
        return {"_labels": sorted(value.labels), **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"_type": value.type, **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return {"nodes": [_plain(n) for n in value.nodes], "relationships": [_plain(r) for r in value.relationships]}
    if isinstance(value, Date):
        return _dt.date(value.year, value.month, value.day)
    if isinstance(value, DateTime):
        return value.to_native()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
