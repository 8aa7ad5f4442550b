"""Turn Krebs's 9/11 edge list (``edges.csv``: source,target,tie_strength) into neo4j-admin CSVs.

Writes, beside this script unless told otherwise:

* ``admin/persons.csv`` — ``name:ID(Person),:LABEL``: every person named in an edge, sorted;
* ``admin/ties.csv`` — ``:START_ID(Person),:END_ID(Person),:TYPE,weight:float``: one
  ``ASSOCIATED_WITH`` row per edge, in the edge list's order, ``weight`` = ``tie_strength``.

Deterministic: the same edge list gives byte-identical files (UTF-8, ``\\n`` line ends).
Run ``python convert.py [edges.csv] [out_dir]``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def convert(edges: Path = HERE / "edges.csv", out_dir: Path = HERE / "admin") -> tuple[Path, Path]:
    with open(edges, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or set(rows[0]) != {"source", "target", "tie_strength"}:
        raise SystemExit(f"{edges}: expected the columns source,target,tie_strength")
    people = sorted({r["source"] for r in rows} | {r["target"] for r in rows})
    out_dir.mkdir(parents=True, exist_ok=True)
    persons, ties = out_dir / "persons.csv", out_dir / "ties.csv"
    with open(persons, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name:ID(Person)", ":LABEL"])
        w.writerows([name, "Person"] for name in people)
    with open(ties, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([":START_ID(Person)", ":END_ID(Person)", ":TYPE", "weight:float"])
        w.writerows([r["source"], r["target"], "ASSOCIATED_WITH", r["tie_strength"]] for r in rows)
    return persons, ties


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    for path in convert(*args):
        print(path)
