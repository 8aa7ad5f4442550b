"""Writes the hostile-input corpus beside this file. Deterministic; run it to regenerate:

    python tests/hostile/make_corpus.py

Each case is one file plus, in ``expected.json``, the field the error must name. The test
(tests/test_hostile_inputs.py) feeds every file to ``intelgraph load`` and checks the exit
status, the message (file, record, field) and that the graph is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = "Alice Example works for Bob Corp in Springfield since 2020."

BASE = {
    "dataset": "hostile",
    "sources": [{"ref": "doc", "kind": "Document", "name": "Hostile test document", "file": "doc.txt"}],
    "entities": [
        {"ref": "a", "kind": "Person", "name": "Alice Example", "evidence": [{"source": "doc", "quote": "Alice Example"}]},
        {"ref": "b", "kind": "Organisation", "name": "Bob Corp", "evidence": [{"source": "doc", "quote": "Bob Corp"}]},
    ],
    "facts": [{"type": "MEMBER_OF", "from": "a", "to": "b", "evidence": [{"source": "doc", "quote": "works for"}]}],
}


def base() -> dict:
    return json.loads(json.dumps(BASE))


def yaml_text(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def cases() -> dict[str, tuple[bytes | str, str]]:
    """file name -> (content, field the error must name)."""
    out: dict[str, tuple[bytes | str, str]] = {}

    def mutate(name: str, field: str, fn, fmt: str = "yaml") -> None:
        d = base()
        fn(d)
        out[f"{name}.{fmt}"] = (yaml_text(d) if fmt == "yaml" else json.dumps(d, indent=1), field)

    good_yaml = yaml_text(base())
    out["truncated.yaml"] = (good_yaml[: len(good_yaml) * 2 // 3].rsplit("\n", 2)[0] + "\n  - {ref: x, kind: Per", "(file)")
    good_json = json.dumps(base(), indent=1)
    out["truncated.json"] = (good_json[: len(good_json) // 2], "(file)")
    out["empty.yaml"] = ("", "(file)")
    out["a-list-not-a-mapping.yaml"] = ("- a\n- b\n", "(file)")
    out["alias-bomb.yaml"] = ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "(file)")
    out["python-tag.yaml"] = ("dataset: !!python/object/apply:os.system ['echo pwned']\n", "(file)")
    out["duplicate-key.yaml"] = ("dataset: one\ndataset: two\n", "(file)")
    deep: object = "x"
    for _ in range(60):
        deep = {"k": deep}
    out["deeply-nested.json"] = (json.dumps({"dataset": "deep", "entities": [deep]}), "(file)")
    out["utf16.yaml"] = (good_yaml.encode("utf-16"), "(file)")
    out["latin1.yaml"] = (good_yaml.replace("Alice Example", "Alïce Example").encode("latin-1"), "(file)")
    out["nul-byte.yaml"] = (good_yaml.replace("Bob Corp\n", "Bob\\0Corp\n", 1).replace('name: Bob\\0Corp', 'name: "Bob\\0Corp"'), "name")

    mutate("unknown-kind", "kind", lambda d: d["entities"][0].update(kind="Wizard"))
    mutate("kind-is-cypher", "kind", lambda d: d["entities"][0].update(kind="Person:Admin {x:1}) DETACH DELETE (n"))
    mutate("label-injection-json", "kind", lambda d: d["entities"][1].update(kind="Organisation`) MATCH (n) DETACH DELETE n //"), "json")
    mutate("reltype-is-cypher", "type", lambda d: d["facts"][0].update(type="MEMBER_OF]->() MATCH (n) DETACH DELETE n //"))
    mutate("property-key-is-cypher", "name) DETACH DELETE (n", lambda d: d["entities"][0].update({"name) DETACH DELETE (n": "x"}))
    mutate("name-with-cypher", "name", lambda d: d["entities"][0].update(name="Alice'}) MATCH (n) DETACH DELETE n //"))
    mutate("name-with-backtick", "name", lambda d: d["entities"][0].update(name="Alice`Example"))
    mutate("name-with-newline", "name", lambda d: d["entities"][0].update(name="Alice\nExample"))
    mutate("name-not-text", "name", lambda d: d["entities"][0].update(name=12345))
    mutate("aliases-not-a-list", "aliases", lambda d: d["entities"][0].update(aliases="AE"))
    mutate("unknown-property", "colour", lambda d: d["entities"][1].update(colour="red"))
    mutate("unknown-reltype", "type", lambda d: d["facts"][0].update(type="LOVES"))
    mutate("stance-as-fact", "type", lambda d: d["facts"][0].update(type="DENIES"))
    mutate("dangling-from", "from", lambda d: d["facts"][0].update({"from": "nobody"}))
    mutate("dangling-evidence-source", "evidence[0].source", lambda d: d["entities"][0]["evidence"][0].update(source="ghost"))
    mutate("evidence-source-not-a-source", "evidence[0].source", lambda d: d["entities"][0]["evidence"][0].update(source="b"))
    mutate("quote-not-in-source", "evidence[0].quote", lambda d: d["facts"][0]["evidence"][0].update(quote="sold missiles to"))
    mutate("missing-evidence", "evidence", lambda d: d["entities"][1].pop("evidence"))
    mutate("empty-evidence", "evidence", lambda d: d["entities"][1].update(evidence=[]))
    mutate("wrong-endpoint-kind", "from", lambda d: d["facts"][0].update({"type": "SPEAKS_FOR", "from": "b", "to": "a"}))
    mutate("impossible-date", "date", lambda d: d["sources"][0].update(date="2022-02-30"))
    mutate("date-in-words", "date", lambda d: d["sources"][0].update(date="26 March 2022"))
    mutate("bad-reliability", "reliability", lambda d: d["sources"][0].update(reliability="Z"))
    mutate("conflicting-values", "description", lambda d: d["entities"].extend([
        {"ref": "a2", "kind": "Person", "name": "alice example", "description": "one",
         "evidence": [{"source": "doc", "quote": "Alice"}]},
        {"ref": "a3", "kind": "Person", "name": "ALICE EXAMPLE", "description": "another",
         "evidence": [{"source": "doc", "quote": "Alice"}]}]))
    mutate("duplicate-ref", "ref", lambda d: d["entities"][1].update(ref="a"))
    mutate("source-file-escapes", "file", lambda d: d["sources"][0].update(file="../../../../etc/passwd"))
    mutate("source-file-absolute", "file", lambda d: d["sources"][0].update(file="/etc/hostname"))
    mutate("huge-field", "description", lambda d: d["entities"][0].update(description="A" * 10_000_000))
    mutate("nan-coordinate", "lat", lambda d: d["entities"].append(
        {"ref": "p", "kind": "City", "name": "Springfield", "lat": float("nan"),
         "evidence": [{"source": "doc", "quote": "Springfield"}]}), "json")
    mutate("huge-integer", "order", lambda d: d["entities"].extend([
        {"ref": "s", "kind": "Shipment", "name": "S", "evidence": [{"source": "doc", "quote": "Bob"}]},
        {"ref": "l", "kind": "Leg", "shipment": "s", "order": 2 ** 70, "mode": "sea",
         "evidence": [{"source": "doc", "quote": "Bob"}]}]))
    mutate("bad-leg-mode", "mode", lambda d: d["entities"].extend([
        {"ref": "s", "kind": "Shipment", "name": "S", "evidence": [{"source": "doc", "quote": "Bob"}]},
        {"ref": "l", "kind": "Leg", "shipment": "s", "order": 1, "mode": "teleport",
         "evidence": [{"source": "doc", "quote": "Bob"}]}]))
    mutate("claim-credibility-7", "credibility", lambda d: d.update(claims=[
        {"ref": "c", "source": "doc", "statement": "Alice works for Bob", "quote": "works for",
         "reliability": "B", "credibility": 7}]))
    mutate("stance-without-quote", "quote", lambda d: d.update(
        claims=[{"ref": "c", "source": "doc", "statement": "Alice works for Bob", "quote": "works for",
                 "reliability": "B", "credibility": 2}],
        stances=[{"type": "DENIES", "by": "b", "target": "c", "source": "doc"}]))
    mutate("unknown-section", "secrets", lambda d: d.update(secrets=[1]))
    mutate("record-not-a-mapping", "(record)", lambda d: d["entities"].append("just a string"))
    mutate("ref-is-a-list", "claims[0]", lambda d: d["facts"][0].update(claims=[["x"]]))
    # text that would act on a terminal or reorder what is shown (issue 14 item 4): refused in
    # every text field, not only in names
    mutate("control-esc-in-description", "description", lambda d: d["entities"][0].update(
        description="Alice \x1b]52;c;ZWNobyBwd25lZA==\x07 (clipboard write)"))
    mutate("control-osc8-in-title", "title", lambda d: d["sources"][0].update(
        title="\x1b]8;;https://evil.example/\x1b\\Hostile report\x1b]8;;\x1b\\"))
    mutate("control-cr-in-url", "url", lambda d: d["sources"][0].update(url="https://evil.example/\rhttps://ok.example/"))
    mutate("control-newline-in-title", "title", lambda d: d["sources"][0].update(title="Hostile\ndocument"))
    mutate("control-c1-csi-in-note", "props.note", lambda d: d["facts"][0].update(props={"note": "works \x9b2J for"}))
    mutate("control-bel-in-alias", "aliases", lambda d: d["entities"][0].update(aliases=["AE\x07"]))
    mutate("bidi-override-in-quote", "evidence[0].quote", lambda d: d["entities"][1]["evidence"][0].update(
        quote="Bob \u202eCorp"))
    mutate("bidi-isolate-in-claim-quote", "quote", lambda d: d.update(claims=[
        {"ref": "c", "source": "doc", "statement": "Alice works for Bob", "quote": "works \u2067for",
         "reliability": "B", "credibility": 2}]))
    mutate("control-esc-in-dataset-name", "dataset", lambda d: d.update(dataset="hostile\x1b[2J"), "json")
    mutate("control-esc-in-json-statement", "statement", lambda d: d.update(claims=[
        {"ref": "c", "source": "doc", "statement": "Alice works for Bob\x1b[1A\x1b[2K", "quote": "works for",
         "reliability": "B", "credibility": 2}]), "json")
    # JSON keys given twice (JSON keeps the last silently; YAML duplicates are refused above)
    out["duplicate-key.json"] = ('{"dataset": "one", "entities": [], "dataset": "two"}', "dataset")
    out["duplicate-key-in-record.json"] = (json.dumps(base(), indent=1).replace(
        '"name": "Alice Example",', '"name": "Alice Example", "name": "Mallory",', 1), "name")
    # YAML 1.1 number forms that YAML 1.2 reads as text: refused where a number is expected
    out["yaml11-sexagesimal.yaml"] = (good_yaml.replace("entities:\n", "entities:\n- ref: p\n  kind: City\n"
                                      "  name: Springfield\n  lat: 1:20\n"
                                      "  evidence: [{source: doc, quote: Springfield}]\n", 1), "lat")
    out["yaml11-underscore-number.yaml"] = (good_yaml.replace("entities:\n", "entities:\n- ref: p\n  kind: City\n"
                                            "  name: Springfield\n  lon: 1_000\n"
                                            "  evidence: [{source: doc, quote: Springfield}]\n", 1), "lon")
    # neo4j-admin CSV (each file is loaded alone, so relationships point at nodes it lacks
    # only where that is the point of the case)
    people = "name:ID(Person),:LABEL,source,quote\nAlice Example,Person,Hostile test document,Alice Example\n"
    out["csv-truncated.csv"] = ('name:ID(Person),:LABEL,source,quote\nAlice Example,Person,"Hostile test doc', "(row)")
    out["csv-header-two-ids.csv"] = ("name:ID(Person),other:ID(Person),:LABEL\nA,B,Person\n", "other:ID(Person)")
    out["csv-header-unknown-type.csv"] = ("name:ID(Person),:LABEL,born:datetime\nA,Person,2020-01-01\n", "born:datetime")
    out["csv-header-empty-column.csv"] = ("name:ID(Person),,:LABEL\nA,x,Person\n", "(column 2)")
    out["csv-header-both-id-and-start.csv"] = (":ID,:START_ID,:END_ID,:TYPE\na,b,c,KNOWS\n", ":ID")
    out["csv-wrong-field-count.csv"] = (people + "Bob Example,Person\n", "(row)")
    out["csv-bad-float.csv"] = ("name:ID(X),:LABEL,lat:float,source,quote\nSrc,Document,,Src,itself\n"
                                "Springfield,City,north,Src,Springfield\n", "lat:float")
    out["csv-unknown-label.csv"] = ("name:ID(Wizard),:LABEL,source,quote\nMerlin,Wizard,d,q\n", ":LABEL")
    out["csv-label-injection.csv"] = ("name:ID(Person),:LABEL,source,quote\n"
                                      "Eve,\"Person`) MATCH (n) DETACH DELETE n //\",d,q\n", ":LABEL")
    out["csv-type-injection.csv"] = (":START_ID(Person),:END_ID(Person),:TYPE,source,quote\n"
                                     "A,B,\"KNOWS]->() MATCH (n) DETACH DELETE n //\",d,q\n", ":TYPE")
    out["csv-property-key-injection.csv"] = ("name:ID(Person),:LABEL,`x`) DETACH DELETE (n,source,quote\n"
                                             "A,Person,1,d,q\n", "`x`) DETACH DELETE (n")
    out["csv-dangling-start.csv"] = (":START_ID(Person),:END_ID(Person),:TYPE,source,quote\n"
                                     "Nobody,Noone,ASSOCIATED_WITH,d,q\n", ":START_ID(Person)")
    out["csv-no-provenance.csv"] = ("name:ID(Person),:LABEL\nAlice Example,Person\n", "source")
    out["csv-utf16.csv"] = (people.encode("utf-16"), "(file)")
    out["csv-control-in-quote.csv"] = ("name:ID(X),:LABEL,source,quote\nSrc,Document,Src,itself\n"
                                       "Alice Example,Person,Src,\"Alice\x1b]52;c;aGk=\x07 Example\"\n", "quote")
    out["csv-bidi-in-description.csv"] = ("name:ID(X),:LABEL,description,source,quote\nSrc,Document,,Src,itself\n"
                                          "Alice Example,Person,admin \u202egnp.exe,Src,Alice\n", "description")
    out["csv-bad-date.csv"] = ("name:ID(Document),:LABEL,date:date,source,quote\nSrc,Document,2022-01-01,Src,itself\n"
                               "Doc,Document,2022-13-45,Src,a document\n", "date:date")
    return out


def main() -> None:
    (HERE / "doc.txt").write_text(DOC, encoding="utf-8")
    expected = {}
    for name, (content, field) in sorted(cases().items()):
        path = HERE / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        expected[name] = field
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
