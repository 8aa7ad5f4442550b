"""The centrality report's text: ``centrality.csv`` (:func:`write_csv`) and the Markdown and HTML
reports (``report.md``, ``report.html``) with the facts, notes, ranked tables and communities
they share. Called by :func:`intelgraph.reports.centrality.report_from_projection`."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx

from intelgraph.graph.text import escape_controls, spreadsheet_cell
from intelgraph.reports.measures import MEASURE_DOC, measure_columns
from intelgraph.reports.projection import Projection

__all__ = ["write_csv"]


# -- CSV --------------------------------------------------------------------------------------
def _num(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def _text_cell(value: Any, raw: bool) -> str:
    text = escape_controls(str(value), keep="\t\n")
    return text if raw else spreadsheet_cell(text)


def write_csv(G: nx.Graph, measures: dict[str, dict[Any, Any]], path: str | Path, raw: bool = False) -> None:
    """One row per node sorted by id; floats in Python's shortest round-trip form, NaN as empty.
    Text cells (id, name, kind) have control characters escaped and, unless ``raw``, a leading
    ``'`` where a spreadsheet would read a formula (:func:`intelgraph.graph.text.spreadsheet_cell`);
    the measures are numbers and are never changed."""
    cols = [c for c in measure_columns(G.is_directed()) if c in measures]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "name", "kind", *cols])
    for n in sorted(G.nodes, key=str):
        attrs = G.nodes[n]
        values = (_num(measures[c].get(n, math.nan)) for c in cols)
        w.writerow([_text_cell(n, raw), _text_cell(attrs.get("name", n), raw), _text_cell(attrs.get("kind", ""), raw),
                    *values])
    Path(path).write_bytes(buf.getvalue().encode("utf-8"))


# -- content shared by the Markdown and HTML reports ------------------------------------------
def _ranked(G: nx.Graph, measures: dict[str, dict[Any, Any]], measure: str, top_n: int) -> list[dict[str, Any]]:
    values = measures.get(measure, {})
    nodes = [n for n in G if not math.isnan(values.get(n, math.nan))]
    nodes.sort(key=lambda n: (-values[n], str(G.nodes[n].get("name", n)), str(n)))
    return [{"rank": i + 1, "id": n, "name": G.nodes[n].get("name", n), "kind": G.nodes[n].get("kind", ""),
             "value": values[n], "community": measures["community"].get(n)} for i, n in enumerate(nodes[:top_n])]


def _communities(G: nx.Graph, measures: dict[str, dict[Any, Any]], show: int = 20, members: int = 5):
    groups: dict[int, list[Any]] = {}
    for n, c in measures["community"].items():
        groups.setdefault(c, []).append(n)
    pr = measures["pagerank"]
    rows = []
    for c in sorted(groups)[:show]:
        top = sorted(groups[c], key=lambda n: (-(pr.get(n, 0) if not math.isnan(pr.get(n, 0)) else 0), str(n)))
        rows.append({"community": c, "size": len(groups[c]),
                     "members": [str(G.nodes[n].get("name", n)) for n in top[:members]]})
    return {"rows": rows, "total": len(groups)}


def _facts(proj, measures, weight, seed, engine, graph_name, created, data_sha,
           modularity: float | None = None) -> list[tuple[str, str]]:
    """The report's table of facts; ``modularity``: the communities' (computed here if not given)."""
    G = proj.graph
    isolates = nx.number_of_isolates(G)
    if G.number_of_nodes():
        comps = list(nx.weakly_connected_components(G) if G.is_directed() else nx.connected_components(G))
        comp_text = f"{len(comps)} (largest {max(len(c) for c in comps)} nodes)"
    else:
        comp_text = "0"
    parts = [set() for _ in range(len(set(measures["community"].values())))]
    for n, c in measures["community"].items():
        parts[c].add(n)
    if modularity is None:
        modularity = nx.community.modularity(G, parts, weight=weight) if G.number_of_edges() else float("nan")
    s = proj.stats
    return [
        ("projection", f"{proj.spec.name} — {proj.spec.description}"),
        ("node kinds", ", ".join(proj.spec.node_kinds)),
        ("relationship types", ", ".join(proj.spec.relationship_types) or "(none)"),
        ("via", "; ".join(f"{k}: {', '.join(v)}" for k, v in proj.spec.via.items()) or "(none)"),
        ("graph", f"{'directed (DiGraph)' if G.is_directed() else 'undirected (Graph)'}"),
        ("nodes", f"{G.number_of_nodes()} ({isolates} without ties)"),
        ("edges", (f"{G.number_of_edges()} (from {s.get('relationships', 0)} relationships"
                  f" and {s.get('via_pairs', 0)} shared-node pairs)")),
        ("components", comp_text + (" — weakly connected" if G.is_directed() else "")),
        ("communities", (f"{len(parts)} (Louvain, seed {seed}, modularity "
                        f"{'n/a' if math.isnan(modularity) else f'{modularity:.3f}'})")),
        ("engine", f"{engine} (graph {graph_name})"),
        ("generated", created),
        ("data SHA-256", data_sha),
    ]


def _notes(proj: Projection, weighted: bool) -> list[str]:
    spec, s, G = proj.spec, proj.stats, proj.graph
    notes = []
    if G.is_directed():
        notes.append("Directed graph: each directed relationship is one arc from its start to its end; symmetric "
                     f"types ({', '.join(spec.symmetric_types) or 'none here'}) and shared-node (via) ties are "
                     "two arcs, one each way. Closeness and eigenvector centrality count incoming paths and ties; "
                     "in_degree and out_degree are given beside degree.")
    elif proj.undirected_forced:
        notes.append("Undirected graph (forced): the projection has directed types, but every tie is read "
                     "without its direction.")
    else:
        notes.append("Undirected graph: every tie in this projection is symmetric or a shared-node (via) tie.")
    same = " in the same direction" if G.is_directed() else ""
    notes.append(f"Multi-edges collapsed: ties between the same pair{same} become one edge whose weight is "
                 f"their number ({s.get('multi_ties_collapsed', 0)} extra ties merged); the edge keeps the list "
                 "of types it stands for.")
    if spec.via:
        notes.append("Via ties: two nodes are tied when both are joined (either direction) to a common "
                     f"{' or '.join(spec.via)}; each shared node adds 1 to the weight.")
    if s.get("self_loops_dropped"):
        notes.append(f"{s['self_loops_dropped']} relationship(s) from a node to itself were left out.")
    notes.append("Weights: " + ("PageRank, eigenvector centrality and the communities use the edge weight as tie "
                                "strength; " if weighted else "no measure uses the edge weight; ")
                 + "betweenness and closeness count hops and ignore weights.")
    if G.number_of_nodes() and not (nx.is_strongly_connected(G) if G.is_directed() else nx.is_connected(G)):
        notes.append("The graph is not " + ("strongly " if G.is_directed() else "") + "connected: eigenvector "
                     "centrality concentrates on the part with the largest leading eigenvalue and is near 0 "
                     "elsewhere; compare nodes across parts with PageRank or degree instead.")
    return notes


def _how_computed(details: dict[str, Any]) -> str:
    """One line for the facts table: exact or estimated, and by what."""
    b, c = details.get("betweenness", {}), details.get("closeness", {})
    who = f"{details.get('backend', 'networkx')} {details.get('version', '')}".strip()
    if details.get("workers"):
        who += f", {details['workers']} worker processes"
    parts = ["betweenness exact" if b.get("exact", True) else
             f"betweenness ESTIMATED from {b['k']:,} sampled source nodes (networkx's estimator, seed {b.get('seed')})",
             "closeness exact" if c.get("exact", True) else
             f"closeness ESTIMATED with {c['k']:,} sampled nodes as pivots (seed {c.get('seed')})"]
    exact = b.get("exact", True) and c.get("exact", True)
    return "; ".join(parts) + (" -- networkx's values" if exact else " -- standard errors in the notes") + \
        f"; computed by {who}"


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


#: Characters that Markdown (and the HTML it lets through, and the maths some renderers draw
#: between dollars) would read as markup: backslash-escaped in every cell from the data.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|!~&$#{}])")


def _md_cell(text: Any) -> str:
    one_line = str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _MD_SPECIAL.sub(r"\\\1", escape_controls(one_line))


def _without_ties(G: nx.Graph) -> list[str]:
    """Names of the nodes with no tie: listed in the report, not drawn."""
    return sorted(str(G.nodes[n].get("name", n)) for n in nx.isolates(G))


def _markdown(proj, facts, notes, tables, comms) -> str:
    lines = [f"# Centrality report — projection `{proj.spec.name}`", "", "| | |", "| --- | --- |"]
    lines += [f"| {k} | {_md_cell(v)} |" for k, v in facts]
    lines += ["", "## Notes", ""] + [f"- {_md_cell(n)}" for n in notes]
    lines += ["", "## Measures", ""] + [f"- **{m}**: {MEASURE_DOC[m]}" for m in [*tables, "community"]]
    for m, rows in tables.items():
        lines += ["", f"## Top {len(rows)} by {m}", "", "| rank | name | kind | " + m + " | community |",
                  "| ---: | --- | --- | ---: | ---: |"]
        lines += [f"| {r['rank']} | {_md_cell(r['name'])} | {_md_cell(r['kind'])} | {_fmt(r['value'])} | {r['community']} |"
                  for r in rows]
    lines += ["", f"## Communities ({comms['total']})", "", "| community | size | top members by PageRank |",
              "| ---: | ---: | --- |"]
    lines += [f"| {c['community']} | {c['size']} | {_md_cell(', '.join(c['members']))} |" for c in comms["rows"]]
    if comms["total"] > len(comms["rows"]):
        lines.append(f"\n({comms['total'] - len(comms['rows'])} smaller communities not shown; see centrality.csv)")
    alone = _without_ties(proj.graph)
    lines += ["", f"## Without ties ({len(alone)})", "", ", ".join(_md_cell(n) for n in alone) or "(none)"]
    lines += ["", "![network](network.png)", "", "## Queries", ""]
    for q in proj.queries:
        lines += [(f"{q['purpose']} — {q['rows']} rows, pages of {q['page']}; parameters: "
                  f"`{json.dumps(q['params'], ensure_ascii=False)}`"), "", "```cypher", q["cypher"], "```", ""]
    lines += [("Files: `centrality.csv` (every node), `network.png`, `provenance.json` (queries, versions, "
              "data hash)."), ""]
    return "\n".join(lines)


_CSS = ("body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em}"
        "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}"
        "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}img{max-width:100%}")


def _html(proj, facts, notes, tables, comms) -> str:
    def e(text: Any) -> str:
        return html.escape(escape_controls(str(text)))

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Centrality report — {e(proj.spec.name)}</title><style>{_CSS}</style></head><body>",
           f"<h1>Centrality report — projection <code>{e(proj.spec.name)}</code></h1>", "<table>"]
    out += [f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in facts]
    out += ["</table>", "<h2>Notes</h2><ul>"] + [f"<li>{e(n)}</li>" for n in notes] + ["</ul>"]
    out += ["<h2>Measures</h2><ul>"]
    out += [f"<li><b>{e(m)}</b>: {e(MEASURE_DOC[m])}</li>" for m in [*tables, "community"]] + ["</ul>"]
    for m, rows in tables.items():
        out += [f"<h2>Top {len(rows)} by {e(m)}</h2>",
                f"<table><tr><th>rank</th><th>name</th><th>kind</th><th>{e(m)}</th><th>community</th></tr>"]
        out += [f'<tr><td class="n">{r["rank"]}</td><td title="{e(str(r["id"]))}">{e(str(r["name"]))}</td>'
                f'<td>{e(str(r["kind"]))}</td><td class="n">{_fmt(r["value"])}</td>'
                f'<td class="n">{r["community"]}</td></tr>' for r in rows]
        out.append("</table>")
    out += [f"<h2>Communities ({comms['total']})</h2>",
            "<table><tr><th>community</th><th>size</th><th>top members by PageRank</th></tr>"]
    out += [f'<tr><td class="n">{c["community"]}</td><td class="n">{c["size"]}</td>'
            f'<td>{e(", ".join(c["members"]))}</td></tr>' for c in comms["rows"]]
    out.append("</table>")
    alone = _without_ties(proj.graph)
    out += [f"<h2>Without ties ({len(alone)})</h2><p>{e(', '.join(alone)) or '(none)'}</p>"]
    out += ['<h2>Network</h2><p><img src="network.png" alt="the projected network"></p>', "<h2>Queries</h2>"]
    for q in proj.queries:
        out += [(f"<p>{e(q['purpose'])} — {q['rows']} rows, pages of {q['page']}; parameters: "
                f"<code>{e(json.dumps(q['params'], ensure_ascii=False))}</code></p>"), f"<pre>{e(q['cypher'])}</pre>"]
    out += [("<p>Files: <code>centrality.csv</code> (every node), <code>network.png</code>, "
            "<code>provenance.json</code> (queries, versions, data hash).</p>"), "</body></html>", ""]
    return "\n".join(out)
