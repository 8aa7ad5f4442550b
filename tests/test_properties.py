"""Property-based tests (hypothesis) for the content-derived ids, the dataset validator and
the neo4j-admin CSV header parser.

* ids: the same content gives the same id however it is spelled (case, spacing, Unicode
  compatibility forms); content that differs after normalisation gives different ids; a
  symmetric tie has one id whichever way it is written, a directed one two;
* datasets: generated valid datasets (YAML or JSON) validate and yield exactly the node and
  relationship counts an independent model of the format predicts; a valid dataset with one
  mutation (a wrong type, an unknown kind, a dangling reference...) is refused with an
  :class:`InputErrors` naming the mutated record and field; arbitrary values in any field are
  refused with an :class:`InputErrors`, never another exception;
* the CSV header parser: generated headers parse to the columns they were built from; every
  malformed header is refused with an :class:`InputErrors` naming the column as written.
"""

from __future__ import annotations

import json
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from intelgraph.errors import InputErrors
from intelgraph.graph.ids import digest, node_id, normalise, relationship_id
from intelgraph.loaders.dataset import read_dataset

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- ids ----------------------------------------------------------------------------------------
key_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
kinds = st.sampled_from(["Person", "Organisation", "Country", "City", "Shipment", "Document", "Claim", "Leg"])
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in string.ascii_letters + string.digits}


@st.composite
def respelled(draw, text: str) -> str:
    """``text`` spelled differently but with the same content: case changed, spacing around and
    between words changed, ASCII letters and digits written as their full-width forms (which
    NFKC folds back)."""
    words = text.split()
    out = []
    for w in words:
        w = "".join(draw(st.sampled_from([c, c.upper(), c.lower(), _FULLWIDTH.get(c, c)])) for c in w)
        out.append(w)
    seps = [draw(st.sampled_from([" ", "  ", "\t", " \u00a0", "\n"])) for _ in range(max(0, len(out) - 1))]
    joined = "".join(w + s for w, s in zip(out, seps + [""]))
    return draw(st.sampled_from(["", " ", "\u3000"])) + joined + draw(st.sampled_from(["", " ", "\t"]))


@SETTINGS
@given(st.text(alphabet=string.ascii_letters + string.digits + " éßÅ", min_size=1, max_size=30).filter(str.strip),
       kinds, st.data())
def test_same_content_same_id(name, kind, data):
    other = data.draw(respelled(name))
    assert normalise(other) == normalise(name)
    assert node_id(kind, [other]) == node_id(kind, [name])


@SETTINGS
@given(kinds, st.lists(key_text, min_size=1, max_size=3), st.lists(key_text, min_size=1, max_size=3))
def test_different_content_different_id(kind, a, b):
    assume(any(normalise(v) for v in a) and any(normalise(v) for v in b))
    same = [normalise(v) for v in a] == [normalise(v) for v in b]
    assert (node_id(kind, a) == node_id(kind, b)) == same


@SETTINGS
@given(kinds, kinds, key_text.filter(lambda t: normalise(t) != ""))
def test_kind_is_part_of_the_id(k1, k2, name):
    assert (node_id(k1, [name]) == node_id(k2, [name])) == (normalise(k1) == normalise(k2))


@SETTINGS
@given(st.lists(key_text, min_size=1, max_size=4), st.lists(key_text, min_size=1, max_size=4))
@example(["a,b"], ["a", "b"])
@example(['a","b'], ["a", "b"])
@example(["ab", ""], ["a", "b"])
def test_digest_is_unambiguous(a, b):
    """Parts are never confused with each other's separators: equal digests only for equal
    normalised parts."""
    assert (digest(a) == digest(b)) == ([normalise(p) for p in a] == [normalise(p) for p in b])


@SETTINGS
@given(key_text)
@example("\u0390")  # Greek iota with dialytika and tonos: casefolds to three code points
@example("\ufb03")  # the ffi ligature
@example("\u1e9e")  # capital sharp s
@example("\u01c5")  # Dž as one code point
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once


