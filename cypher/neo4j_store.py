"""Neo4j through the official driver.

Reads are routed READ and run in read transactions, so a saved query that writes is refused
by the server; writes run in managed transactions (``execute_write``) that the driver
retries on transient errors. ``database_`` is always set. Credentials come from the
caller (options, environment, ``.env`` or a prompt) and are never logged or printed.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from intelgraph.cypher.statements import neo4j_schema_statements
from intelgraph.cypher.store import DEFAULT_TIMEOUT_S, Result, Store
from intelgraph.errors import QueryTimeout, ReadOnlyViolation, ServerError, StoreError
from intelgraph.graph.schema import Schema, load_schema

__all__ = ["Neo4jStore"]


class Neo4jStore(Store):
    engine = "neo4j"

    def __init__(self, uri: str, user: str, password: str, database: str = "neo4j",
                 schema: Schema | None = None, timeout: float = DEFAULT_TIMEOUT_S):
        super().__init__(timeout)
        import neo4j

        self._neo4j = neo4j
        self.schema = schema or load_schema()
        self.name = database
        self.uri = uri
        try:
            self.driver = neo4j.GraphDatabase.driver(uri, auth=(user, password),
                                                     notifications_min_severity="WARNING")
            self.driver.verify_connectivity()
        except neo4j.exceptions.AuthError:
            raise ServerError(f"Neo4j at {uri} refused the credentials for user {user!r}",
                              hint="check NEO4J_USER / NEO4J_PASSWORD (or .env)") from None
        except (neo4j.exceptions.ServiceUnavailable, ValueError, OSError) as exc:
            raise ServerError(f"cannot reach Neo4j at {uri}: {exc}",
                              hint="is the server up? `docker compose up -d --wait`") from None

    def _run(self, cypher: str, params: dict[str, Any] | None, timeout: float | None, read_only: bool) -> Result:
        neo4j = self._neo4j
        query = neo4j.Query(cypher, timeout=timeout if timeout is not None else self.timeout)

        def work(tx: Any) -> Result:
            res = tx.run(query, params or {})
            keys = list(res.keys())
            rows = [[_plain(v) for v in rec.values()] for rec in res]
            summary = res.consume()
            c = summary.counters
            stats = {"nodes_created": c.nodes_created, "relationships_created": c.relationships_created,
                     "properties_set": c.properties_set, "nodes_deleted": c.nodes_deleted,
                     "relationships_deleted": c.relationships_deleted}
            return Result(keys, rows, stats)

        try:
            with self.driver.session(database=self.name,
                                     default_access_mode=neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS) as s:
                return s.execute_read(work) if read_only else s.execute_write(work)
        except neo4j.exceptions.ClientError as exc:
            code = exc.code or ""
            if "TransactionTimedOut" in code or "Timeout" in code:
                raise QueryTimeout(f"the query ran past its time limit: {exc.message}") from None
            if "WriteOnReadOnlyAccessDatabase" in code or "ForbiddenOnReadOnlyDatabase" in code or "AccessMode" in code:
                raise ReadOnlyViolation("this query writes to the graph, but it was run read-only") from None
            raise StoreError(f"Neo4j refused the query ({code}): {exc.message}") from None
        except neo4j.exceptions.ServiceUnavailable as exc:
            raise ServerError(f"lost the connection to Neo4j at {self.uri}: {exc}") from None

    def read(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=True)

    def write(self, cypher, params=None, timeout=None) -> Result:
        return self._run(cypher, params, timeout, read_only=False)

    def apply_schema(self) -> list[str]:
        statements = neo4j_schema_statements(self.schema)
        for stmt in statements:
            self.write(stmt)
        self.write("CALL db.awaitIndexes(300)")
        return statements

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
