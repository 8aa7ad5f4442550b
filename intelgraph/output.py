"""Printing results as a table, JSON (an array of row objects) or CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from intelgraph.cypher.store import Result, to_jsonable

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


def render(result: Result, fmt: str = "table", max_width: int = 60) -> str:
    if fmt == "json":
        return json.dumps([to_jsonable(r) for r in result.records()], ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(result.columns)
        for row in result.rows:
            w.writerow([_cell(v) for v in row])
        return buf.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in row] for row in result.rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(result.columns)]
    line = "  ".join(h.ljust(w) for h, w in zip(result.columns, widths))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    count = f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})"
    return "\n".join([line.rstrip(), rule, *body, count])
