"""Cypher derived from the schema: per-engine schema statements, and the load statements
both engines run.

Labels, relationship types and property keys are only ever taken from the schema,
whose names all match :data:`intelgraph.graph.schema.IDENT_RE`; values always travel
as parameters.
"""

from __future__ import annotations

from intelgraph.graph.schema import GRADING, IDENT_RE, PROVENANCE, NodeKind, PropertySpec, RelType, Schema

__all__ = [
    "quote_name", "neo4j_schema_statements", "falkordb_index_statements",
    "node_merge_statement", "relationship_merge_statement", "node_create_statement",
    "relationship_create_statement", "node_rows_statement", "node_lookup_statement",
    "node_replace_statement", "node_check_statement", "relationship_rows_statement",
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
    return ",\n    ".join(_UNION.format(t=target, p=p) for p in PROVENANCE)


def _date_sets(schema: Schema, target: str, props: dict[str, PropertySpec]) -> str:
    """The native date bounds of each ``date`` property (schema ``date_bounds``), set with the
    property's text: a row without the property keeps the graph's; with it, an open end removes
    the bound."""
    return "".join(
        f"\nSET {target}.{quote_name(b)} = CASE WHEN row.props.{quote_name(p)} IS NULL "
        f"THEN {target}.{quote_name(b)} WHEN row.dates.{quote_name(b)} IS NULL THEN null "
        f"ELSE date(row.dates.{quote_name(b)}) END"
        for p, s in props.items() if s.type == "date" for b in schema.date_bounds(p))


def _grading_sets(target: str) -> str:
    # a tie's direct grade (a CSV column; a fact resting on claims stores none: its grades are
    # its claims'): of two, the better, whatever the load order — A beats B..., 1 beats 2...
    return "".join(
        f"\nSET {target}.{g} = CASE WHEN row.{g} IS NULL THEN {target}.{g} "
        f"WHEN {target}.{g} IS NULL OR row.{g} < {target}.{g} THEN row.{g} ELSE {target}.{g} END"
        for g in GRADING)


def node_merge_statement(schema: Schema, kind: NodeKind) -> str:
    """Idempotent upsert of nodes of one kind; rows: {id, props, dates, sources, evidence, claims,
    statements, seen}; returns how many it wrote (a row whose node another load changed since
    it was read is not written: :func:`_still_as_read`). The values and statements are the rule's (:func:`intelgraph.loaders.plan.merge_with_graph`
    merged them with the graph's before): they replace the node's; provenance adds up."""
    labels = ":".join(quote_name(label) for label in kind.labels[1:])
    return (f"UNWIND $rows AS row\n"
            f"MERGE (n:{quote_name(schema.root_label)} {{{quote_name(schema.id_property)}: row.id}})\n"
            f"{_still_as_read(schema, 'n')}"
            f"SET n:{labels}\n"
            f"SET n += row.props, n.{quote_name(schema.statement_property)} = row.statements\n"
            f"SET {_provenance_sets('n')}"
            f"{_date_sets(schema, 'n', kind.properties)}\n"
            f"RETURN count(n)")


def _still_as_read(schema: Schema, target: str) -> str:
    """Take the record's write lock (Neo4j: a ``SET`` whose value reads the property it sets
    locks the record before reading it — its documented idiom against lost updates; seen to
    take none when the value is null, so on ``sources``, never null once set), then keep a
    row only if the record's sources and statements are still those its merge read
    (``row.seen``: :func:`intelgraph.loaders.plan.merge_with_graph`; no ``seen``: not checked).
    A load running at once that changed them in between is not overwritten: the statement writes
    fewer rows than it was given, and the loader reads, merges and writes the batch again."""
    s = quote_name(schema.statement_property)
    # on a property never null: setting one to null (removing an absent one) takes no lock
    return (f"SET {target}.sources = coalesce({target}.sources, [])\n"
            f"WITH {target}, row WHERE row.seen IS NULL OR "
            f"[coalesce({target}.sources, []), coalesce({target}.{s}, [])] = row.seen\n")


def node_create_statement(schema: Schema, kind: NodeKind) -> str:
    """Fast path for a graph known to be empty of these ids: plain CREATE."""
    labels = ":".join(quote_name(label) for label in kind.labels)
    return (f"UNWIND $rows AS row\n"
            f"CREATE (n:{labels} {{{quote_name(schema.id_property)}: row.id}})\n"
            f"SET n += row.props, n.sources = row.sources, n.evidence = row.evidence, n.claims = row.claims, "
            f"n.{quote_name(schema.statement_property)} = row.statements"
            f"{_date_sets(schema, 'n', kind.properties)}")


def relationship_merge_statement(schema: Schema, rel: RelType) -> str:
    """Idempotent upsert of relationships of one type; rows: {id, s, t, props, dates, sources,
    evidence, claims, reliability, credibility, statements}. The values and statements are the
    rule's (merged with the graph's before, as a node's): they replace the relationship's. Endpoints are matched by id on the root label; a row
    whose end is not in the graph writes nothing, so the statement returns how many it wrote, for
    the loader to check (:meth:`~intelgraph.cypher.store.Store.write_batches`)."""
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    return (f"UNWIND $rows AS row\n"
            f"MATCH (a:{root} {{{key}: row.s}})\n"
            f"MATCH (b:{root} {{{key}: row.t}})\n"
            f"MERGE (a)-[r:{quote_name(rel.name)} {{{key}: row.id}}]->(b)\n"
            f"{_still_as_read(schema, 'r')}"
            f"SET r += row.props, r.{quote_name(schema.statement_property)} = row.statements\n"
            f"SET {_provenance_sets('r')}"
            f"{_date_sets(schema, 'r', rel.properties)}"
            f"{_grading_sets('r')}\n"
            f"RETURN count(r)")


def relationship_create_statement(schema: Schema, rel: RelType) -> str:
    root, key = quote_name(schema.root_label), quote_name(schema.id_property)
    return (f"UNWIND $rows AS row\n"
            f"MATCH (a:{root} {{{key}: row.s}})\n"
            f"MATCH (b:{root} {{{key}: row.t}})\n"
            f"CREATE (a)-[r:{quote_name(rel.name)} {{{key}: row.id}}]->(b)\n"
            f"SET r += row.props, r.sources = row.sources, r.evidence = row.evidence, r.claims = row.claims,\n"
            f"    r.reliability = row.reliability, r.credibility = row.credibility, "
            f"r.{quote_name(schema.statement_property)} = row.statements"
            f"{_date_sets(schema, 'r', rel.properties)}\n"
            f"RETURN count(r)")


# -- list-shaped rows for the fast FalkorDB load path (intelgraph.loaders.bulk) ----------------
# A row is a list, not a map: FalkorDB's client sends parameters as text, and a list of values
# is shorter to write and cheaper to parse than a map that repeats its keys in every row.
# Relationship ends travel as FalkorDB internal node ids, looked up through a projection
# (``WITH r[0] AS s ... MATCH (a) WHERE id(a) = s``, an id seek; ``WHERE id(a) = r[0]`` straight
# after UNWIND scans every node per row). These statements are FalkorDB's only: Neo4j keeps the
# MERGE-on-id statements above.

def _row_sets(schema: Schema, target: str, props: tuple[str, ...], dates: tuple[str, ...], first: int, merge: bool) -> list[str]:
    """SET items for ``props`` then ``dates`` (the native bounds of the ``date`` properties among
    ``props``) at row positions ``first``...: on a merge a missing value keeps what the graph has
    (as ``SET n += map`` does) — a bound follows its date's text: kept when the row has no text,
    removed when the row's text leaves that end open; on a create a missing value is absent."""
    out = []
    for i, p in enumerate(props, first):
        q = quote_name(p)
        out.append(f"{target}.{q} = coalesce(r[{i}], {target}.{q})" if merge else f"{target}.{q} = r[{i}]")
    bound_of = schema.bound_properties()
    for i, p in enumerate(dates, first + len(props)):
        q = quote_name(p)
        if merge:
            text = first + props.index(bound_of[p])
            out.append(f"{target}.{q} = CASE WHEN r[{text}] IS NULL THEN {target}.{q} WHEN r[{i}] IS NULL THEN null "
                       f"ELSE date(r[{i}]) END")
        else:
            out.append(f"{target}.{q} = CASE WHEN r[{i}] IS NULL THEN null ELSE date(r[{i}]) END")
    return out


def _row_provenance(target: str, first: int, merge: bool) -> list[str]:
    out = []
    for i, p in enumerate(PROVENANCE, first):
        if merge:
            out.append(f"{target}.{p} = coalesce({target}.{p}, []) + "
                       f"[x IN r[{i}] WHERE NOT x IN coalesce({target}.{p}, [])]")
        else:
            out.append(f"{target}.{p} = r[{i}]")
    return out


def node_rows_statement(schema: Schema, kind: NodeKind, props: tuple[str, ...], dates: tuple[str, ...]) -> str:
    """Create nodes of one kind from list rows ``[id, *props, *dates, sources, evidence, claims, tag]``
    (for ids the graph does not hold: the unique constraint on the id refuses a duplicate) and
    return ``[tag, internal id]`` pairs as one JSON text (one string to read, not a row per node).
    Properties are given in the pattern (a null one is not set): one index update per node
    instead of one per ``SET``."""
    labels = ":".join(quote_name(label) for label in kind.labels)
    n = len(props) + len(dates)
    items = [f"{quote_name(schema.id_property)}: r[0]"]
    items += [f"{quote_name(p)}: r[{i}]" for i, p in enumerate(props, 1)]
    items += [f"{quote_name(p)}: CASE WHEN r[{i}] IS NULL THEN null ELSE date(r[{i}]) END"
              for i, p in enumerate(dates, 1 + len(props))]
    items += [f"{p}: r[{i}]" for i, p in enumerate(PROVENANCE, 1 + n)]
    return (f"UNWIND $rows AS r\nCREATE (n:{labels} {{" + ", ".join(items) + "})\n"
            f"RETURN toJSON(collect([r[{1 + n + len(PROVENANCE)}], id(n)]))")


def node_lookup_statement(schema: Schema) -> str:
    """``[[id, tag], ...]`` -> ``[tag, internal id]`` pairs (as one JSON text) of the ids the graph holds."""
    return (f"UNWIND $rows AS r MATCH (n:{quote_name(schema.root_label)} {{{quote_name(schema.id_property)}: r[0]}}) "
            "RETURN toJSON(collect([r[1], id(n)]))")


def node_replace_statement(schema: Schema, kind: NodeKind, props: tuple[str, ...], dates: tuple[str, ...]) -> str:
    """Set nodes this load created to list rows ``[internal id, id, *props, *dates, sources,
    evidence, claims, tag]`` — the rows they were made from, merged with later rows of the same
    nodes: every value as the row has it (a null one removed), provenance replaced."""
    key = quote_name(schema.id_property)
    sets = _row_sets(schema, "n", props, dates, 2, False) + _row_provenance("n", 2 + len(props) + len(dates), False)
    return ("UNWIND $rows AS r\nWITH r[0] AS x, r\nMATCH (n) WHERE id(n) = x\n"
            f"WITH n, r WHERE n.{key} = r[1]\nSET " + ",\n    ".join(sets) + "\nRETURN count(n)")


def node_check_statement(schema: Schema, kind: NodeKind, props: tuple[str, ...], dates: tuple[str, ...]) -> str:
    """Read-only (FalkorDB): rows ``[internal id, id, *props, *dates, sources, evidence, claims,
    tag]``, the internal id not yet known (any number in its place), looked up by id: ``[tag, internal id, unchanged]`` for
    each node the graph holds — ``unchanged``: the row would change nothing — as one JSON list."""
    return (f"UNWIND $rows AS r MATCH (n:{quote_name(schema.root_label)} {{{quote_name(schema.id_property)}: r[1]}})\n"
            "RETURN toJSON(collect([r[size(r) - 1], id(n), NOT (" + "\n    OR ".join(_node_differs(kind, props, dates))
            + ")]))")


def _node_differs(kind: NodeKind, props: tuple[str, ...], dates: tuple[str, ...]) -> list[str]:
    """Conditions on node ``n`` and row ``r`` (as node_check_statement's): any one true, the row
    would change the node (it is then merged by :func:`intelgraph.loaders.plan.merge_with_graph`)."""
    n = len(props) + len(dates)
    differs = [f"NOT n:{quote_name(kind.name)}"]
    for i, p in enumerate(props, 2):
        differs.append(f"coalesce(n.{quote_name(p)} <> r[{i}], r[{i}] IS NOT NULL)")
    for i, p in enumerate(dates, 2 + len(props)):
        differs.append(f"coalesce(n.{quote_name(p)} <> date(r[{i}]), r[{i}] IS NOT NULL)")
    for i, p in enumerate(PROVENANCE, 2 + n):
        differs.append(f"coalesce(n.{p}, []) <> r[{i}]")
    return differs


def relationship_rows_statement(schema: Schema, rel: RelType, props: tuple[str, ...], dates: tuple[str, ...],
                                create: bool = False) -> str:
    """Write relationships of one type from list rows ``[start, end, id, *props, *dates, sources,
    evidence, claims, reliability, credibility]`` whose ends are internal node ids.

    ``create=True`` (a graph known to hold none of them) returns how many were created, for the
    caller to check. Otherwise ``MERGE`` on the id between the two nodes, setting everything on
    a new relationship and, on an existing one, only where something would change (as
    :func:`relationship_merge_statement` would: values replace, provenance adds up, the best
    grading wins); returns how many changed."""
    key = quote_name(schema.id_property)
    n = len(props) + len(dates)
    g = 3 + n + len(PROVENANCE)  # reliability, then credibility
    pattern = f"(a)-[e:{quote_name(rel.name)} {{{key}: r[2]}}]->(b)"
    head = ("UNWIND $rows AS r\nWITH r[0] AS s, r[1] AS t, r\n"
            "MATCH (a) WHERE id(a) = s\nMATCH (b) WHERE id(b) = t\n"
            + (f"CREATE {pattern}\n" if create else f"MERGE {pattern}\n"))
    created = (_row_sets(schema, "e", props, dates, 3, False) + _row_provenance("e", 3 + n, False)
               + [f"e.reliability = r[{g}]", f"e.credibility = r[{g + 1}]"])
    if create:
        return head + "SET " + ",\n    ".join(created) + "\nRETURN count(e)"
    differs = _rel_differs(props, dates)
    grading = [f"e.{x} = CASE WHEN r[{i}] IS NULL THEN e.{x} "
               f"WHEN e.{x} IS NULL OR r[{i}] < e.{x} THEN r[{i}] ELSE e.{x} END"
               for i, x in enumerate(GRADING, g)]
    return (head + "ON CREATE SET " + ",\n    ".join(created)
            + "\nWITH e, r WHERE " + "\n    OR ".join(differs)
            + "\nSET " + ",\n    ".join(_row_sets(schema, "e", props, dates, 3, True) + _row_provenance("e", 3 + n, True) + grading)
            + "\nRETURN count(e)")


def relationship_unchanged_statement(schema: Schema, rel: RelType, props: tuple[str, ...],
                                     dates: tuple[str, ...]) -> str:
    """Read-only (FalkorDB): of the rows :func:`relationship_rows_statement` takes (each with a
    tag appended), the tags of those it would not change — the relationship is there between the
    two nodes, with its id, and already holds all of it — as one JSON list."""
    key = quote_name(schema.id_property)
    # one pattern (FalkorDB: a seek of a, its edges of the type, b's id checked on them) reads
    # 12% less than seeking both ends first, measured
    return ("UNWIND $rows AS r\nWITH r[0] AS s, r[1] AS t, r\n"
            f"MATCH (a)-[e:{quote_name(rel.name)}]->(b) WHERE id(a) = s AND id(b) = t AND e.{key} = r[2]\n"
            "WITH e, r WHERE NOT (" + "\n    OR ".join(_rel_differs(props, dates)) + ")\n"
            "RETURN toJSON(collect(r[size(r) - 1]))")


def _rel_differs(props: tuple[str, ...], dates: tuple[str, ...]) -> list[str]:
    """Conditions on relationship ``e`` and row ``r`` (as relationship_rows_statement's): any one
    true, the row would change the relationship."""
    n = len(props) + len(dates)
    g = 3 + n + len(PROVENANCE)  # reliability, then credibility
    differs = []
    for i, p in enumerate(props, 3):
        differs.append(f"coalesce(e.{quote_name(p)} <> r[{i}], r[{i}] IS NOT NULL)")
    for i, p in enumerate(dates, 3 + len(props)):
        differs.append(f"coalesce(e.{quote_name(p)} <> date(r[{i}]), r[{i}] IS NOT NULL)")
    for i, p in enumerate(PROVENANCE, 3 + n):
        differs.append(f"coalesce(e.{p}, []) <> r[{i}]")
    for i, x in enumerate(GRADING, g):
        differs.append(f"(r[{i}] IS NOT NULL AND (e.{x} IS NULL OR r[{i}] < e.{x}))")
    return differs
