"""Neo4j Browser files derived from the schema and the saved queries.

* :func:`grass_stylesheet` — a GraSS style: one rule per node kind (a colour per kind
  *family*, shades within it, the name as caption) and one per relationship type (its
  type as caption; stances on claims in red, symmetric ties without an arrow colour of
  their own).
* :func:`browser_guide` — a Markdown guide for ``:guide <url>``: an intro slide, then one
  slide per saved query with a runnable ``:param`` line and the query's Neo4j text.
* :func:`browser_favorites_zip` — a zip of ``.cypher`` files to drop on Browser's
  favorites drawer, one per saved query, named by its title.

The committed ``browser/intelgraph.grass`` and ``browser/guide.md`` are served to Browser
by the static service in ``docker-compose.yml``; regenerate them with::

    python -m intelgraph.browser browser/

(``tests/test_browser.py`` fails when they drift from the schema or the queries).
"""

from __future__ import annotations

import argparse
import colorsys
import re
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intelgraph.graph.schema import Schema, load_schema
from intelgraph.queries.registry import ParamSpec, SavedQuery, load_queries

__all__ = [
    "grass_stylesheet", "browser_guide", "browser_favorites_zip", "write_browser_files",
    "kind_family", "params_command", "entity_lookup_statement", "GRASS_FILE", "GUIDE_FILE",
]

GRASS_FILE = "intelgraph.grass"
GUIDE_FILE = "guide.md"
ENGINE = "neo4j"

#: Hues (degrees) for kind families, in the order the families appear in the schema.
#: Well apart on the colour wheel; families past the list get golden-angle hues.
_FAMILY_HUES = (205, 140, 30, 280, 50, 0, 175, 320, 95, 240)
_STANCE_COLOUR = "#E0474C"
_REL_COLOUR = "#A5ABB6"
_SYMMETRIC_COLOUR = "#7B8494"


# -- style ------------------------------------------------------------------------------

def kind_family(schema: Schema, kind: str) -> str:
    """The top of a kind's first-parent chain: ``Country`` → ``Actor``, ``Port`` → ``Place``."""
    node = schema.kind(kind)
    while node.parents:
        node = schema.kind(node.parents[0])
    return node.name


def _hex(h: float, s: float, light: float) -> str:
    r, g, b = colorsys.hls_to_rgb(h / 360.0, light, s)
    return "#{:02X}{:02X}{:02X}".format(round(r * 255), round(g * 255), round(b * 255))


def _kind_colours(schema: Schema) -> dict[str, tuple[str, str, str]]:
    """(fill, border, text) per kind: one hue per family, lightness stepping through its members."""
    families: dict[str, list[str]] = {}
    for name in schema.node_kinds:
        families.setdefault(kind_family(schema, name), []).append(name)
    out: dict[str, tuple[str, str, str]] = {}
    for i, (family, members) in enumerate(families.items()):
        hue = _FAMILY_HUES[i] if i < len(_FAMILY_HUES) else (i * 137.508) % 360
        for j, kind in enumerate(members):
            # the family itself mid-tone; members alternate lighter and darker around it
            step = (j + 1) // 2 * (1 if j % 2 else -1)
            light = min(0.78, max(0.38, 0.58 + 0.07 * step))
            fill = _hex(hue, 0.62, light)
            border = _hex(hue, 0.55, max(0.2, light - 0.15))
            text = "#FFFFFF" if light < 0.6 else "#222222"
            out[kind] = (fill, border, text)
    return out


def grass_stylesheet(schema: Schema | None = None) -> str:
    """The GraSS style for Neo4j Browser, derived from the schema (deterministic).

    Node rules are written from the most general label to the most specific (Browser lets
    later matching rules win), so a ``(:Entity:Actor:Place:Country)`` node takes the
    Country rule.
    """
    schema = schema or load_schema()
    colours = _kind_colours(schema)
    # no comment in the file: Browser's GraSS parser has no comment syntax
    lines = [
        "node {",
        "  diameter: 50px;",
        "  color: #A5ABB6;",
        "  border-color: #9AA1AC;",
        "  border-width: 2px;",
        "  text-color-internal: #FFFFFF;",
        "  font-size: 10px;",
        "}",
        "relationship {",
        f"  color: {_REL_COLOUR};",
        "  shaft-width: 1px;",
        "  font-size: 8px;",
        "  padding: 3px;",
        "  text-color-external: #000000;",
        "  text-color-internal: #FFFFFF;",
        "  caption: '<type>';",
        "}",
        f"node.{schema.root_label} {{",
        "  caption: '{name}';",
        "}",
    ]
    order = sorted(schema.node_kinds, key=lambda k: (len(schema.kind(k).ancestors), list(schema.node_kinds).index(k)))
    for name in order:
        kind = schema.kind(name)
        fill, border, text = colours[name]
        caption = "{name}" if "name" in kind.properties else "<id>"
        lines += [
            f"node.{name} {{",
            f"  color: {fill};",
            f"  border-color: {border};",
            f"  text-color-internal: {text};",
            "  diameter: 50px;",
            f"  caption: '{caption}';",
            "}",
        ]
    for name, rel in schema.relationship_types.items():
        colour = _STANCE_COLOUR if rel.stance else _SYMMETRIC_COLOUR if rel.symmetric else _REL_COLOUR
        lines += [
            f"relationship.{name} {{",
            f"  color: {colour};",
            f"  shaft-width: {2 if rel.stance else 1}px;",
            "  caption: '<type>';",
            "}",
        ]
    return "\n".join(lines) + "\n"