@SETTINGS
@given(kinds, st.lists(st.sampled_from(["", " ", "\t", "\u3000", "\n \n"]), min_size=1, max_size=3))
def test_blank_key_has_no_id(kind, blanks):
    with pytest.raises(ValueError):
        node_id(kind, blanks)


node_ids = st.builds(lambda k, n: node_id(k, [n]), kinds, key_text.filter(lambda t: normalise(t) != ""))
discriminators = st.lists(st.one_of(st.none(), key_text, st.integers(-5, 5)), max_size=3)
rel_types = st.sampled_from(["ALLIED_WITH", "SUPPORTS", "BORDERS", "ABOUT"])


@SETTINGS
@given(rel_types, node_ids, node_ids, discriminators)
def test_symmetric_tie_has_one_id_either_way(rel_type, a, b, disc):
    assert relationship_id(rel_type, a, b, disc, symmetric=True) == relationship_id(rel_type, b, a, disc, symmetric=True)


@SETTINGS
@given(rel_types, node_ids, node_ids, discriminators, discriminators)
def test_directed_ties_differ_by_direction_and_discriminator(rel_type, a, b, d1, d2):
    assume(a != b)
    assert relationship_id(rel_type, a, b, d1) != relationship_id(rel_type, b, a, d1)
    same_disc = [normalise(x) for x in d1] == [normalise(x) for x in d2]
    assert (relationship_id(rel_type, a, b, d1) == relationship_id(rel_type, a, b, d2)) == same_disc


# -- datasets: a generator of valid datasets and an independent model of their counts ----------
ACTOR_KINDS = {"Person": {}, "Organisation": {}, "ArmedGroup": {}, "StateBody": {"body_type": "army"},
               "Country": {}}
PLACE_KINDS = {"City": {}, "Port": {}, "Region": {}, "Country": {}}
OTHER_KINDS = {"Vessel": {}, "Materiel": {"materiel_type": "rifle"}, "Shipment": {}}
ENTITY_KINDS = {**ACTOR_KINDS, **PLACE_KINDS, **OTHER_KINDS}
#: fact types the generator uses: (from kinds, to kinds, symmetric)
FACT_TYPES = {
    "SUPPORTS": (ACTOR_KINDS, ACTOR_KINDS, False), "OPPOSES": (ACTOR_KINDS, ACTOR_KINDS, False),
    "ALLIED_WITH": (ACTOR_KINDS, ACTOR_KINDS, True), "ASSOCIATED_WITH": (ACTOR_KINDS, ACTOR_KINDS, True),
    "LOCATED_IN": (PLACE_KINDS, PLACE_KINDS, False), "BORDERS": (PLACE_KINDS, PLACE_KINDS, True),
    "BASED_IN": (ACTOR_KINDS, PLACE_KINDS, False), "SENT": (ACTOR_KINDS, {"Shipment": {}}, False),
    "CONTAINS": ({"Shipment": {}}, {"Materiel": {}}, False), "OPERATED_BY": ({"Vessel": {}}, ACTOR_KINDS, False),
}
STANCES = ["DENIES", "DOUBTS", "DECLINES_TO_COMMENT", "CONFIRMS"]
# names: one line of plain text, any script; no control characters, bidi overrides or isolates,
# backticks or braces
name_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"),
                                  exclude_characters="`{}\x85\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
                    min_size=1, max_size=24).filter(
    lambda s: s.strip() and normalise(s))
dates = st.dates(min_value=__import__("datetime").date(1990, 1, 1)).map(lambda d: d.isoformat())


