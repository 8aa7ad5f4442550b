"""A realistic synthetic intelligence dataset, as neo4j-admin CSV, for tests and benchmarks.

``generate(out_dir, relationships=N, seed=S)`` writes one node file per kind and one
relationship file per type (header on the first line, ``id:ID(Entity)`` holding our content
ids) with about ``N`` relationships in all:

* **actors in clusters with skewed degrees** — persons, armed groups, organisations and state
  bodies in clusters; ties (membership, support, association, alliance) attach preferentially
  to the well-connected, mostly inside a cluster, sometimes across;
* **shipments with multi-leg routes through a few chokepoints** — two to four legs each,
  most passing one of a handful of border crossings, ports or straits; senders, handlers,
  receivers, carriers and materiel;
* **sources of mixed reliability** (A–F) and **re-reports of one original** (documents citing
  another document), claims with Admiralty gradings, and **denials** of some claims.

Every node and relationship carries its provenance (``sources``, ``evidence``). The same seed
gives the same bytes. Memory stays proportional to the number of nodes, not relationships.
"""

from __future__ import annotations

import bisect
import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from intelgraph.graph.ids import node_id, relationship_id
from intelgraph.graph.schema import load_schema

__all__ = ["generate"]

ARRAY = ";"
# share of the relationships of each family
SHARE = {"ties": 0.46, "shipments": 0.30, "claims": 0.20, "sources": 0.02, "stances": 0.02}
TIE_TYPES = [("ASSOCIATED_WITH", 0.45), ("MEMBER_OF", 0.25), ("SUPPORTS", 0.2), ("ALLIED_WITH", 0.1)]
ACTOR_KINDS = [("Person", 0.6), ("ArmedGroup", 0.12), ("Organisation", 0.18), ("StateBody", 0.1)]
BODY_TYPES = ["government", "army", "embassy", "border_authority", "command", "intelligence"]
MATERIEL = ["rifle", "anti-tank missile", "air defence system", "rocket launcher", "drone", "ammunition"]
SYLLABLES = ["al", "ba", "dar", "ka", "mir", "no", "ra", "sa", "tan", "vi", "zar", "hu", "el", "or", "qu", "is"]


def _name(rng: random.Random, i: int, prefix: str) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{prefix} {word} {i}"


class _Writer:
    """One CSV file per kind or type, opened on first use."""

    def __init__(self, out: Path):
        self.out = out
        self.files: dict[str, Any] = {}
        self.writers: dict[str, Any] = {}
        self.counts: dict[str, int] = {}

    def row(self, key: str, header: list[str], values: list[Any]) -> None:
        if key not in self.writers:
            fh = open(self.out / f"{key}.csv", "w", encoding="utf-8", newline="")
            self.files[key] = fh
            self.writers[key] = csv.writer(fh, lineterminator="\n")
            self.writers[key].writerow(header)
            self.counts[key] = 0
        self.writers[key].writerow(values)
        self.counts[key] += 1

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


def _weighted(rng: random.Random, table: list[tuple[str, float]]) -> str:
    x = rng.random() * sum(w for _, w in table)
    for item, w in table:
        x -= w
        if x <= 0:
            return item
    return table[-1][0]


class _Preferential:
    """Draw members with probability growing with the ties they already have (skewed degrees)."""

    def __init__(self, items: list[str], rng: random.Random):
        self.items, self.rng = items, rng
        self.weights = [1.0] * len(items)
        self.cum: list[float] | None = None
        self.dirty = 0

    def draw(self) -> int:
        if self.cum is None or self.dirty > max(50, len(self.items) // 10):
            total, self.cum = 0.0, []
            for w in self.weights:
                total += w
                self.cum.append(total)
            self.dirty = 0
        i = bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])
        self.weights[i] += 1.0
        self.dirty += 1
        return min(i, len(self.items) - 1)


