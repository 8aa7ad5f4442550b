"""Named projections of the stored graph into networkx, for the centrality report.

A projection (``projections:`` in ``graph/schema.yaml``) says which node kinds become nodes
and which relationship types become ties; a ``via`` entry ties two nodes that are both joined
to a common node of the ``via`` kind (two actors that sent, handled or received the same
shipment). :func:`project` reads only what the graph needs -- ids, names, most specific
kinds, relationship types -- in ordered pages (:meth:`Store.iter_read`), a fixed number of
queries whatever the graph's size, and builds:

* an undirected :class:`networkx.Graph` when every tie is symmetric (a ``symmetric:`` type or a
  ``via`` co-membership) or when ``undirected=True``;
* otherwise a :class:`networkx.DiGraph` in which a directed relationship is one arc and a
  symmetric or ``via`` tie is two arcs, one each way.

Several relationships between the same pair (in the same direction, for a DiGraph) are
collapsed into one edge whose ``weight`` is their number; a ``via`` tie adds one per shared
node. The edge attribute ``types`` lists what the edge stands for (relationship types, and
``via <Kind>`` for shared nodes). Self-loops are dropped and counted. Nodes carry ``name``
and ``kind`` (their most specific label); nodes of the projected kinds without any tie are
kept (isolates).

The Cypher is the same on FalkorDB 4.16 and Neo4j 5: labels and types come only from the
schema and are backtick-quoted, label alternatives are written ``WHERE n:A OR n:B``, values
travel as parameters.

>>> from intelgraph.graph.schema import load_schema
>>> projection_spec("actors", load_schema()).via["Shipment"]
('SENT', 'HANDLED', 'RECEIVED')
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import combinations, islice, repeat
from typing import Any

import networkx as nx
import numpy as np

from intelgraph.cypher.statements import quote_name
from intelgraph.cypher.store import Store
from intelgraph.errors import ReportError, UnknownProjection
from intelgraph.graph.schema import Schema, load_schema

__all__ = ["ProjectionSpec", "Projection", "UnknownProjection", "projection_spec", "project",
           "graph_hash", "DEFAULT_PAGE", "PAGINGS"]

#: Rows per page when reading the graph.
DEFAULT_PAGE = 50_000


@dataclass(frozen=True)
class ProjectionSpec:
    """One projection of the schema, resolved: ``relationship_types: all`` becomes every type."""

    name: str
    description: str
    node_kinds: tuple[str, ...]
    relationship_types: tuple[str, ...]
    via: dict[str, tuple[str, ...]]
    symmetric_types: tuple[str, ...]

    @property
    def has_directed_types(self) -> bool:
        return any(t not in self.symmetric_types for t in self.relationship_types)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "node_kinds": list(self.node_kinds),
                "relationship_types": list(self.relationship_types),
                "via": {k: list(v) for k, v in self.via.items()},
                "symmetric_types": list(self.symmetric_types)}


def projection_spec(name: str, schema: Schema | None = None) -> ProjectionSpec:
    """The projection ``name`` of ``schema`` (the shipped schema by default)."""
    schema = schema or load_schema()
    if name not in schema.projections:
        raise UnknownProjection(name, sorted(schema.projections))
    raw = schema.projections[name] or {}
    types = raw.get("relationship_types", [])
    types = tuple(schema.relationship_types) if types == "all" else tuple(types or ())
    symmetric = set(schema.symmetric_types())
    return ProjectionSpec(
        name=name,
        description=str(raw.get("description", "")),
        node_kinds=tuple(raw.get("node_kinds") or (schema.root_label,)),
        relationship_types=types,
        via={str(k): tuple(v or ()) for k, v in (raw.get("via") or {}).items()},
        symmetric_types=tuple(t for t in types if t in symmetric),
    )


@dataclass
class Projection:
    """A projected graph and how it was obtained (for the report's provenance)."""

    graph: nx.Graph
    spec: ProjectionSpec
    directed: bool
    undirected_forced: bool
    queries: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def data_hash(self) -> str:
        return graph_hash(self.graph)


def graph_hash(G: nx.Graph) -> str:
    """SHA-256 of a projected graph's content: direction, sorted nodes (id, name, kind) and sorted
    edges (ends -- in id order for an undirected graph --, weight, types). Independent of the
    order in which the engine returned rows."""
    nodes = sorted([str(n), G.nodes[n].get("name"), G.nodes[n].get("kind")] for n in G.nodes)
    edges = []
    for u, v, data in G.edges(data=True):
        a, b = (str(u), str(v)) if G.is_directed() else tuple(sorted((str(u), str(v))))
        edges.append([a, b, data.get("weight", 1), sorted(data.get("types", []))])
    edges.sort()
    payload = json.dumps({"directed": G.is_directed(), "nodes": nodes, "edges": edges},
                         ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- Cypher -------------------------------------------------------------------------------
#: How the reads are paged: ``id-range`` (FalkorDB: ranges of the engine's internal node ids, the
#: values of a page packed by ``string.join`` into a few strings, ties read as internal ids) or
#: ``keyset`` (any engine: ``WHERE n.id > $after ORDER BY n.id LIMIT $page``, one row per value).
PAGINGS = ("id-range", "keyset")

#: Separator of the ids, names and kinds FalkorDB packs into one string (a control character: ids
#: are content hashes, names one line of plain text, kinds labels). A page whose packed values do
#: not add up to its node count is read again as plain rows, so no value is ever split wrongly.
SEP = "\x1f"


def _label_filter(var: str, kinds: tuple[str, ...], root: str) -> str:
    """``(n:`A` OR n:`B`)``, or "" when the root label (every node) is among the kinds."""
    if root in kinds:
        return ""
    return "(" + " OR ".join(f"{var}:{quote_name(k)}" for k in kinds) + ")"


def _where(*conditions: str) -> str:
    conds = [c for c in conditions if c]
    return f" WHERE {' AND '.join(conds)}" if conds else ""


def _kinds_most_specific_first(schema: Schema) -> list[str]:
    # a kind always has more ancestors than each of its ancestors: deepest first is most specific
    return sorted(schema.node_kinds, key=lambda k: (-len(schema.node_kinds[k].ancestors), k))


def _kind(var: str) -> str:
    # the loaders store the most specific label as `kind`; the labels decide where it is missing
    return (f"CASE WHEN {var}.`kind` IS NULL THEN head([k IN $kinds WHERE k IN labels({var})]) "
            f"ELSE {var}.`kind` END")


def _scan(var: str, kinds: tuple[str, ...], root: str) -> tuple[str, str]:
    """The label to scan and the filter to add: a single projected kind is scanned directly."""
    if root not in kinds and len(kinds) == 1:
        return quote_name(kinds[0]), ""
    return quote_name(root), _label_filter(var, kinds, root)


@dataclass(frozen=True)
class Read:
    """One read of a projection: its purpose, the Cypher of one page, the parameters shared by
    every page and, for ``id-range``, the same page as plain rows (read when a packed page does
    not add up)."""

    purpose: str
    cypher: str
    params: dict[str, Any]
    rows_cypher: str = ""
    absent_types: tuple[str, ...] = ()  # left out of the pattern: the graph holds none of them


def node_read(spec: ProjectionSpec, schema: Schema, paging: str) -> Read:
    """Nodes: ``id, name, kind`` (keyset rows) or ``rows, internal ids, ids, names, kinds`` packed."""
    root, key = schema.root_label, quote_name(schema.id_property)
    params = {"kinds": _kinds_most_specific_first(schema)}
    if paging == "keyset":
        return Read("nodes", (f"MATCH (n:{quote_name(root)})"
                              f"{_where(f'n.{key} > $after', _label_filter('n', spec.node_kinds, root))} "
                              f"RETURN n.{key} AS id, n.`name` AS name, {_kind('n')} AS kind "
                              f"ORDER BY id LIMIT $page"), params)
    label, filt = _scan("n", spec.node_kinds, root)
    match = f"MATCH (n:{label}){_where('id(n) >= $lo AND id(n) < $hi', filt)} "
    # `kind` alone is ~8x cheaper than the CASE; a node without it makes the page read as rows
    packed = (match + "RETURN count(n) AS rows, string.join(collect(toString(id(n))), ',') AS internal, "
              f"string.join(collect(n.{key}), $sep) AS ids, "
              f"string.join(collect(coalesce(n.`name`, n.{key})), $sep) AS names, "
              f"string.join(collect(n.`kind`), $sep) AS kinds")
    rows = match + f"RETURN id(n) AS internal, n.{key} AS id, n.`name` AS name, {_kind('n')} AS kind"
    return Read("nodes", packed, {**params, "sep": SEP}, rows)


def edge_read(spec: ProjectionSpec, schema: Schema, paging: str) -> Read:
    """Relationships: ``source, target, type`` (keyset rows, one per relationship, plus one with
    nulls for a node without any) or ``type, rows, internal sources, internal targets`` packed."""
    root, key = schema.root_label, quote_name(schema.id_property)
    types = "|".join(quote_name(t) for t in spec.relationship_types)
    if paging == "keyset":
        return Read("relationships", (
            f"MATCH (a:{quote_name(root)})"
            f"{_where(f'a.{key} > $after', _label_filter('a', spec.node_kinds, root))} "
            f"WITH a ORDER BY a.{key} LIMIT $page "
            f"OPTIONAL MATCH (a)-[r:{types}]->(b:{quote_name(root)})"
            f"{_where(_label_filter('b', spec.node_kinds, root))} "
            f"RETURN a.{key} AS source, b.{key} AS target, type(r) AS type"), {})
    a_label, a_filter = _scan("a", spec.node_kinds, root)
    b_label, b_filter = _scan("b", spec.node_kinds, root)
    # r is used (type(r)): without it FalkorDB traverses node pairs, and two relationships
    # between the same nodes come back as one
    return Read("relationships", (
        f"MATCH (a:{a_label})-[r:{types}]->(b:{b_label})"
        f"{_where('id(a) >= $lo AND id(a) < $hi', a_filter, b_filter)} "
        "RETURN type(r) AS type, count(r) AS rows, string.join(collect(toString(id(a))), ',') AS sources, "
        "string.join(collect(toString(id(b))), ',') AS targets"), {})


def via_read(spec: ProjectionSpec, schema: Schema, via_kind: str, paging: str) -> Read:
    """Members of the shared (``via``) nodes: ``via, member`` (keyset rows; one with a null member
    for a shared node without any) or ``rows, internal vias, internal members`` packed."""
    root, key = schema.root_label, quote_name(schema.id_property)
    types = "|".join(quote_name(t) for t in spec.via[via_kind])
    if paging == "keyset":
        return Read(f"via {via_kind}", (
            f"MATCH (v:{quote_name(root)}) WHERE v:{quote_name(via_kind)} AND v.{key} > $after "
            f"WITH v ORDER BY v.{key} LIMIT $page "
            f"OPTIONAL MATCH (v)-[:{types}]-(a:{quote_name(root)}){_where(_label_filter('a', spec.node_kinds, root))} "
            f"RETURN DISTINCT v.{key} AS via, a.{key} AS member"), {})
    a_label, a_filter = _scan("a", spec.node_kinds, root)
    return Read(f"via {via_kind}", (
        f"MATCH (v:{quote_name(via_kind)})-[:{types}]-(a:{a_label})"
        f"{_where('id(v) >= $lo AND id(v) < $hi', a_filter)} "
        "WITH DISTINCT id(v) AS via, id(a) AS member "
        "RETURN count(*) AS rows, string.join(collect(toString(via)), ',') AS vias, "
        "string.join(collect(toString(member)), ',') AS members"), {})


# -- reading -------------------------------------------------------------------------------
def _ints(text: str, count: int) -> np.ndarray:
    """The ``count`` comma-separated integers of ``text`` (internal ids packed by the engine)."""
    out = np.fromstring(text, dtype=np.int64, sep=",") if count else np.zeros(0, dtype=np.int64)
    if len(out) != count:  # pragma: no cover - the engine packs what it counted
        raise ValueError(f"expected {count} internal ids in a page, read {len(out)}")
    return out


class _Ties:
    """Ties between node positions, gathered page by page as small integer arrays and collapsed
    at the end into one weighted edge per pair (per direction in a DiGraph)."""

    def __init__(self, labels: list[str], both_ways: set[str], directed: bool):
        self.labels = sorted(labels)  # codes in label order: sorted codes give sorted type lists
        self.code = {label: i for i, label in enumerate(self.labels)}
        self.both = np.array([label in both_ways for label in self.labels], dtype=bool)
        self.directed = directed
        self.chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, u: np.ndarray, v: np.ndarray, label: str | np.ndarray, stats: Counter[str]) -> None:
        """Ties ``u[i] - v[i]`` (positions; -1 for a node outside the projection) of one label,
        or of ``label[i]`` (codes)."""
        loops = u == v  # only relationships can be loops: via pairs join two different members
        stats["self_loops_dropped"] += int(loops.sum())
        keep = ~loops & (u >= 0) & (v >= 0)
        codes = (label[keep] if isinstance(label, np.ndarray)
                 else np.full(int(keep.sum()), self.code[label], dtype=np.int16))
        if len(codes):
            self.chunks.append((u[keep].astype(np.int32), v[keep].astype(np.int32), codes.astype(np.int16)))

    def build(self, G: nx.Graph, nodes: list[Any], stats: Counter[str]) -> None:
        """Add the collapsed edges to ``G`` (whose nodes are ``nodes``, in this order), every
        adjacency in node order, as if each edge had been added in sorted order."""
        if not self.chunks:
            return
        n, nt = len(nodes), len(self.labels)
        u = np.concatenate([c[0] for c in self.chunks]).astype(np.int64)
        v = np.concatenate([c[1] for c in self.chunks]).astype(np.int64)
        t = np.concatenate([c[2] for c in self.chunks]).astype(np.int64)
        self.chunks.clear()
        if self.directed:
            both = self.both[t]
            a, b, t = np.concatenate([u, v[both]]), np.concatenate([v, u[both]]), np.concatenate([t, t[both]])
        else:
            a, b = np.minimum(u, v), np.maximum(u, v)
        del u, v
        keys, counts = np.unique((a * n + b) * nt + t, return_counts=True)  # sorted by (a, b, label)
        del a, b, t
        pair, code = np.divmod(keys, nt)
        del keys
        first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        ends = np.r_[first[1:], len(pair)]
        weights = np.add.reduceat(counts, first)
        src, dst = np.divmod(pair[first], n)
        del pair
        stats["multi_ties_collapsed"] += int(counts.sum()) - len(first)
        stats["edges"] = len(first)
        labels, codes = self.labels, code.tolist()
        datas = [{"weight": w, "types": [labels[codes[s]]] if e - s == 1 else [labels[c] for c in codes[s:e]]}
                 for w, s, e in zip(weights.tolist(), first.tolist(), ends.tolist())]
        del code, codes, weights, first, ends
        if self.directed:
            _fill(G._succ, nodes, src, dst, datas, None)
            order = np.lexsort((src, dst))
            _fill(G._pred, nodes, dst[order], src[order], datas, order)
        else:
            m = len(src)
            ends_a, ends_b = np.r_[src, dst], np.r_[dst, src]
            order = np.lexsort((ends_b, ends_a))
            _fill(G._adj, nodes, ends_a[order], ends_b[order], datas, np.where(order < m, order, order - m))
        nx._clear_cache(G)


def _fill(adj: dict[Any, dict[Any, Any]], nodes: list[Any], a: np.ndarray, b: np.ndarray,
          datas: list[dict[str, Any]], order: np.ndarray | None) -> None:
    """``adj[nodes[a[i]]][nodes[b[i]]] = datas[order[i]]`` with ``a`` sorted: one new dict per node."""
    if not len(a):
        return
    cut = np.flatnonzero(a[1:] != a[:-1]) + 1
    heads, sizes = a[np.r_[0, cut]].tolist(), np.diff(np.r_[0, cut, len(a)]).tolist()
    keys = map(nodes.__getitem__, b.tolist())
    data = iter(datas) if order is None else map(datas.__getitem__, order.tolist())
    for head, size in zip(heads, sizes):
        adj[nodes[head]] = dict(zip(islice(keys, size), islice(data, size)))


def _add_nodes(G: nx.Graph, ids: list[Any], attrs: list[tuple[Any, Any]], root: str) -> None:
    """What ``G.add_nodes_from`` does for new nodes, written straight into networkx's documented
    dict-of-dicts (``G._node``, ``G._adj``, ``G._pred``) -- a third of the time for 10^5 nodes."""
    node, adj, pred = G._node, G._adj, getattr(G, "_pred", None)
    for nid, (name, kind) in zip(ids, attrs):
        node[nid] = {"name": name if name is not None else nid, "kind": kind or root}
        adj[nid] = {}
    if pred is not None:
        for nid in ids:
            pred[nid] = {}
    nx._clear_cache(G)


def _via_pairs(vias: np.ndarray, members: np.ndarray, stats: Counter[str], via_kind: str) -> tuple[np.ndarray, ...]:
    """Every pair of members of each shared node (``vias[i]`` has member position ``members[i]``;
    -1: outside the projection). The members of a shared node are all in one page, so pairs are
    made here from a linear read, never as a quadratic query result."""
    keep = members >= 0
    vias, members = vias[keep], members[keep]
    order = np.lexsort((members, vias))
    vias, members = vias[order], members[order]
    cut = np.flatnonzero(vias[1:] != vias[:-1]) + 1
    us: list[int] = []
    vs: list[int] = []
    ml = members.tolist()
    starts, stops = np.r_[0, cut].tolist() if len(vias) else [], np.r_[cut, len(vias)].tolist() if len(vias) else []
    for s, e in zip(starts, stops):
        for x, y in combinations(ml[s:e], 2):
            us.append(x)
            vs.append(y)
    stats["via_memberships"] += len(ml)
    stats[f"via_{via_kind}_nodes"] += len(starts)
    stats["via_pairs"] += len(us)
    return np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64)