@st.composite
def datasets(draw, rich: bool | None = None) -> tuple[dict[str, Any], str, tuple[int, int]]:
    """A valid dataset, the text of its held document, and the (nodes, relationships) counts
    the format promises: one node per distinct (kind, key), one relationship per distinct
    (type, ends — in either order when symmetric —, role, date, date_from).

    A ``rich`` dataset has at least one of everything (a shipment with a leg, a place, two
    actors, a claim, a fact, a stance), so that every mutation finds a record to apply to."""
    if rich is None:
        rich = draw(st.booleans())
    quotes: list[str] = []

    def quote(text: str) -> str:
        q = f"«{len(quotes)}» {text}"
        quotes.append(q)
        return q

    names = draw(st.lists(name_text, min_size=6 if rich else 3, max_size=14, unique_by=normalise))
    n_docs = draw(st.integers(1, min(3, len(names) - (5 if rich else 2))))
    doc_names, ent_names = names[:n_docs], names[n_docs:]
    sources = [{"ref": "d0", "kind": "Document", "name": doc_names[0], "file": "doc.txt",
                "reliability": draw(st.sampled_from("ABCDEF"))}]
    for i, n in enumerate(doc_names[1:], 1):  # documents known through the held one
        sources.append({"ref": f"d{i}", "kind": "Document", "name": n,
                        "evidence": [{"source": "d0", "quote": quote(f"document {i}")}]})
    nodes = {("Document", normalise(n)) for n in doc_names}
    entities, kind_of = [], {}
    forced = ["Shipment", "City", "Person", "Organisation"] if rich else []
    for i, n in enumerate(ent_names):
        kind = forced[i] if i < len(forced) else draw(st.sampled_from(sorted(ENTITY_KINDS)))
        rec = {"ref": f"e{i}", "kind": kind, "name": n, **ENTITY_KINDS[kind]}
        if draw(st.booleans()):
            rec["aliases"] = draw(st.lists(name_text, max_size=2, unique=True))
        if kind in PLACE_KINDS and draw(st.booleans()):
            rec["lat"] = draw(st.floats(-90, 90, allow_nan=False))
        if kind == "Shipment" and draw(st.booleans()):
            rec["date_from"] = draw(dates)
        rec["evidence"] = [{"source": draw(st.sampled_from([s["ref"] for s in sources])), "quote": quote(f"entity {i}")}]
        entities.append(rec)
        kind_of[rec["ref"]] = kind
        nodes.add((kind, normalise(n)))
    rels: set[tuple[Any, ...]] = set()
    # legs of shipments, keyed by (shipment, order)
    shipments = [e["ref"] for e in entities if e["kind"] == "Shipment"]
    places = [e["ref"] for e in entities if e["kind"] in PLACE_KINDS]
    for j, ship in enumerate(shipments):
        for order in range(1, draw(st.integers(1 if rich and j == 0 else 0, 2)) + 1):
            leg = {"ref": f"leg{j}_{order}", "kind": "Leg", "shipment": ship, "order": order,
                   "mode": draw(st.sampled_from(["land", "sea", "air"])),
                   "evidence": [{"source": "d0", "quote": quote(f"leg {j} {order}")}]}
            nodes.add(("Leg", ship, order))
            rels.add(("HAS_LEG", ship, leg["ref"]))
            for fld, rtype in (("from", "DEPARTS_FROM"), ("to", "ARRIVES_AT")):
                if places and draw(st.booleans()):
                    leg[fld] = draw(st.sampled_from(places))
                    rels.add((rtype, leg["ref"], leg[fld]))
            entities.append(leg)
            kind_of[leg["ref"]] = "Leg"
    claims = []
    for j in range(draw(st.integers(1 if rich else 0, 4))):
        src = draw(st.sampled_from([s["ref"] for s in sources]))
        about = draw(st.lists(st.sampled_from([e["ref"] for e in entities]), max_size=2, unique=True)) if entities else []
        attributed = draw(st.lists(st.sampled_from([s["ref"] for s in sources]), max_size=1))
        claims.append({"ref": f"c{j}", "source": src, "statement": f"statement {j}", "quote": quote(f"claim {j}"),
                       "reliability": draw(st.sampled_from("ABCDEF")), "credibility": draw(st.integers(1, 6)),
                       "about": about, "attributed_to": attributed})
        nodes.add(("Claim", src, j))
        rels.add(("ASSERTS", src, f"c{j}"))
        rels |= {("ABOUT", f"c{j}", a) for a in about} | {("ATTRIBUTED_TO", f"c{j}", a) for a in attributed}
    facts = []
    for k in range(draw(st.integers(0, 8)) + (1 if rich else 0)):
        rtype = "SUPPORTS" if rich and k == 0 else draw(st.sampled_from(sorted(FACT_TYPES)))
        froms, tos, symmetric = FACT_TYPES[rtype]
        starts = [e["ref"] for e in entities if e["kind"] in froms]
        ends = [e["ref"] for e in entities if e["kind"] in tos]
        if not starts or not ends:
            continue
        a, b = draw(st.sampled_from(starts)), draw(st.sampled_from(ends))
        if rich and k == 0:
            a, b = "e2", "e3"  # the forced Person supports the forced Organisation
        if a == b:
            continue
        fact: dict[str, Any] = {"type": rtype, "from": a, "to": b}
        props = {}
        if draw(st.booleans()):
            props["role"] = draw(st.sampled_from(["backer", "member", "host"]))
        if draw(st.booleans()):
            props["date"] = draw(dates)
        if props:
            fact["props"] = props
        if claims and draw(st.booleans()):
            fact["claims"] = [draw(st.sampled_from([c["ref"] for c in claims]))]
        else:
            fact["evidence"] = [{"source": draw(st.sampled_from([s["ref"] for s in sources])),
                                 "quote": quote(f"fact {len(facts)}")}]
        facts.append(fact)
        ends_key = tuple(sorted((a, b))) if symmetric else (a, b)
        rels.add((rtype, *ends_key, props.get("role"), props.get("date")))
    stances = []
    actors = [e["ref"] for e in entities if e["kind"] in ACTOR_KINDS]
    for j in range(draw(st.integers(1 if rich else 0, 3)) if claims and actors else 0):
        stype, by, target = draw(st.sampled_from(STANCES)), draw(st.sampled_from(actors)), draw(
            st.sampled_from([c["ref"] for c in claims]))
        stances.append({"type": stype, "by": by, "target": target, "source": "d0", "quote": quote(f"stance {j}")})
        rels.add((stype, by, target))
    data = {"dataset": "generated", "sources": sources, "entities": entities, "claims": claims, "facts": facts,
            "stances": stances}
    text = "A generated document.\n" + "\n".join(quotes) + "\n"
    return data, text, (len(nodes), len(rels))


