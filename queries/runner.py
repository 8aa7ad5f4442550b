"""Running saved queries: check parameters, resolve entity names, run read-only."""

from __future__ import annotations

from typing import Any

from intelgraph.cypher.store import Result, Store
from intelgraph.errors import QueryError
from intelgraph.graph.ids import normalise
from intelgraph.graph.text import escape_controls
from intelgraph.queries.procedures import procedure_for
from intelgraph.queries.registry import SavedQuery, get_query

__all__ = ["run_saved", "prepare_params", "resolve_entity"]


def resolve_entity(store: Store, text: str, kinds: tuple[str, ...] = (), param: str = "entity") -> str:
    """The id of the one node whose id, name or alias is ``text`` (case-insensitive),
    restricted to ``kinds`` (labels) when given. Ambiguity or no match is an error that
    lists what was found."""
    lc = normalise(text)
    found: dict[str, tuple[str, list[str]]] = {}
    for cypher, params in (
        ("MATCH (n:Entity {id: $q}) RETURN n.id, n.name, labels(n)", {"q": text}),
        ("MATCH (n:Entity {name_lc: $q}) RETURN n.id, n.name, labels(n)", {"q": lc}),
        ("MATCH (n:Entity) WHERE $q IN n.aliases_lc RETURN n.id, n.name, labels(n)", {"q": lc}),
    ):
        for nid, name, labels in store.read(cypher, params).rows:
            if not kinds or any(k in labels for k in kinds):
                found[nid] = (name, labels)
        if found:
            break
    if not found:
        what = f" among {', '.join(kinds)}" if kinds else ""
        raise QueryError(f"no entity named {text!r}{what} (parameter {param!r})",
                         hint="`intelgraph query run search -p text <fragment>` finds names and aliases")
    if len(found) > 1:
        listing = escape_controls("; ".join(f"{name} [{labels[-1]}] id {nid}"
                                            for nid, (name, labels) in sorted(found.items())))
        raise QueryError(f"{text!r} names {len(found)} entities (parameter {param!r}): {listing}",
                         hint="pass the id of the one you mean")
    return next(iter(found))


def prepare_params(store: Store | None, query: SavedQuery, given: dict[str, Any]) -> dict[str, Any]:
    """Typed, complete parameters for ``query``: unknown names and bad values are errors;
    defaults fill the gaps; entity parameters become node ids (needs ``store``)."""
    declared = {p.name for p in query.params}
    unknown = set(given) - declared
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter(s) {', '.join(sorted(unknown))}",
                         hint=f"its parameters: {', '.join(sorted(declared)) or '(none)'}")
    out: dict[str, Any] = {}
    for p in query.params:
        value = p.check(given[p.name], query.name) if given.get(p.name) is not None else None
        if value is None:
            if p.required:
                raise QueryError(f"query {query.name!r} needs parameter {p.name!r}",
                                 hint=f"add -p {p.name} {p.example!r}" if p.example is not None else "")
            value = p.default
        if p.type == "entity" and value is not None and store is not None:
            value = resolve_entity(store, value, p.kinds, p.name)
        out[p.name] = value
    return out


def run_saved(store: Store, name: str | SavedQuery, params: dict[str, Any] | None = None,
              timeout: float | None = None, use_procedures: bool = True) -> Result:
    """Run a saved query read-only on ``store`` and return its rows (refused if its plan would
    reach files or URLs: :meth:`Store.run_query`). Where the engine has a
    faster procedure for the query (:mod:`intelgraph.queries.procedures`), that answers;
    ``use_procedures=False`` runs the Cypher text itself."""
    query = name if isinstance(name, SavedQuery) else get_query(name)
    values = prepare_params(store, query, params or {})
    procedure = procedure_for(store.engine, query.name) if use_procedures else None
    if procedure is not None:
        return procedure(store, query, values)
    return store.run_query(query.text_for(store.engine), values, timeout=timeout)  # read-only, nothing external
