"""intelgraph — open-source reporting as a property graph, with its sources and denials.

The package maps the repository's folders to subpackages:
``intelgraph.graph`` (schema, ids), ``intelgraph.cypher`` (stores and Cypher),
``intelgraph.loaders``, ``intelgraph.queries`` (saved queries), ``intelgraph.reports``.
The Python API is :class:`intelgraph.Graph` (:mod:`intelgraph.api`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Graph", "LoadResult", "__version__"]

if TYPE_CHECKING:
    from intelgraph.api import Graph, LoadResult


def __getattr__(name: str) -> Any:
    # imported on first use, so that `import intelgraph` (the CLI's first import) stays light
    if name in ("Graph", "LoadResult"):
        from intelgraph import api

        return getattr(api, name)
    raise AttributeError(f"module 'intelgraph' has no attribute {name!r}")