def write(folder: Path, data: Any, text: str, fmt: str) -> Path:
    (folder / "doc.txt").write_text(text, encoding="utf-8")
    path = folder / f"dataset.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


formats = st.sampled_from(["json", "yaml"])


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(datasets(), formats)
def test_valid_datasets_validate_with_the_expected_counts(generated, fmt):
    data, text, expected = generated
    with tempfile.TemporaryDirectory() as tmp:
        ds = read_dataset(write(Path(tmp), data, text, fmt))
    assert ds.plan.counts() == expected


# -- mutations: each must be refused, naming the record and the field ---------------------------
def _records(data, section):
    return [(i, r) for i, r in enumerate(data.get(section) or []) if isinstance(r, dict)]


MUTATIONS = [
    # (name, section, applies to record?, mutate(record) -> field named)
    ("lat as text", "entities", lambda r: r["kind"] in PLACE_KINDS, lambda r: r.update(lat="north") or "lat"),
    ("name as a number", "entities", lambda r: r["kind"] != "Leg", lambda r: r.update(name=12) or "name"),
    ("aliases not a list", "entities", lambda r: r["kind"] != "Leg", lambda r: r.update(aliases="PMF") or "aliases"),
    ("unknown kind", "entities", lambda r: True, lambda r: r.update(kind="Spaceship") or "kind"),
    ("kind as a list", "entities", lambda r: True, lambda r: r.update(kind=["Person"]) or "kind"),
    ("unknown property", "entities", lambda r: True, lambda r: r.update(colour="red") or "colour"),
    ("missing name", "entities", lambda r: r["kind"] != "Leg", lambda r: r.pop("name") and "name"),
    ("name with a brace", "entities", lambda r: r["kind"] != "Leg", lambda r: r.update(name="x} RETURN 1 //") or "name"),
    ("leg order as text", "entities", lambda r: r["kind"] == "Leg", lambda r: r.update(order="1") or "order"),
    ("leg mode unknown", "entities", lambda r: r["kind"] == "Leg", lambda r: r.update(mode="teleport") or "mode"),
    ("dangling evidence source", "entities", lambda r: True,
     lambda r: r["evidence"][0].update(source="nowhere") or "evidence[0].source"),
    ("quote not in the document", "entities", lambda r: r["evidence"][0]["source"] == "d0",
     lambda r: r["evidence"][0].update(quote="words nobody wrote") or "evidence[0].quote"),
    ("no evidence", "entities", lambda r: True, lambda r: r.pop("evidence") and "evidence"),
    ("date in words", "entities", lambda r: r["kind"] == "Shipment",
     lambda r: r.update(date_from="March 2022") or "date_from"),
    ("credibility 7", "claims", lambda r: True, lambda r: r.update(credibility=7) or "credibility"),
    ("reliability Z", "claims", lambda r: True, lambda r: r.update(reliability="Z") or "reliability"),
    ("dangling about", "claims", lambda r: True, lambda r: r.update(about=["ghost"]) or "about[0]"),
    ("dangling from", "facts", lambda r: True, lambda r: r.update({"from": "ghost"}) or "from"),
    ("dangling to", "facts", lambda r: True, lambda r: r.update(to="ghost") or "to"),
    ("unknown type", "facts", lambda r: True, lambda r: r.update(type="KNOWS_OF") or "type"),
    ("type as a mapping", "facts", lambda r: True, lambda r: r.update(type={"a": 1}) or "type"),
    ("stance type as a list", "stances", lambda r: True, lambda r: r.update(type=["DENIES"]) or "type"),
    ("date prop in words", "facts", lambda r: True, lambda r: r.setdefault("props", {}).update(date="13/04/2022")
     or "props.date"),
    ("unknown prop", "facts", lambda r: True, lambda r: r.setdefault("props", {}).update(size=3) or "props.size"),
    ("unknown claim", "facts", lambda r: True, lambda r: r.update(claims=["ghost"]) or "claims[0]"),
    ("dangling stance target", "stances", lambda r: True, lambda r: r.update(target="ghost") or "target"),
    ("unknown stance", "stances", lambda r: True, lambda r: r.update(type="SHRUGS") or "type"),
    ("stance without quote", "stances", lambda r: True, lambda r: r.pop("quote") and "quote"),
]


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m[0] for m in MUTATIONS])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(generated=datasets(rich=True), fmt=formats, data=st.data())
def test_mutated_dataset_is_refused_naming_record_and_field(mutation, generated, fmt, data):
    ds, text, _ = generated
    name, section, applies, mutate = mutation
    candidates = [(i, r) for i, r in _records(ds, section) if applies(r)]
    assume(candidates)
    i, rec = data.draw(st.sampled_from(candidates))
    field = mutate(rec)
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), ds, text, fmt)
        with pytest.raises(InputErrors) as info:
            read_dataset(path)
    problems = info.value.problems
    assert all(p.file == str(path) and p.record and p.field and p.reason for p in problems)
    named = [p for p in problems if f"{section}[{i}]" in p.record and p.field == field]
    assert named, f"{name}: no problem names {section}[{i}] field {field!r}: {[str(p) for p in problems]}"


