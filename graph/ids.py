"""Content-derived identifiers.

An id is a function of what a record *is*, never of when or where it was loaded:
the kind and its key values for a node, the type, endpoints and discriminating
properties for a relationship. Loading the same content twice therefore yields the
same ids, and ``MERGE`` on the id makes every load idempotent.

>>> node_id("Person", ["Ahmed Shawqi"]) == node_id("Person", ["  ahmed   SHAWQI "])
True
>>> node_id("Person", ["Ahmed Shawqi"]) == node_id("Organisation", ["Ahmed Shawqi"])
False
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["normalise", "node_id", "relationship_id", "digest"]

ID_HEX_CHARS = 20  # 80 bits: collisions are not a practical concern at 10^8 records


def normalise(value: object) -> str:
    """Canonical text of a key value: Unicode NFKC, case-folded, inner whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def digest(parts: Iterable[object]) -> str:
    """Hex digest of a sequence of parts, unambiguous whatever the parts contain."""
    payload = json.dumps([normalise(p) for p in parts], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:ID_HEX_CHARS]


def node_id(kind: str, key_values: Sequence[object]) -> str:
    """Id of a node of ``kind`` identified by ``key_values`` (in the schema's key order)."""
    if not key_values or all(normalise(v) == "" for v in key_values):
        raise ValueError(f"a {kind} needs a non-empty key to derive its id")
    return f"{kind.lower()}:{digest([kind, *key_values])}"


def relationship_id(
    rel_type: str,
    start: str,
    end: str,
    discriminator: Sequence[object] = (),
    symmetric: bool = False,
) -> str:
    """Id of a relationship. A symmetric tie has the same id whichever way it is written."""
    if symmetric and end < start:
        start, end = end, start
    return f"rel:{digest([rel_type, start, end, *discriminator])}"
