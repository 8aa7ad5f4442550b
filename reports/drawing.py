"""The centrality report's drawing (``network.png``): :func:`draw_network`, with matplotlib's
Agg canvas and a seeded layout."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import networkx as nx

from intelgraph.graph.text import escape_controls

__all__ = ["draw_network", "KAMADA_KAWAI_MAX"]


# -- drawing ----------------------------------------------------------------------------------
def draw_network(G: nx.Graph, measures: dict[str, dict[Any, Any]], path: str | Path, seed: int = 0,
                 size_by: str = "pagerank", label_top: int = 15, max_nodes: int = 300, title: str = "") -> int:
    """Draw ``G`` to a PNG with matplotlib's Agg canvas (no display, no pyplot state). Nodes are
    sized by ``size_by`` and coloured by community; the ``label_top`` nodes by ``size_by`` are
    labelled; above ``max_nodes`` only the top nodes are drawn. Nodes without ties are not drawn
    (the report lists them). Returns the number drawn.

    Every text is drawn as plain text (``text.parse_math`` off): a name such as ``$\\nope$`` is
    not read as mathtext. The format follows ``path``'s suffix (PNG unless it says otherwise)."""
    from matplotlib import rc_context

    with rc_context({"text.parse_math": False, "text.usetex": False, "svg.fonttype": "none"}):
        return _draw(G, measures, path, seed, size_by, label_top, max_nodes, title)


def _draw(G: nx.Graph, measures: dict[str, dict[Any, Any]], path: str | Path, seed: int, size_by: str,
          label_top: int, max_nodes: int, title: str) -> int:
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    values = {n: (v if not math.isnan(v) else 0.0) for n, v in measures.get(size_by, {}).items()}
    # nodes without ties are listed in the report, not drawn as a row of dots
    ranked = sorted((n for n in G.nodes if G.degree(n) > 0), key=lambda n: (-values.get(n, 0.0), str(n)))
    keep = sorted(ranked[:max_nodes], key=str)
    H = G.subgraph(keep)
    fig = Figure(figsize=(12, 9), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_axis_off()
    tied = len(ranked)
    shown = f" (top {len(keep)} of {tied} tied nodes by {size_by})" if len(keep) < tied else ""
    ax.set_title(f"{title}{shown}\nsize: {size_by}, colour: community", fontsize=10)
    if len(H):
        pos = _layout(H, seed)
        vals = [values.get(n, 0.0) for n in H]
        lo, hi = min(vals), max(vals)
        sizes = [60 + 1400 * ((v - lo) / (hi - lo) if hi > lo else 0.5) for v in vals]
        palette = colormaps["tab20"]
        comm = measures.get("community", {})
        colours = [palette(comm[n] % 20) if comm.get(n, 99) < 20 else (0.75, 0.75, 0.75, 1.0) for n in H]
        directed_arrows = H.is_directed() and H.number_of_edges() <= 1500
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing glyphs for non-Latin names
            nx.draw_networkx_edges(H, pos, ax=ax, alpha=0.35, width=[0.6 + 0.4 * math.log(d.get("weight", 1))
                                                                      for _, _, d in H.edges(data=True)],
                                   arrows=directed_arrows, arrowsize=8, node_size=sizes)
            nx.draw_networkx_nodes(H, pos, ax=ax, node_size=sizes, node_color=colours, linewidths=0.5,
                                   edgecolors="#333333")
            top = [n for n in ranked if n in H][:label_top]
            nx.draw_networkx_labels(H, pos, ax=ax, font_size=8,
                                    labels={n: _short(H.nodes[n].get("name", n)) for n in top},
                                    bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})
    else:
        ax.text(0.5, 0.5, "(no ties in this projection)", ha="center", va="center", transform=ax.transAxes)
    fig.savefig(path, format=Path(path).suffix.lstrip(".").lower() or "png")
    return len(H)


#: Kamada-Kawai lays out at most this many connected nodes (0.2 s; 300 nodes take 2.5 s), the
#: seeded spring layout the rest.
KAMADA_KAWAI_MAX = 150


def _layout(H: nx.Graph, seed: int) -> dict[Any, Any]:
    """Connected nodes laid out together (Kamada-Kawai, deterministic; spring layout with the
    seed for larger drawings); isolated nodes in rows beneath, so they do not crowd the picture."""
    U = H.to_undirected(as_view=True)
    isolates = sorted((n for n in H if U.degree(n) == 0), key=str)
    core = nx.Graph(U.subgraph([n for n in H if U.degree(n) > 0]))  # a copy: views of views are slow
    pos: dict[Any, Any] = {}
    if len(core):
        if len(core) <= KAMADA_KAWAI_MAX:
            pos.update(nx.kamada_kawai_layout(core))
        else:
            pos.update(nx.spring_layout(core, seed=seed, weight="weight", k=2 / math.sqrt(len(core))))
    per_row = max(8, int(math.sqrt(len(isolates) or 1) * 3))
    for i, n in enumerate(isolates):
        row, col = divmod(i, per_row)
        pos[n] = (-1 + 2 * (col + 0.5) / per_row, -1.25 - 0.15 * row)
    return pos


def _short(name: Any, limit: int = 28) -> str:
    text = escape_controls(str(name))
    return text if len(text) <= limit else text[: limit - 1] + "…"
