"""The step that brings a store written before reduced-precision dates to today's form
(loaders/migrations/dates.py): such a store holds every date property as a native date. Built
here as that version's loader wrote it — the same graph, each date a native date and no bounds
(what ``SET n.date = date(row.dates.date)`` left) — then migrated: the checksum equals a fresh
load's, and a second run changes nothing. On every configured engine, with the sample and the
aurora story (a stance dated 2 May 2023: a relationship date)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intelgraph.api import load_paths
from intelgraph.graph.schema import COMMON_REL_PROPERTIES, load_schema
from intelgraph.loaders.migrations.dates import migrate
from intelgraph.loaders.api import sample_path

AURORA = Path(__file__).resolve().parent / "data" / "story-aurora" / "aurora.yaml"
SCHEMA = load_schema()
NODE_DATES = sorted({p for k in SCHEMA.node_kinds.values() for p, s in k.properties.items() if s.type == "date"})
REL_DATES = sorted(p for p, s in COMMON_REL_PROPERTIES.items() if s.type == "date")


def as_before(store) -> int:
    """Turn today's dates back into the earlier form: a native date, no bounds (only full days
    could be entered then). Returns how many values changed."""
    changed = 0
    for pattern, props in (("(x:Entity)", NODE_DATES), ("()-[x]->()", REL_DATES)):
        for p in props:
            start, end = SCHEMA.date_bounds(p)
            changed += store.write(f"MATCH {pattern} WHERE x.{p} IS NOT NULL SET x.{p} = date(x.{p}) "
                                   f"REMOVE x.{start}, x.{end} RETURN count(x)").rows[0][0]
    return changed


@pytest.mark.slow
def test_a_store_with_native_dates_migrates_to_a_fresh_loads_graph(engine_store):
    load_paths(engine_store, [sample_path(), AURORA])
    fresh = engine_store.checksum()
    assert as_before(engine_store) == 35
    assert engine_store.checksum() != fresh
    assert engine_store.read("MATCH (d:Document {name: 'Middle East Monitor — Iraqi militias smuggle weapons to "
                             "Russia via Iran'}) RETURN toString(d.date), d.date_start").rows == [["2022-04-13", None]]
    done = migrate(engine_store)
    assert done["rel.date"] == 1 and sum(done.values()) == 35
    assert engine_store.checksum() == fresh
    assert engine_store.read("MATCH ()-[s:DENIES]->() WHERE s.date IS NOT NULL "
                             "RETURN s.date, toString(s.date_start), toString(s.date_end)").rows == [
        ["2023-05-02", "2023-05-02", "2023-05-02"]]
    assert set(migrate(engine_store).values()) == {0}  # idempotent
    assert engine_store.checksum() == fresh


def test_a_migrated_store_takes_todays_loads(engine_store, tmp_path):
    """After the migration a reload of the same inputs changes nothing (the loaders' idempotence
    holds across the step)."""
    load_paths(engine_store, [AURORA])
    fresh = engine_store.checksum()
    as_before(engine_store)
    migrate(engine_store)
    load_paths(engine_store, [AURORA])
    assert engine_store.checksum() == fresh