def generate(out_dir: str | Path, relationships: int = 10_000, seed: int = 0) -> dict[str, Any]:
    """Write the dataset; return counts by file and in all."""
    if relationships < 100:
        raise ValueError("generate at least 100 relationships")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    schema = load_schema()
    w = _Writer(out)
    n_rel = {k: int(relationships * v) for k, v in SHARE.items()}
    n_rel["ties"] += relationships - sum(n_rel.values())

    node_header = ["id:ID(Entity)", ":LABEL", "name", "sources:string[]", "evidence:string[]"]
    rel_header = [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE", "id", "sources:string[]", "evidence:string[]"]

    def node(kind: str, name: str, source: str, extra_cols: list[str] = (), extra: list[Any] = (),
             key: list[Any] | None = None) -> str:
        nid = node_id(kind, key if key is not None else [name])
        labels = ";".join(schema.kind(kind).labels)
        w.row(f"nodes_{kind}", node_header + list(extra_cols),
              [nid, labels, name, source, f"{source} | generated record {name}", *extra])
        return nid

    seen: set[str] = set()

    def rel(rtype: str, s: str, t: str, source: str, disc: tuple[Any, ...] = (), credibility: int | None = None,
            extra_cols: list[str] = (), extra: list[Any] = ()) -> bool:
        """Write one relationship; False (and nothing written) if the same fact exists already."""
        sym = schema.rel(rtype).symmetric
        if sym and t < s:
            s, t = t, s
        rid = relationship_id(rtype, s, t, disc, symmetric=sym)
        if rid in seen:
            return False
        seen.add(rid)
        cols, vals = list(extra_cols), list(extra)
        if credibility is not None:
            cols.append("credibility:int")
            vals.append(credibility)
        w.row(f"rels_{rtype}", rel_header + cols, [s, t, rtype, rid, source, f"{source} | generated fact", *vals])
        return True

    # -- sources: originals and re-reports --------------------------------------------------
    n_docs = max(20, n_rel["sources"] + 5)
    originals: list[str] = []
    docs: list[str] = []
    doc_grade: dict[str, str] = {}
    cites = 0
    for i in range(n_docs):
        grade = _weighted(rng, [("A", 1), ("B", 3), ("C", 4), ("D", 2), ("E", 1), ("F", 2)])
        name = _name(rng, i, "Report")
        did = node_id("Document", [name])
        w.row("nodes_Document", node_header + ["reliability", "date:date"],
              [did, ";".join(schema.kind("Document").labels), name, did, f"{did} | the document itself",
               grade, f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"])
        doc_grade[did] = grade
        if originals and rng.random() < 0.6 and cites < n_rel["sources"]:
            rel("CITES", did, rng.choice(originals[: max(3, len(originals) // 5)]), did)
            cites += 1
        else:
            originals.append(did)
        docs.append(did)

    def src() -> str:
        return docs[int(len(docs) * rng.random() ** 2)]  # a few sources carry most facts

    # -- actors in clusters -----------------------------------------------------------------
    n_nodes_total = max(50, relationships // 4)
    n_actors = int(n_nodes_total * 0.62)
    cluster_size = 60
    actors: list[str] = []
    actor_kind: list[str] = []
    for i in range(n_actors):
        kind = _weighted(rng, ACTOR_KINDS)
        s = src()
        if kind == "StateBody":
            nid = node(kind, _name(rng, i, "Bureau"), s, ["body_type"], [rng.choice(BODY_TYPES)])
        else:
            nid = node(kind, _name(rng, i, {"Person": "Person", "ArmedGroup": "Brigade",
                                           "Organisation": "Company"}[kind]), s)
        actors.append(nid)
        actor_kind.append(kind)
    clusters = [list(range(i, min(i + cluster_size, n_actors))) for i in range(0, n_actors, cluster_size)]
    pref = [_Preferential([actors[j] for j in c], rng) for c in clusters]
    global_pref = _Preferential(actors, rng)
    ties = attempts = 0
    while ties < n_rel["ties"] and attempts < 20 * n_rel["ties"]:
        attempts += 1
        rtype = _weighted(rng, TIE_TYPES)
        ci = rng.randrange(len(clusters))
        c = clusters[ci]
        a = c[pref[ci].draw()]
        b = c[pref[ci].draw()] if rng.random() < 0.85 else global_pref.draw()
        if a == b:
            b = c[(c.index(a) + 1) % len(c)] if len(c) > 1 else (a + 1) % n_actors
        s = src()
        ties += rel(rtype, actors[a], actors[b], s, disc=(None, None, None), credibility=rng.randint(1, 6))

    # -- places, chokepoints, shipments -------------------------------------------------------
    n_places = max(20, int(n_nodes_total * 0.05))
    places = []
    for i in range(n_places):
        kind = _weighted(rng, [("City", 5), ("Port", 2), ("BorderCrossing", 2), ("Waterway", 1)])
        places.append(node(kind, _name(rng, i, {"City": "City", "Port": "Port", "BorderCrossing": "Crossing",
                                                "Waterway": "Strait"}[kind]), src()))
    chokepoints = places[: max(3, n_places // 25)]
    materiel = [node("Materiel", f"{m} model {i}", src(), ["materiel_type"], [m])
                for i, m in enumerate(MATERIEL * 3)]
    vessels = [node("Vessel", _name(rng, i, "MV"), src(), ["flag"], [rng.choice(["RU", "IR", "PA", "LR"])])
               for i in range(max(5, n_places // 2))]
    made = 0
    shipment_no = 0
    while made < n_rel["shipments"]:
        legs = rng.randint(2, 4)
        name = f"Shipment {shipment_no}"
        shipment_no += 1
        s = src()
        sid = node("Shipment", name, s)
        stops = [rng.choice(places)]
        for _ in range(legs):
            stops.append(rng.choice(places))
        for order in range(1, legs + 1):
            lid = node("Leg", f"{name} leg {order}", s, ["shipment", "order:long", "mode"],
                       [sid, order, rng.choice(["land", "sea", "air"])], key=[sid, order])
            rel("HAS_LEG", sid, lid, s)
            made += rel("DEPARTS_FROM", lid, stops[order - 1], s)
            made += rel("ARRIVES_AT", lid, stops[order], s)
            made += 1
            if rng.random() < 0.7:
                made += rel("PASSES_THROUGH", lid, rng.choice(chokepoints), s)
            if rng.random() < 0.4:
                made += rel("CARRIED", rng.choice(vessels), lid, s)
        for rtype in ("SENT", "RECEIVED", "HANDLED"):
            made += rel(rtype, actors[global_pref.draw()], sid, s, credibility=rng.randint(1, 6))
        made += rel("CONTAINS", sid, rng.choice(materiel), s)

    # -- claims and denials ---------------------------------------------------------------
    claims_made = 0
    stance_made = 0
    claim_no = 0
    while claims_made < n_rel["claims"]:
        d = src()
        statement = f"Claim {claim_no}"
        claim_no += 1
        cid = node_id("Claim", [d, statement])
        grade = doc_grade[d]
        cred = rng.randint(1, 6)
        w.row("nodes_Claim", node_header + ["statement", "source", "quote", "reliability", "credibility:long"],
              [cid, ";".join(schema.kind("Claim").labels), statement, d, f"{d} | generated quote {claim_no}",
               statement, d, f"generated quote {claim_no}", grade, cred])
        claims_made += rel("ASSERTS", d, cid, d)
        claims_made += rel("ABOUT", cid, actors[global_pref.draw()], d)
        if rng.random() < 0.5:
            claims_made += rel("ATTRIBUTED_TO", cid, rng.choice(originals), d)
        if stance_made < n_rel["stances"] and rng.random() < 0.2:
            stance_made += rel(rng.choice(["DENIES", "DOUBTS", "DECLINES_TO_COMMENT"]),
                               actors[global_pref.draw()], cid, src())
    w.close()
    total = sum(v for k, v in w.counts.items() if k.startswith("rels_"))
    nodes = sum(v for k, v in w.counts.items() if k.startswith("nodes_"))
    return {"out_dir": str(out), "seed": seed, "nodes": nodes, "relationships": total,
            "files": {k: v for k, v in sorted(w.counts.items())}}


def iter_files(out_dir: str | Path) -> Iterator[Path]:
    """The generated files, node files first (the order a loader wants them)."""
    out = Path(out_dir)
    yield from sorted(out.glob("nodes_*.csv"))
    yield from sorted(out.glob("rels_*.csv"))
