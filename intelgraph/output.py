"""Printing results as a table, JSON (an array of row objects) or CSV.

Text from the graph is never printed raw (:mod:`intelgraph.graph.text`): control characters and
bidi overrides come out as visible escapes (``\\x1b``; in JSON ``\\u001b``, the same value), tab and
newline too except inside CSV fields; and a CSV text cell that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a leading ``'`` unless ``csv_raw``.
Numbers are never changed."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from intelgraph.cypher.store import Result, to_jsonable
from intelgraph.graph.text import escape_controls, escape_json, spreadsheet_cell

FORMATS = ("table", "json", "csv")


def _cell(value: Any) -> str:
    value = to_jsonable(value)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return _compact(value)
    return str(value)


def _compact(value: Any) -> str:
    """A readable one-line rendering of nested values (node maps show their name)."""
    if isinstance(value, dict):
        if "name" in value and ("_labels" in value or "id" in value):
            return str(value["name"])
        if {"from", "type", "to"} <= set(value):  # a step of a path
            arrow = f"<-[{value['type']}]-" if value.get("direction") == "backward" else f"-[{value['type']}]->"
            srcs = value.get("sources") or []
            return f"{value['from']} {arrow} {value['to']}" + (f" ({'; '.join(map(str, srcs))})" if srcs else "")
        if "nodes" in value and "relationships" in value:
            return " - ".join(_compact(n) for n in value["nodes"])
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list):
        return "; ".join(_compact(v) for v in value)
    return "" if value is None else str(value)


def _csv_cell(value: Any, raw: bool) -> str:
    text = escape_controls(_cell(value), keep="\t\n")
    if raw or isinstance(to_jsonable(value), (int, float)):
        return text
    return spreadsheet_cell(text)


def render(result: Result, fmt: str = "table", max_width: int = 60, csv_raw: bool = False) -> str:
    """``result`` as ``fmt`` (see the module docstring for what is escaped; ``csv_raw`` leaves
    CSV cells that start like a formula as they are)."""
    if fmt == "json":
        return escape_json(json.dumps([to_jsonable(r) for r in result.records()], ensure_ascii=False, indent=2))
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([_csv_cell(c, csv_raw) for c in result.columns])
        for row in result.rows:
            w.writerow([_csv_cell(v, csv_raw) for v in row])
        return buf.getvalue().rstrip("\n")
    cells = [[escape_controls(_cell(v)) for v in row] for row in result.rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    columns = [escape_controls(str(h)) for h in result.columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(columns)]
    line = "  ".join(h.ljust(w) for h, w in zip(columns, widths))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    count = f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})"
    return "\n".join([line.rstrip(), rule, *body, count])