@pytest.mark.parametrize("bad_type", [{"a": 1}, ["SUPPORTS"]], ids=["mapping", "list"])
def test_fact_type_that_is_not_text_is_an_input_error(tmp_path, bad_type):
    data = {"dataset": "t", "sources": [{"ref": "d0", "kind": "Document", "name": "Doc", "file": "doc.txt"}],
            "entities": [{"ref": f"e{i}", "kind": "Person", "name": f"P{i}",
                          "evidence": [{"source": "d0", "quote": "text"}]} for i in range(2)],
            "facts": [{"type": bad_type, "from": "e0", "to": "e1", "evidence": [{"source": "d0", "quote": "text"}]}]}
    with pytest.raises(InputErrors) as info:
        read_dataset(write(tmp_path, data, "text\n", "json"))
    assert any(p.record == "facts[0]" and p.field == "type" for p in info.value.problems)


# -- arbitrary values anywhere: refused with InputErrors, never another exception --------------
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
              st.text(max_size=12)),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(max_size=8), children, max_size=3)),
    max_leaves=8)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(datasets(), st.sampled_from(["json", "yaml"]), st.data())
def test_any_value_in_any_field_is_an_input_error_or_valid(generated, fmt, data):
    ds, text, _ = generated
    section = data.draw(st.sampled_from(["sources", "entities", "claims", "facts", "stances", "dataset"]))
    if section == "dataset":
        ds["dataset"] = data.draw(json_values)
    else:
        records = ds[section]
        assume(records)
        rec = data.draw(st.sampled_from(records))
        key = data.draw(st.one_of(st.sampled_from(sorted(rec)), st.text(max_size=8)))
        rec[key] = data.draw(json_values)
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), ds, text, fmt)
        try:
            read_dataset(path)
        except InputErrors as exc:
            # every problem names a record and the field as written (an empty key is named '')
            assert exc.problems and all(p.record and isinstance(p.field, str) and p.reason for p in exc.problems)