class _Reader:
    """Runs a projection's reads page by page; records each for the provenance."""

    def __init__(self, store: Store, spec: ProjectionSpec, schema: Schema, paging: str, page: int):
        self.store, self.spec, self.schema, self.paging, self.page = store, spec, schema, paging, page
        self.queries: list[dict[str, Any]] = []
        self.id_limit = -1
        if paging == "id-range":
            top = store.read(f"MATCH (n:{quote_name(schema.root_label)}) RETURN max(id(n))").scalar()
            self.id_limit = -1 if top is None else int(top)

    def _entry(self, read: Read) -> dict[str, Any]:
        entry = {"purpose": read.purpose, "cypher": read.cypher, "params": read.params, "page": self.page,
                 "paging": self.paging, "pages": 0, "rows": 0}
        if read.absent_types:
            entry["types_absent_from_graph"] = list(read.absent_types)
        self.queries.append(entry)
        return entry

    def _skip(self, read: Read) -> bool:
        """True when every type ``read`` is about is absent from the graph (nothing to read)."""
        return read.purpose == "relationships" and set(read.absent_types) >= set(self.spec.relationship_types)

    def keyset(self, read: Read) -> Iterator[list[list[Any]]]:
        """Pages of rows whose first column is the ordered key."""
        entry, after = self._entry(read), ""
        while not self._skip(read):
            rows = self.store.read(read.cypher, {**read.params, "after": after, "page": self.page}).rows
            entry["pages"] += 1
            entry["rows"] += len(rows)
            keys = {row[0] for row in rows if row[0] is not None}
            if rows:
                yield rows
            if len(keys) < self.page:
                return
            after = max(keys)

    def ranges(self, read: Read) -> Iterator[tuple[dict[str, Any], list[list[Any]], dict[str, Any]]]:
        """(parameters, rows, record) of each range of internal ids."""
        entry = self._entry(read)
        for lo in range(0, -1 if self._skip(read) else self.id_limit + 1, self.page):
            params = {**read.params, "lo": lo, "hi": lo + self.page}
            rows = self.store.read(read.cypher, params).rows
            entry["pages"] += 1
            yield params, rows, entry

    # -- nodes -------------------------------------------------------------------------------
    def nodes(self) -> tuple[list[Any], list[tuple[Any, Any]], list[int] | None]:
        """Node ids sorted, their (name, kind), and for id-range the internal id of each."""
        read = node_read(self.spec, self.schema, self.paging)
        found: dict[Any, tuple[Any, Any, int]] = {}
        if self.paging == "keyset":
            for rows in self.keyset(read):
                for nid, name, kind in rows:
                    if nid is not None:
                        found[nid] = (name, kind, -1)
        else:
            for params, rows, entry in self.ranges(read):
                count, internal, ids, names, kinds = rows[0]
                if not count:
                    continue
                cols = [ids.split(SEP) if ids else [], names.split(SEP) if names else [],
                        kinds.split(SEP) if kinds else []]
                if all(len(c) == count for c in cols):
                    found.update(zip(cols[0], zip(cols[1], cols[2], _ints(internal, count).tolist())))
                else:  # a null (no `kind`), or a value holding the separator: read the page as rows
                    entry["repaged"] = entry.get("repaged", 0) + 1
                    for iid, nid, name, kind in self.store.read(read.rows_cypher, params).rows:
                        if nid is not None:
                            found[nid] = (name, kind, iid)
                entry["rows"] += count
        ids = sorted(found, key=str)
        attrs = [found[nid][:2] for nid in ids]
        internal = [found[nid][2] for nid in ids] if self.paging == "id-range" else None
        return ids, attrs, internal

    # -- ties --------------------------------------------------------------------------------
    def edge_read(self) -> Read:
        """The relationships read, for the types the graph holds: FalkorDB traverses every type
        named in the pattern, and eight types of which seven are absent take twice as long as one."""
        present = {row[0] for row in self.store.read(
            "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType").rows}
        spec = replace(self.spec, relationship_types=tuple(t for t in self.spec.relationship_types if t in present))
        absent = [t for t in self.spec.relationship_types if t not in present]
        read = edge_read(spec if spec.relationship_types else self.spec, self.schema, self.paging)
        return replace(read, absent_types=tuple(absent))

    def ties(self, ties: _Ties, ids: list[Any], internal: list[int] | None, stats: Counter[str]) -> None:
        if self.paging == "keyset":
            index = {nid: i for i, nid in enumerate(ids)}

            def positions(values: list[Any]) -> np.ndarray:
                return np.fromiter(map(index.get, values, repeat(-1)), dtype=np.int64, count=len(values))

            if self.spec.relationship_types:
                for rows in self.keyset(self.edge_read()):
                    rows = [row for row in rows if row[2] is not None]  # a node without ties
                    stats["relationships"] += len(rows)
                    codes = np.array([ties.code[row[2]] for row in rows], dtype=np.int64)
                    ties.add(positions([r[0] for r in rows]), positions([r[1] for r in rows]), codes, stats)
            for via_kind in self.spec.via:
                for rows in self.keyset(via_read(self.spec, self.schema, via_kind, self.paging)):
                    vias = {v: i for i, v in enumerate(sorted({r[0] for r in rows}))}
                    u, v = _via_pairs(np.array([vias[r[0]] for r in rows], dtype=np.int64),
                                      positions([r[1] for r in rows]), stats, via_kind)
                    ties.add(u, v, f"via {via_kind}", stats)
            return
        position = np.full(self.id_limit + 1, -1, dtype=np.int64)  # internal id -> position in ids
        position[np.array(internal, dtype=np.int64)] = np.arange(len(ids))
        if self.spec.relationship_types:
            for _, rows, entry in self.ranges(self.edge_read()):
                for rtype, count, sources, targets in rows:
                    entry["rows"] += count
                    stats["relationships"] += count
                    ties.add(position[_ints(sources, count)], position[_ints(targets, count)], rtype, stats)
        for via_kind in self.spec.via:
            for _, rows, entry in self.ranges(via_read(self.spec, self.schema, via_kind, self.paging)):
                count, vias, members = rows[0]
                entry["rows"] += count
                if count:
                    u, v = _via_pairs(_ints(vias, count), position[_ints(members, count)], stats, via_kind)
                    ties.add(u, v, f"via {via_kind}", stats)


