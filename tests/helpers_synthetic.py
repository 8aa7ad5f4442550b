"""Synthetic datasets for the crash, concurrency and property tests.

Everything is a pure function of its arguments (and ``seed``): the same call writes the same
files byte for byte. A dataset is a JSON file in the dataset format (``loaders/FORMAT.md``)
with one held source document beside it; every quote is a line of that document, so quotes
check verbatim.

* :func:`write_dataset` — one dataset of ``n_entities`` actors and places and ``n_facts``
  relationships between them, some resting on graded claims;
* :func:`write_overlapping` — several datasets that describe the *same* entities (same kinds,
  names and properties, so the same ids) and partly the *same* facts, each from its own source
  document with its own claims and gradings, plus facts of their own: loaded in any order, or at
  once, they must merge into one graph.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Kinds the generator uses, with the required properties each needs besides ``name``.
ACTOR_KINDS: dict[str, dict[str, Any]] = {
    "Person": {"role": "analyst"},
    "Organisation": {"org_type": "company"},
    "ArmedGroup": {"group_type": "militia"},
    "StateBody": {"body_type": "army"},
    "Country": {"iso2": "XX"},
}
PLACE_KINDS: dict[str, dict[str, Any]] = {"City": {}, "Region": {}}
ACTOR_TYPES = ("SUPPORTS", "MEMBER_OF", "OPPOSES", "ASSOCIATED_WITH", "ALLIED_WITH")  # last two symmetric
SYMMETRIC = {"ASSOCIATED_WITH", "ALLIED_WITH"}


@dataclass(frozen=True)
class Entity:
    ref: str
    kind: str
    name: str
    props: tuple[tuple[str, Any], ...]

    @property
    def is_actor(self) -> bool:
        return self.kind in ACTOR_KINDS


@dataclass(frozen=True)
class Fact:
    type: str
    start: str  # entity ref
    end: str
    role: str | None = None
    date: str | None = None

    def key(self) -> tuple[Any, ...]:
        """What identifies the relationship in the graph (type, ends, discriminating props)."""
        ends = tuple(sorted((self.start, self.end))) if self.type in SYMMETRIC else (self.start, self.end)
        return (self.type, *ends, self.role, self.date)


def entity_pool(n: int, seed: int = 0, prefix: str = "") -> list[Entity]:
    """``n`` distinct entities: about four actors to one place. Names are unique (and stay
    unique after normalisation); properties depend only on the index and the seed."""
    rng = random.Random(f"pool-{seed}-{prefix}")
    out = []
    for i in range(n):
        if i % 5 == 4:
            kind = sorted(PLACE_KINDS)[i % len(PLACE_KINDS)]
            extra = dict(PLACE_KINDS[kind], lat=round(rng.uniform(-60, 60), 4), lon=round(rng.uniform(-120, 120), 4))
        else:
            kind = sorted(ACTOR_KINDS)[i % len(ACTOR_KINDS)]
            extra = dict(ACTOR_KINDS[kind])
        name = f"{prefix}{kind} {i:05d} {rng.choice(['North', 'South', 'East', 'West'])}"
        props = {**extra, "aliases": [f"{prefix}{kind[:3].upper()}{i}"], "description": f"synthetic {kind} number {i}"}
        out.append(Entity(ref=f"e{i}", kind=kind, name=name, props=tuple(sorted(props.items()))))
    return out


def random_facts(entities: list[Entity], n: int, rng: random.Random, avoid: set[tuple[Any, ...]] = frozenset()
                 ) -> list[Fact]:
    """``n`` facts between the entities, distinct by :meth:`Fact.key` (and from ``avoid``):
    actor ties, and places located in places."""
    actors = [e for e in entities if e.is_actor]
    places = [e for e in entities if e.kind in PLACE_KINDS or e.kind == "Country"]
    seen = set(avoid)
    out: list[Fact] = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 50 * n + 1000:
            raise ValueError("too few entities for that many distinct facts")
        if places and len(places) > 1 and rng.random() < 0.15:
            a, b = rng.sample(places, 2)
            fact = Fact("LOCATED_IN", a.ref, b.ref)
        else:
            a, b = rng.sample(actors, 2)
            t = rng.choice(ACTOR_TYPES)
            role = rng.choice([None, None, "backer", "member", "rival"])
            date = rng.choice([None, None, f"2022-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"])
            fact = Fact(t, a.ref, b.ref, role, date)
        if fact.key() in seen:
            continue
        seen.add(fact.key())
        out.append(fact)
    return out


class _Doc:
    """The text of the held source document, built from the quotes the records need."""

    def __init__(self, tag: str):
        self.tag = tag
        self.lines: list[str] = [f"Synthetic report {tag}.", ""]

    def quote(self, text: str) -> str:
        line = f"[{self.tag}] {text}."
        self.lines.append(line)
        return line


def _fact_record(f: Fact, evidence: list[dict[str, str]] | None, claims: list[str] | None) -> dict[str, Any]:
    rec: dict[str, Any] = {"type": f.type, "from": f.start, "to": f.end}
    props = {k: v for k, v in (("role", f.role), ("date", f.date)) if v is not None}
    if props:
        rec["props"] = props
    if claims:
        rec["claims"] = claims
    if evidence:
        rec["evidence"] = evidence
    return rec


def build_dataset(name: str, tag: str, entities: list[Entity], facts: list[Fact], seed: int = 0,
                  n_claims: int = 0, shared_sources: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """The dataset (as a dict) and its document's text. One held Document ``Synthetic report
    <tag>`` is the source of every quote; ``shared_sources`` are Documents (no text held) that
    several datasets name alike. ``n_claims`` graded claims are made, and about a third of the
    facts rest on one of them instead of their own quote."""
    rng = random.Random(f"ds-{seed}-{tag}")
    doc = _Doc(tag)
    src_ref = f"doc_{tag}"
    file_name = f"{name}.txt"
    sources: list[dict[str, Any]] = [
        {"ref": src_ref, "kind": "Document", "name": f"Synthetic report {tag}", "outlet": "Synthetic Wire",
         "language": "en", "reliability": "C", "file": file_name},
    ]
    for s in shared_sources:
        sources.append({"ref": f"shared_{s}", "kind": "Document", "name": f"Shared bulletin {s}", "outlet": "Bulletin",
                        "evidence": [{"source": src_ref, "quote": doc.quote(f"we read bulletin {s}")}]})
    ents = []
    for e in entities:
        rec = {"ref": e.ref, "kind": e.kind, "name": e.name, **dict(e.props)}
        rec["evidence"] = [{"source": src_ref, "quote": doc.quote(f"{e.name} is a {e.kind}")}]
        ents.append(rec)
    claims = []
    for j in range(n_claims):
        about = rng.sample(entities, min(2, len(entities)))
        statement = f"claim {j} of report {tag}: {about[0].name} acted"
        claims.append({"ref": f"c{j}", "source": src_ref, "statement": statement,
                       "quote": doc.quote(f"claim {j} says {about[0].name} acted"),
                       "reliability": rng.choice("ABCDEF"), "credibility": rng.randint(1, 6),
                       "about": [a.ref for a in about]})
    fact_recs = []
    for f in facts:
        if claims and rng.random() < 0.35:
            fact_recs.append(_fact_record(f, None, [rng.choice(claims)["ref"]]))
        else:
            q = doc.quote(f"{f.type} {f.start} {f.end} {f.role or ''} {f.date or ''}".strip())
            fact_recs.append(_fact_record(f, [{"source": src_ref, "quote": q}], None))
    data = {"dataset": name, "description": f"synthetic dataset {name}", "sources": sources, "entities": ents,
            "claims": claims, "facts": fact_recs}
    return data, "\n".join(doc.lines) + "\n"


def write(folder: Path, name: str, data: dict[str, Any], text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def write_dataset(folder: Path, name: str = "synthetic", n_entities: int = 1000, n_facts: int = 2000,
                  n_claims: int = 50, seed: int = 0) -> Path:
    """One dataset of ``n_entities`` entities and ``n_facts`` facts; returns the JSON file's path."""
    ents = entity_pool(n_entities, seed)
    facts = random_facts(ents, n_facts, random.Random(f"facts-{seed}"))
    data, text = build_dataset(name, name, ents, facts, seed, n_claims)
    return write(folder, name, data, text)