WRONG_VALUES = [None, True, 7, -1.5, 2**70, "", "x", "2022-13-45", [], ["x"], [{"a": 1}], {}, {"a": 1}]


def _small_rich_dataset() -> dict[str, Any]:
    ev = [{"source": "d0", "quote": "text"}]
    return {
        "dataset": "sweep",
        "sources": [{"ref": "d0", "kind": "Document", "name": "Doc", "file": "doc.txt", "reliability": "B"},
                    {"ref": "d1", "kind": "Document", "name": "Other", "evidence": list(ev)}],
        "entities": [
            {"ref": "s", "kind": "Shipment", "name": "Ship", "date_from": "2022-03-26", "evidence": list(ev)},
            {"ref": "c", "kind": "City", "name": "Town", "lat": 1.5, "aliases": ["T"], "evidence": list(ev)},
            {"ref": "p", "kind": "Person", "name": "Pat", "evidence": list(ev)},
            {"ref": "o", "kind": "Organisation", "name": "Org", "evidence": list(ev)},
            {"ref": "l", "kind": "Leg", "shipment": "s", "order": 1, "mode": "land", "from": "c", "to": "c",
             "via": ["c"], "carried_by": ["o"], "evidence": list(ev)}],
        "claims": [{"ref": "k", "source": "d0", "statement": "Pat backs Org", "quote": "text", "reliability": "C",
                    "credibility": 2, "about": ["p", "o"], "attributed_to": ["d1"]}],
        "facts": [{"type": "SUPPORTS", "from": "p", "to": "o", "props": {"role": "backer", "date": "2022-04-01"},
                   "claims": ["k"]},
                  {"type": "ALLIED_WITH", "from": "o", "to": "p", "evidence": list(ev)}],
        "stances": [{"type": "DENIES", "by": "o", "target": "k", "source": "d0", "quote": "text",
                     "date": "2022-04-02"}],
    }


