"""Cypher derived from the schema: per-engine schema statements, and the load statements
both engines run.

Labels, relationship types and property keys are only ever taken from the schema,
whose names all match :data:`intelgraph.graph.schema.IDENT_RE`; values always travel
as parameters.
"""

from __future__ import annotations

from intelgraph.graph.schema import IDENT_RE, NodeKind, RelType, Schema

__all__ = [
    "quote_name", "neo4j_schema_statements", "falkordb_index_statements",
    "node_merge_statement", "relationship_merge_statement", "node_create_statement",
    "relationship_create_statement",
]


def quote_name(name: str) -> str:
    """Backtick-quote a label/type/key after checking it is a plain identifier."""
    if not IDENT_RE.fullmatch(name):
        raise ValueError(f"refusing to use {name!r} as a label, type or key: not a plain identifier")
    return f"`{name}`"


def _snake(label: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(label))


def neo4j_schema_statements(schema: Schema) -> list[str]:
    """Named, idempotent constraint and index statements for Neo4j 5."""
    root, key = schema.root_label, schema.id_property
    out = [f"CREATE CONSTRAINT {_snake(root)}_{key} IF NOT EXISTS "
           f"FOR (n:{quote_name(root)}) REQUIRE n.{quote_name(key)} IS UNIQUE"]
    for label, prop in schema.indexed_properties():
        if (label, prop) == (root, key):
            continue  # the constraint brings its own index
        out.append(f"CREATE INDEX {_snake(label)}_{prop} IF NOT EXISTS "
                   f"FOR (n:{quote_name(label)}) ON (n.{quote_name(prop)})")
    out.append(f"CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:{quote_name(root)}) "
               "ON EACH [n.`name`, n.`aliases_text`]")
    return out


def falkordb_index_statements(schema: Schema) -> list[tuple[str, str, str]]:
    """(label, property, statement) for FalkorDB range indexes (no IF NOT EXISTS there: the
    store checks ``db.indexes()`` first). The unique constraint on the root id is created with
    ``GRAPH.CONSTRAINT`` by the store."""
    out = []
    for label, prop in schema.indexed_properties():
        out.append((label, prop, f"CREATE INDEX FOR (n:{quote_name(label)}) ON (n.{quote_name(prop)})"))
    out.append((schema.root_label, "aliases_lc",
                f"CREATE INDEX FOR (n:{quote_name(schema.root_label)}) ON (n.`aliases_lc`)"))
    return out


_UNION = "{t}.{p} = coalesce({t}.{p}, []) + [x IN row.{p} WHERE NOT x IN coalesce({t}.{p}, [])]"


def _provenance_sets(target: str) -> str:
    return ",\n    ".join(_UNION.format(t=target, p=p) for p in ("sources", "evidence", "claims"))


def _date_sets(target: str, date_props: list[str]) -> str:
    return "".join(
        f"\nSET {target}.{quote_name(p)} = CASE WHEN row.dates.{quote_name(p)} IS NULL "
        f"THEN {target}.{quote_name(p)} ELSE date(row.dates.{quote_name(p)}) END"
        for p in date_props)


def _grading_sets(target: str) -> str:
    # the best grading among the claims behind a record: A beats B..., 1 beats 2...
    return "".join(
        f"\nSET {target}.{g} = CASE WHEN row.{g} IS NULL THEN {target}.{g} "
        f"WHEN {target}.{g} IS NULL OR row.{g} < {target}.{g} THEN row.{g} ELSE {target}.{g} END"
        for g in ("reliability", "credibility"))


def node_merge_statement(schema: Schema, kind: NodeKind) -> str:
    """Idempotent upsert of nodes of one kind; rows: {id, props, dates, sources, evidence, claims}."""
    labels = ":".join(quote_name(label) for label in kind.labels[1:])
    date_props = [p for p, s in kind.properties.items() if s.type == "date"]
    return (f"UNWIND $rows AS row\n"
            f"MERGE (n:{quote_name(schema.root_label)} {{{quote_name(schema.id_property)}: row.id}})\n"
            f"SET n:{labels}\n"
            f"SET n += row.props\n"
            f"SET {_provenance_sets('n')}"
            f"{_date_sets('n', date_props)}")


def node_create_statement(schema: Schema, kind: NodeKind) -> str:
    """Fast path for a graph known to be empty of these ids: plain CREATE."""
    labels = ":".join(quote_name(label) for label in kind.labels)
    date_props = [p for p, s in kind.properties.items() if s.type == "date"]
    return (f"UNWIND $rows AS row\n"
            f"CREATE (n:{labels} {{{quote_name(schema.id_property)}: row.id}})\n"
            f"SET n += row.props, n.sources = row.sources, n.evidence = row.evidence, n.claims = row.claims"
            f"{_date_sets('n', date_props)}")


def relationship_merge_statement(schema: Schema, rel: RelType) -> str:
    """Idempotent upsert of relationships of one type; rows: {id, s, t, props, dates, sources,
    evidence, claims, reliability, credibility}. Endpoints are matched by id on the root label."""
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    date_props = [p for p, s in rel.properties.items() if s.type == "date"]
    return (f"UNWIND $rows AS row\n"
            f"MATCH (a:{root} {{{key}: row.s}})\n"
            f"MATCH (b:{root} {{{key}: row.t}})\n"
            f"MERGE (a)-[r:{quote_name(rel.name)} {{{key}: row.id}}]->(b)\n"
            f"SET r += row.props\n"
            f"SET {_provenance_sets('r')}"
            f"{_date_sets('r', date_props)}"
            f"{_grading_sets('r')}")


def relationship_create_statement(schema: Schema, rel: RelType) -> str:
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    date_props = [p for p, s in rel.properties.items() if s.type == "date"]
    return (f"UNWIND $rows AS row\n"
            f"MATCH (a:{root} {{{key}: row.s}})\n"
            f"MATCH (b:{root} {{{key}: row.t}})\n"
            f"CREATE (a)-[r:{quote_name(rel.name)} {{{key}: row.id}}]->(b)\n"
            f"SET r += row.props, r.sources = row.sources, r.evidence = row.evidence, r.claims = row.claims,\n"
            f"    r.reliability = row.reliability, r.credibility = row.credibility"
            f"{_date_sets('r', date_props)}")
