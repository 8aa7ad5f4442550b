"""Fast loading of neo4j-admin CSV into the embedded engine: a streaming reader into a compact
staged form, and a FalkorDB writer that resolves relationship ends to internal node ids.

**Reading.** :func:`stage_csv` reads the same inputs as
:func:`intelgraph.loaders.csv_admin.read_csv_files` and accepts exactly what it accepts, but it
does not build a :class:`~intelgraph.loaders.plan.Plan` of dicts: each input column gets one
converter, chosen once per file (and kind), and each row becomes a list that is serialised at
once as a Cypher list literal. Nodes stay in memory in that form (with an index from id to a
dense number); relationships go to a temporary spill file, their ends as dense numbers. Memory
grows with the number of nodes, not of relationships (1M relationships and 350k nodes: 300-370 MB).

It is optimistic: anything it does not handle itself — a problem in the input, a reference given
by name instead of id, a quoted field it cannot place — makes it hand the whole load to the
thorough reader, which reports every problem by file, row and field (and loads the rare valid
input the fast reader declined, through the classic path). So the fast path never accepts what
the thorough reader refuses, and a bad input never writes anything.

**Writing (FalkorDB).** Everything is written under the graph's write lock (concurrent intelgraph
writers queue on it). Queries are sent by a second thread while the next batch is prepared.

* ``fresh=False`` — idempotent. Into an empty graph, everything is appended as on the fresh path
  (the result is the same). Otherwise node ids are looked up read-only; new nodes are appended
  in bulk (with dates: created in ``UNWIND`` batches) and their internal ids looked up;
  known ones are merged only where something would change. Relationships are ``MERGE``d
  between nodes sought by internal id (an id seek, not the id index) — except those between two
  nodes this load created, which cannot exist yet and are appended in bulk. Loading the same
  files again changes nothing, and FalkorDB does not even log a query that changed nothing.
* ``fresh=True`` — only into a graph that is empty when the write starts (checked under the lock;
  refused with :class:`NotEmpty` otherwise): nodes and relationships appended in bulk
  (the server keeps the indexes and unique constraint), node ids read back in one scan, dates
  converted after. ``fresh=None`` chooses it when the graph is empty.

A crash at any point leaves a graph that the next (merge) load completes.

:func:`intelgraph.api.load_paths` (the one function that chooses a load path) does not wait for
the whole reading before touching the graph: once the node files are read, :mod:`intelgraph.loaders.early` writes the
nodes of a load into an empty graph (through a staging graph that replaces it at the end, so a
bad later file or a crash still leaves it empty), or checks read-only which rows of a load into a
graph that holds something would change anything — while the relationship files are read.

Neo4j has no internal-id lookup worth using, so on Neo4j the classic reader and ``MERGE``-on-id
statements are used (:func:`intelgraph.api.load_paths` picks).

**Where.** :mod:`.reader` (:func:`stage_csv`, the fast reader, with its node files in
:mod:`.read_nodes` and relationship files in :mod:`.read_rels`) stages a load as a
:class:`~.staged.StagedLoad` (:mod:`.staged`); :mod:`.write` (:func:`write_staged`) writes it,
appending in bulk through :mod:`.append`, with the sender thread and row texts of :mod:`.send`;
:mod:`.common` holds what both sides share. The names below are the package's public ones.
"""

from intelgraph.errors import NotEmpty
from intelgraph.loaders.bulk.reader import stage_csv
from intelgraph.loaders.bulk.staged import StagedLoad
from intelgraph.loaders.bulk.write import graph_is_empty, write_staged

__all__ = ["StagedLoad", "stage_csv", "write_staged", "graph_is_empty", "NotEmpty"]
