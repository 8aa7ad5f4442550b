"""Shared by the fast reader and writers: the writers' batch sizes, JSON and Cypher literals of
values, and the exceptions by which the fast reader leaves a load to the thorough one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from intelgraph.loaders.csv_header import _DERIVED_COLS

NODE_BATCH = 5000
REL_BATCH = 5000
_DERIVED = frozenset(_DERIVED_COLS)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False).encode
_STR = json.encoder.encode_basestring  # one string as JSON text (the C function, without the encoder's checks)


def _j(v: Any) -> str:
    return _STR(v) if type(v) is str else _JSON(v)


def _jlist(items: Sequence[str]) -> str:
    """A list of strings as JSON text."""
    return "[" + ",".join(map(_STR, items)) + "]"


class _Fallback(Exception):
    """The fast reader leaves this load to the thorough reader (a problem, or a form it does not handle)."""


class _NotColumnar(Exception):
    """A block the column-wise check leaves to the row-wise one."""


# -- values as Cypher literals ----------------------------------------------------------------
def _literal(v: Any) -> str:
    """A Cypher literal FalkorDB reads back as ``v`` (strings: only ``\\`` and ``"`` escaped, as the
    falkordb client writes them; FalkorDB does not read JSON's ``\\u`` escapes (``\\u001f``))."""
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(map(_literal, v)) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _cypher_text(json_text: str) -> str:
    """A row serialised as JSON, as FalkorDB should read it. JSON and Cypher list literals agree
    except for JSON's ``\\u`` escapes (``\\u001f``) of control characters (``\\n``, ``\\t``... FalkorDB reads)."""
    if "\\u" in json_text:
        return _literal(json.loads(json_text))
    return json_text