@pytest.mark.slow
def test_every_field_with_every_kind_of_wrong_value(tmp_path):
    """A deterministic sweep beside the random one: every field of every record (and of its
    evidence items and props) set to each of a dozen wrong values, and an unknown field added:
    each load is valid or refused with an InputErrors, never another exception."""
    base = _small_rich_dataset()
    read_dataset(write(tmp_path, base, "text\n", "json"))  # the unmutated dataset is valid
    cases = 0
    for section in ("sources", "entities", "claims", "facts", "stances"):
        for i, rec in enumerate(base[section]):
            paths = [(k,) for k in rec] + [("__new__",)]
            paths += [(k, j, kk) for k in ("evidence",) if k in rec for j, item in enumerate(rec[k]) for kk in item]
            paths += [("props", kk) for kk in rec.get("props", {})]
            for path in paths:
                for value in WRONG_VALUES:
                    data = json.loads(json.dumps(base))
                    target = data[section][i]
                    for step in path[:-1]:
                        target = target[step]
                    target[path[-1]] = value
                    try:
                        read_dataset(write(tmp_path, data, "text\n", "json"))
                    except InputErrors as exc:
                        assert all(p.record and isinstance(p.field, str) and p.reason for p in exc.problems)
                    cases += 1
    assert cases > 800


# -- the CSV header parser -----------------------------------------------------------------------
from intelgraph.loaders import csv_header  # noqa: E402
parse_header = csv_header.parse_header
CSV_TYPES = csv_header.CSV_TYPES

idents = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True)
spaces = st.from_regex(r"[A-Za-z0-9_ .-]{0,10}[A-Za-z0-9_]", fullmatch=True)


def _case(draw, word: str) -> str:
    return draw(st.sampled_from([word, word.upper(), word.lower(), word.capitalize()]))


@st.composite
def headers(draw) -> tuple[list[str], str, list[tuple[str, str, str, bool, str | None]]]:
    """A valid header: its fields, its entity, and per column (name, role, type, array, space)."""
    entity = draw(st.sampled_from(["node", "relationship"]))
    prop_names = draw(st.lists(idents, max_size=5, unique=True))
    cols: list[tuple[str, str, str, bool, str | None]] = []
    fields: list[str] = []

    def keyword(kw: str, name: str = "", space: str | None = None) -> None:
        fields.append(f"{name}:{_case(draw, kw)}" + (f"({space})" if space is not None else ""))
        cols.append((name, kw.lower(), "string", False, space))

    if entity == "node":
        id_name = draw(st.one_of(st.just(""), idents.filter(lambda n: n not in prop_names)))
        keyword("ID", id_name, draw(st.one_of(st.none(), spaces)))
        if draw(st.booleans()):
            keyword("LABEL")
    else:
        keyword("START_ID", "", draw(st.one_of(st.none(), spaces)))
        keyword("END_ID", "", draw(st.one_of(st.none(), spaces)))
        if draw(st.booleans()):
            keyword("TYPE")
    for n in prop_names:
        if draw(st.booleans()):
            fields.append(n)
            cols.append((n, "property", "string", False, None))
        else:
            t, arr = draw(st.sampled_from(CSV_TYPES)), draw(st.booleans())
            fields.append(f"{n}:{_case(draw, t)}{'[]' if arr else ''}")
            cols.append((n, "property", t, arr, None))
    for _ in range(draw(st.integers(0, 2))):
        keyword("IGNORE", draw(st.one_of(st.just(""), idents.filter(lambda n: n not in prop_names))))
    order = draw(st.permutations(range(len(fields))))
    return [fields[k] for k in order], entity, [cols[k] for k in order]


@pytest.mark.slow
@SETTINGS
@given(headers())
def test_generated_headers_parse_to_their_columns(generated):
    fields, entity, cols = generated
    h = parse_header(fields, file="gen.csv")
    assert h.entity == entity
    got = [(c.name, c.role, c.type, c.array, c.space) for c in h.columns]
    assert got == cols
    assert [c.text for c in h.columns] == fields and [c.index for c in h.columns] == list(range(len(fields)))