# -- parameters as Browser commands -----------------------------------------------------------

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _cypher_literal(value: Any) -> str:
    """A Cypher literal for a parameter value (what intelgraph itself would send)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_cypher_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {_cypher_literal(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):  # a date from YAML: intelgraph sends dates as ISO text
        value = value.isoformat()
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _key(name: str) -> str:
    return name if _IDENT.match(name) else "`" + name.replace("`", "``") + "`"


def _entity_placeholder(p: ParamSpec) -> str:
    return f"<id of {p.example}>" if p.example is not None else f"<id of the {p.name}>"


def _browser_value(p: ParamSpec) -> Any:
    """The value a Browser user sets: the example, else the default intelgraph would use.

    Entity parameters are resolved to node ids by intelgraph before it sends a query; in
    Browser there is no such step, so they get a placeholder to replace by an id."""
    if p.type == "entity":
        return _entity_placeholder(p)
    value = p.example if p.example is not None else p.default
    if value is None:
        return None
    try:
        return p.check(value, "guide")  # the typed value intelgraph would send
    except Exception:  # noqa: BLE001 - checked when the file was loaded; fall back to as-is
        return value


def params_command(query: SavedQuery) -> str:
    """The Browser command setting every parameter of ``query`` for a run: ``:param [{a, b}] => {
    RETURN 1 AS a, 'x' AS b }``, which the server evaluates (``:params {a: 1}`` is read by
    Browser's JavaScript, which makes every number a float, and ``LIMIT`` refuses ``10.0``);
    ``:params {}`` for a query without parameters."""
    if not query.params:
        return ":params {}"
    names = ", ".join(p.name for p in query.params)
    values = ", ".join(f"{_cypher_literal(_browser_value(p))} AS {p.name}" for p in query.params)
    return f":param [{{{names}}}] => {{ RETURN {values} }}"


def entity_lookup_statement(name: str, root_label: str = "Entity") -> str:
    """Cypher a Browser user runs to find the id of the entity called ``name`` (or with that
    alias), case-insensitively, as intelgraph's own resolution does."""
    lit = _cypher_literal(name)
    return (f"MATCH (n:{root_label}) WHERE n.name_lc = toLower({lit}) OR toLower({lit}) IN n.aliases_lc "
            "RETURN n.id, n.name, labels(n)")


# -- guide --------------------------------------------------------------------------------

def _no_slide_break(text: str) -> str:
    # Browser splits a Markdown guide on lines that are exactly `---`
    return "\n".join("- - -" if line.strip() == "---" else line for line in text.splitlines())


def _fence(body: str, lang: str = "cypher") -> str:
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}{lang}\n{body}\n{ticks}"


def _param_lines(p: ParamSpec) -> str:
    bits = [f"`{p.name}` ({p.type}"]
    if p.type == "entity" and p.kinds:
        bits[0] += ": " + ", ".join(p.kinds)
    if p.type == "enum" and p.values:
        bits[0] += ": " + " | ".join(p.values)
    bits[0] += ", required)" if p.required else ")"
    if p.description:
        bits.append(p.description.strip())
    if p.default is not None:
        bits.append(f"default {_cypher_literal(p.default)}")
    return "- " + " — ".join(bits)