# -- projecting ---------------------------------------------------------------------------
def project(store: Store, projection: str = "all", *, undirected: bool = False, schema: Schema | None = None,
            page: int = DEFAULT_PAGE, paging: str | None = None) -> Projection:
    """Build the networkx graph of the named ``projection`` from ``store``.

    Only what the graph needs is read -- node ids, names and kinds, relationship types --, in
    pages; ties stream in as small integer arrays and become networkx edges at the end, so the
    memory used stays close to that of the finished graph.

    Parameters
    ----------
    store : Store
        Any store (FalkorDB or Neo4j); only read.
    projection : str
        A name under ``projections:`` in the schema (``all``, ``actors``, ``social``, ...).
    undirected : bool
        Force an undirected :class:`networkx.Graph` even when the projection has directed types.
    schema : Schema, optional
        Defaults to the store's schema, else the shipped one.
    page : int
        Nodes per read (with ``id-range``: the width of each range of internal ids).
    paging : {"id-range", "keyset"}, optional
        How to page (:data:`PAGINGS`). By default ``id-range`` on FalkorDB -- where ``ORDER BY``
        sorts every remaining node again for each page, and rows cost more to decode than
        packed strings -- and ``keyset`` on any other engine.

    Returns
    -------
    Projection
        ``graph`` (nodes: ``name``, ``kind``; edges: ``weight``, ``types``), ``directed``,
        the ``queries`` run (text, parameters, pages, rows read) and ``stats``.

    Raises
    ------
    UnknownProjection
        If the schema has no projection of that name.
    """
    schema = schema or getattr(store, "schema", None) or load_schema()
    spec = projection_spec(projection, schema)
    paging = paging or ("id-range" if getattr(store, "engine", "") == "falkordb" else "keyset")
    if paging not in PAGINGS:
        raise ReportError(f"unknown paging {paging!r}", hint=f"use one of: {', '.join(PAGINGS)}")
    if page < 1:
        raise ReportError(f"page must be a positive number of nodes, not {page}", hint="give 1 or more")
    directed = spec.has_directed_types and not undirected
    G: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    stats: Counter[str] = Counter()
    collecting = gc.isenabled()
    gc.disable()  # millions of new objects, none in a cycle: the collector would rescan them often
    try:
        reader = _Reader(store, spec, schema, paging, page)
        ids, attrs, internal = reader.nodes()  # in id order: every run builds the same graph
        _add_nodes(G, ids, attrs, schema.root_label)
        del attrs
        stats["nodes"] = len(ids)
        via_labels = [f"via {k}" for k in spec.via]
        ties = _Ties([*spec.relationship_types, *via_labels], {*spec.symmetric_types, *via_labels}, directed)
        reader.ties(ties, ids, internal, stats)
        ties.build(G, ids, stats)
    finally:
        if collecting:
            gc.enable()
    stats["edges"] = stats.get("edges", 0)
    return Projection(graph=G, spec=spec, directed=directed, undirected_forced=undirected and spec.has_directed_types,
                      queries=reader.queries, stats=dict(stats))
