"""intelgraph — open-source reporting as a property graph, with its sources and denials.

The package maps the repository's folders to subpackages:
``intelgraph.graph`` (schema, ids), ``intelgraph.cypher`` (stores and Cypher),
``intelgraph.loaders``, ``intelgraph.queries`` (saved queries), ``intelgraph.reports``.
"""

__version__ = "0.1.0"