def write_overlapping(folder: Path, n_files: int = 4, n_shared_entities: int = 300, n_own_entities: int = 100,
                      n_shared_facts: int = 300, n_own_facts: int = 300, n_claims: int = 20,
                      seed: int = 0) -> list[Path]:
    """``n_files`` datasets over one pool of shared entities (every file describes them, each
    with its own evidence), sharing ``n_shared_facts`` facts (each file with its own evidence or
    claims, whose gradings differ), plus entities and facts of each file's own."""
    shared = entity_pool(n_shared_entities, seed, prefix="Shared ")
    rng = random.Random(f"overlap-{seed}")
    shared_facts = random_facts(shared, n_shared_facts, rng)
    paths = []
    taken = {f.key() for f in shared_facts}
    for k in range(n_files):
        own = [Entity(f"o{k}_{e.ref}", e.kind, e.name, e.props)
               for e in entity_pool(n_own_entities, seed, prefix=f"Own{k} ")]
        pool = shared + own
        random.Random(f"pool-order-{seed}-{k}").shuffle(pool)  # each file writes in its own order
        own_facts = random_facts(pool, n_own_facts, random.Random(f"own-{seed}-{k}"), avoid=taken)
        taken |= {f.key() for f in own_facts}
        facts = shared_facts + own_facts
        random.Random(f"order-{seed}-{k}").shuffle(facts)
        data, text = build_dataset(f"overlap{k}", f"R{k}", pool, facts, seed, n_claims,
                                   shared_sources=("alpha", "beta"))
        paths.append(write(folder, f"overlap{k}", data, text))
    return paths
