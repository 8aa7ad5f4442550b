"""Saved queries: ``.cypher`` files that describe themselves.

Each file in this folder starts with a header of ``//`` comment lines holding YAML::

    // name: connections
    // title: Shortest connections between two actors
    // description: >
    //   Each step with its relationship type and the sources behind it.
    // params:
    //   from: {type: entity, kinds: [Actor], required: true, example: PMF, description: One actor}
    //   max_hops: {type: int, default: 6, min: 1, max: 10, example: 4}
    // tags: [network, provenance]

followed by the Cypher both engines run. A query that cannot be written once keeps an
engine's own text in ``variants/<engine>/<name>.cypher`` (body only; the header stays here).
Loading checks that the declared parameters are exactly the ``$params`` the text uses, and
reports problems as ``file:line``.

Parameter types: string, int, float, bool, date, enum (``values``), string[] and
``entity`` — a name, alias or id of a node, matched case-insensitively and sent as its id.
A text parameter with ``normalise: true`` is sent normalised as entity keys are
(:func:`intelgraph.graph.ids.normalise`), for comparing with ``name_lc`` and ``aliases_lc``.

A rule several queries share is written once, as a fragment: ``fragments/<name>.cypher``, a
header (``// fragment: name``, ``// args: [x, y]``, ``// description: ...``) and Cypher in the
args: an expression, or clauses ending in a ``WITH`` that binds its result. A query (or
variant) writes ``@name(var, ...)`` where it belongs; loading replaces it by the fragment's
text on one line (so ``file:line`` still points into the query), with the args renamed to the
query's variables. A clause fragment writes ``WITH KEEP x, ...``: the query names the other
variables to carry after the args (``@origins(c, origins, s)`` carries ``s``; rows are grouped
by them). Fragments may use fragments, never parameters; their own variables end in ``_`` so
they cannot capture a query's.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from intelgraph.errors import QueryError
from intelgraph.graph.ids import normalise

__all__ = ["SavedQuery", "ParamSpec", "Fragment", "load_queries", "get_query", "parse_query_file",
           "load_fragments_from", "expand_fragments", "PARAM_TYPES"]

PARAM_TYPES = ("string", "int", "float", "bool", "date", "enum", "string[]", "entity")
ENGINES = ("falkordb", "neo4j")
_NAME_RE = re.compile(r"^[a-z][a-z0-9-]*$")
# $name outside string literals and comments
_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STRING_RE = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_COMMENT_RE = re.compile(r"//[^\n]*")
_INCLUDE_RE = re.compile(r"@([a-z][a-z0-9-]*)\(([^()]*)\)")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLAUSE_RE = re.compile(r"\s*(OPTIONAL\s+MATCH|MATCH|WITH|UNWIND)\b", re.IGNORECASE)
_KEEP_RE = re.compile(r"\bKEEP\s+")
_WRITE_RE = re.compile(r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|LOAD\s+CSV|FOREACH)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    required: bool = False
    default: Any = None
    example: Any = None
    description: str = ""
    kinds: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # a regular expression text values must match in full
    normalise: bool = False  # text compared with normalised names: normalised as entity keys are

    def check(self, raw: Any, query: str) -> Any:
        """Convert a value given on the command line (text) or from Python to this type."""
        def bad(reason: str) -> QueryError:
            return QueryError(f"parameter {self.name!r} of query {query!r}: {reason}",
                              hint=f"example: -p {self.name} {self.example!r}" if self.example is not None else "")

        if raw is None:
            return None
        t = self.type
        try:
            if t in ("string", "entity"):
                if not isinstance(raw, str):
                    raise bad(f"expected text, got {raw!r}")
                if len(raw) > 1000:
                    raise bad("longer than 1000 characters")
                value: Any = normalise(raw) if self.normalise else raw
            elif t == "int":
                if isinstance(raw, bool):
                    raise bad(f"expected a whole number, got {raw!r}")
                value = int(raw) if isinstance(raw, str) else raw
                if not isinstance(value, int):
                    raise bad(f"expected a whole number, got {raw!r}")
            elif t == "float":
                value = float(raw) if isinstance(raw, str) else raw
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                    raise bad(f"expected a number, got {raw!r}")
                value = float(value)
            elif t == "bool":
                if isinstance(raw, bool):
                    value = raw
                elif isinstance(raw, str) and raw.lower() in ("true", "yes", "1", "false", "no", "0"):
                    value = raw.lower() in ("true", "yes", "1")
                else:
                    raise bad(f"expected true or false, got {raw!r}")
            elif t == "date":
                value = _dt.date.fromisoformat(raw).isoformat() if isinstance(raw, str) else raw.isoformat()
            elif t == "enum":
                value = str(raw)
                if value not in self.values:
                    raise bad(f"expected one of {', '.join(self.values)}, got {raw!r}")
            elif t == "string[]":
                if isinstance(raw, str):
                    value = [v.strip() for v in raw.split(",") if v.strip()]
                elif isinstance(raw, list) and all(isinstance(v, str) for v in raw):
                    value = list(raw)
                else:
                    raise bad(f"expected a comma-separated list, got {raw!r}")
            else:  # pragma: no cover - checked when the file is loaded
                raise bad(f"unknown type {t}")
        except (ValueError, TypeError, AttributeError):
            raise bad(f"expected a {t}, got {raw!r}") from None
        if self.pattern and t in ("string", "entity") and not re.fullmatch(self.pattern, value):
            raise bad(f"{value!r} is not allowed here (it must match {self.pattern})")
        if t in ("int", "float"):
            if self.min is not None and value < self.min:
                raise bad(f"must be at least {self.min:g}, got {value}")
            if self.max is not None and value > self.max:
                raise bad(f"must be at most {self.max:g}, got {value}")
        return value


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[ParamSpec, ...]
    tags: tuple[str, ...]
    text: str
    path: str
    body_line: int
    variants: dict[str, str] = field(default_factory=dict)

    def text_for(self, engine: str) -> str:
        """The Cypher to send to ``engine``: its variant if there is one, else the shared text."""
        return self.variants.get(engine, self.text)

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise QueryError(f"query {self.name!r} has no parameter {name!r}",
                         hint=f"its parameters: {', '.join(p.name for p in self.params) or '(none)'}")

    def example_params(self) -> dict[str, Any]:
        return {p.name: p.example for p in self.params if p.example is not None}


@dataclass(frozen=True)
class Fragment:
    name: str
    args: tuple[str, ...]
    text: str
    path: str


def parse_fragment(path: Path) -> Fragment:
    """One ``fragments/<name>.cypher`` file; a wrong header or a parameter is a ``file:line`` error."""
    name = str(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [ln[2:] for ln in lines if ln.startswith("//")]
    body = " ".join(ln.strip() for ln in lines if ln.strip() and not ln.startswith("//"))
    try:
        meta = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError:
        raise QueryError("fragment header is not valid YAML", name, 1) from None
    if not isinstance(meta, dict) or meta.get("fragment") != path.stem:
        raise QueryError(f"a fragment starts with `// fragment: {path.stem}`", name, 1)
    args = meta.get("args")
    if not isinstance(args, list) or not args or not all(isinstance(a, str) and _IDENT_RE.match(a) for a in args):
        raise QueryError("`// args: [name, ...]` must list the fragment's variables", name, 1)
    if not body:
        raise QueryError("the fragment has no Cypher after its header", name, len(lines))
    if _used_params(body):
        raise QueryError("a fragment may not use parameters: pass what it needs as args", name, len(header) + 1)
    return Fragment(name=path.stem, args=tuple(args), text=body, path=name)


def load_fragments_from(folder: Path) -> dict[str, Fragment]:
    return {p.stem: parse_fragment(p) for p in sorted(folder.glob("*.cypher"))} if folder.is_dir() else {}


def expand_fragments(text: str, fragments: dict[str, Fragment], where: str, first_line: int = 1,
                     _using: tuple[str, ...] = ()) -> str:
    """``text`` with every ``@name(var, ...)`` replaced by that fragment, args renamed."""
    def one(m: re.Match) -> str:
        line = first_line + text.count("\n", 0, m.start())
        fname, raw = m.group(1), [a.strip() for a in m.group(2).split(",")]
        frag = fragments.get(fname)
        if frag is None:
            raise QueryError(f"no fragment named {fname!r} (have: {', '.join(sorted(fragments)) or 'none'})",
                             where, line)
        if fname in _using:
            raise QueryError(f"fragment {fname!r} uses itself (through {' -> '.join(_using)})", where, line)
        carries = bool(_KEEP_RE.search(frag.text))
        if (len(raw) < len(frag.args) if carries else len(raw) != len(frag.args)) \
                or not all(_IDENT_RE.match(a) for a in raw):
            raise QueryError(f"@{fname} takes {len(frag.args)} variable(s) ({', '.join(frag.args)})"
                             + (", then the variables to carry" if carries else "") + f", got ({m.group(2)})",
                             where, line)
        keep = "".join(f"{v}, " for v in dict.fromkeys(raw[len(frag.args):]) if v not in raw[:len(frag.args)])
        renamed = _KEEP_RE.sub(lambda _: keep, frag.text)
        # rename the args all at once (an arg may be named like another one's value)
        mapping = dict(zip(frag.args, raw))
        renamed = re.sub(r"(?<![\w$.:])(" + "|".join(map(re.escape, frag.args)) + r")(?!\w)",
                         lambda a: mapping[a.group(1)], renamed)
        inner = expand_fragments(renamed, fragments, frag.path, 1, _using + (fname,))
        return inner if _CLAUSE_RE.match(inner) else f"({inner})"

    return _INCLUDE_RE.sub(one, text)


def _used_params(text: str) -> set[str]:
    stripped = _STRING_RE.sub("''", _COMMENT_RE.sub("", text))
    return set(_PARAM_RE.findall(stripped))


def parse_query_file(path: Path, text: str | None = None, variants: dict[str, str] | None = None,
                     fragments: dict[str, Fragment] | None = None) -> SavedQuery:
    """Parse one saved-query file; raise :class:`QueryError` with ``file:line`` if it is wrong.
    ``@fragment(...)`` uses are expanded from ``fragments`` (by default the shipped ones)."""
    name = str(path)
    if fragments is None:
        fragments = load_fragments_from(queries_dir() / "fragments")
    text = path.read_text(encoding="utf-8") if text is None else text
    lines = text.splitlines()
    header: list[str] = []
    i = 0
    while i < len(lines) and lines[i].startswith("//"):
        header.append(lines[i][2:].removeprefix(" "))
        i += 1
    if not header:
        raise QueryError("no header: a saved query starts with `// name: ...` comment lines", name, 1)
    try:
        meta = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        raise QueryError(f"header is not valid YAML: {getattr(exc, 'problem', exc)}", name, line) from None
    if not isinstance(meta, dict):
        raise QueryError("header must be `key: value` lines", name, 1)

    def need(key: str) -> str:
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            line = next((n + 1 for n, h in enumerate(header) if h.startswith(f"{key}:")), 1)
            raise QueryError(f"header field {key!r} is missing or empty", name, line)
        return value.strip()

    qname, title, description = need("name"), need("title"), need("description")
    if not _NAME_RE.match(qname):
        raise QueryError(f"query name {qname!r} must be lower-case words joined by '-'", name, 1)
    if path.stem != qname:
        raise QueryError(f"header name {qname!r} differs from the file name {path.name!r}", name, 1)
    unknown = set(meta) - {"name", "title", "description", "params", "tags"}
    if unknown:
        raise QueryError(f"unknown header field(s): {', '.join(sorted(unknown))}", name, 1)
    params = []
    raw_params = meta.get("params") or {}
    if not isinstance(raw_params, dict):
        raise QueryError("params must be a mapping of name: {type: ...}", name, 1)
    for pname, spec in raw_params.items():
        pline = next((n + 1 for n, h in enumerate(header) if h.strip().startswith(f"{pname}:")), 1)
        if not isinstance(spec, dict):
            raise QueryError(f"parameter {pname!r}: expected {{type: ..., ...}}", name, pline)
        ptype = spec.get("type")
        if ptype not in PARAM_TYPES:
            raise QueryError(f"parameter {pname!r}: unknown type {ptype!r} (use {', '.join(PARAM_TYPES)})", name, pline)
        extra = set(spec) - {"type", "required", "default", "example", "description", "kinds", "values", "min", "max",
                             "pattern", "normalise"}
        if extra:
            raise QueryError(f"parameter {pname!r}: unknown field(s) {', '.join(sorted(extra))}", name, pline)
        p = ParamSpec(name=pname, type=ptype, required=bool(spec.get("required", False)),
                      default=spec.get("default"), example=spec.get("example"),
                      description=str(spec.get("description", "")), kinds=tuple(spec.get("kinds", ())),
                      values=tuple(str(v) for v in spec.get("values", ())), min=spec.get("min"), max=spec.get("max"),
                      pattern=spec.get("pattern"), normalise=bool(spec.get("normalise", False)))
        if p.default is not None:
            p.check(p.default, qname)
        if p.example is not None:
            p.check(p.example, qname)
        params.append(p)
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    body = "\n".join(lines[i:]).strip()
    if not body:
        raise QueryError("the query has no Cypher after its header", name, i + 1)
    body = expand_fragments(body, fragments, name, i + 1)
    variants = {engine: expand_fragments(vtext, fragments, f"{name} (variant {engine})")
                for engine, vtext in (variants or {}).items()}
    declared = {p.name for p in params}
    for engine, vtext in {"": body, **(variants or {})}.items():
        where = f"{name} (variant {engine})" if engine else name
        used = _used_params(vtext)
        if used - declared:
            raise QueryError(f"uses undeclared parameter(s) {', '.join('$' + u for u in sorted(used - declared))}",
                             where, i + 1)
        if not engine and declared - used and not variants:
            raise QueryError(f"declares parameter(s) it never uses: {', '.join(sorted(declared - used))}",
                             where, 1)
        stripped = _STRING_RE.sub("''", _COMMENT_RE.sub("", vtext))
        m = _WRITE_RE.search(stripped)
        if m:
            raise QueryError(f"saved queries are read-only, but this one has {m.group(1).upper()}", where, i + 1)
    return SavedQuery(name=qname, title=title, description=description, params=tuple(params),
                      tags=tuple(str(t) for t in tags), text=body, path=name, body_line=i + 1,
                      variants=dict(variants or {}))


def queries_dir() -> Path:
    return Path(str(resources.files("intelgraph.queries")))


def load_queries_from(folder: Path) -> dict[str, SavedQuery]:
    out: dict[str, SavedQuery] = {}
    fragments = load_fragments_from(folder / "fragments")
    for path in sorted(folder.glob("*.cypher")):
        variants = {}
        for engine in ENGINES:
            vpath = folder / "variants" / engine / path.name
            if vpath.exists():
                variants[engine] = vpath.read_text(encoding="utf-8").strip()
        q = parse_query_file(path, variants=variants, fragments=fragments)
        out[q.name] = q
    return out


@lru_cache(maxsize=1)
def load_queries() -> dict[str, SavedQuery]:
    """Every saved query shipped with the package, by name."""
    return load_queries_from(queries_dir())


def get_query(name: str) -> SavedQuery:
    queries = load_queries()
    if name not in queries:
        import difflib

        close = difflib.get_close_matches(name, list(queries), n=3)
        raise QueryError(f"no saved query named {name!r}",
                         hint=(f"did you mean {', '.join(close)}? " if close else "")
                         + "`intelgraph query list` shows them all")
    return queries[name]