def browser_guide(queries: Mapping[str, SavedQuery] | None = None, schema: Schema | None = None) -> str:
    """The Markdown guide: an intro slide, then one slide per saved query (sorted by name)."""
    schema = schema or load_schema()
    queries = load_queries() if queries is None else queries
    root = schema.root_label
    names = sorted(queries)
    example = max(schema.concrete_kinds, key=lambda k: len(schema.kind(k).labels))
    has_entity = any(p.type == "entity" for q in queries.values() for p in q.params)
    intro = [
        "# intelgraph saved queries",
        "",
        "The saved queries that ship with intelgraph, as runnable slides. Click a code block "
        "to copy it into the editor, then run it.",
        "",
        "Each slide first sets the query's parameters with a `:param` line (example "
        "values), then shows the query as intelgraph sends it to Neo4j. The same queries "
        "run from the command line with `intelgraph query run <name> -p <param> <value>`.",
        "",
        f"Every node carries the label `{root}`, the labels of its kind's ancestors and its "
        f"own, e.g. `(:{':'.join(schema.kind(example).labels)})`; every record keeps its "
        "`sources` and `evidence` (verbatim quotes).",
    ]
    if has_entity:
        intro += [
            "",
            "**Entity parameters take a node id.** intelgraph looks a name or alias up for "
            "you; Browser does not, so the examples below hold a placeholder such as "
            "`'<id of PMF>'`. Find the id by name, then put it in the `:param` line:",
            "",
            _fence(entity_lookup_statement("PMF", root)),
        ]
    intro += ["", f"{len(names)} saved queries: " + ", ".join(f"`{n}`" for n in names) + "."]
    slides = ["\n".join(intro)]
    for name in names:
        q = queries[name]
        parts = [f"## {q.title}", "", f"`{q.name}`" + (f" · tags: {', '.join(q.tags)}" if q.tags else ""),
                 "", _no_slide_break(q.description.strip())]
        if q.params:
            parts += ["", "Parameters:", ""] + [_param_lines(p) for p in q.params]
        entity_params = [p for p in q.params if p.type == "entity"]
        if entity_params:
            lookups = [_fence(entity_lookup_statement(str(p.example), root))
                       for p in entity_params if p.example is not None]
            parts += ["", "Replace " + ", ".join(f"`'{_entity_placeholder(p)}'`" for p in entity_params)
                      + " by a node id" + (", found with:" if lookups else " (see the first slide).")]
            for block in lookups:
                parts += ["", block]
        parts += ["", _fence(params_command(q)), "", _fence(_no_slide_break(q.text_for(ENGINE).strip()))]
        slides.append("\n".join(parts))
    return "\n\n---\n\n".join(slides) + "\n"


# -- favorites ------------------------------------------------------------------------------

_ZIP_DATE = (2024, 1, 1, 0, 0, 0)  # fixed, so the zip is byte-for-byte reproducible


def favorite_script(query: SavedQuery) -> str:
    """One favorite: ``// <title>`` (Browser's name for it), comments, then the Neo4j text."""
    lines = [f"// {query.title}"]
    lines += [f"// {line}".rstrip() for line in query.description.strip().splitlines()]
    if query.params:
        lines.append(f"// parameters — run first: {params_command(query)}")
    return "\n".join(lines) + "\n" + query.text_for(ENGINE).strip() + "\n"


def browser_favorites_zip(queries: Mapping[str, SavedQuery] | None, out_path: str | Path,
                          folder: str = "intelgraph") -> Path:
    """Write a zip of ``<folder>/<name>.cypher`` favorites (Browser turns the folder into a
    favorites folder); return its path."""
    queries = load_queries() if queries is None else queries
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(queries):
            info = zipfile.ZipInfo(f"{folder}/{name}.cypher" if folder else f"{name}.cypher", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, favorite_script(queries[name]))
    return out


# -- files ------------------------------------------------------------------------------------

def browser_files(schema: Schema | None = None, queries: Mapping[str, SavedQuery] | None = None) -> dict[str, str]:
    """``{file name: text}`` of the generated files served to Browser."""
    schema = schema or load_schema()
    return {GRASS_FILE: grass_stylesheet(schema), GUIDE_FILE: browser_guide(queries, schema)}


def write_browser_files(out_dir: str | Path, schema: Schema | None = None,
                        queries: Mapping[str, SavedQuery] | None = None) -> list[Path]:
    """Write ``intelgraph.grass`` and ``guide.md`` into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fname, text in browser_files(schema, queries).items():
        path = out / fname
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m intelgraph.browser",
        description="Write the Neo4j Browser style (intelgraph.grass) and guide (guide.md) "
                    "generated from the schema and the saved queries.")
    parser.add_argument("out_dir", nargs="?", default="browser", help="folder to write into (default: browser)")
    parser.add_argument("--favorites", metavar="ZIP", help="also write the favorites zip to this path")
    args = parser.parse_args(argv)
    for path in write_browser_files(args.out_dir):
        print(f"wrote {path}")
    if args.favorites:
        print(f"wrote {browser_favorites_zip(None, args.favorites)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