header_field = st.one_of(
    st.text(max_size=20),
    st.builds(lambda a, b, c: f"{a}:{b}{c}", st.text(max_size=6), st.text(max_size=8), st.text(max_size=6)),
    st.sampled_from([":ID", ":ID(People)", ":START_ID", ":END_ID(x)", ":LABEL", ":TYPE", ":IGNORE", "name:ID",
                     "x:int", "x:int[]", "x:datetime", "x:bogus", "x:ID[]", ":LABEL(x)", ":ID()", " x", "x:string{a}",
                     "", "a:b:c", "x:", ":"]),
)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(st.lists(header_field, max_size=8))
def test_any_header_parses_or_is_refused_naming_the_column(fields):
    try:
        h = parse_header(fields, file="any.csv")
    except InputErrors as exc:
        for p in exc.problems:
            assert p.file == "any.csv" and p.record == "header" and p.reason
            assert p.field in fields or p.field in ("(header)", ":START_ID", ":END_ID") or (
                p.field.startswith("(column ") and fields[int(p.field[8:-1]) - 1] == ""), p
        return
    assert len(h.columns) == len(fields)
    roles = [c.role for c in h.columns]
    assert (roles.count("id") == 1) != (h.entity == "relationship")
    assert h.entity == "node" or (roles.count("start_id") == 1 and roles.count("end_id") == 1)
    names = [c.name for c in h.columns if c.role == "property"]
    assert len(names) == len(set(names))


@pytest.mark.slow
@SETTINGS
@given(headers(), st.data())
def test_broken_header_names_the_offending_column(generated, data):
    fields, entity, cols = generated
    breakage = data.draw(st.sampled_from(["unknown type", "neo4j-only type", "duplicate keyword", "space on a type",
                                          "padded", "bad name"]))
    if breakage == "unknown type":
        bad = "weight:bogus"
    elif breakage == "neo4j-only type":
        bad = f"when:{data.draw(st.sampled_from(['datetime', 'point', 'duration', 'byte']))}"
    elif breakage == "duplicate keyword":
        bad = ":ID(Again)" if entity == "node" else ":END_ID(Again)"
    elif breakage == "space on a type":
        bad = "weight:float(Space)"
    elif breakage == "padded":
        bad = " " + fields[0]
    else:
        bad = data.draw(st.sampled_from(["9lives:int", "with-dash", "sp ace:string", "ümlaut"]))
    # a second :ID/:END_ID goes after the first, so that it is the one named as the duplicate
    at = len(fields) if breakage == "duplicate keyword" else data.draw(st.integers(0, len(fields)))
    broken = fields[:at] + [bad] + fields[at:]
    with pytest.raises(InputErrors) as info:
        parse_header(broken, file="bad.csv")
    assert any(p.field == bad for p in info.value.problems), [str(p) for p in info.value.problems]


# -- YAML scalars ---------------------------------------------------------------------------------
_NUMBERISH = st.text(st.sampled_from("0123456789+-._:eExXoObB "), min_size=1, max_size=8)
_WORDISH = st.sampled_from(["yes", "no", "on", "off", "y", "n", "NO", "Yes", "true", "False", "null", "~",
                            ".inf", "-.Inf", ".nan", "0x1F", "0o17", "0b101", "1_000", "1:20", "010", "09", "1e5"])


@SETTINGS
@given(st.one_of(_NUMBERISH, _WORDISH))
@example("0e0")
@example("1.5e3")
@example("-.5")
def test_yaml_text_written_by_pyyaml_reads_back_as_that_text(text):
    """Whatever PyYAML's (YAML 1.1) dumper writes as a string, the dataset reader reads back as
    that string: a value becomes a number or boolean only where YAML 1.1 agrees it is one."""
    from intelgraph.loaders.dataset import _Loader

    dumped = yaml.safe_dump({"name": text})
    assert yaml.load(dumped, Loader=_Loader)["name"] == text, dumped
    try:  # and a plain (unquoted) value typed by us reads as YAML 1.1 reads it
        plain = yaml.safe_load(f"name: {text}")["name"]
        ours = yaml.load(f"name: {text}", Loader=_Loader)["name"]
    except yaml.YAMLError:
        return  # not a plain scalar at all (`-`, `: x`): only the dumped form applies
    if not isinstance(ours, str):
        assert type(ours) is type(plain) and (ours == plain or (ours != ours and plain != plain)), (ours, plain)
